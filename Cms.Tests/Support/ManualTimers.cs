namespace Cms.Tests.Support;

/// <summary>A time provider whose timers fire only when the test fires them (the clock itself is the system's): a
/// worker's pause can be seen and ended deterministically.</summary>
public sealed class ManualTimers : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];

    /// <summary>How many timers are waiting (created, neither fired nor disposed).</summary>
    public int Pending
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count(t => !t.Done);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(callback, state);
        lock (_timers)
        {
            _timers.RemoveAll(t => t.Done);
            _timers.Add(timer);
        }

        return timer;
    }

    /// <summary>Fires every waiting timer once.</summary>
    public void FireAll()
    {
        ManualTimer[] waiting;
        lock (_timers)
        {
            waiting = [.. _timers.Where(t => !t.Done)];
        }

        foreach (var timer in waiting)
        {
            timer.Fire();
        }
    }

    private sealed class ManualTimer(TimerCallback callback, object? state) : ITimer
    {
        private int _done;

        public bool Done => Volatile.Read(ref _done) == 1;

        public void Fire()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                callback(state);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period) => !Done;

        public void Dispose() => Interlocked.Exchange(ref _done, 1);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
