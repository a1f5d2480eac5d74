using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Quanta.TinyLm;

/// <summary>Shape of the decoder; byte-level, so the vocabulary is 256.</summary>
sealed record DecoderConfig(int Layers = 4, int Dim = 256, int Heads = 4, int Hidden = 1024, int MaxSeq = 256)
{
    public const int Vocab = 256;
    public int HeadDim => Dim / Heads;
}

/// <summary>One pre-norm transformer block: causal self-attention then a GELU MLP, no biases in the projections.</summary>
sealed class Block : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm ln1, ln2;
    public readonly Linear q, k, v, o, fc1, fc2;
    readonly DecoderConfig _c;

    public Block(DecoderConfig c) : base("block")
    {
        _c = c;
        ln1 = nn.LayerNorm(c.Dim);
        ln2 = nn.LayerNorm(c.Dim);
        q = nn.Linear(c.Dim, c.Dim, hasBias: false);
        k = nn.Linear(c.Dim, c.Dim, hasBias: false);
        v = nn.Linear(c.Dim, c.Dim, hasBias: false);
        o = nn.Linear(c.Dim, c.Dim, hasBias: false);
        fc1 = nn.Linear(c.Dim, c.Hidden, hasBias: false);
        fc2 = nn.Linear(c.Hidden, c.Dim, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        var h = ln1.forward(x);
        Tensor Heads(Tensor y) => y.view(b, t, _c.Heads, _c.HeadDim).transpose(1, 2);
        var att = Heads(q.forward(h)).matmul(Heads(k.forward(h)).transpose(2, 3)) * (1.0 / Math.Sqrt(_c.HeadDim));
        var mask = ones(t, t, dtype: ScalarType.Bool, device: x.device).triu(1);
        att = F.softmax(att.masked_fill(mask, float.NegativeInfinity), -1);
        var y = att.matmul(Heads(v.forward(h))).transpose(1, 2).reshape(b, t, _c.Dim);
        x = x + o.forward(y);
        return x + fc2.forward(F.gelu(fc1.forward(ln2.forward(x))));
    }
}

/// <summary>Token and position embeddings, the blocks, a final LayerNorm and an untied lm_head.</summary>
sealed class Decoder : nn.Module<Tensor, Tensor>
{
    public readonly Embedding tok, pos;
    public readonly ModuleList<Block> blocks;
    public readonly LayerNorm lnF;
    public readonly Linear head;
    public DecoderConfig Config { get; }

    public Decoder(DecoderConfig c) : base("decoder")
    {
        Config = c;
        tok = nn.Embedding(DecoderConfig.Vocab, c.Dim);
        pos = nn.Embedding(c.MaxSeq, c.Dim);
        blocks = nn.ModuleList(Enumerable.Range(0, c.Layers).Select(_ => new Block(c)).ToArray());
        lnF = nn.LayerNorm(c.Dim);
        head = nn.Linear(c.Dim, DecoderConfig.Vocab, hasBias: false);
        RegisterComponents();
        using (no_grad())
        {
            foreach (var (name, p) in named_parameters())
                if (p.dim() == 2) p.normal_(0, 0.02);
        }
    }

    public override Tensor forward(Tensor ids)
    {
        long t = ids.shape[1];
        var x = tok.forward(ids) + pos.forward(arange(t, dtype: ScalarType.Int64, device: ids.device));
        foreach (var blk in blocks) x = blk.forward(x);
        return head.forward(lnF.forward(x));
    }
}
