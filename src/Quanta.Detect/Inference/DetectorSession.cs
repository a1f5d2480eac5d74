using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Quanta.Detect.Frames;
using Quanta.Detect.Heads;
using Quanta.IR;
using Quanta.Runtime;

namespace Quanta.Detect.Inference;

/// <summary>
/// One detector ready to run frame after frame: an ONNX Runtime session (loaded through
/// <see cref="ModelRunner"/>) whose input and output tensors are bound once to pinned buffers, so
/// a frame costs preprocessing into the input buffer, Run, and decoding out of the output
/// buffers — no tensors allocated per frame.
/// </summary>
public sealed class DetectorSession : IDisposable
{
    readonly ModelRunner _runner;
    readonly RunOptions _runOptions = new();
    readonly Preprocessor _preprocessor;
    readonly DetectorOptions _options;
    readonly float[] _input;
    readonly OrtValue[] _inputValues;
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
            _input = new float[3 * shape[2] * shape[3]];
            _inputNames = _runner.Inputs.Names;
            _inputValues = [OrtValue.CreateTensorValueFromMemory(_input, [1, 3, shape[2], shape[3]])];

            // Output shapes may be symbolic in the file; one run at batch 1 tells the real ones.
            var infos = new List<OutputInfo>();
            using (var first = _runner.Session.Run(_runOptions, _inputNames, _inputValues, _runner.OutputNames))
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
        _preprocessor.Run(frame.Pixels, frame.Width, frame.Height, _input);
        long start = Stopwatch.GetTimestamp();
        _runner.Session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        int n = Head.Decode(_outputs, _options.ScoreThreshold, _candidates);
        Nms.Apply(_candidates.AsSpan(0, n), _options.NmsIou, detections);
        return ms;
    }

    public void Dispose()
    {
        foreach (var v in _inputValues) v.Dispose();
        foreach (var v in _outputValues) v.Dispose();
        _runOptions.Dispose();
        _runner.Dispose();
    }
}
