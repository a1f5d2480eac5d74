namespace Quanta.Bench;

sealed record BenchArgs(string Suite, string Models, string Data, int Repeat, int Threads, string[] Rest)
{
    public static BenchArgs Parse(string[] args)
    {
        string suite = args.Length > 0 ? args[0] : "";
        string models = "../shared/models", data = "/usr/share/datasets/fashion-mnist";
        int repeat = 5, threads = 2;
        var rest = new List<string>();
        for (int i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--models": models = args[++i]; break;
                case "--data": data = args[++i]; break;
                case "--repeat": repeat = int.Parse(args[++i]); break;
                case "--threads": threads = int.Parse(args[++i]); break;
                default: rest.Add(args[i]); break;
            }
        }
        return new BenchArgs(suite, models, data, repeat, threads, rest.ToArray());
    }

    public static int Usage()
    {
        Console.Error.WriteLine("usage: Quanta.Bench accuracy|methods|speed|memory|compare-memory|int4|variants|large-graph|stream|auto|auto-default|smoothquant|recovery [--models DIR] [--data DIR] [--repeat N] [--threads T]");
        return 2;
    }
}
