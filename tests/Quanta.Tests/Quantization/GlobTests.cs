using Quanta.Quantization;

namespace Quanta.Tests.Quantization;

/// <summary>Node-name patterns: exact names, * and ?, and "the last pattern that matches wins" for overrides.</summary>
public class GlobTests
{
    [Fact]
    public void ExactNamesAndWildcards()
    {
        var glob = new Glob(["conv1", "block?/conv*", "head.*"]);
        Assert.True(glob.Matches("conv1"));
        Assert.False(glob.Matches("conv10"));
        Assert.True(glob.Matches("block3/conv_2"));
        Assert.False(glob.Matches("block12/conv"));
        Assert.True(glob.Matches("head.fc"));
        Assert.False(glob.Matches("headfc"), "a dot is literal, not a regex wildcard");
        Assert.False(new Glob([]).Matches("anything"));
    }

    [Fact]
    public void TheLastMatchingPatternWins()
    {
        var glob = new Glob(["*", "conv1", "conv*", "fc"]);
        Assert.Equal(2, glob.LastMatch("conv1"));
        Assert.Equal(3, glob.LastMatch("fc"));
        Assert.Equal(0, glob.LastMatch("relu"));
        Assert.Equal(1, new Glob(["conv*", "conv1"]).LastMatch("conv1"));
    }
}
