#!/bin/bash
# bench_rv64.sh - RV64 interpreter speed: examples/compute.c built as a
# static glibc RV64 program (riscv64-linux-gnu-gcc -O2), `rvrr run` next to
# qemu-riscv64 on the same binary, through bench_mips.sh (same table).
# Prints figures only. ITERATIONS (default 30) and RUNS (default 3) as there.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
command -v riscv64-linux-gnu-gcc >/dev/null || { echo "error: riscv64-linux-gnu-gcc not installed" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
riscv64-linux-gnu-gcc -static -O2 -g "$root/examples/compute.c" -o "$dir/rv64_compute.elf"
EXAMPLES=$dir PROGRAM=rv64_compute ITERATIONS=${ITERATIONS:-30} RUNS=${RUNS:-3} "$root/bench/bench_mips.sh"
