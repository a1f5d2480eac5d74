// Quanta as a library: load a float ONNX model, quantize it to int8 with calibration data held in
// memory, measure what it cost, save it. Usage: Quickstart [MODEL] [FASHION-MNIST FOLDER] [OUT].
using System.IO.Compression;
using Quanta.Data;
using Quanta.Evaluation;
using Quanta.IR;
using Quanta.Quantization;
using Quanta.Runtime;

string model = args.Length > 0 ? args[0] : "demo/fmnist_cnn.onnx", data = args.Length > 1 ? args[1] : "demo/fashion-mnist";
string output = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "fmnist_cnn.int8.onnx");

var calibration = new ArrayDataset(Images($"{data}/train-images-idx3-ubyte.gz", 512), [1, 28, 28], description: "calibration");
var test = new ArrayDataset(Images($"{data}/t10k-images-idx3-ubyte.gz", 1000), [1, 28, 28], Labels($"{data}/t10k-labels-idx1-ubyte.gz", 1000), "test");

var floatModel = Model.Load(model);
var recipe = new QuantRecipe { CalibCount = calibration.Count }.Resolve(Hardware.Detect());
var quantized = StaticQuantizer.Quantize(floatModel, calibration, recipe).Model;
quantized.Save(output);

double before = Evaluator.Evaluate(floatModel, test).Top1, after = Evaluator.Evaluate(quantized, test).Top1;
Console.WriteLine($"{recipe.Describe()}\ntop-1 on {test.Description}: float {before:F4}, int8 {after:F4}; " +
    $"{new FileInfo(model).Length / 1024} KiB -> {new FileInfo(output).Length / 1024} KiB in {output}");
return after >= before - 0.02 ? 0 : 1; // more than 2 points lost: something is wrong

// Fashion-MNIST's IDX files (gzip): 16-byte header, then 28×28 bytes per image, normalized as the models were trained.
static float[] Images(string path, int n) => Read(path, 16, n * 784).Select(b => (b / 255f - 0.2860f) / 0.3530f).ToArray();
static int[] Labels(string path, int n) => Read(path, 8, n).Select(b => (int)b).ToArray();
static byte[] Read(string path, int header, int count)
{
    using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
    var bytes = new byte[header + count];
    gz.ReadExactly(bytes);
    return bytes[header..];
}
