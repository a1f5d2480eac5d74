using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Quanta.TinyLm;

/// <summary>The exported graph must compute what the trained module computes: one window through both.</summary>
static class Parity
{
    public static double MaxLogitGap(Decoder model, string onnxPath, byte[] window)
    {
        var ids = window.Select(b => (long)b).ToArray();
        float[] expected;
        using (no_grad())
        using (var scope = NewDisposeScope())
            expected = model.forward(tensor(ids, [1, ids.Length])).contiguous().data<float>().ToArray();
        using var session = new InferenceSession(onnxPath);
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, ids.Length]);
        using var outputs = session.Run(new RunOptions(), ["input_ids"], [input], ["logits"]);
        var actual = outputs[0].GetTensorDataAsSpan<float>();
        double gap = 0;
        for (int i = 0; i < expected.Length; i++) gap = Math.Max(gap, Math.Abs(expected[i] - actual[i]));
        return gap;
    }
}
