#!/usr/bin/env bash
# Two QAT trainings in one process, sequential vs parallel (issue 14 item 7): BENCHMARKS.md's row.
# Usage: bench/qat/parallel.sh [STEPS] [ROUNDS] [THREADS PER TRAINING]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
dotnet build bench/QatParallel -c Release -nodeReuse:false -v q
dotnet run --no-build --project bench/QatParallel -c Release -- demo/fmnist_cnn.onnx demo/fashion-mnist "${1:-60}" "${2:-3}" "${3:-1}"
