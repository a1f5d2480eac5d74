#!/usr/bin/env bash
# Issue 12, "never slower than float": quantizes every reference model and UltraFace with the default
# recipe and objective (auto: whole-model check, region search, never-slower guard), prints the
# placement line `quantize` ends with, then times float against the written model with
# `quanta bench FLOAT OUT --rounds R` (interleaved rounds, medians of per-round ratios) at batch 1 on
# 1 and 2 threads, and scores UltraFace's int8 detections against float's on generated scenes.
# Run it on a quiet machine: every figure is a timing.
#
# Usage, from the repository root: bench/objective/run.sh [OUT_DIR] [ROUNDS]
# Needs: Fashion-MNIST at /usr/share/datasets/fashion-mnist, ../shared/models, UltraFace's calibration
# photos in a class sub-folder of $UF_CALIB (default /work/uf-calib, whose photos/ links the 8 scenes), ffmpeg for `detect`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-artifacts/objective}"
rounds="${2:-5}"
models=../shared/models
fmnist="/usr/share/datasets/fashion-mnist:train --mean 0.2860 --std 0.3530"
uf_calib="${UF_CALIB:-/work/uf-calib}"
mkdir -p "$out"

quantize() { # NAME MODEL CALIB-FLAGS… ; writes $out/NAME.int8.onnx and prints the placement lines
  local name="$1" model="$2"; shift 2
  ./quanta quantize "$model" -o "$out/$name.int8.onnx" "$@" > "$out/$name.quantize.txt" 2> "$out/$name.progress.txt"
  # The summary wraps at 80 columns: each line found, and the one after it. The whole summary is in $out/NAME.quantize.txt.
  grep -E -A1 "│ R[0-9]+ |speed-up at batch|no int8 region|gave up|warning" "$out/$name.quantize.txt" | sed "s/^/$name: /"
}

quantize cnn "$models/fmnist_cnn.onnx" --calib $fmnist
quantize resnet20 "$models/fmnist_resnet20.onnx" --calib $fmnist
quantize mobilenetv2 "$models/fmnist_mobilenetv2.onnx" --calib $fmnist
quantize vit "$models/fmnist_vit.onnx" --calib $fmnist
quantize ultraface "$models/ultraface_rfb320.onnx" --calib "$uf_calib" --size 240x320 --channels 3 --mean 0.498 --std 0.502
# Calibration on 64 generated scenes (seed 4242; evaluation uses 1000003): `detect` writes them as frames when no
# detection passes the threshold (a small FPS caption stays in the top-left corner).
if [ ! -d "$out/scenecal/scenes" ]; then
  ./quanta detect "$models/ultraface_rfb320.onnx" --source scenes:64 --seed 4242 --score-threshold 1.0 -o "$out/scenegen" > /dev/null
  mkdir -p "$out/scenecal/scenes" && mv "$out"/scenegen/frame_*.png "$out/scenecal/scenes/"
fi
quantize ultraface-scenes "$models/ultraface_rfb320.onnx" --calib "$out/scenecal" --size 240x320 --channels 3 --mean 0.498 --std 0.502

for name in cnn resnet20 mobilenetv2 vit ultraface ultraface-scenes; do
  case $name in
    cnn|resnet20|mobilenetv2|vit) float="$models/fmnist_$name.onnx" ;;
    ultraface*) float="$models/ultraface_rfb320.onnx" ;;
  esac
  for t in 1 2; do
    echo "== $name, batch 1, $t thread(s)"
    ./quanta bench "$float" "$out/$name.int8.onnx" --threads "$t" --batch 1 --rounds "$rounds" 2> /dev/null | grep -E "│|medians"
  done
done

for name in ultraface ultraface-scenes; do
  echo "== $name: int8 vs float detections (100 generated scenes, seed 1000003)"
  ./quanta detect "$out/$name.int8.onnx" --source scenes:100 --seed 1000003 --compare "$models/ultraface_rfb320.onnx" --threads 1 | tail -n 12
done
