using Quanta.IR;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.Tests.IR;

public class LargeModelTests
{
    [Fact]
    [Trait("Category", "Large")]
    public void AModelOverTwoGigabytesIsSavedWithExternalDataAndLoadsBack()
    {
        const long elements = 1_100L * 1024 * 1024 / 4 * 1; // ~1.1 GiB of floats each
        var folder = Directory.CreateTempSubdirectory("quanta-big-").FullName;
        string path = Path.Combine(folder, "big.onnx");
        try
        {
            var graph = new GraphProto { Name = "big" };
            graph.Input.Add(ExternalDataTests.Float("x", elements));
            graph.Output.Add(ExternalDataTests.Float("y", elements));
            graph.Output.Add(ExternalDataTests.Float("b_copy", elements));
            graph.Initializer.Add(Filled("a", elements, 0x11));
            graph.Initializer.Add(Filled("b", elements, 0x22));
            graph.Node.Add(new NodeProto { OpType = "Add", Input = { "x", "a" }, Output = { "xa" } });
            graph.Node.Add(new NodeProto { OpType = "Add", Input = { "xa", "b" }, Output = { "y" } });
            graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "b" }, Output = { "b_copy" } });
            var model = new Model(new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 17 } } }, "big");
            Assert.True(model.Graph.InitializerBytes() > int.MaxValue);

            ModelIO.Save(model, path); // no options: must notice the 2 GiB limit itself
            Assert.True(File.Exists(path + ".data"));
            Assert.True(new FileInfo(path).Length < 1_000_000);

            var loaded = Model.Load(path);
            // Large tensors stay on disk after loading, read when asked.
            var a = loaded.Graph.Initializer("a")!;
            var b = loaded.Graph.Initializer("b")!;
            Assert.True(ExternalData.IsOnDisk(a) && ExternalData.IsOnDisk(b));
            Assert.Equal(elements * 4, Tensors.ByteSize(a));
            Assert.Equal(new long[] { elements }, a.Dims.ToArray());
            var aBytes = ExternalData.Read(a);
            foreach (long i in new[] { 0L, 1, elements * 2, elements * 4 - 1 }) Assert.Equal(Pattern(i, 0x11), aBytes[(int)i]);
            aBytes = null;
            var bBytes = ExternalData.Read(b);
            foreach (long i in new[] { 0L, 1, elements * 2, elements * 4 - 1 }) Assert.Equal(Pattern(i, 0x22), bBytes[(int)i]);
            Assert.Equal(3, loaded.Graph.Nodes.Count);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    static byte Pattern(long i, int seed) => (byte)(seed ^ (i * 31 >> 3));

    static TensorProto Filled(string name, long elements, int seed)
    {
        var bytes = GC.AllocateUninitializedArray<byte>((int)(elements * 4));
        for (long i = 0; i < bytes.Length; i++) bytes[i] = Pattern(i, seed);
        var t = new TensorProto { Name = name, DataType = DataTypes.Float, RawData = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(bytes) };
        t.Dims.Add(elements);
        return t;
    }
}
