#!/usr/bin/env bash
# Perplexity of the small byte-level decoder (bench/TinyLm) float vs weight-only quantized:
# RTN / HQQ / GPTQ / AWQ at 4 and 3 bits, and 8-bit lm_head. Prints Markdown rows for BENCHMARKS.md.
# Trains the model first when artifacts/tinylm/tiny_lm.onnx is missing (BUDGET seconds of training).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
D=${D:-artifacts/tinylm}
COUNT=${COUNT:-100}      # held-out windows of 128 bytes (a seeded subset, the same for every model)
CALIB=${CALIB:-24}       # calibration windows for GPTQ / AWQ
if [ ! -f "$D/tiny_lm.onnx" ]; then
  OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project bench/TinyLm -- --out "$D" --seconds "${BUDGET:-1500}" --batch 8
fi
ppl() { ./quanta eval "$1" --metric perplexity --text "$D/heldout.txt" --count "$COUNT" --json | jq -r .perplexity; }
size() { stat -c %s "$1"; }
base=$(ppl "$D/tiny_lm.onnx")
fsize=$(size "$D/tiny_lm.onnx")
echo "| variant | bits | 8-bit layers | size (MiB) | held-out perplexity | vs float |"
echo "|---|---|---|---|---|---|"
printf "| float | 32 | – | %.2f | %.3f | – |\n" "$(echo "$fsize/1048576" | bc -l)" "$base"
row() { # name bits algorithm keep8 [label extra-flags...]
  local out="$D/q_$1.onnx" keep=() label="${5:-$3}"
  [ "$4" != "–" ] && keep=(--keep-8bit "$4")
  ./quanta quantize "$D/tiny_lm.onnx" -o "$out" --mode weight-only --bits "$2" --algorithm "$3" \
    --calib "$D/calib.txt" --calib-count "$CALIB" "${keep[@]}" "${@:6}" --json > "$D/q_$1.json"
  local p; p=$(ppl "$out")
  printf "| %s | %s | %s | %.2f | %.3f | %+.1f %% |\n" "$label" "$2" "$4" "$(echo "$(size "$out")/1048576" | bc -l)" "$p" "$(echo "($p/$base-1)*100" | bc -l)"
}
for alg in rtn hqq gptq awq; do row "${alg}4" 4 "$alg" "–"; done
row rtn4_head 4 rtn "/lm_head/*"
row awq4_head 4 awq "/lm_head/*"
row rtn4_int8 4 rtn "–" "rtn, int8 compute (accuracy level 4)" --accuracy-level 4
row awq4_int8 4 awq "–" "awq, int8 compute (accuracy level 4)" --accuracy-level 4
for alg in rtn hqq gptq awq; do row "${alg}3" 3 "$alg" "–"; done
row awq4_auto 4 awq auto
row rtn3_auto 3 rtn auto
for alg in rtn gptq awq; do row "${alg}2" 2 "$alg" "–"; done
row awq2_auto 2 awq auto
