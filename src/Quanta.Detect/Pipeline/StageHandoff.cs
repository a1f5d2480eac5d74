namespace Quanta.Detect.Pipeline;

/// <summary>
/// A bounded FIFO between two stages of the loop that allocates nothing per item: a ring buffer
/// under a lock, with the waiting side parked in <see cref="Monitor.Wait(object, int)"/> and woken
/// directly by the other side (no thread-pool continuation in between, no async state to box, no
/// per-wait cancellation registration: cancellation is polled every few milliseconds while waiting).
/// With <c>dropOldest</c> an add never waits: a full queue hands its oldest item to <c>dropped</c>.
/// </summary>
public sealed class StageHandoff<T> where T : class
{
    const int PollMs = 20;
    readonly T?[] _items;
    readonly bool _dropOldest;
    readonly Action<T>? _dropped;
    readonly object _lock = new();
    int _head, _count;
    bool _completed;

    public StageHandoff(int capacity, bool dropOldest = false, Action<T>? dropped = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        (_items, _dropOldest, _dropped) = (new T?[capacity], dropOldest, dropped);
    }

    /// <summary>Adds <paramref name="item"/>, waiting while the queue is full (unless it drops its oldest).</summary>
    public void Add(T item, CancellationToken cancel)
    {
        T? victim = null;
        lock (_lock)
        {
            if (_completed) throw new InvalidOperationException("the queue was completed");
            while (_count == _items.Length && !_dropOldest)
            {
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_lock, PollMs);
            }
            if (_count == _items.Length)
            {
                victim = _items[_head];
                _items[_head] = null;
                _head = (_head + 1) % _items.Length;
                _count--;
            }
            _items[(_head + _count) % _items.Length] = item;
            _count++;
            Monitor.PulseAll(_lock);
        }
        if (victim is not null) _dropped?.Invoke(victim);
    }

    /// <summary>Takes the oldest item, waiting while the queue is empty; false once it is completed and empty.</summary>
    public bool TryTake(out T item, CancellationToken cancel)
    {
        lock (_lock)
        {
            while (_count == 0)
            {
                if (_completed) { item = null!; return false; }
                cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_lock, PollMs);
            }
            item = _items[_head]!;
            _items[_head] = null;
            _head = (_head + 1) % _items.Length;
            _count--;
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>No more items will be added: takers drain what is left, then get false.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
