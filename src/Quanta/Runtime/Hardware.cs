using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Quanta.Runtime;

/// <summary>
/// What the CPU that will run the model can do, as far as quantized kernels care.
/// ONNX Runtime's u8×s8 integer kernels on x86 without VNNI use an instruction
/// (vpmaddubsw) whose 16-bit intermediate sums saturate with full-range weights;
/// with VNNI (or on Arm) they don't. That one fact decides the default weight range, so it
/// is measured (<see cref="KernelProbe"/>) rather than inferred from CPU flags.
/// </summary>
public sealed record Hardware(string Name, Architecture Architecture, bool Avx2, bool Vnni, int Cores, bool SaturatesU8S8)
{
    public string Describe() =>
        $"{Name} ({Architecture.ToString().ToLowerInvariant()}, {Cores} cores{(Avx2 ? ", AVX2" : "")}{(Vnni ? ", VNNI" : ", no VNNI")}, " +
        $"u8×s8 kernels {(SaturatesU8S8 ? "saturate" : "exact")})";

    public static Hardware Detect()
    {
        string cpuinfo = ReadCpuInfo();
        bool avx512Vnni = cpuinfo.Contains(" avx512_vnni", StringComparison.Ordinal);
        bool vnni = AvxVnni.IsSupported || avx512Vnni || cpuinfo.Contains(" avx_vnni", StringComparison.Ordinal);
        return new Hardware(ModelName(cpuinfo), RuntimeInformation.ProcessArchitecture, System.Runtime.Intrinsics.X86.Avx2.IsSupported,
            vnni, Environment.ProcessorCount, KernelProbe.U8S8Saturates);
    }

    static string ReadCpuInfo()
    {
        try { return File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : ""; }
        catch (IOException) { return ""; }
    }

    static string ModelName(string cpuinfo)
    {
        foreach (var line in cpuinfo.Split('\n'))
            if (line.StartsWith("model name", StringComparison.Ordinal))
                return line[(line.IndexOf(':') + 1)..].Trim();
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
