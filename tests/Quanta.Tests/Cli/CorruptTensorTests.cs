using Google.Protobuf;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.Cli;

/// <summary>
/// A real model with one tensor tampered so that what it declares and what it holds disagree:
/// every verb refuses it at load with exit code 2 and one line naming the tensor.
/// </summary>
public class CorruptTensorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quanta-corrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    static ModelProto Reference() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Model("fmnist_cnn.onnx")));

    /// <summary>The first float initializer stored as raw data, which each test tampers with.</summary>
    static TensorProto Weight(ModelProto model) =>
        model.Graph.Initializer.First(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.HasRawData && t.RawData.Length >= 64);

    string Write(string name, ModelProto model)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    static string Refused(params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        return CliRunner.SingleErrorLine(r);
    }

    [Fact]
    public void HugeShapeOverSixteenBytes()
    {
        var model = Reference();
        var w = Weight(model);
        w.Dims.Clear();
        w.Dims.Add(1L << 40);
        w.RawData = ByteString.CopyFrom(new byte[16]);
        string path = Write("huge.onnx", model);
        string error = Refused("inspect", path);
        Assert.Contains($"huge.onnx: initializer '{w.Name}'", error);
        Assert.Contains("1099511627776", error);
        // Every verb loads through the same check, before it looks at its other arguments.
        Assert.Contains($"initializer '{w.Name}'", Refused("bench", path, "--runs", "1"));
    }

    [Fact]
    public void RawDataShorterThanItsShape()
    {
        var model = Reference();
        var w = Weight(model);
        int held = w.RawData.Length / 2;
        w.RawData = ByteString.CopyFrom(w.RawData.Span[..held]);
        string error = Refused("inspect", Write("short.onnx", model));
        Assert.Contains($"initializer '{w.Name}'", error);
        Assert.Contains($"holds {held} bytes", error);
    }

    [Fact]
    public void TypedFieldWithTooFewValues()
    {
        var model = Reference();
        var w = Weight(model);
        w.ClearRawData();
        w.FloatData.Add([1f, 2f, 3f]);
        string error = Refused("inspect", Write("typed.onnx", model));
        Assert.Contains($"initializer '{w.Name}'", error);
        Assert.Contains("float_data holds 3 values", error);
    }

    [Fact]
    public void ExternalDataPastTheEndOfItsFile()
    {
        var model = Reference();
        var w = Weight(model);
        File.WriteAllBytes(Path.Combine(_dir, "weights.bin"), w.RawData.Span[..32].ToArray());
        w.ClearRawData();
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "16" });
        string error = Refused("inspect", Write("external.onnx", model));
        Assert.Contains($"initializer '{w.Name}'", error);
        Assert.Contains("'weights.bin', which holds 32 bytes", error);
    }

    [Fact]
    public void NegativeDimension()
    {
        var model = Reference();
        var w = Weight(model);
        w.Dims[0] = -3;
        string error = Refused("inspect", Write("negative.onnx", model));
        Assert.Contains($"initializer '{w.Name}' has a negative dimension -3", error);
    }

    [Fact]
    public void ConstantInsideAnIfBody()
    {
        // A Constant node in the then-branch of an If declares 2^20 floats and holds 8 bytes.
        var model = Reference();
        var bad = new TensorProto { Name = "table", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(new byte[8]) };
        bad.Dims.Add(1 << 20);
        var constant = new NodeProto { OpType = "Constant", Name = "inner_constant" };
        constant.Output.Add("branch_out");
        constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = bad });
        var body = new GraphProto { Name = "then" };
        body.Node.Add(constant);
        body.Output.Add(new ValueInfoProto { Name = "branch_out" });
        var cond = new TensorProto { Name = "cond", DataType = (int)TensorProto.Types.DataType.Bool, RawData = ByteString.CopyFrom([1]) };
        model.Graph.Initializer.Add(cond);
        var branch = new NodeProto { OpType = "If", Name = "choose" };
        branch.Input.Add("cond");
        branch.Output.Add("chosen");
        branch.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = body });
        branch.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = body.Clone() });
        model.Graph.Node.Add(branch);
        string error = Refused("inspect", Write("subgraph.onnx", model));
        Assert.Contains("tensor attribute 'value' of node 'inner_constant' in the 'then_branch' body of node 'choose'", error);
        Assert.Contains("holds 8 bytes", error);
    }

    [Fact]
    public void TheUntamperedModelStillLoads()
    {
        var r = CliRunner.Run("inspect", Write("intact.onnx", Reference()));
        Assert.Equal(0, r.ExitCode);
    }
}
