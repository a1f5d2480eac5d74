using Google.Protobuf;
using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

public class ExternalDataTests
{
    [Fact]
    public void SavesAndLoadsTheCnnWithASideFile()
    {
        var folder = Directory.CreateTempSubdirectory("quanta-ext-").FullName;
        try
        {
            var model = IrFixtures.Load("fmnist_cnn.onnx");
            string path = Path.Combine(folder, "cnn.onnx");
            model.Save(path, new SaveOptions(ExternalData: true));
            Assert.True(File.Exists(path + ".data"));
            // The weights moved out: the protobuf itself is now small.
            Assert.True(new FileInfo(path).Length < 100_000, $"model file is {new FileInfo(path).Length} bytes");
            Assert.True(new FileInfo(path + ".data").Length > 1_000_000);

            var loaded = Model.Load(path);
            Assert.Equal(model.Graph.Initializers.Count(), loaded.Graph.Initializers.Count());
            Assert.Equal(IrFixtures.Logits(model), IrFixtures.Logits(loaded));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void File_bytes_count_every_side_file_whatever_its_name()
    {
        // Exporters name side files freely (model.onnx_data, weights.bin): the size a user is shown includes them.
        var folder = Directory.CreateTempSubdirectory("quanta-ext-").FullName;
        try
        {
            var model = IrFixtures.Load("fmnist_cnn.onnx");
            string path = Path.Combine(folder, "cnn.onnx");
            model.Save(path, new SaveOptions(ExternalData: true));
            File.Move(path + ".data", Path.Combine(folder, "weights.bin"));
            var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            foreach (var t in proto.Graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
                t.ExternalData.Single(e => e.Key == "location").Value = "weights.bin";
            File.WriteAllBytes(path, proto.ToByteArray());

            var loaded = Model.Load(path);
            Assert.Equal(new FileInfo(path).Length + new FileInfo(Path.Combine(folder, "weights.bin")).Length, loaded.FileBytes);
            string inline = Path.Combine(folder, "inline.onnx");
            model.Save(inline);
            Assert.Equal(new FileInfo(inline).Length, Model.Load(inline).FileBytes);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Theory]
    [InlineData("../escape.bin")]
    [InlineData("/etc/passwd")]
    public void RefusesExternalDataOutsideTheModelFolder(string location)
    {
        var folder = Directory.CreateTempSubdirectory("quanta-esc-").FullName;
        try
        {
            var graph = new GraphProto { Name = "g" };
            var weight = new TensorProto { Name = "w", DataType = DataTypes.Float, DataLocation = TensorProto.Types.DataLocation.External };
            weight.Dims.Add(4);
            weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            weight.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "16" });
            graph.Initializer.Add(weight);
            graph.Input.Add(Float("x", 4));
            graph.Output.Add(Float("y", 4));
            graph.Node.Add(new NodeProto { OpType = "Add", Input = { "x", "w" }, Output = { "y" } });
            var proto = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 17 } } };
            string path = Path.Combine(folder, "escape.onnx");
            File.WriteAllBytes(path, proto.ToByteArray());

            var e = Assert.Throws<QuantaException>(() => Model.Load(path));
            Assert.Contains("escapes the model's folder", e.Message);
            Assert.Contains(location, e.Message);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    internal static ValueInfoProto Float(string name, params long[] dims) =>
        new() { Name = name, Type = ShapeInference.ToTypeProto(new TensorTypeInfo(DataTypes.Float, dims.Select(Dim.Of).ToArray())) };
}
