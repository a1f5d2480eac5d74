using Quanta.Detect.Pipeline;

namespace Quanta.Detect.Frames;

/// <summary>
/// A fixed set of frames of one size, handed out and returned by the pipeline's stages. Its size
/// bounds the memory of the loop: when all frames are in flight the decoder waits for one.
/// Each frame keeps its <see cref="Frame.Slot"/> (its place in the pool) for the detectors' bound inputs.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "Managed frames only; the pool lives as long as the loop that owns it.")]
public sealed class FramePool
{
    readonly StageHandoff<Frame> _free;

    public FramePool(int width, int height, int count)
    {
        _free = new StageHandoff<Frame>(count);
        for (int i = 0; i < count; i++) _free.Add(new Frame(width, height) { Slot = i }, CancellationToken.None);
    }

    /// <summary>Takes a free frame, waiting while all are in flight.</summary>
    public Frame Rent(CancellationToken cancel) => _free.TryTake(out var frame, cancel) ? frame : throw new InvalidOperationException("the frame pool was closed");

    public void Return(Frame frame) => _free.Add(frame, CancellationToken.None);
}
