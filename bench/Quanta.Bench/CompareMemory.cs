using System.Diagnostics;
using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.TestModels;

namespace Quanta.Bench;

/// <summary>
/// Peak memory of `compare` on a model with large activations (a text-recogniser-sized input,
/// 3×96×320, 32-channel maps of 3.75 MiB per sample each), at 64 and 1,024 samples, each in its
/// own process: the statistics stream, so the peak must not grow with the samples.
/// </summary>
static class CompareMemory
{
    const int Height = 96, Width = 320;

    public static int Run(BenchArgs a)
    {
        string dir = Directory.CreateTempSubdirectory("quanta-compare-memory-").FullName;
        try
        {
            var model = Model();
            model.Save(Path.Combine(dir, "float.onnx"));
            WriteSamples(Path.Combine(dir, "samples.npy"), 1024);
            var calib = DataSource.Open(Path.Combine(dir, "samples.npy"), new DataOptions(Preprocessing.Identity, 16));
            var q = StaticQuantizer.Quantize(model, calib, new QuantRecipe { CalibCount = 16 }.Resolve(Hardware.Detect()));
            q.Model.Save(Path.Combine(dir, "quant.onnx"));

            Console.WriteLine($"Peak RSS of `compare` (one process per run) on a generated model with 3×{Height}×{Width} inputs and 32-channel activations (3.75 MiB each per sample, 6 quantized activations). {Hardware.Detect().Describe()}");
            Console.WriteLine();
            Console.WriteLine("| samples | peak RSS (MiB) | ratio to 64 |");
            Console.WriteLine("|---|---|---|");
            double baseline = 0;
            foreach (int count in new[] { 64, 1024 })
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true };
                start.ArgumentList.Add(typeof(CompareMemory).Assembly.Location);
                foreach (var s in new[] { "compare-memory-child", dir, count.ToString() }) start.ArgumentList.Add(s);
                using var p = Process.Start(start)!;
                double mib = double.Parse(p.StandardOutput.ReadToEnd().Trim()) / (1 << 20);
                p.WaitForExit();
                if (count == 64) baseline = mib;
                Console.WriteLine($"| {count} | {mib:0} | {mib / baseline:0.00}× |");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static int Child(string dir, int count)
    {
        var data = DataSource.Open(Path.Combine(dir, "samples.npy"), new DataOptions(Preprocessing.Identity, count));
        var r = ModelComparer.Compare(Quanta.IR.Model.Load(Path.Combine(dir, "float.onnx")), Quanta.IR.Model.Load(Path.Combine(dir, "quant.onnx")), data);
        if (r.Samples != count) throw new InvalidOperationException($"compared {r.Samples} of {count}");
        Console.WriteLine(ProcessMemory.PeakRssBytes());
        return 0;
    }

    static Model Model()
    {
        var b = new GraphKit("recogniser_like", seed: 3);
        var x = b.Input("image", DataTypes.Float, "batch", 3, Height, Width);
        string Block(string input, int inC, int outC, int stride) =>
            b.Node("Relu", [b.Node("Conv", [input, b.Weight($"w{inC}_{outC}_{stride}", [outC, inC, 3, 3], inC * 9), b.Zeros($"b{inC}_{outC}_{stride}", outC)],
                GraphKit.Attr.Ints("pads", 1, 1, 1, 1), GraphKit.Attr.Ints("strides", stride, stride))]);
        var h = Block(Block(Block(x, 3, 32, 1), 32, 32, 1), 32, 32, 1);
        h = Block(h, 32, 64, 2);
        var pooled = b.Node("Flatten", [b.Node("GlobalAveragePool", [h])]);
        b.Named("Gemm", "scores", [pooled, b.Weight("fc.w", [40, 64], 64), b.Zeros("fc.b", 40)], GraphKit.Attr.Int("transB", 1));
        b.Output("scores", DataTypes.Float, "batch", 40);
        return b.Build();
    }

    /// <summary>Smooth random images in [-1, 1] (not noise: neighbouring pixels correlate, as in text lines).</summary>
    static void WriteSamples(string path, int count)
    {
        int per = 3 * Height * Width;
        using var f = File.Create(path);
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({count}, 3, {Height}, {Width}), }}";
        int total = 10 + dict.Length + 1, padded = (total + 63) / 64 * 64;
        string header = dict + new string(' ', padded - total) + "\n";
        f.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(header.Length & 0xff), (byte)(header.Length >> 8)]);
        f.Write(System.Text.Encoding.ASCII.GetBytes(header));
        var random = new Random(7);
        var sample = new float[per];
        for (int s = 0; s < count; s++)
        {
            double fx = random.NextDouble() * 0.2, fy = random.NextDouble() * 0.3, phase = random.NextDouble() * 6;
            for (int i = 0; i < per; i++)
            {
                int w = i % Width, h = i / Width % Height;
                sample[i] = (float)Math.Sin(w * fx + h * fy + phase + i / (Height * Width));
            }
            f.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(sample.AsSpan()));
        }
    }
}
