using Xunit;

namespace Quanta.Tests;

/// <summary>
/// A fact that needs the reference models in ../shared/models beyond the demo CNN: skipped (and
/// reported as skipped) on a clone without them, instead of failing.
/// </summary>
public sealed class SharedModelsFactAttribute : FactAttribute
{
    public SharedModelsFactAttribute()
    {
        if (!TestData.HasSharedModels) Skip = "needs the reference models in ../shared/models";
    }
}

/// <summary>A theory over the reference models: skipped on a clone without ../shared/models.</summary>
public sealed class SharedModelsTheoryAttribute : TheoryAttribute
{
    public SharedModelsTheoryAttribute()
    {
        if (!TestData.HasSharedModels) Skip = "needs the reference models in ../shared/models";
    }
}
