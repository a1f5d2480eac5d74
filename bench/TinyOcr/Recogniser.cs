using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Quanta.TinyOcr;

/// <summary>Shape of the recogniser: positions per line, neck width, heads, MLP width, neck blocks.</summary>
sealed record RecogniserConfig(int Length = 6, int Dim = 96, int Heads = 4, int Hidden = 192, int Blocks = 2)
{
    public int HeadDim => Dim / Heads;
}

/// <summary>Hard-swish as ONNX defines it, x·clip(x/6 + 1/2, 0, 1), and swish, x·sigmoid(x).</summary>
static class Act
{
    public static Tensor HardSwish(Tensor x) => x * (x / 6 + 0.5).clamp(0, 1);
    public static Tensor Swish(Tensor x) => x * x.sigmoid();
}

/// <summary>A convolution without bias and its BatchNorm, trained apart and folded into one Conv at export.</summary>
sealed class ConvBn : nn.Module<Tensor, Tensor>
{
    public readonly Conv2d conv;
    public readonly BatchNorm2d bn;
    public (long H, long W) Stride { get; }
    public (long H, long W) Padding { get; }

    public ConvBn(long inputs, long outputs, (long, long) kernel, (long, long) stride, (long, long) padding, long groups = 1) : base("conv_bn")
    {
        Stride = stride;
        Padding = padding;
        conv = nn.Conv2d(inputs, outputs, kernel, stride: stride, padding: padding, groups: groups, bias: false);
        bn = nn.BatchNorm2d(outputs);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => bn.forward(conv.forward(x));
}

/// <summary>A depthwise 3×3 then a pointwise 1×1 convolution, each followed by hard-swish (a PP-LCNet / MobileNet block).</summary>
sealed class SeparableBlock : nn.Module<Tensor, Tensor>
{
    public readonly ConvBn depthwise, pointwise;

    public SeparableBlock(long inputs, long outputs, long stride) : base("separable")
    {
        depthwise = new ConvBn(inputs, inputs, (3, 3), (stride, stride), (1, 1), groups: inputs);
        pointwise = new ConvBn(inputs, outputs, (1, 1), (1, 1), (0, 0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Act.HardSwish(pointwise.forward(Act.HardSwish(depthwise.forward(x))));
}

/// <summary>
/// One pre-norm neck block as SVTR writes it: one qkv Linear split into heads, softmax attention over
/// the positions, a projection, then an MLP with swish.
/// </summary>
sealed class NeckBlock : nn.Module<Tensor, Tensor>
{
    public readonly LayerNorm ln1, ln2;
    public readonly Linear qkv, proj, fc1, fc2;
    readonly RecogniserConfig _c;

    public NeckBlock(RecogniserConfig c) : base("neck_block")
    {
        _c = c;
        ln1 = nn.LayerNorm(c.Dim);
        ln2 = nn.LayerNorm(c.Dim);
        qkv = nn.Linear(c.Dim, 3 * c.Dim);
        proj = nn.Linear(c.Dim, c.Dim);
        fc1 = nn.Linear(c.Dim, c.Hidden);
        fc2 = nn.Linear(c.Hidden, c.Dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], t = x.shape[1];
        var heads = qkv.forward(ln1.forward(x)).reshape(b, t, 3, _c.Heads, _c.HeadDim).permute(2, 0, 3, 1, 4);
        var att = (heads[0] * (1.0 / Math.Sqrt(_c.HeadDim))).matmul(heads[1].transpose(2, 3));
        var y = att.softmax(-1).matmul(heads[2]).transpose(1, 2).reshape(b, t, _c.Dim);
        x = x + proj.forward(y);
        return x + fc2.forward(Act.Swish(fc1.forward(ln2.forward(x))));
    }
}

/// <summary>
/// A text-line recogniser in the shape of the small mobile ones (PP-OCR's PP-LCNet backbone and SVTR
/// neck): a conv backbone with BatchNorm (folded at export) and hard-swish (a stride-2 3×3 stem, six depthwise-separable blocks,
/// one of them stride 2), the height averaged away, a (1, 7) stride-(1, 7) conv that leaves one column per
/// position, a learned position embedding, a transformer neck, a final LayerNorm and a Linear head:
/// [N, 1, 28, 28·T] → logits [N, T, 10]. More convolutions than MatMuls, as in those models.
/// </summary>
sealed class Recogniser : nn.Module<Tensor, Tensor>
{
    public readonly ConvBn stem, columns;
    public readonly ModuleList<SeparableBlock> backbone;
    public readonly Parameter pos;
    public readonly ModuleList<NeckBlock> blocks;
    public readonly LayerNorm lnF;
    public readonly Linear head;
    public RecogniserConfig Config { get; }

    public const int Column = Strips.Side / 4;   // the width of one item after the stride-2 stem and block

    public Recogniser(RecogniserConfig c) : base("recogniser")
    {
        Config = c;
        stem = new ConvBn(1, 16, (3, 3), (2, 2), (1, 1));
        backbone = nn.ModuleList(
            new SeparableBlock(16, 32, 1), new SeparableBlock(32, 64, 2), new SeparableBlock(64, 64, 1),
            new SeparableBlock(64, 96, 1), new SeparableBlock(96, 96, 1), new SeparableBlock(96, 96, 1));
        columns = new ConvBn(96, c.Dim, (1, Column), (1, Column), (0, 0));
        pos = nn.Parameter(randn(c.Length, c.Dim) * 0.02);
        blocks = nn.ModuleList(Enumerable.Range(0, c.Blocks).Select(_ => new NeckBlock(c)).ToArray());
        lnF = nn.LayerNorm(c.Dim);
        head = nn.Linear(c.Dim, Strips.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        var x = Act.HardSwish(stem.forward(image));
        foreach (var block in backbone) x = block.forward(x);
        x = Act.HardSwish(columns.forward(x.mean([2], keepdim: true)));   // [N, D, 1, T]
        x = x.flatten(2).transpose(1, 2) + pos;                              // [N, T, D]
        foreach (var blk in blocks) x = blk.forward(x);
        return head.forward(lnF.forward(x));
    }
}
