using System.Diagnostics;
using Quanta.TinyLm;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

// Trains a byte-level decoder on this machine's licence texts for a fixed wall-clock budget and
// writes OUT/tiny_lm.onnx, OUT/heldout.txt (files never trained on), OUT/calib.txt and
// OUT/tiny_lm.pt (weights, so --export-only re-exports without training).
//   dotnet run -c Release --project bench/TinyLm -- --out artifacts/tinylm --seconds 600
string outDir = "artifacts/tinylm";
double seconds = 600;
int seq = 128, batch = 16, seed = 1, layers = 4, dim = 256;
bool exportOnly = false;
for (int i = 0; i < args.Length; i++)
    switch (args[i])
    {
        case "--out": outDir = args[++i]; break;
        case "--seconds": seconds = double.Parse(args[++i]); break;
        case "--seq": seq = int.Parse(args[++i]); break;
        case "--batch": batch = int.Parse(args[++i]); break;
        case "--seed": seed = int.Parse(args[++i]); break;
        case "--layers": layers = int.Parse(args[++i]); break;
        case "--dim": dim = int.Parse(args[++i]); break;
        case "--export-only": exportOnly = true; break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
Directory.CreateDirectory(outDir);
torch.set_num_threads(1); // one thread: OpenMP spin-waiting collapses on a shared, oversubscribed machine
torch.random.manual_seed(seed);

var corpus = Corpus.Load(maxTrainBytes: 16 << 20);
File.WriteAllBytes(Path.Combine(outDir, "heldout.txt"), corpus.Heldout);
File.WriteAllBytes(Path.Combine(outDir, "calib.txt"), corpus.Calibration);
Console.Error.WriteLine($"corpus: train {corpus.Train.Length:N0} B, held-out {corpus.Heldout.Length:N0} B, calibration {corpus.Calibration.Length:N0} B");

var config = new DecoderConfig(Layers: layers, Dim: dim, Heads: dim / 64, Hidden: 4 * dim, MaxSeq: 256);
var model = new Decoder(config);
string weights = Path.Combine(outDir, "tiny_lm.pt");
long parameters = model.parameters().Sum(p => p.numel());
Console.Error.WriteLine($"decoder: {config}, {parameters:N0} parameters");

if (exportOnly) model.load(weights);
else
{
    var optimizer = optim.AdamW(model.parameters(), 3e-3, weight_decay: 0.01);
    var rng = new Random(seed);
    var clock = Stopwatch.StartNew();
    int step = 0;
    double smooth = double.NaN;
    model.train();
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        // Warm up for 30 steps, then cosine decay over the wall-clock budget.
        double frac = clock.Elapsed.TotalSeconds / seconds;
        double lr = 3e-3 * Math.Min(1, (step + 1) / 30.0) * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * frac)));
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        using var scope = NewDisposeScope();
        var (x, y) = Windows(corpus.Train, batch, seq, rng);
        var loss = F.cross_entropy(model.forward(x).view(-1, DecoderConfig.Vocab), y.view(-1));
        optimizer.zero_grad();
        loss.backward();
        nn.utils.clip_grad_norm_(model.parameters(), 1.0);
        optimizer.step();
        double l = loss.item<float>();
        smooth = double.IsNaN(smooth) ? l : 0.95 * smooth + 0.05 * l;
        if (++step % 10 == 0)
            Console.Error.WriteLine($"step {step}  {clock.Elapsed.TotalSeconds:F0}s  loss {smooth:F3} nats/byte  lr {lr:G3}");
        if (step % 50 == 0) model.save(weights); // a long run can be exported (--export-only) before it ends
    }
    Console.Error.WriteLine($"trained {step} steps, {(double)step * batch * seq:N0} tokens in {clock.Elapsed.TotalSeconds:F0} s");
    model.save(weights);
}

// Held-out perplexity the way `quanta eval --metric perplexity` computes it: consecutive
// windows of `seq` bytes, each position predicting the next byte inside its window.
model.eval();
double nll = 0;
long tokens = 0;
using (no_grad())
    for (int start = 0; start + seq <= corpus.Heldout.Length && tokens < 16_000; start += seq)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(corpus.Heldout.AsSpan(start, seq).ToArray().Select(v => (long)v).ToArray(), [1, seq]);
        var logits = model.forward(ids)[0].slice(0, 0, seq - 1, 1);
        nll += F.cross_entropy(logits, ids[0].slice(0, 1, seq, 1), reduction: nn.Reduction.Sum).item<float>();
        tokens += seq - 1;
    }
Console.Error.WriteLine($"torch held-out perplexity (first {tokens:N0} predicted bytes, seq {seq}): {Math.Exp(nll / tokens):F4}");

var onnx = OnnxExport.Build(model);
string path = Path.Combine(outDir, "tiny_lm.onnx");
onnx.Save(path);
Console.Error.WriteLine($"wrote {path} ({new FileInfo(path).Length:N0} B)");
double gap = Parity.MaxLogitGap(model, path, corpus.Heldout.AsSpan(0, seq).ToArray());
Console.Error.WriteLine($"ONNX Runtime vs torch on one held-out window: max |logit difference| {gap:G3}");
return gap < 1e-3 ? 0 : 1;

static (Tensor X, Tensor Y) Windows(byte[] text, int batch, int seq, Random rng)
{
    var x = new long[batch * seq];
    var y = new long[batch * seq];
    for (int b = 0; b < batch; b++)
    {
        int start = rng.Next(text.Length - seq - 1);
        for (int t = 0; t < seq; t++) { x[b * seq + t] = text[start + t]; y[b * seq + t] = text[start + t + 1]; }
    }
    return (tensor(x, [batch, seq]), tensor(y, [batch, seq]));
}
