#!/usr/bin/env bash
# MatMulNBits' compute precision in ONNX Runtime: accuracy_level 0 (its default: float) against 4 (activations
# rounded to int8 per block, integer dot products), on a generated decoder (2 blocks of d = 2048, ff = 5632,
# vocab 32000: 0.94 GB float32) quantized to 4-bit RTN blocks of 32; float model as the baseline. Batch 1:
# one token (decoding without a cache, memory-bound) and a 128-token prompt (compute-bound).
# Prints `quanta bench` tables (interleaved rounds, medians). D: scratch folder (the model is kept and reused).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
D=${D:-/work/tmp-nbits}
ROUNDS=${ROUNDS:-5}
THREADS=${THREADS:-2}
M="$D/decoder-2x2048-float32.onnx"
[ -f "$M" ] || dotnet run -c Release --project bench/Quanta.Bench -- stream --dir "$D" --keep --runs 1 1 >&2
for level in 0 4; do
  [ -f "$D/q4-level$level.onnx" ] || ./quanta quantize "$M" -o "$D/q4-level$level.onnx" --mode weight-only --accuracy-level "$level" >&2
done
for shape in 1x1 1x128; do
  echo "### input_ids $shape, $THREADS threads"
  ./quanta bench "$M" "$D/q4-level0.onnx" "$D/q4-level4.onnx" --shape "input_ids=$shape" --batch 1 --threads "$THREADS" \
    --rounds "$ROUNDS" --runs "${RUNS:-20}" --warmup 3
done
