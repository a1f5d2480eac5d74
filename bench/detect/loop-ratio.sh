#!/usr/bin/env bash
# Loop FPS against model-only FPS, and models against each other, on the same frames and threads:
# every round runs `quanta detect MODEL --source scenes:FRAMES --threads THREADS --json` once per
# model, models alternating, so a shared machine's load falls on all of them alike. Model-only FPS
# is 1000 / the median Run time inside the same loop. With two models (float first, int8 second)
# each round also prints the second's loop FPS over the first's: the int8 ÷ float loop ratio.
# QUANTA="dotnet /other/clone/artifacts/cli/Quanta.Cli.dll" compares another build.
# Usage, from the repository root: bench/detect/loop-ratio.sh MODEL [MODEL2] [-- FRAMES ROUNDS THREADS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
models=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do models+=("$1"); shift; done
[ $# -gt 0 ] && shift
frames="${1:-500}"; rounds="${2:-3}"; threads="${3:-1}"
[ ${#models[@]} -gt 0 ] || { echo "usage: $0 MODEL [MODEL2] [-- FRAMES ROUNDS THREADS]" >&2; exit 2; }
quanta="${QUANTA:-./quanta}"
mkdir -p artifacts/loop-ratio
echo "| round | model | loop FPS | Run p50 (ms) | model-only FPS | loop ÷ model-only | F1 |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
  first=""
  for m in "${models[@]}"; do
    out="artifacts/loop-ratio/$(basename "$m" .onnx).$r.json"
    $quanta detect "$m" --source "scenes:$frames" --threads "$threads" --json > "$out"
    fps=$(python3 - "$out" "$r" "$m" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); row = s["rows"][0]
f1 = f'{row["f1"]:.4f}' if row.get("f1") is not None else "-"
print(f'| {sys.argv[2]} | {sys.argv[3].split("/")[-1]} | {s["loopFps"]:.1f} | {row["inferenceP50Ms"]:.2f} | {row["modelOnlyFps"]:.1f} | {s["loopFps"] / row["modelOnlyFps"]:.2f} | {f1} |', file=sys.stderr)
print(s["loopFps"])
PY
)
    if [ -z "$first" ]; then first="$fps"; else echo "round $r: $(basename "$m") loop FPS ÷ $(basename "${models[0]}") loop FPS = $(python3 -c "print(f'{$fps / $first:.2f}')")" >&2; fi
  done
done 2>&1
