using Quanta.Analysis;
using Quanta.Data;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

namespace Quanta.Bench;

/// <summary>
/// `auto-study` suite: can a label-free score tell which calibration method will have the best top-1?
/// Each single method (and auto) quantizes each reference model from the same 512 images; each result is
/// scored against the float model on 2,048 other unlabelled training images (output SQNR, top-1 agreement,
/// mean KL: what auto could measure with far more samples than it holds out) and on the labelled test split.
/// Then auto is compared with the best single method image by image: the images only one of them gets
/// right, and the two-sided exact (McNemar) p-value of that split — whether the top-1 gap is larger than
/// the test set's own sampling noise. The test top-1 is also taken at several batch sizes: ONNX Runtime's
/// kernels round differently with the batch, and a quantized model's top-1 moves with it.
/// </summary>
static class AutoStudy
{
    static readonly string[] Methods = AutoSuite.Methods;
    static readonly Preprocessing Fashion = AutoSuite.Fashion;
    const int Unlabelled = 2048;
    /// <summary>Batch sizes the test split is run at; the first is the one the other suites use.</summary>
    static readonly int[] TestBatches = [64, 1, 16, 256];

    public static int Run(BenchArgs a)
    {
        Console.WriteLine($"512 calibration images (seed 0); label-free scores on {Unlabelled:N0} other training images (seed 7); 10,000 test images. {Hardware.Detect().Describe()}");
        Console.WriteLine();
        Console.WriteLine($"| model | method | test top-1 (batch {TestBatches[0]}) | top-1 at batch {string.Join(", ", TestBatches)} | test agreement with float | SQNR, {Unlabelled:N0} train (dB) | agreement, {Unlabelled:N0} train | mean KL, {Unlabelled:N0} train (×1e-3) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        var splits = new List<string>();
        foreach (var name in a.Rest.Length > 0 ? a.Rest : AutoSuite.ModelNames)
        {
            var model = Model.Load(Path.Combine(a.Models, name + ".onnx"));
            var unlabelled = ReferenceRun.Of(model, DataSource.Open(a.Data + ":train", new DataOptions(Fashion, Unlabelled, Seed: 7)),
                new ScoreOptions(Metric: Metric.Sqnr), new RuntimeOptions(a.Threads));
            var (labels, floatPredictions) = Predict(model, a, TestBatches[0]);
            Console.WriteLine($"| {name} | float | {Accuracy(floatPredictions, labels):0.0000} | {Spread(model, a, labels)} | | | | |");
            var predictions = new Dictionary<string, int[]>();
            foreach (var m in Methods)
            {
                var q = StaticQuantizer.Quantize(model, DataSource.Open(a.Data + ":train", new DataOptions(Fashion, 512)),
                    new QuantRecipe { Method = OptionNames.Parse<Quanta.Calibration.CalibrationMethod>(m, "calibration method") }.Resolve(Hardware.Detect()),
                    new RuntimeOptions(a.Threads)).Model;
                predictions[m] = Predict(q, a, TestBatches[0]).Predictions;
                var s = unlabelled.Score(q);
                double agree = predictions[m].Zip(floatPredictions).Count(p => p.First == p.Second) / (double)labels.Length;
                Console.WriteLine($"| {name} | {m} | {Accuracy(predictions[m], labels):0.0000} | {Spread(q, a, labels)} | {agree:0.0000} | {s.SqnrDb:0.00} | {s.Top1Agreement:0.0000} | {s.MeanKl * 1e3:0.000} |");
                Console.Error.WriteLine($"{name} {m} done");
            }
            var best = Methods.Where(m => m != "auto").MaxBy(m => Accuracy(predictions[m], labels))!;
            int onlyBest = 0, onlyAuto = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                bool b = predictions[best][i] == labels[i], au = predictions["auto"][i] == labels[i];
                if (b && !au) onlyBest++;
                if (au && !b) onlyAuto++;
            }
            splits.Add($"| {name} | {best} | {onlyBest} | {onlyAuto} | {onlyAuto - onlyBest:+0;-0;0} | {McNemar(onlyBest, onlyAuto):0.00} |");
        }
        Console.WriteLine();
        Console.WriteLine("| model | best single method | test images only it gets right | only auto gets right | auto − best (images) | exact two-sided p |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var row in splits) Console.WriteLine(row);
        return 0;
    }

    /// <summary>Test top-1 at every batch size in <see cref="TestBatches"/>.</summary>
    static string Spread(Model model, BenchArgs a, int[] labels) =>
        string.Join(", ", TestBatches.Select(b => $"{Accuracy(Predict(model, a, b).Predictions, labels):0.0000}"));

    static double Accuracy(int[] predictions, int[] labels) => predictions.Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;

    /// <summary>Every test image's label and the model's top-1 class.</summary>
    static (int[] Labels, int[] Predictions) Predict(Model model, BenchArgs a, int batchSize)
    {
        var data = DataSource.Open(a.Data + ":test", new DataOptions(Fashion));
        using var runner = new ModelRunner(model, new RuntimeOptions(a.Threads));
        List<int> labels = [], predictions = [];
        foreach (var batch in data.Batches(batchSize))
        {
            labels.AddRange(batch.Labels!.AsSpan(0, batch.Count).ToArray());
            runner.Run(batch, (output, shape, values) =>
            {
                if (output != runner.OutputNames[0]) return;
                int classes = (int)shape[1];
                for (int i = 0; i < batch.Count; i++)
                {
                    var row = values.Slice(i * classes, classes);
                    int arg = 0;
                    for (int c = 1; c < classes; c++) if (row[c] > row[arg]) arg = c;
                    predictions.Add(arg);
                }
            });
        }
        return (labels.ToArray(), predictions.ToArray());
    }

    /// <summary>Two-sided exact binomial test of b against c discordant pairs (p = 1/2).</summary>
    static double McNemar(int b, int c)
    {
        int n = b + c, k = Math.Min(b, c);
        if (n == 0) return 1;
        double tail = 0;
        for (int i = 0; i <= k; i++) tail += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
        return Math.Min(1, 2 * tail);
    }

    static double LogChoose(int n, int k)
    {
        double s = 0;
        for (int i = 1; i <= k; i++) s += Math.Log(n - k + i) - Math.Log(i);
        return s;
    }
}
