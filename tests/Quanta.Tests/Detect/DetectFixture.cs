using Google.Protobuf;
using Quanta.Detect.Scenes;
using Quanta.Onnx.Proto;
using Quanta.Tests.IR;

namespace Quanta.Tests.Detect;

/// <summary>Files the detect tests share: the embedded UltraFace detector written out, and a small classifier that is no detector.</summary>
public sealed class DetectFixture : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("quanta-detect-").FullName;
    public string Detector { get; }
    /// <summary>Input [1,3,8,8] (as a detector's), one output [1,3]: fits no detection head.</summary>
    public string Classifier { get; }

    public DetectFixture()
    {
        TestData.EnsureFfmpeg();
        Detector = EmbeddedAssets.ExtractDetector(Folder);
        var graph = new GraphProto { Name = "classifier" };
        graph.Input.Add(ExternalDataTests.Float("image", 1, 3, 8, 8));
        graph.Output.Add(ExternalDataTests.Float("logits", 1, 3));
        graph.Node.Add(new NodeProto { OpType = "GlobalAveragePool", Input = { "image" }, Output = { "pooled" } });
        graph.Node.Add(new NodeProto { OpType = "Flatten", Input = { "pooled" }, Output = { "logits" } });
        var proto = new ModelProto { IrVersion = 8, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 17 } } };
        Classifier = Path.Combine(Folder, "classifier.onnx");
        File.WriteAllBytes(Classifier, proto.ToByteArray());
    }

    public void Dispose() => Directory.Delete(Folder, true);
}
