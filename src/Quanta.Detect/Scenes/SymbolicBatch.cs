using Quanta.IR;

namespace Quanta.Detect.Scenes;

/// <summary>
/// TODO(lead): remove once calibration feeds fixed-batch models one sample per run (the lead's
/// data → runtime work). Until then the static quantizer refuses UltraFace's fixed batch of 1,
/// so the demo quantizes a copy whose first input/output dimension is renamed to a symbolic "N".
/// Calibration still runs at batch 1 (the graph's Reshapes hard-code it), see DemoDetector.
/// </summary>
public static class SymbolicBatch
{
    public static Model Apply(Model model)
    {
        var copy = model.Clone();
        foreach (var value in copy.Graph.Inputs.Concat(copy.Graph.Outputs))
        {
            var dims = value.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 0 } && dims[0].HasDimValue && dims[0].DimValue == 1) dims[0].DimParam = "N";
        }
        copy.Graph.Changed();
        return copy;
    }
}
