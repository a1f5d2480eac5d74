using Quanta.Analysis;
using Quanta.Calibration;
using Quanta.Data;
using Quanta.IR;
using Quanta.Numerics;
using Quanta.Onnx;
using Quanta.Onnx.Proto;
using Quanta.Quantization;
using Quanta.Runtime;
using Quanta.Tests.Cli;
using Quanta.Tests.Data;
using Quanta.Tests.Modes;

namespace Quanta.Tests.Calibration;

/// <summary>
/// `--method auto` on a model built so that MinMax is the wrong choice: a hidden layer where one unit
/// fires hugely (≈500) on one sample in 97 and contributes almost nothing to the output, while the other
/// units live in [0, 3]. MinMax stretches the hidden layer's uint8 range over the outlier and rounds the
/// useful units to a few levels; a clipping method keeps them.
/// </summary>
public class AutoCalibrationTests
{
    const int Features = 16, Hidden = 33, Classes = 10;

    static Model OutlierModel()
    {
        var w1 = TinyModels.Random(Features * Hidden, 1, 0.5f);
        var b1 = new float[Hidden];
        for (int f = 0; f < Features; f++) w1[f * Hidden + Hidden - 1] = f == 0 ? 100 : 0; // the outlier unit reads x0 only
        b1[Hidden - 1] = -300;                                                                 // and fires when x0 > 3
        var w2 = TinyModels.Random(Hidden * Classes, 2);
        for (int c = 0; c < Classes; c++) w2[(Hidden - 1) * Classes + c] = 0.001f;
        var g = new GraphProto { Name = "outliers" };
        g.Initializer.Add(Tensors.FromFloats("W1", [Features, Hidden], w1));
        g.Initializer.Add(Tensors.FromFloats("b1", [Hidden], b1));
        g.Initializer.Add(Tensors.FromFloats("W2", [Hidden, Classes], w2));
        void Node(string op, string[] inputs, string output)
        {
            var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() + "_" + output };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            g.Node.Add(n);
        }
        Node("MatMul", ["x", "W1"], "pre");
        Node("Add", ["pre", "b1"], "biased");
        Node("Relu", ["biased"], "hidden");
        Node("MatMul", ["hidden", "W2"], "logits");
        g.Input.Add(Value("x", -1, Features));
        g.Output.Add(Value("logits", -1, Classes));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "outliers");
    }

    /// <summary>x[16] → MatMul → Relu (9,001 units) → MatMul → 10 logits: 32 × 9,001 hidden values a batch, binned from every second one.</summary>
    static Model WideModel()
    {
        const int wide = 9001;
        var g = new GraphProto { Name = "wide" };
        g.Initializer.Add(Tensors.FromFloats("W1", [Features, wide], TinyModels.Random(Features * wide, 3, 0.5f)));
        g.Initializer.Add(Tensors.FromFloats("W2", [wide, Classes], TinyModels.Random(wide * Classes, 4)));
        foreach (var (op, inputs, output) in new[] { ("MatMul", new[] { "x", "W1" }, "pre"), ("Relu", ["pre"], "hidden"), ("MatMul", ["hidden", "W2"], "logits") })
        {
            var n = new NodeProto { OpType = op, Name = op.ToLowerInvariant() + "_" + output };
            n.Input.AddRange(inputs);
            n.Output.Add(output);
            g.Node.Add(n);
        }
        g.Input.Add(Value("x", -1, Features));
        g.Output.Add(Value("logits", -1, Classes));
        var proto = new ModelProto { IrVersion = 8, Graph = g };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return new Model(proto, "wide");
    }

    static ValueInfoProto Value(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = DataTypes.Float, Shape = shape } } };
    }

    /// <summary>Gaussian features in an .npy file; every 97th sample has x0 = 8, which sets the outlier unit to 500.</summary>
    static string Data(TempDir dir, string name, int count, int seed)
    {
        var x = Quanta.Tests.Numerics.Synthetic.Gaussian(count * Features, seed);
        for (int i = 0; i < count; i += 97) x[i * Features] = 8;
        string path = Path.Combine(dir.Path, name + ".npy");
        File.WriteAllBytes(path, Writers.Npy(x, [count, Features]));
        return path;
    }

    static IDataset Open(string path) => DataSource.Open(path, new DataOptions(Preprocessing.Identity));

    [Fact]
    public void Auto_avoids_minmax_on_activation_outliers_and_says_why()
    {
        using var dir = new TempDir();
        var model = OutlierModel();
        var calibration = Open(Data(dir, "calib", 512, 1));
        var recipe = new QuantRecipe().Resolve(Hardware.Detect());
        Assert.Equal(CalibrationMethod.Auto, recipe.Method); // auto is the default

        var auto = StaticQuantizer.Quantize(model, calibration, recipe);
        var minmax = StaticQuantizer.Quantize(model, calibration, recipe with { Method = CalibrationMethod.MinMax });

        var choice = auto.Auto!;
        Assert.Null(minmax.Auto);
        Assert.True(choice.HeldOut);
        Assert.Equal(AutoCalibration.HeldOutCount(512), choice.ScoredSamples);
        Assert.True(choice.Method != CalibrationMethod.MinMax || choice.Tensors.Count > 0, choice.Describe());
        var minmaxTrial = choice.Trials.Single(t => t.Candidate == "minmax");
        Assert.False(minmaxTrial.Kept);
        Assert.True(choice.Trials.Where(t => t.Kept).Max(t => t.SqnrDb) > minmaxTrial.SqnrDb + 3, choice.Describe());
        Assert.Contains("outliers", choice.Why);
        Assert.Contains("hidden", choice.Why); // names the tensor whose outliers explain it
        Assert.True(choice.ByAgreement); // [N, 10] class scores: ranked by top-1 agreement first
        Assert.Contains("top-1 agreement, then output SQNR", choice.Describe());
        Assert.Contains(AutoCalibration.MetadataKey, auto.Model.Proto.MetadataProps.Select(p => p.Key));

        // On fresh samples (other seed, same outlier rate) the chosen ranges follow the float model more closely.
        var fresh = ReferenceRun.Of(model, Open(Data(dir, "fresh", 2000, 7)));
        double autoSqnr = fresh.Score(auto.Model).SqnrDb, minmaxSqnr = fresh.Score(minmax.Model).SqnrDb;
        Assert.True(autoSqnr > minmaxSqnr + 3, $"auto {autoSqnr:0.0} dB vs minmax {minmaxSqnr:0.0} dB");
    }

    /// <summary>
    /// On class scores a flipped decision outweighs any SQNR; equal agreement falls back to SQNR with the
    /// minimum gain; other outputs (detections, embeddings) are ranked by SQNR alone.
    /// </summary>
    [Fact]
    public void Class_scores_rank_by_agreement_then_sqnr()
    {
        (double Sqnr, double Agreement) loud = (45, 0.9375), agreeing = (30, 1.0), agreeingBetter = (30.2, 1.0);
        Assert.True(AutoCalibration.Ranks(agreeing, loud, byAgreement: true, 0));
        Assert.False(AutoCalibration.Ranks(loud, agreeing, byAgreement: true, 0));
        Assert.True(AutoCalibration.Ranks(agreeingBetter, agreeing, byAgreement: true, 0.05));
        Assert.False(AutoCalibration.Ranks(agreeingBetter, agreeing, byAgreement: true, 0.5)); // within the noise margin
        Assert.True(AutoCalibration.Ranks(loud, agreeing, byAgreement: false, 0));
        Assert.False(AutoCalibration.Ranks(agreeing, loud, byAgreement: false, 0));
    }

    /// <summary>
    /// Which outputs auto ranks by agreement: class scores per step ([N,T,C] of a single-output model, as a text
    /// recogniser's) are; a model with a second output (a detector's boxes beside its scores) is ranked by SQNR.
    /// </summary>
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Sequences_of_class_scores_rank_by_agreement_and_multi_output_models_by_sqnr(bool secondOutput, bool byAgreement)
    {
        using var dir = new TempDir();
        var model = OutlierModel();
        var g = model.Proto.Graph;
        // logits [N, 10] → [N, 2, 5]: two steps of five classes.
        g.Initializer.Add(Tensors.FromInt64s("steps", [3], [-1, 2, 5]));
        var reshape = new NodeProto { OpType = "Reshape", Name = "reshape_steps" };
        reshape.Input.AddRange(["logits", "steps"]);
        reshape.Output.Add("per_step");
        g.Node.Add(reshape);
        g.Output.Clear();
        g.Output.Add(Value("per_step", -1, 2, 5));
        if (secondOutput) g.Output.Add(Value("hidden", -1, Hidden));
        var r = StaticQuantizer.Quantize(new Model(model.Proto, "steps"), Open(Data(dir, "calib", 256, 1)), new QuantRecipe().Resolve(Hardware.Detect()));
        Assert.Equal(byAgreement, r.Auto!.ByAgreement);
        Assert.All(r.Auto.Trials.Where(t => t.Note == ""), t => Assert.InRange(t.Agreement, 0, 1));
    }

    [Fact]
    public void Too_few_samples_to_hold_out_scores_the_calibration_samples()
    {
        using var dir = new TempDir();
        var r = StaticQuantizer.Quantize(OutlierModel(), Open(Data(dir, "calib", 12, 3)), new QuantRecipe { Method = CalibrationMethod.Auto }.Resolve(Hardware.Detect()));
        Assert.False(r.Auto!.HeldOut);
        Assert.Equal(12, r.Auto.ScoredSamples);
        Assert.Equal(AutoCalibration.Candidates.Length, r.Auto.Trials.Count(t => !t.Candidate.Contains('→')));
    }

    [Fact]
    public void Cli_prints_the_score_table_and_the_choice_by_default()
    {
        using var dir = new TempDir();
        string modelPath = Path.Combine(dir.Path, "outliers.onnx"), output = Path.Combine(dir.Path, "q.onnx");
        OutlierModel().Save(modelPath);
        var r = CliRunner.Run("quantize", modelPath, "-o", output, "--calib", Data(dir, "calib", 256, 1));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("output SQNR", r.Stdout);
        Assert.Contains("ranked by top-1 agreement", r.Stdout);
        Assert.Contains("calibration chosen:", r.Stdout);
        Assert.Contains("minmax", r.Stdout);
        Assert.Contains(AutoCalibration.MetadataKey, Model.Load(output).Proto.MetadataProps.Select(p => p.Key));
        Assert.Contains("calibration auto", r.Stdout); // the recipe line
    }

    /// <summary>
    /// The one-session scorer feeds each candidate's scales, zero points and biases into a model written once
    /// with other ranges: its score must be exactly that of the model written with the candidate's own ranges.
    /// </summary>
    [Fact]
    public void One_session_scores_each_candidate_as_its_own_written_model()
    {
        using var dir = new TempDir();
        var model = OutlierModel();
        var recipe = new QuantRecipe().Resolve(Hardware.Detect());
        var data = Open(Data(dir, "calib", 256, 1));
        var minmax = StaticQuantizer.Quantize(model, data, recipe with { Method = CalibrationMethod.MinMax });
        var mse = StaticQuantizer.Quantize(model, data, recipe with { Method = CalibrationMethod.Mse });
        var prepared = Quanta.IR.Passes.PassPipeline.Run(model, Quanta.IR.Passes.PassPipeline.Normalize, out _);
        var reference = ReferenceRun.Of(prepared, data, new ScoreOptions(Metric: Metric.Sqnr), new RuntimeOptions(Optimize: false));
        static Dictionary<string, (float, float)> Ranges(QuantizeResult r) => r.Ranges.ToDictionary(c => c.Tensor, c => (c.Min, c.Max));

        // Written with minmax's ranges, scoring mse's (which clip the outlier unit), then minmax's own.
        using (var scorer = CandidateScorer.Open(prepared, Planner.Plan(prepared.Graph, recipe), Ranges(minmax), reference))
        {
            Assert.Equal(reference.Score(mse.Model).SqnrDb, scorer.Score(Ranges(mse)).SqnrDb, 6);
            Assert.Equal(reference.Score(minmax.Model).SqnrDb, scorer.Score(Ranges(minmax)).SqnrDb, 6);
        }
        Assert.NotEqual(reference.Score(minmax.Model).SqnrDb, reference.Score(mse.Model).SqnrDb, 2); // the candidates really differ
    }

    /// <summary>
    /// Auto's final ranges come from a histogram binned exactly as the chosen single method's is, so choosing
    /// mse gives mse's model. Large batches are binned from a strided sample; the batch cut at the held-out
    /// boundary (here at sample 29 of 32: 101 samples, 8 held out) must be sampled as the whole batch would be,
    /// not each piece with its own stride — merging the fit and held-out histograms did the latter.
    /// </summary>
    [Fact]
    public void Final_ranges_come_from_the_single_methods_histogram()
    {
        using var dir = new TempDir();
        var model = WideModel();
        var data = Open(Data(dir, "calib", 101, 3));
        var single = (MseObserver)Calibrator.Observe(model, ["hidden"], data, () => new MseObserver(Histogram.DefaultBins), 32).Observers["hidden"];
        var split = new HeldOutSplit(data, AutoCalibration.HeldOutCount(data.Count));
        var auto = (SplitHistogram)Calibrator.Observe(model, ["hidden"], split, () => new SplitHistogram(split, Histogram.DefaultBins), 32).Observers["hidden"];

        Assert.Equal(8, split.HeldOutCount);
        Assert.True(HistogramObserver.SampleStride(32 * 9001) > 1);   // the whole batch is sampled …
        Assert.Equal(1, HistogramObserver.SampleStride(29 * 9001));   // … its fit piece alone would not be
        Assert.Equal(single.Histogram.Count, auto.All.Count);
        Assert.Equal(single.Histogram.Counts.ToArray(), auto.All.Counts.ToArray());
        var spec = new QuantSpec(QuantType.UInt8);
        Assert.Equal(single.Range(spec), AutoCalibration.RangeOf("hidden", CalibrationMethod.Mse, auto.All, spec, new CalibrationSettings()));
        // The merge it replaces differs: the cut batch's fit piece was binned whole.
        var merged = new Histogram(Histogram.DefaultBins);
        merged.Merge(auto.Fit);
        merged.Merge(auto.HeldOut);
        Assert.NotEqual(single.Histogram.Count, merged.Count);
    }
}
