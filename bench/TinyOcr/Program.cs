using Quanta.TinyOcr;
using TorchSharp;
using static TorchSharp.torch;

// Trains a small text-line recogniser on strips of Fashion-MNIST items for a fixed wall-clock
// budget and writes OUT/tiny_ocr.onnx, OUT/calib.npz (512 strips of the training split, no
// labels), OUT/test.npz (strips of the test split, per-position labels [N, T] under y) and
// OUT/tiny_ocr.pt (weights, so --export-only re-exports without training).
//   dotnet run -c Release --project bench/TinyOcr -- --out artifacts/tinyocr --seconds 900
if (Options.Parse(args) is not { } o) return 2;
Directory.CreateDirectory(o.Out);
torch.set_num_threads(1); // one thread: OpenMP spin-waiting collapses on a shared, oversubscribed machine
torch.random.manual_seed(o.Seed);

var train = Strips.Load(o.FashionMnist, "train", o.Length);
var test = Strips.Load(o.FashionMnist, "t10k", o.Length);
// Calibration and test strips come from their own seeds, so they do not depend on the training run.
var (calibX, _) = train.Draw(o.Calib, new Random(o.Seed + 1000));
var (testX, testY) = test.Draw(o.Test, new Random(o.Seed + 2000));
long[] StripShape(int n) => [n, 1, Strips.Side, train.Width];
Npz.Write(Path.Combine(o.Out, "calib.npz"), Npz.Floats("image", calibX, StripShape(o.Calib)));
Npz.Write(Path.Combine(o.Out, "test.npz"), Npz.Floats("image", testX, StripShape(o.Test)), Npz.Int64s("y", testY, o.Test, o.Length));
Console.Error.WriteLine($"strips of {o.Length}: {o.Calib} calibration (train split), {o.Test} test (test split, {o.Test * o.Length:N0} characters)");

var config = new RecogniserConfig(Length: o.Length);
var model = new Recogniser(config);
string weights = Path.Combine(o.Out, "tiny_ocr.pt");
long parameters = model.parameters().Sum(p => p.numel());
Console.Error.WriteLine($"recogniser: {config}, {parameters:N0} parameters");

if (o.ExportOnly) model.load(weights);
else Training.Run(model, train, o, weights);

// Character accuracy on the test strips, as `quanta eval --data test.npz` computes it.
model.eval();
long correct = 0;
using (no_grad())
    for (int s = 0; s < o.Test; s += 100)
    {
        int n = Math.Min(100, o.Test - s);
        var x = testX.AsSpan(s * Strips.Side * train.Width, n * Strips.Side * train.Width).ToArray();
        var y = testY.AsSpan(s * o.Length, n * o.Length).ToArray();
        correct += NoCollection.Run(() =>
        {
            using var scope = NewDisposeScope();
            return model.forward(tensor(x, StripShape(n))).argmax(-1).reshape(-1).eq(tensor(y)).sum().item<long>();
        });
    }
Console.Error.WriteLine($"torch character accuracy on {o.Test * o.Length:N0} test characters: {100.0 * correct / (o.Test * o.Length):F2} %");

var onnx = OnnxExport.Build(model);
string path = Path.Combine(o.Out, "tiny_ocr.onnx");
onnx.Save(path);
Console.Error.WriteLine($"wrote {path} ({new FileInfo(path).Length:N0} B)");
double gap = Parity.MaxLogitGap(model, path, testX.AsSpan(0, 4 * Strips.Side * train.Width).ToArray(), StripShape(4));
Console.Error.WriteLine($"ONNX Runtime vs torch on four test strips: max |logit difference| {gap:G3}");
return gap < 1e-3 ? 0 : 1;
