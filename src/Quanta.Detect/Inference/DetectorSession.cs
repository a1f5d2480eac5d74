using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Quanta.Detect.Frames;
using Quanta.Detect.Heads;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Detect.Inference;

/// <summary>
/// One detector ready to run frame after frame: an ONNX Runtime session (loaded through
/// <see cref="ModelRunner"/>) whose inputs and outputs are bound once to pinned buffers through
/// <see cref="OrtIoBinding"/>s, so a frame costs preprocessing into an input buffer, Run, and
/// decoding out of the output buffers — nothing allocated per frame, managed or native.
/// Each pooled frame (<see cref="Frame.Slot"/>) gets its own input buffer and binding on first
/// use, so the loop can <see cref="Prepare"/> the next frames on its decode thread while
/// <see cref="Run"/> works on this one; the outputs are shared (one Run at a time per session).
/// </summary>
public sealed class DetectorSession : IDisposable
{
    readonly ModelRunner _runner;
    readonly RunOptions _runOptions = new();
    readonly Preprocessor _preprocessor;
    readonly DetectorOptions _options;
    readonly long[] _inputShape;
    InputSlot?[] _slots = new InputSlot?[8];
    readonly object _slotsLock = new();
    readonly string[] _inputNames;
    readonly string[] _outputNames;
    readonly float[][] _outputs;
    readonly OrtValue[] _outputValues;
    readonly Detection[] _candidates;

    public string Model { get; }
    public IDetectionHead Head { get; }
    public int InputWidth => _preprocessor.Width;
    public int InputHeight => _preprocessor.Height;

    public DetectorSession(string modelPath, DetectorOptions options)
    {
        if (!File.Exists(modelPath)) throw QuantaException.BadInput($"{modelPath}: no such model file");
        Model = modelPath;
        _options = options;
        _runner = new ModelRunner(IR.Model.Load(modelPath), new RuntimeOptions(options.Threads));
        try
        {
            var input = _runner.Inputs.All[0];
            var shape = input.Dims ?? [];
            if (_runner.Inputs.All.Count != 1 || shape.Length != 4 || shape[0] > 1 || shape[1] != 3 || shape[2] <= 0 || shape[3] <= 0)
                throw QuantaException.BadInput($"{modelPath}: input '{input.Name}' has shape {input.ShapeText}; detect needs one RGB image input [1,3,H,W] with H and W fixed");
            _preprocessor = new Preprocessor((int)shape[3], (int)shape[2], options.Mean, options.Std);
            _inputShape = [1, 3, shape[2], shape[3]];
            _inputNames = _runner.Inputs.Names;

            // Output shapes may be symbolic in the file; one run at batch 1 tells the real ones.
            var infos = new List<OutputInfo>();
            using (var zeros = OrtValue.CreateTensorValueFromMemory(new float[3 * shape[2] * shape[3]], _inputShape))
            using (var first = _runner.Session.Run(_runOptions, _inputNames, [zeros], _runner.OutputNames))
                for (int i = 0; i < first.Count; i++)
                {
                    var info = first[i].GetTensorTypeAndShape();
                    infos.Add(new OutputInfo(_runner.OutputNames[i], info.Shape, info.ElementDataType == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float));
                }
            Head = DetectionHeads.Bind(modelPath, infos);
            var floats = infos.Where(o => o.IsFloat).ToList();
            _outputNames = floats.Select(o => o.Name).ToArray();
            _outputs = floats.Select(o => new float[o.Shape.Aggregate(1L, (a, b) => a * b)]).ToArray();
            _outputValues = floats.Select((o, i) => OrtValue.CreateTensorValueFromMemory(_outputs[i], o.Shape)).ToArray();
            // The head indexes outputs in the model's order; non-float outputs are never a head's.
            if (floats.Count != infos.Count)
                throw QuantaException.BadInput($"{modelPath}: outputs {string.Join(", ", infos.Where(o => !o.IsFloat).Select(o => o.Name))} are not float; detect reads float outputs only");
            _candidates = new Detection[Head.MaxCandidates];
        }
        catch
        {
            _runner.Dispose();
            throw;
        }
    }

    /// <summary>Preprocesses, runs and post-processes one frame into <paramref name="detections"/>; returns the model's run time in ms.</summary>
    public double Detect(Frame frame, DetectionSet detections)
    {
        Prepare(frame);
        return Run(frame, detections);
    }

    /// <summary>Preprocesses <paramref name="frame"/> into its slot's input buffer (any thread; one call per frame at a time).</summary>
    public void Prepare(Frame frame) => _preprocessor.Run(frame.Pixels, frame.Width, frame.Height, SlotOf(frame).Input);

    /// <summary>Runs the model on the input <see cref="Prepare"/> left in the frame's slot and post-processes into <paramref name="detections"/>; returns the Run's time in ms.</summary>
    public double Run(Frame frame, DetectionSet detections)
    {
        var slot = SlotOf(frame);
        long start = Stopwatch.GetTimestamp();
        _runner.Session.RunWithBinding(_runOptions, slot.Binding);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        int n = Head.Decode(_outputs, _options.ScoreThreshold, _candidates);
        Nms.Apply(_candidates.AsSpan(0, n), _options.NmsIou, detections);
        return ms;
    }

    /// <summary>The frame's slot, created (and the table grown) on first use only: the steady state takes no lock.</summary>
    InputSlot SlotOf(Frame frame)
    {
        if (frame.Slot < 0) throw new ArgumentException($"frame slot {frame.Slot} is negative", nameof(frame));
        var slots = Volatile.Read(ref _slots);
        if (frame.Slot < slots.Length && Volatile.Read(ref slots[frame.Slot]) is { } existing) return existing;
        lock (_slotsLock)
        {
            if (frame.Slot >= _slots.Length)
            {
                var grown = new InputSlot?[Math.Max(frame.Slot + 1, 2 * _slots.Length)];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }
            return _slots[frame.Slot] ??= new InputSlot(_runner.Session, _inputNames[0], _inputShape, _outputNames, _outputValues);
        }
    }

    /// <summary>One frame slot's pinned input buffer, bound with the shared outputs.</summary>
    sealed class InputSlot : IDisposable
    {
        public float[] Input { get; }
        readonly OrtValue _value;
        public OrtIoBinding Binding { get; }

        public InputSlot(InferenceSession session, string inputName, long[] shape, string[] outputNames, OrtValue[] outputs)
        {
            Input = new float[shape.Aggregate(1L, (a, b) => a * b)];
            _value = OrtValue.CreateTensorValueFromMemory(Input, shape);
            Binding = session.CreateIoBinding();
            Binding.BindInput(inputName, _value);
            for (int i = 0; i < outputNames.Length; i++) Binding.BindOutput(outputNames[i], outputs[i]);
        }

        public void Dispose()
        {
            Binding.Dispose();
            _value.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var s in _slots) s?.Dispose();
        foreach (var v in _outputValues) v.Dispose();
        _runOptions.Dispose();
        _runner.Dispose();
    }
}
