#!/usr/bin/env bash
# Reproduces the QAT measurements in bench/qat/README.md (CPU; slow on a shared 2-core box).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
D=/usr/share/datasets/fashion-mnist
N="--mean 0.2860 --std 0.3530"
M=../shared/models
out=${OUT:-/tmp/quanta-qat}
mkdir -p "$out"
# (2) ResNet-20 W4A8 per-channel, one epoch, vs PTQ int4
./quanta quantize $M/fmnist_resnet20.onnx -o "$out/r20.ptq.w4.onnx" --calib $D:train $N --weight-type int4
./quanta eval "$out/r20.ptq.w4.onnx" --data $D:test $N --json > "$out/r20.ptq.w4.json"
./quanta qat $M/fmnist_resnet20.onnx -o "$out/r20.qat.w4.onnx" --train $D:train --data $D:test $N --weight-bits 4 --epochs 1 --seed 1 --json > "$out/r20.qat.w4.json"
# (3) throughput: the same module with and without fake quantization
for fq in true false; do
  ./quanta qat $M/fmnist_resnet20.onnx -o "$out/r20.tp.$fq.onnx" --train $D:train --train-count 3200 $N --weight-bits 4 --steps 30 --fake-quant $fq --json > "$out/r20.tp.$fq.json"
done
# (4) ternary weights, 8-bit activations: untrained (--steps 0) vs 3 epochs
./quanta qat $M/fmnist_resnet20.onnx -o "$out/r20.ter.ptq.onnx" --train $D:train --data $D:test $N --weights ternary --steps 0 --json > "$out/r20.ter.ptq.json"
./quanta qat $M/fmnist_resnet20.onnx -o "$out/r20.ter.qat.onnx" --train $D:train --data $D:test $N --weights ternary --epochs 3 --augment --seed 1 --json > "$out/r20.ter.qat.json"
# (5) MobileNetV2 W4A8 with distillation on 10,000 images
./quanta qat $M/fmnist_mobilenetv2.onnx -o "$out/mnv2.qat.w4.onnx" --train $D:train --train-count 10000 --data $D:test $N --weight-bits 4 --distill --seed 1 --json > "$out/mnv2.qat.w4.json"
