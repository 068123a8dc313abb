#!/usr/bin/env bash
# bench_reverse.sh: reverse-debugging command times in gdb on long runs
# (corrupt_late, ~100M instructions; compute 1370, ~1.5G), peak checkpoint
# memory against the budget, and the recording overhead. Builds what is
# missing first. Prints figures; never fails on time.
#   bench/bench_reverse.sh [BUILD_DIR] [bench_reverse.py options...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${1:-$ROOT/build}"
[ $# -gt 0 ] && shift
if [ ! -x "$BUILD/rvrr" ] || [ ! -f "$BUILD/examples/compute.elf" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" --target rvrr rvrr_examples
fi
exec python3 "$ROOT/bench/bench_reverse.py" --rvrr "$BUILD/rvrr" --examples "$BUILD/examples" "$@"
