using System.CommandLine;
using Quanta.Analysis;
using Quanta.Cli.Output;
using Quanta.IR;
using Spectre.Console;

namespace Quanta.Cli.Commands;

/// <summary>`quanta inspect MODEL`: ops, opsets, inputs/outputs, parameters, bytes by type.</summary>
static class InspectCommand
{
    public static Command Create()
    {
        var model = CommonOptions.ModelArgument();
        var json = CommonOptions.Json();
        var plan = new Option<bool>("--plan") { Description = "Show what static quantization would do to each node and tensor, and why (no calibration)" };
        var recipe = new Option<string?>("--recipe") { Description = "With --plan: a JSON recipe instead of the defaults" };
        var command = new Command("inspect", "Show a model's operators, opsets, inputs/outputs, parameter count and bytes by type") { model, json, plan, recipe };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(model)!;
            if (parse.GetValue(plan)) return PlanView.Show(Model.Load(path), parse.GetValue(recipe), parse.GetValue(json));
            var info = ModelInfo.Of(Model.Load(path), new FileInfo(path).Length);
            if (parse.GetValue(json)) Printer.Json(info);
            else Print(info);
            return 0;
        });
        return command;
    }

    static void Print(ModelInfo info)
    {
        var console = Printer.Stdout;
        console.Write(new Text($"{info.Path}  ", new Style(decoration: Decoration.Bold)));
        console.WriteLine($"{Printer.Bytes(info.FileBytes)}, IR v{info.IrVersion}, " +
                           $"opsets {string.Join(", ", info.Opsets.Select(o => $"{o.Key} {o.Value}"))}{(info.Producer.Length > 0 ? $", from {(info.Producer)}" : "")}");
        var io = Printer.Table("", "name", "type", "shape");
        foreach (var i in info.Inputs) io.AddCells("input", i.Name, i.Type, $"[{string.Join(", ", i.Shape)}]");
        foreach (var o in info.Outputs) io.AddCells("output", o.Name, o.Type, $"[{string.Join(", ", o.Shape)}]");
        console.Write(io);
        var ops = Printer.Table("op type", "count");
        foreach (var (op, count) in info.OpTypes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)) ops.AddCells(op, count.ToString());
        ops.Caption = new TableTitle(Markup.Escape($"{info.OpTypes.Count} op types, {info.NodeCount} nodes"));
        console.Write(ops);
        var bytes = Printer.Table("initializer type", "bytes");
        foreach (var (type, b) in info.BytesByType) bytes.AddCells(type, Printer.Bytes(b));
        bytes.Caption = new TableTitle(Markup.Escape($"{info.Parameters / 1e6:0.00} M parameters"));
        console.Write(bytes);
        foreach (var (k, v) in info.Metadata) console.WriteLine($"{k}: {v}");
    }
}
