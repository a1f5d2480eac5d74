using System.Diagnostics;
using System.Threading.Channels;
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
/// The camera loop: decode ∥ infer ∥ draw/encode, three stages joined by bounded channels over a
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
        var decoded = Channel.CreateBounded<Frame>(
            new BoundedChannelOptions(_options.QueueCapacity)
            {
                FullMode = _options.Realtime ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
                SingleReader = true, SingleWriter = true,
            },
            dropped => { Interlocked.Increment(ref _dropped); _pool.Return(dropped); });
        var inferred = Channel.CreateBounded<Frame>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true, SingleWriter = true });

        _started = Stopwatch.GetTimestamp();
        var stages = new[]
        {
            Stage(() => Decode(decoded.Writer, stop.Token), decoded.Writer, stop),
            Stage(() => Infer(decoded.Reader, inferred.Writer, stop.Token), inferred.Writer, stop),
            Stage(() => Draw(inferred.Reader, stop.Token), null, stop),
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

    /// <summary>Runs a stage on its own thread; a failure cancels the other stages and closes the stage's output.</summary>
    static Task Stage(Func<Task> body, ChannelWriter<Frame>? output, CancellationTokenSource stop) =>
        Task.Factory.StartNew(async () =>
        {
            Exception? error = null;
            try { await body(); }
            catch (Exception e) { error = e; if (e is not OperationCanceledException) stop.Cancel(); throw; }
            finally { output?.TryComplete(error is OperationCanceledException ? null : error); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    async Task Decode(ChannelWriter<Frame> output, CancellationToken cancel)
    {
        // A non-live source under --realtime is read at the camera rate it stands for, not as fast as it decodes.
        using var pace = _options.Realtime && !_source.IsLive ? new PeriodicTimer(TimeSpan.FromSeconds(1 / FrameRate)) : null;
        long limit = _options.MaxFrames ?? long.MaxValue;
        for (long index = 0; index < limit; index++)
        {
            if (pace is not null && !await pace.WaitForNextTickAsync(cancel)) break;
            var frame = _pool.Rent(cancel);
            frame.Reset(index);
            if (!_source.Read(frame)) { _pool.Return(frame); break; }
            frame.CapturedAt = Stopwatch.GetTimestamp();
            _detector.Prepare(frame);
            _reference?.Prepare(frame);
            await output.WriteAsync(frame, cancel);
        }
    }

    async Task Infer(ChannelReader<Frame> input, ChannelWriter<Frame> output, CancellationToken cancel)
    {
        while (await input.WaitToReadAsync(cancel))
            while (input.TryRead(out var frame))
            {
                frame.InferenceMs = _detector.Run(frame, frame.Detections);
                if (_reference is not null) frame.ReferenceInferenceMs = _reference.Run(frame, frame.ReferenceDetections);
                await output.WriteAsync(frame, cancel);
            }
    }

    bool _truthSeen;
    long _lastReport;
    float _lastLatency;

    async Task Draw(ChannelReader<Frame> input, CancellationToken cancel)
    {
        while (await input.WaitToReadAsync(cancel))
            while (input.TryRead(out var frame))
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
