using Quanta.Data;
using Quanta.Onnx;
using Quanta.Runtime;

namespace Quanta.Tests.Data;

/// <summary>What a decoder's first generation step is fed when the data gives token ids only.</summary>
public class FirstStepInputsTests
{
    static readonly BatchTensor Tokens = new("input_ids", new long[] { 5, 6, 7, 8, 9, 10 }, [2, 3]);

    [Fact]
    public void Mask_is_ones_and_positions_count_from_zero_per_row()
    {
        var mask = FirstStepInputs.Fill(new ModelInput("attention_mask", DataTypes.Int64, [-1, -1]), Tokens)!;
        Assert.Equal([2L, 3], mask.Shape);
        Assert.All((long[])mask.Values, v => Assert.Equal(1L, v));
        var positions = FirstStepInputs.Fill(new ModelInput("position_ids", DataTypes.Int64, [-1, -1]), Tokens)!;
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2 }, (long[])positions.Values);
    }

    [Fact]
    public void Cache_is_empty_along_its_one_symbolic_axis_and_keeps_a_fixed_batch()
    {
        var cache = FirstStepInputs.Fill(new ModelInput("past_key_values.3.value", DataTypes.Float16, [-1, 8, -1, 64]), Tokens)!;
        Assert.Equal([2L, 8, 0, 64], cache.Shape);
        Assert.Empty(cache.Values);
        var fixedBatch = FirstStepInputs.Shape(new ModelInput("past_key.0", DataTypes.Float, [1, 4, -1, 16]), [1, 3]);
        Assert.Equal([1L, 4, 0, 16], fixedBatch!);
    }

    [Theory]
    [InlineData("past_key_values.0.key", DataTypes.Float, new long[] { -1, -1, -1, 64 })]  // two symbolic axes: which one is the past?
    [InlineData("past_key_values.0.key", DataTypes.Int64, new long[] { -1, 8, -1, 64 })]   // not a float cache
    [InlineData("token_type_ids", DataTypes.Int64, new long[] { -1, -1 })]                 // an encoder's input, not a generation step's
    [InlineData("attention_mask", DataTypes.Float, new long[] { -1, -1, -1, -1 })]          // a 4-D float mask: made by the exporter, not filled
    public void Inputs_it_cannot_tell_apart_are_left_to_the_data(string name, int type, long[] dims)
    {
        var input = new ModelInput(name, type, dims);
        Assert.False(FirstStepInputs.CanFill(input));
        Assert.Null(FirstStepInputs.Fill(input, Tokens));
    }
}
