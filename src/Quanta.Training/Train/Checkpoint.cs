using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Quanta.Training.Train;

/// <summary>
/// A resumable training state in a folder: the module's parameters (weights and quantizer
/// scales/zero points), the optimizer's state, and the step reached. Written to a temporary
/// folder and renamed, so an interrupted save leaves the previous checkpoint intact. The
/// fingerprint (model + options) stops a checkpoint from resuming a different run.
/// </summary>
internal static class Checkpoint
{
    sealed record State(int Step, string Fingerprint);

    public static void Save(string dir, nn.Module module, Optimizer optimizer, int step, string fingerprint)
    {
        string full = Path.GetFullPath(dir);
        string tmp = full.TrimEnd(Path.DirectorySeparatorChar) + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        module.save(Path.Combine(tmp, "model.bin"));
        optimizer.Save(Path.Combine(tmp, "optimizer.bin"));
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new State(step, fingerprint)));
        string old = full.TrimEnd(Path.DirectorySeparatorChar) + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(tmp, full);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>The step to resume from (0 when the folder holds no checkpoint).</summary>
    public static int TryLoad(string dir, nn.Module module, Optimizer optimizer, string fingerprint)
    {
        string statePath = Path.Combine(dir, "state.json");
        if (!File.Exists(statePath)) return 0;
        State state;
        try { state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw QuantaException.BadInput($"{statePath}: not a Quanta checkpoint ({e.Message})"); }
        if (state.Fingerprint != fingerprint)
            throw QuantaException.BadInput($"Checkpoint {dir}: saved by a run with other options or another model; use a fresh folder");
        module.load(Path.Combine(dir, "model.bin"));
        optimizer.Load(Path.Combine(dir, "optimizer.bin"));
        return state.Step;
    }
}
