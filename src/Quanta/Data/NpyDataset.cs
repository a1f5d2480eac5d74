using System.Numerics.Tensors;

namespace Quanta.Data;

/// <summary>
/// An .npy array [N, ...] (or the data array of an .npz, with optional labels). Samples are taken
/// at the array's own shape: uint8 is scaled by 1/255, other types are taken as they are, then
/// mean/std apply per channel (axis 1 for NCHW, the last axis for NHWC).
/// </summary>
internal sealed class NpyDataset : StreamedDataset
{
    readonly NpyEntry _entry;
    readonly NpyHeader _header;
    readonly int[]? _selection;
    readonly int[]? _labels;
    readonly int _sampleElements, _channels;
    readonly Layout _layout;
    readonly Normalization _norm;
    readonly bool _uniform;   // one mean/std for all channels: a single multiply-add over the sample

    public override string Description { get; }
    public override int Count { get; }
    public override long[] SampleShape { get; }
    public override bool HasLabels => _labels is not null;
    /// <summary>Samples in the file, before subsetting.</summary>
    public int Total { get; }

    public NpyDataset(NpyEntry entry, NpyEntry? labels, DataOptions options)
    {
        _entry = entry;
        _header = entry.Header;
        var shape = _header.Shape;
        if (shape.Length < 2)
            throw QuantaException.BadInput($"{entry.What}: array of shape ({string.Join(", ", shape)}) needs a sample axis: shape [N, ...]");
        if (shape[0] > int.MaxValue) throw QuantaException.BadInput($"{entry.What}: {shape[0]} samples is too many");
        int n = (int)shape[0];
        Total = n;
        SampleShape = shape[1..];
        long elements = 1;
        foreach (var d in SampleShape) elements *= d;
        if (elements == 0 && n > 0) throw QuantaException.BadInput($"{entry.What}: samples of shape ({string.Join(", ", SampleShape)}) are empty");
        if (elements * _header.ItemSize > Array.MaxLength) throw QuantaException.BadInput($"{entry.What}: one sample is too large");
        _sampleElements = (int)elements;
        long needed = _header.DataOffset + _header.DataBytes;
        if (entry.Length < needed)
            throw QuantaException.BadInput($"{entry.What}: truncated .npy ({entry.Length} bytes, shape ({string.Join(", ", shape)}) needs {needed})");

        var p = options.Preprocessing;
        _layout = p.Layout;
        int channelAxis = _layout == Layout.Nchw ? 0 : SampleShape.Length - 1;
        _channels = (int)SampleShape[channelAxis];
        CheckGeometry(p, entry.What);
        _norm = Normalization.For(p, _channels, _header.Type == NpyType.UInt8 ? 255f : 1f, entry.What);
        _uniform = p.Mean.Length == 1 && p.Std.Length == 1;

        _selection = SubsetSelector.Select(n, options, entry.What);
        Count = SubsetSelector.CountOf(_selection, n);
        if (labels is not null) _labels = NpyLabels.Read(labels, n, _selection);

        string name = entry.What;
        Description = $"{Path.GetFileName(name)} ({Count} of {n} samples)";
    }

    /// <summary>The array is not resized: a requested size or channel count must match it.</summary>
    void CheckGeometry(Preprocessing p, string what)
    {
        if (p.Channels != 0 && p.Channels != _channels)
            throw QuantaException.BadInput($"{what}: samples have {_channels} channel(s) on the {(_layout == Layout.Nchw ? "NCHW" : "NHWC")} channel axis, {p.Channels} requested");
        var (h, w) = ImageOps.Target(p, what);
        if (h == 0) return;
        if (SampleShape.Length != 3)
            throw QuantaException.BadInput($"{what}: an image size {h}x{w} was requested but samples have shape ({string.Join(", ", SampleShape)}); .npy data is not resized");
        var (ah, aw) = _layout == Layout.Nchw ? (SampleShape[1], SampleShape[2]) : (SampleShape[0], SampleShape[1]);
        if (ah != h || aw != w)
            throw QuantaException.BadInput($"{what}: samples are {ah}x{aw}, {h}x{w} requested; .npy data is not resized");
    }

    protected override ISampleReader OpenReader() => new Reader(this);

    sealed class Reader : ISampleReader
    {
        readonly NpyDataset _ds;
        readonly Stream _stream;
        readonly byte[] _raw;
        readonly byte[] _scratch = new byte[1 << 16];
        readonly float[][]? _luts;
        int _ordinal;
        long _position;

        public Reader(NpyDataset ds)
        {
            _ds = ds;
            if (ds._header.Type == NpyType.UInt8)
            {
                _luts = new float[ds._uniform ? 1 : ds._channels][];
                for (int c = 0; c < _luts.Length; c++)
                {
                    _luts[c] = new float[256];
                    for (int v = 0; v < 256; v++) _luts[c][v] = ds._norm.Exact(v, c);
                }
            }
            _raw = new byte[ds._sampleElements * ds._header.ItemSize];
            _stream = ds._entry.Open();
            try
            {
                DataStreams.Skip(_stream, ds._header.DataOffset, _scratch, ds._entry.What);
            }
            catch
            {
                _stream.Dispose();
                throw;
            }
        }

        public int ReadNext(Span<float> destination)
        {
            var ds = _ds;
            int index = SubsetSelector.IndexAt(ds._selection, _ordinal);
            DataStreams.Skip(_stream, (index - _position) * _raw.Length, _scratch, ds._entry.What);
            DataStreams.ReadExactly(_stream, _raw, ds._entry.What);
            _position = index + 1;
            if (_luts is not null)
            {
                FromBytes(destination);
                return ds._labels is null ? 0 : ds._labels[_ordinal++];
            }
            ds._header.ToFloat(_raw, destination);
            if (ds._header.IsFloat) CheckFinite(destination, index);
            Normalize(destination);
            int ordinal = _ordinal++;
            return ds._labels is null ? 0 : ds._labels[ordinal];
        }

        /// <summary>uint8 samples: every value is a function of one byte, so a 256-entry table per channel does it all.</summary>
        void FromBytes(Span<float> x)
        {
            var raw = _raw;
            var luts = _luts!;
            if (luts.Length == 1)
            {
                var lut = luts[0];
                for (int i = 0; i < raw.Length; i++) x[i] = lut[raw[i]];
                return;
            }
            int c = luts.Length;
            if (_ds._layout == Layout.Nchw)
            {
                int inner = x.Length / c;
                for (int ch = 0; ch < c; ch++)
                {
                    var lut = luts[ch];
                    for (int i = ch * inner, end = i + inner; i < end; i++) x[i] = lut[raw[i]];
                }
            }
            else
            {
                for (int i = 0; i < raw.Length; i += c)
                    for (int ch = 0; ch < c; ch++) x[i + ch] = luts[ch][raw[i + ch]];
            }
        }

        void CheckFinite(ReadOnlySpan<float> values, int index)
        {
            foreach (var v in values)
            {
                if (float.IsFinite(v)) continue;
                string what = float.IsNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
                throw QuantaException.BadInput($"{_ds._entry.What}: sample {index} contains {what}");
            }
        }

        void Normalize(Span<float> x)
        {
            var norm = _ds._norm;
            if (_ds._uniform || norm.Channels == 1)
            {
                Affine(x, norm.Scale[0], norm.Offset[0]);
                return;
            }
            int c = norm.Channels;
            if (_ds._layout == Layout.Nchw)
            {
                int inner = x.Length / c;
                for (int ch = 0; ch < c; ch++)
                {
                    var plane = x.Slice(ch * inner, inner);
                    Affine(plane, norm.Scale[ch], norm.Offset[ch]);
                }
            }
            else
            {
                for (int i = 0; i < x.Length; i += c)
                    for (int ch = 0; ch < c; ch++)
                        x[i + ch] = x[i + ch] * norm.Scale[ch] + norm.Offset[ch];
            }
        }

        static void Affine(Span<float> x, float scale, float offset)
        {
            TensorPrimitives.Multiply(x, scale, x);
            TensorPrimitives.Add(x, offset, x);
        }

        public void Dispose() => _stream.Dispose();
    }
}
