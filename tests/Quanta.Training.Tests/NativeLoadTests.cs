using static TorchSharp.torch;

namespace Quanta.Training.Tests;

public class NativeLoadTests
{
    /// <summary>The patched libLibTorchSharp.so loads on this libstdc++ and computes.</summary>
    [Fact]
    public void TorchLoads() => Assert.Equal(2f, ones(2).sum().item<float>());
}
