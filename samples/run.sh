#!/usr/bin/env bash
# Packs Quanta and Quanta.Training (dotnet pack) into artifacts/packages, then builds samples/Quickstart
# against those packages — not the projects — and runs it on the demo CNN and the demo's Fashion-MNIST
# images: load, quantize with in-memory calibration data, evaluate, save. Exit 0 when all of that works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
feed=artifacts/packages
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rm -rf "$feed"
for p in src/Quanta src/Quanta.Training; do
  dotnet pack "$p" -c Release -o "$feed" -nodeReuse:false -v q
done
ls "$feed"
# Every run packs the same version again: drop NuGet's cached copy so restore takes the fresh package.
cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
rm -rf "$cache/quanta" "$cache/quanta.training"
dotnet build samples/Quickstart -c Release -nodeReuse:false -v q
dotnet run --no-build --project samples/Quickstart -c Release -- demo/fmnist_cnn.onnx demo/fashion-mnist "$out/fmnist_cnn.int8.onnx"
