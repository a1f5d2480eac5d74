#!/usr/bin/env bash
# Issue 11, the third-party row: a text-recogniser-shaped model (bench/TinyOcr: hard-swish CNN,
# transformer neck with swish, class scores per position [N, T, C]) quantized with the default
# recipe (no flags: calibration auto) and with each single calibration method. Prints Markdown
# for BENCHMARKS.md: character accuracy on the test strips, the drop from float, per-step argmax
# agreement with the float model, and auto's score table.
# Trains the model first when $D/tiny_ocr.onnx is missing (BUDGET seconds of training).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
D=${D:-artifacts/tinyocr}
if [ ! -f "$D/tiny_ocr.onnx" ]; then
  OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project bench/TinyOcr -- --out "$D" --seconds "${BUDGET:-900}"
fi
F="$D/tiny_ocr.onnx"
accuracy() { ./quanta eval "$1" --data "$D/test.npz" --json | jq -r '.top1 * 100'; }
agreement() { ./quanta eval "$1" --data "$D/test.npz" --reference "$F" --metric agreement --json | jq -r .score; }
base=$(accuracy "$F")
echo "| flags | auto chose | character accuracy (%) | vs float (points) | per-step agreement with float (%) | quantized nodes | placement |"
echo "|---|---|---|---|---|---|---|"
printf "| float | – | %.2f | – | – | – | – |\n" "$base"
# The default recipe exactly (its objective times int8 against float and may keep regions float),
# then every method with all quantizable ops quantized (--objective size), so calibration alone differs.
row() { # name flags...
  local name=$1; shift
  ./quanta quantize "$F" -o "$D/q_$name.onnx" --calib "$D/calib.npz" "$@" --json > "$D/q_$name.json"
  local acc chosen nodes placement
  acc=$(accuracy "$D/q_$name.onnx")
  chosen=$(jq -r '.auto.method // "–"' "$D/q_$name.json")
  nodes=$(jq -r '[.quantizedByOpType | to_entries[] | "\(.value) \(.key)"] | join(", ") | if . == "" then "none" else . end' "$D/q_$name.json")
  placement=$(jq -r '.placement | if . == null then "all quantizable ops (no timing)" elif .searched then "\([.regions[] | select(.keptInt8)] | length) of \(.regions | length) timed regions int8 (int8 alone \(.int8Speedup * 100 | round / 100)× float)" elif .allFloat then "all float (int8 \(.int8Speedup * 100 | round / 100)× float)" else "int8 everywhere (\(.int8Speedup * 100 | round / 100)× float)" end' "$D/q_$name.json")
  printf "| %s | %s | %.2f | %+.2f | %.2f | %s | %s |\n" "${*:-(none)}" "$chosen" "$acc" "$(echo "$acc - $base" | bc -l)" "$(agreement "$D/q_$name.onnx")" "$nodes" "$placement"
}
row default
row auto_size --objective size
for method in minmax percentile entropy mse; do row "${method}_size" --method "$method" --objective size; done
echo
echo "auto's score table with --objective size (16 held-out calibration strips: top-1 agreement first, then output SQNR):"
echo
echo "| candidate | output SQNR (dB) | top-1 agreement | kept |"
echo "|---|---|---|---|"
jq -r '.auto.trials[] | "| \(.candidate) | \(.sqnrDb * 100 | round / 100) | \(.agreement * 1000 | round / 1000) | \(if .kept then "yes" else "" end) |"' "$D/q_auto_size.json"
echo
jq -r '"auto: " + .auto.why' "$D/q_auto_size.json"
