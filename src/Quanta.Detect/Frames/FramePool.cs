using System.Collections.Concurrent;

namespace Quanta.Detect.Frames;

/// <summary>
/// A fixed set of frames of one size, handed out and returned by the pipeline's stages. Its size
/// bounds the memory of the loop: when all frames are in flight the decoder waits for one.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Managed frames only; the pool lives as long as the loop that owns it.")]
public sealed class FramePool
{
    readonly BlockingCollection<Frame> _free;

    public FramePool(int width, int height, int count)
    {
        _free = new BlockingCollection<Frame>(new ConcurrentQueue<Frame>(), count);
        for (int i = 0; i < count; i++) _free.Add(new Frame(width, height) { Slot = i });
    }

    /// <summary>Takes a free frame, waiting while all are in flight.</summary>
    public Frame Rent(CancellationToken cancel) => _free.Take(cancel);

    public void Return(Frame frame) => _free.Add(frame);
}
