using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Quanta.TinyOcr;

/// <summary>The exported graph must compute what the trained module computes: a few strips through both.</summary>
static class Parity
{
    public static double MaxLogitGap(Recogniser model, string onnxPath, float[] pixels, long[] shape)
    {
        float[] expected = NoCollection.Run(() =>
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            return model.forward(tensor(pixels, shape)).contiguous().data<float>().ToArray();
        });
        using var session = new InferenceSession(onnxPath);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, shape);
        using var outputs = session.Run(new RunOptions(), ["image"], [input], ["logits"]);
        var actual = outputs[0].GetTensorDataAsSpan<float>();
        double gap = 0;
        for (int i = 0; i < expected.Length; i++) gap = Math.Max(gap, Math.Abs(expected[i] - actual[i]));
        return gap;
    }
}
