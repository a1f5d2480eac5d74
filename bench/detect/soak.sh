#!/usr/bin/env bash
# Steady state of the detect loop: 10,000 generated frames through decode ∥ infer ∥ draw with
# resident memory sampled every 500 frames. Prints the samples and the growth from the first
# sample (frame 500, after warm-up) to the last; the loop's buffers are pooled, so it should be flat.
# Usage, from the repository root: bench/detect/soak.sh [MODEL] [FRAMES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
model="${1:-src/Quanta.Detect/Assets/ultraface_rfb320.onnx}"
frames="${2:-10000}"
mkdir -p artifacts
./quanta detect "$model" --source "scenes:$frames" --threads 1 --json > artifacts/soak.json
python3 - artifacts/soak.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
mem = s["memory"]
for m in mem: print(f'{m["frames"]:>6} frames  RSS {m["rssBytes"] / 2**20:8.1f} MiB  managed allocations so far {m["allocatedBytes"] / 2**20:8.1f} MiB')
first, last = mem[0]["rssBytes"], mem[-1]["rssBytes"]
print(f'{s["frames"]} frames at {s["loopFps"]:.1f} FPS; RSS {first / 2**20:.1f} MiB at frame {mem[0]["frames"]} -> {last / 2**20:.1f} MiB at the end ({(last - first) / 2**20:+.1f} MiB)')
frames = mem[-1]["frames"] - mem[0]["frames"]
if frames > 0: print(f'managed allocation per frame after warm-up: {(mem[-1]["allocatedBytes"] - mem[0]["allocatedBytes"]) / frames:.0f} bytes (the 4 Hz status line and the memory samples; the hot path allocates nothing)')
PY
