using Google.Protobuf;
using Quanta.IR;
using Quanta.Onnx.Proto;

namespace Quanta.Onnx;

/// <summary>How a model is written.</summary>
/// <param name="ExternalData">Write large tensors to a side file ("OUT.data") even when the model would fit in one protobuf.</param>
/// <param name="ExternalThresholdBytes">Tensors at least this large go to the side file when external data is used.</param>
public sealed record SaveOptions(bool ExternalData = false, long ExternalThresholdBytes = Onnx.ExternalData.SideFileThresholdBytes);

/// <summary>
/// Reading and writing ONNX files. Reading validates what it reads, so that a corrupt,
/// truncated or hostile file fails here with one clear line rather than deep inside a pass.
/// Writing is atomic: a temporary file renamed into place, never a half-written model.
/// </summary>
internal static class ModelIO
{
    /// <summary>A protobuf message cannot exceed 2 GiB; beyond this we must write external data.</summary>
    public const long ProtobufLimit = int.MaxValue - 64L * 1024 * 1024;

    public static Model Load(string path)
    {
        if (Directory.Exists(path)) throw QuantaException.BadInput($"{path}: is a folder, expected an .onnx file");
        if (!File.Exists(path)) throw QuantaException.BadInput($"{path}: model file not found");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) { throw QuantaException.BadInput($"{path}: cannot read ({e.Message})"); }
        catch (UnauthorizedAccessException) { throw QuantaException.BadInput($"{path}: permission denied"); }
        return Parse(bytes, path);
    }

    /// <summary>Parses model bytes; external data is resolved against the folder of <paramref name="path"/>.</summary>
    public static Model Parse(byte[] bytes, string path)
    {
        if (bytes.Length == 0) throw QuantaException.BadInput($"{path}: file is empty, not an ONNX model");
        ModelProto proto;
        try { proto = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        {
            throw QuantaException.BadInput($"{path}: not a valid ONNX model (corrupt or truncated protobuf: {FirstSentence(e.Message)})");
        }
        if (proto.Graph is null || proto.IrVersion <= 0 || proto.OpsetImport.Count == 0)
            throw QuantaException.BadInput($"{path}: not an ONNX model (no graph, IR version or opset import)");

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        TensorValidation.Check(proto.Graph, folder, path);
        long sideFileBytes = ExternalData.Load(proto, folder, path);
        var model = new Model(proto, path) { FileBytes = bytes.Length + sideFileBytes };
        var problems = model.Graph.Validate();
        if (problems.Count > 0)
            throw QuantaException.BadInput($"{path}: invalid graph: {problems[0]}{(problems.Count > 1 ? $" (and {problems.Count - 1} more problems)" : "")}");
        return model;
    }

    /// <summary>
    /// Writes the model atomically; large models (or <see cref="SaveOptions.ExternalData"/>) put tensors in "OUT.data".
    /// Returns true when a streaming pass's spill file became "OUT.data" rather than being copied (<see cref="TensorSpill.TryAdopt"/>).
    /// </summary>
    public static bool Save(Model model, string path, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw QuantaException.BadInput($"{path}: output folder does not exist");

        // Tensors still on disk (a model read with external data) go to the side file by copy:
        // holding them in one protobuf would read the whole model into memory.
        bool external = options.ExternalData || model.Graph.InitializerBytes() > ProtobufLimit || ExternalData.AnyOnDisk(model.Proto);
        var proto = model.Proto.Clone(); // cheap: tensor bytes are shared, not copied
        ExternalData.DropStaleEntries(proto);
        string? dataTemp = external ? TempName(full + ".data") : null, dataFinal = external ? full + ".data" : null;
        string temp = TempName(full);
        bool adopted = false;
        try
        {
            if (external) adopted = ExternalData.Write(proto, dataTemp!, Path.GetFileName(dataFinal!), options.ExternalThresholdBytes);
            using (var stream = File.Create(temp)) proto.WriteTo(stream);
            if (dataTemp is not null) File.Move(dataTemp, dataFinal!, overwrite: true);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            if (dataTemp is not null && File.Exists(dataTemp)) File.Delete(dataTemp); // an adopted spill keeps its own name
        }
        return adopted;
    }

    /// <summary>The bytes of a model that fits in one protobuf (what ONNX Runtime loads from memory), on-disk tensors read in.</summary>
    public static byte[] ToBytes(Model model) => ToBytes(model.Proto);

    /// <summary>Bytes the model takes serialized with every tensor inline (on-disk tensors counted at their length).</summary>
    public static long SerializedBytes(ModelProto proto) =>
        proto.CalculateSize() + ExternalData.AllTensors(proto.Graph).Where(ExternalData.IsOnDisk).Sum(Tensors.ByteSize);

    /// <inheritdoc cref="ToBytes(Model)"/>
    public static byte[] ToBytes(ModelProto proto)
    {
        var copy = proto.Clone(); // cheap: in-memory tensor bytes are shared
        ExternalData.Inline(copy);
        return copy.ToByteArray();
    }

    static string TempName(string final) => $"{final}.tmp-{Environment.ProcessId}";

    static string FirstSentence(string message)
    {
        int dot = message.IndexOf(". ", StringComparison.Ordinal);
        return (dot > 0 ? message[..dot] : message).TrimEnd('.').Replace('\n', ' ');
    }
}
