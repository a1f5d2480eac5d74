#!/usr/bin/env bash
# The Raspberry Pi path, exercised on this x64 machine: publishes the linux-arm64 single-file build,
# runs it under qemu-aarch64 (user-mode emulation) on 20 generated scenes, and checks that every
# detection matches the x64 build's within 1e-3 (boxes and scores).
#
# Needs (Debian): apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross ffmpeg
# Usage, from the repository root: bench/detect/arm64-match.sh [MODEL] [FRAMES]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
model="${1:-src/Quanta.Detect/Assets/ultraface_rfb320.onnx}"
frames="${2:-20}"
out=artifacts/arm64-match
mkdir -p "$out"

if [ ! -x artifacts/arm64/Quanta.Cli ] || [ -n "$(find src -newer artifacts/arm64/Quanta.Cli -type f -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]; then
  echo "publishing linux-arm64 (self-contained, single file)..." >&2
  # -r on the command line overrides the RuntimeIdentifier that Directory.Build.props sets for the repository.
  dotnet publish src/Quanta.Cli -c Release -r linux-arm64 --self-contained -p:PublishSingleFile=true -o artifacts/arm64 -nodeReuse:false -v q >&2
fi

echo "x64 build..." >&2
./quanta detect "$model" --source "scenes:$frames" --threads 1 --detections "$out/x64.csv" --json > "$out/x64.json"

# qemu-user looks up absolute paths under its -L prefix first. ONNX Runtime's cpuinfo parses /proc/cpuinfo
# and crashes (NULL dereference) on the x86 host's; the prefix gives it an Arm one (a Pi 5's Cortex-A76,
# one entry per host core) and the arm64 libc/libstdc++ of the cross packages.
sysroot=artifacts/arm64-sysroot
mkdir -p "$sysroot/proc"
for d in /usr/aarch64-linux-gnu/*; do ln -sfn "$d" "$sysroot/$(basename "$d")"; done
: > "$sysroot/proc/cpuinfo"
for i in $(seq 0 $(($(nproc) - 1))); do
  printf 'processor\t: %d\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0b\nCPU revision\t: 1\n\n' "$i" >> "$sysroot/proc/cpuinfo"
done

echo "arm64 build under qemu-aarch64 (slow: every instruction is emulated)..." >&2
# Invariant globalization: no ICU for arm64 here. W^X off: the JIT's double mapping of code pages faults under qemu-user.
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_EnableWriteXorExecute=0 \
  qemu-aarch64 -L "$sysroot" artifacts/arm64/Quanta.Cli \
  detect "$model" --source "scenes:$frames" --threads 1 --detections "$out/arm64.csv" --json > "$out/arm64.json"

# Same rows, same frames, every value within 1e-3.
awk -F, -v tol=1e-3 '
  NR == FNR { a[FNR] = $0; n = FNR; next }
  { m = FNR; split(a[FNR], x, ","); if (FNR == 1) next
    if (x[1] != $1) { printf "row %d: frame %s on x64, %s on arm64\n", FNR, x[1], $1; bad++; next }
    for (i = 2; i <= 6; i++) { d = x[i] - $i; if (d < 0) d = -d; if (d > worst) worst = d; if (d > tol) { printf "row %d column %d: %s vs %s\n", FNR, i, x[i], $i; bad++ } } }
  END {
    if (n != m) { printf "x64 has %d detections, arm64 %d\n", n - 1, m - 1; bad++ }
    printf "%d detections on %s frames; largest difference %.2g; %s\n", n - 1, "'"$frames"'", worst, bad ? "MISMATCH" : "match within 1e-3"
    exit bad ? 1 : 0 }' "$out/x64.csv" "$out/arm64.csv"
