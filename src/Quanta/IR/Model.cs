using Google.Protobuf;
using Quanta.Onnx;
using Quanta.Onnx.Proto;

namespace Quanta.IR;

/// <summary>
/// A loaded ONNX model: the protobuf itself (so nothing is lost on a round trip)
/// plus a <see cref="Graph"/> view with the indexes passes need.
/// </summary>
public sealed class Model
{
    public ModelProto Proto { get; }
    public Graph Graph { get; }
    /// <summary>Where the model was read from (for messages), or a descriptive name.</summary>
    public string Source { get; }
    /// <summary>Bytes on disk of the file it was read from and every external-data file its tensors point to; 0 for a model built in memory.</summary>
    public long FileBytes { get; init; }

    public Model(ModelProto proto, string source)
    {
        Proto = proto;
        Source = source;
        Graph = new Graph(proto.Graph);
    }

    /// <summary>A deep copy to mutate; tensor bytes are immutable and shared.</summary>
    public Model Clone() => new(Proto.Clone(), Source);

    public long Opset(string domain = "")
    {
        foreach (var o in Proto.OpsetImport)
            if (NormalDomain(o.Domain) == NormalDomain(domain)) return o.Version;
        return 0;
    }

    public void SetOpset(string domain, long version)
    {
        foreach (var o in Proto.OpsetImport)
            if (NormalDomain(o.Domain) == NormalDomain(domain)) { o.Version = version; return; }
        Proto.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
    }

    static string NormalDomain(string d) => d == "ai.onnx" ? "" : d;

    public string? Metadata(string key) => Proto.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    public void SetMetadata(string key, string value)
    {
        var entry = Proto.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (entry is null) Proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        else entry.Value = value;
    }

    public byte[] ToBytes() => ModelIO.ToBytes(Proto);

    /// <summary>Bytes the model takes serialized (protobuf plus any tensor data).</summary>
    public long SerializedBytes() => ModelIO.SerializedBytes(Proto);

    public static Model Load(string path) => ModelIO.Load(path);
    public void Save(string path, SaveOptions? options = null) => ModelIO.Save(this, path, options);
}
