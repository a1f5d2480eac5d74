using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Quanta.Analysis;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Tests.Cli;
using Quanta.Tests.Data;
using Quanta.Tests.TestModels;

namespace Quanta.Tests.Evaluation;

/// <summary>
/// A model with class scores per step ([batch, steps, classes], a text recogniser's output) and
/// labels [batch, steps]: accuracy is top-1 over all steps, with each sample's labels kept with it.
/// </summary>
public class PerStepAccuracyTests
{
    const int Samples = 90, Steps = 4, Features = 8, Classes = 5;

    /// <summary>x [batch, 4, 8] → MatMul + Add → logits [batch, 4, 5].</summary>
    static Model StepClassifier(string path)
    {
        var g = new GraphKit("step_classifier", seed: 3);
        string x = g.Input("x", DataTypes.Float, "batch", Steps, Features);
        g.Named("Add", "logits", [g.Node("MatMul", [x, g.Weight("w", [Features, Classes], Features)]), g.Constant("b", [Classes], g.Normal(Classes, 0.1))]);
        g.Output("logits", DataTypes.Float, "batch", Steps, Classes);
        var model = g.Build();
        model.Save(path);
        return model;
    }

    static float[] Inputs()
    {
        var r = new Random(7);
        return Enumerable.Range(0, Samples * Steps * Features).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The class ONNX Runtime's argmax picks at every step, straight from a session (no Quanta code).</summary>
    static int[] ArgMaxPerStep(string modelPath, float[] x)
    {
        using var session = new InferenceSession(modelPath);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [Samples, Steps, Features]);
        using var outputs = session.Run(new RunOptions(), ["x"], [input], ["logits"]);
        var logits = outputs[0].GetTensorDataAsSpan<float>();
        var best = new int[Samples * Steps];
        for (int row = 0; row < best.Length; row++)
        {
            var scores = logits.Slice(row * Classes, Classes);
            for (int c = 1; c < Classes; c++)
                if (scores[c] > scores[best[row]]) best[row] = c;
        }
        return best;
    }

    static void WriteData(string path, float[] x, long[] labels) =>
        Writers.Npz(path, CompressionLevel.Fastest,
            ("x", Writers.Npy(x, [Samples, Steps, Features])),
            ("y", Writers.Npy("<i8", [Samples, Steps], MemoryMarshal.AsBytes(labels.AsSpan()))));

    static DataOptions Plain(int? count = null) => new(Preprocessing.Identity, count, Seed: 5);

    [Fact]
    public void TopOneCountsEveryStep()
    {
        using var tmp = new TempDir();
        var model = StepClassifier(tmp["steps.onnx"]);
        var x = Inputs();
        var best = ArgMaxPerStep(tmp["steps.onnx"], x);
        // Every third step labelled with another class than the model's answer: 2/3 of the steps are right.
        var labels = best.Select((c, i) => (long)(i % 3 == 0 ? (c + 1) % Classes : c)).ToArray();
        WriteData(tmp["test.npz"], x, labels);
        double expected = (double)labels.Where((l, i) => l == best[i]).Count() / labels.Length;

        var result = Evaluator.Evaluate(model, DataSource.Open(tmp["test.npz"], Plain()), batchSize: 16);
        Assert.Equal(Samples * Steps, result.Count);
        Assert.Equal(Samples, result.Samples);
        Assert.Equal(expected, result.Top1, 12);
        Assert.Equal(Samples * Steps, result.PerClassCount.Sum());

        // The float reference's top-1 (eval --reference, tune, sensitivity) is the same per-step count.
        var reference = ReferenceRun.Of(model, DataSource.Open(tmp["test.npz"], Plain()), new ScoreOptions(BatchSize: 16, Metric: Metric.Top1));
        Assert.Equal(100 * expected, reference.ReferencePoints, 9);
    }

    [Fact]
    public void ASubsetKeepsEachSamplesLabels()
    {
        using var tmp = new TempDir();
        var model = StepClassifier(tmp["steps.onnx"]);
        var x = Inputs();
        WriteData(tmp["test.npz"], x, ArgMaxPerStep(tmp["steps.onnx"], x).Select(c => (long)c).ToArray());

        // Labels that are the model's own answers: any misalignment of a seeded subset's labels shows as errors.
        var result = Evaluator.Evaluate(model, DataSource.Open(tmp["test.npz"], Plain(count: 37)), batchSize: 8);
        Assert.Equal(37 * Steps, result.Count);
        Assert.Equal(1.0, result.Top1);
    }

    [Fact]
    public void TheCommandLineReportsSamplesAndSteps()
    {
        using var tmp = new TempDir();
        StepClassifier(tmp["steps.onnx"]);
        var x = Inputs();
        WriteData(tmp["test.npz"], x, ArgMaxPerStep(tmp["steps.onnx"], x).Select(c => (long)c).ToArray());

        var r = CliRunner.Run("eval", tmp["steps.onnx"], "--data", tmp["test.npz"], "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var json = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(Samples * Steps, json.GetProperty("count").GetInt32());
        Assert.Equal(Samples, json.GetProperty("samples").GetInt32());
        Assert.Equal(1.0, json.GetProperty("top1").GetDouble());
    }

    [Fact]
    public void LabelsPerStepForAPerSampleOutputAreRefused()
    {
        using var tmp = new TempDir();
        var x = Inputs();
        WriteData(tmp["test.npz"], x, new long[Samples * Steps]);
        var g = new GraphKit("pooled", seed: 1);
        string input = g.Input("x", DataTypes.Float, "batch", Steps, Features);
        g.Named("ReduceMean", "scores", [input], GraphKit.Attr.Ints("axes", 1), GraphKit.Attr.Int("keepdims", 0));
        g.Output("scores", DataTypes.Float, "batch", Features);

        var e = Assert.Throws<QuantaException>(() => Evaluator.Evaluate(g.Build(), DataSource.Open(tmp["test.npz"], Plain())));
        Assert.Equal(FailureKind.BadInput, e.Kind);
        Assert.StartsWith("output 'scores' has shape [64,8] for 64 samples with 256 labels; accuracy needs", e.Message);
    }
}
