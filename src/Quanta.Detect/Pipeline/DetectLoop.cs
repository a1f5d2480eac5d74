using System.Diagnostics;
using Quanta.Detect.Drawing;
using Quanta.Detect.Frames;
using Quanta.Detect.Inference;
using Quanta.Detect.Scoring;
using Quanta.Detect.Sinks;
using Quanta.Detect.Sources;
using Quanta.Detect.Timing;
using Quanta.Runtime;

namespace Quanta.Detect.Pipeline;

/// <summary>
/// The camera loop: decode ∥ infer ∥ draw/encode, three threads joined by bounded
/// <see cref="StageHandoff{T}"/>s (blocking hand-offs that allocate nothing) over a
/// fixed pool of frames. The decode stage also preprocesses each frame into that frame's own bound
/// input buffer, so the inference thread does nothing but Run and post-process. Pixel buffers,
/// input/output tensors, detection lists and the timing records (histograms and decimated series,
/// fixed size) are reused, so the steady state allocates nothing per frame. Under
/// <see cref="LoopOptions.Realtime"/> the decode queue drops its oldest frame when inference falls
/// behind (counted as dropped), so what is drawn is never more than a queue's worth old.
/// </summary>
public sealed class DetectLoop
{
    readonly IFrameSource _source;
    readonly DetectorSession _detector;
    readonly DetectorSession? _reference;
    readonly IFrameSink? _sink;
    readonly DetectionLog? _log;
    readonly LoopOptions _options;
    readonly IProgress<LoopStatus>? _progress;

    readonly FramePool _pool;
    readonly FrameTimes _latency = new(), _inference = new(), _referenceInference = new();
    readonly DetectionTally? _vsTruth, _referenceVsTruth, _vsReference;
    readonly List<MemorySample> _memory = [];
    readonly List<AnnotatedFrame> _samples = [];
    readonly float[] _window = new float[512], _scratch = new float[512];
    long _dropped, _completed, _started;

    DetectLoop(IFrameSource source, DetectorSession detector, DetectorSession? reference, IFrameSink? sink, DetectionLog? log, LoopOptions options, IProgress<LoopStatus>? progress)
    {
        (_source, _detector, _reference, _sink, _log, _options, _progress) = (source, detector, reference, sink, log, options, progress);
        _pool = new FramePool(source.Width, source.Height, 2 * options.QueueCapacity + 3);
        _vsTruth = new(); _referenceVsTruth = reference is null ? null : new(); _vsReference = reference is null ? null : new();
    }

    public static LoopResult Run(IFrameSource source, DetectorSession detector, DetectorSession? reference, IFrameSink? sink,
        LoopOptions options, IProgress<LoopStatus>? progress = null, DetectionLog? log = null, CancellationToken cancel = default) =>
        new DetectLoop(source, detector, reference, sink, log, options, progress).Run(cancel);

    LoopResult Run(CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var decoded = new StageHandoff<Frame>(_options.QueueCapacity, dropOldest: _options.Realtime,
            dropped: dropped => { Interlocked.Increment(ref _dropped); _pool.Return(dropped); });
        var inferred = new StageHandoff<Frame>(_options.QueueCapacity);

        _started = Stopwatch.GetTimestamp();
        var stages = new[]
        {
            Stage(() => Decode(decoded, stop.Token), decoded, stop),
            Stage(() => Infer(decoded, inferred, stop.Token), inferred, stop),
            Stage(() => Draw(inferred, stop.Token), null, stop),
        };
        try
        {
            Task.WaitAll(stages, CancellationToken.None); // the stages cancel each other through `stop`
        }
        catch (AggregateException e)
        {
            // The stage that failed first cancelled the others; report its error, not their cancellations.
            var first = e.InnerExceptions.FirstOrDefault(x => x is not OperationCanceledException) ?? e.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
        }
        double seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        _sink?.Complete();
        _log?.Complete();
        _memory.Add(Sample());
        return new LoopResult
        {
            Source = _source.Description, Frames = _completed, Dropped = _dropped, WallSeconds = seconds,
            Latency = _latency, Inference = _inference,
            ReferenceInference = _reference is null ? null : _referenceInference,
            VsTruth = _truthSeen ? _vsTruth : null,
            ReferenceVsTruth = _truthSeen ? _referenceVsTruth : null, VsReference = _vsReference,
            Memory = _memory, Samples = _samples,
        };
    }

    /// <summary>Runs a stage on its own thread; a failure cancels the other stages; the stage's output is completed either way.</summary>
    static Task Stage(Action body, StageHandoff<Frame>? output, CancellationTokenSource stop) =>
        Task.Factory.StartNew(() =>
        {
            try { body(); }
            catch (Exception e) when (e is not OperationCanceledException) { stop.Cancel(); throw; }
            finally { output?.Complete(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    void Decode(StageHandoff<Frame> output, CancellationToken cancel)
    {
        // A non-live source under --realtime is read at the camera rate it stands for, not as fast as it decodes.
        bool paced = _options.Realtime && !_source.IsLive;
        double ticksPerFrame = Stopwatch.Frequency / FrameRate;
        long limit = _options.MaxFrames ?? long.MaxValue;
        for (long index = 0; index < limit; index++)
        {
            if (paced) WaitUntil(_started + (long)((index + 1) * ticksPerFrame), cancel);
            var frame = _pool.Rent(cancel);
            frame.Reset(index);
            if (!_source.Read(frame)) { _pool.Return(frame); break; }
            frame.CapturedAt = Stopwatch.GetTimestamp();
            // Preprocessing here, into the frame's own bound input, overlaps the previous frame's Run.
            _detector.Prepare(frame);
            _reference?.Prepare(frame);
            output.Add(frame, cancel);
        }
    }

    static void WaitUntil(long timestamp, CancellationToken cancel)
    {
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            double ms = (timestamp - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
            if (ms <= 0) return;
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(ms, 20)));
        }
    }

    void Infer(StageHandoff<Frame> input, StageHandoff<Frame> output, CancellationToken cancel)
    {
        while (input.TryTake(out var frame, cancel))
        {
            frame.InferenceMs = _detector.Run(frame, frame.Detections);
            if (_reference is not null) frame.ReferenceInferenceMs = _reference.Run(frame, frame.ReferenceDetections);
            output.Add(frame, cancel);
        }
    }

    bool _truthSeen;
    long _lastReport;
    float _lastLatency;

    void Draw(StageHandoff<Frame> input, CancellationToken cancel)
    {
        while (input.TryTake(out var frame, cancel))
        {
            Score(frame);
            _log?.Write(frame);
            double elapsed = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            if (_sink is not null || _samples.Count < _options.KeepSamples)
            {
                if (_reference is not null) Overlay.Detections(frame, frame.ReferenceDetections, Rgb.Orange);
                Overlay.Detections(frame, frame.Detections, Rgb.Green);
                Overlay.Status(frame, _options.Label, elapsed > 0 ? _completed / elapsed : 0, _lastLatency);
            }
            _sink?.Write(frame);
            float latency = (float)Stopwatch.GetElapsedTime(frame.CapturedAt).TotalMilliseconds;
            Record(frame, latency);
            Keep(frame);
            _pool.Return(frame);
        }
    }

    void Score(Frame frame)
    {
        if (frame.HasTruth)
        {
            _truthSeen = true;
            var truth = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(frame.Truth);
            _vsTruth!.Add(frame.Detections.Items, truth);
            _referenceVsTruth?.Add(frame.ReferenceDetections.Items, truth);
        }
        _vsReference?.Add(frame.Detections.Items, frame.ReferenceDetections);
    }

    void Record(Frame frame, float latency)
    {
        _latency.Add(latency);
        _lastLatency = latency;
        _inference.Add((float)frame.InferenceMs);
        if (_reference is not null) _referenceInference.Add((float)frame.ReferenceInferenceMs);
        _window[_completed % _window.Length] = latency;
        _completed++;
        if (_completed % _options.MemoryEvery == 0) _memory.Add(Sample());
        long now = Stopwatch.GetTimestamp();
        if (_progress is not null && Stopwatch.GetElapsedTime(_lastReport, now).TotalMilliseconds >= 250)
        {
            _lastReport = now;
            int n = (int)Math.Min(_completed, _window.Length);
            _window.AsSpan(0, n).CopyTo(_scratch);
            _scratch.AsSpan(0, n).Sort();
            double seconds = Stopwatch.GetElapsedTime(_started, now).TotalSeconds;
            _progress.Report(new LoopStatus(_completed, _options.MaxFrames ?? _source.Count, _completed / seconds,
                _scratch[(n - 1) / 2], _scratch[Math.Max(0, (int)Math.Ceiling(0.99 * n) - 1)], Interlocked.Read(ref _dropped)));
        }
    }

    /// <summary>Keeps the first frame and frames where the detector and its reference (or the truth) disagree.</summary>
    void Keep(Frame frame)
    {
        if (_samples.Count >= _options.KeepSamples) return;
        string? note = null;
        if (_samples.Count == 0) note = "first frame";
        else if (_reference is not null && frame.Detections.Count != frame.ReferenceDetections.Count)
            note = $"{frame.Detections.Count} vs {frame.ReferenceDetections.Count} reference detections";
        else if (frame.HasTruth && frame.Detections.Count != frame.Truth.Count)
            note = $"{frame.Detections.Count} detections, {frame.Truth.Count} faces in the scene";
        if (note is not null) _samples.Add(new AnnotatedFrame(frame.Index, frame.Width, frame.Height, (byte[])frame.Pixels.Clone(), note));
    }

    MemorySample Sample() => new(_completed, ProcessMemory.RssBytes(), GC.GetTotalAllocatedBytes());

    double FrameRate => _options.FramesPerSecond ?? _source.FramesPerSecond ?? 30;

    /// <summary>The frame rate to write into an output video.</summary>
    public static double OutputFrameRate(IFrameSource source, LoopOptions options) => options.FramesPerSecond ?? source.FramesPerSecond ?? 30;
}
