using Quanta.Runtime;
using Spectre.Console;

namespace Quanta.Cli.Output;

/// <summary>
/// Draws library progress on stderr: live Spectre.Console bars on a terminal, plain
/// lines (one per task per tenth) when stderr is a file or pipe, so logs stay readable.
/// </summary>
static class ProgressDisplay
{
    public static T Run<T>(Func<IProgress<WorkProgress>, T> work)
    {
        if (Console.IsErrorRedirected || !Printer.Stderr.Profile.Capabilities.Interactive)
            return work(new PlainLines());
        T result = default!;
        Printer.Stderr.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = work(new Bars(ctx)));
        return result;
    }

    sealed class Bars(ProgressContext ctx) : IProgress<WorkProgress>
    {
        readonly Dictionary<string, ProgressTask> _tasks = new();

        public void Report(WorkProgress p)
        {
            if (!_tasks.TryGetValue(p.Task, out var task)) _tasks[p.Task] = task = ctx.AddTask(p.Task, maxValue: Math.Max(1, p.Total));
            task.MaxValue = Math.Max(1, p.Total);
            task.Value = Math.Min(p.Done, p.Total);
        }
    }

    sealed class PlainLines : IProgress<WorkProgress>
    {
        readonly Dictionary<string, int> _lastTenth = new();

        public void Report(WorkProgress p)
        {
            int tenth = p.Total <= 0 ? 10 : (int)(10 * p.Done / p.Total);
            if (_lastTenth.TryGetValue(p.Task, out var last) && tenth <= last) return;
            _lastTenth[p.Task] = tenth;
            if (tenth is 0 && p.Done > 0) return;
            Console.Error.WriteLine($"{p.Task}: {p.Done}/{p.Total}");
        }
    }
}
