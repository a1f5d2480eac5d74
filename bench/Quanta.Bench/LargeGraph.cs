using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Bench;

/// <summary>
/// How quantization time and memory grow with the number of nodes: generated chains of
/// MatMul → Add → Relu blocks (16 wide, so the graph is large and the arithmetic small),
/// quantized statically on a few random samples, each size in its own process for its peak RSS.
/// Work per node is constant, so anything above linear growth is bookkeeping in the graph passes.
/// </summary>
static class LargeGraph
{
    const int Width = 16, Samples = 8;

    public static int Run(BenchArgs a)
    {
        int[] sizes = a.Rest.Length > 0 ? a.Rest.Select(int.Parse).ToArray() : [5_000, 10_000, 20_000];
        Console.WriteLine($"Static quantization of a generated chain of MatMul+Add+Relu blocks ({Width} wide), {Samples} random calibration samples; " +
                          $"median of {a.Repeat} runs, each in its own process. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine("| nodes | wall total (s) | calibration (s) | everything else (s) | CPU total (s) | peak RSS (MiB) | wall per 1k nodes (s) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (int nodes in sizes)
        {
            var runs = Enumerable.Range(0, a.Repeat).Select(_ => Child(nodes)).ToList();
            double total = Median(runs.Select(r => r.Total)), calib = Median(runs.Select(r => r.Calibration));
            double rss = Median(runs.Select(r => r.PeakMiB)), cpu = Median(runs.Select(r => r.Cpu));
            Console.WriteLine($"| {nodes:N0} | {total:0.00} | {calib:0.00} | {total - calib:0.00} | {cpu:0.00} | {rss:0} | {total / (nodes / 1000.0):0.00} |");
            Console.Error.WriteLine($"{nodes} nodes: {string.Join(", ", runs.Select(r => $"{r.Total:0.00} s"))}");
        }
        return 0;
    }

    static double Median(IEnumerable<double> xs) => BenchmarkComparison.Median(xs);

    static (double Total, double Calibration, double Cpu, double PeakMiB) Child(int nodes)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
        start.ArgumentList.Add(typeof(LargeGraph).Assembly.Location);
        start.ArgumentList.Add("large-graph-child");
        start.ArgumentList.Add(nodes.ToString());
        using var p = Process.Start(start)!;
        var fields = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        if (p.ExitCode != 0 || fields.Length != 4) throw new InvalidOperationException($"large-graph-child {nodes} failed (exit {p.ExitCode})");
        return (double.Parse(fields[0]), double.Parse(fields[1]), double.Parse(fields[2]), double.Parse(fields[3]) / (1 << 20));
    }

    /// <summary>One measurement: prints "wall-seconds calibration-seconds cpu-seconds peak-rss-bytes".</summary>
    public static int RunChild(BenchArgs a)
    {
        int nodes = int.Parse(a.Rest[0]);
        var model = Chain(nodes / 3);
        string npy = Path.Combine(Path.GetTempPath(), $"quanta-large-graph-{Environment.ProcessId}.npy");
        try
        {
            File.WriteAllBytes(npy, Npy(Random(Samples * Width, seed: 1), [Samples, Width]));
            var calibration = DataSource.Open(npy, new DataOptions(Preprocessing.Identity));
            var recipe = new QuantRecipe { CalibCount = Samples }.Resolve(Hardware.Detect());
            // CPU time as well as wall time: on a shared machine the wall clock also counts waiting for a core.
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var result = StaticQuantizer.Quantize(model, calibration, recipe);
            double total = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            if (result.Model.Graph.Nodes.Count(n => n.OpType == "QuantizeLinear") < nodes / 6)
                throw new InvalidOperationException("the chain was not quantized");
            Console.WriteLine($"{total:R} {result.CalibrationSeconds:R} {cpu:R} {ProcessMemory.PeakRssBytes()}");
        }
        finally { File.Delete(npy); }
        return 0;
    }

    /// <summary>x [N, 16] → <paramref name="blocks"/> × (MatMul by a 16×16 weight, Add a bias, Relu) → y.</summary>
    public static Model Chain(int blocks)
    {
        var g = new GraphProto { Name = "chain" };
        g.Input.Add(Value("x"));
        string h = "x";
        // He-style weights keep activations of a Relu chain in a stable range however long it is.
        float scale = MathF.Sqrt(6f / Width);
        for (int i = 0; i < blocks; i++)
        {
            g.Initializer.Add(Tensors.FromFloats($"w{i}", [Width, Width], Random(Width * Width, seed: 2 * i + 10, scale)));
            g.Initializer.Add(Tensors.FromFloats($"b{i}", [Width], Random(Width, seed: 2 * i + 11, 0.1f)));
            g.Node.Add(Node("MatMul", $"matmul{i}", [h, $"w{i}"], $"m{i}"));
            g.Node.Add(Node("Add", $"add{i}", [$"m{i}", $"b{i}"], $"a{i}"));
            h = i == blocks - 1 ? "y" : $"h{i}";
            g.Node.Add(Node("Relu", $"relu{i}", [$"a{i}"], h));
        }
        g.Output.Add(Value("y"));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, $"chain of {blocks * 3} nodes");
    }

    static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.AddRange(inputs);
        n.Output.Add(output);
        return n;
    }

    static ValueInfoProto Value(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = Width });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }

    static float[] Random(int count, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)(r.NextDouble() * 2 - 1) * scale;
        return v;
    }

    /// <summary>A little-endian float32 .npy file (format 1.0) of a matrix: how the calibration samples reach the quantizer.</summary>
    static byte[] Npy(float[] values, long[] shape)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte>([0x93, .. "NUMPY"u8, 1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        return bytes.ToArray();
    }
}
