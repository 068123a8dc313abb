#!/bin/bash
# bench_mips.sh - interpreter speed of `rvrr run` next to qemu-riscv32 (user
# mode, a JIT) on the same binary with the same arguments: the compute example
# (Linux-ABI build: sieve, hashing, sorting, matrix multiply, division),
# about 1.5 billion instructions by default.
#
# Each is run RUNS times; the table shows the median wall time and MIPS
# (million instructions per second). The instruction count is rvrr's
# (--stats); qemu's MIPS is that same count divided by qemu's wall time.
# Prints figures only; never passes or fails on time.
#
#   bench/bench_mips.sh                      # builds ./build if needed
#   ITERATIONS=300 RUNS=3 bench/bench_mips.sh
#   PROGRAM=linux_fpmath ITERATIONS=300000 bench/bench_mips.sh   # float-heavy (F/D in software)
#   RVRR=/path/to/rvrr EXAMPLES=/path/to/examples bench/bench_mips.sh
#   bench/bench_rv64.sh                      # the same compute program as RV64 (glibc) vs qemu-riscv64
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
iterations=${ITERATIONS:-1500}
runs=${RUNS:-5}

if [ -z "${RVRR:-}" ]; then
  if [ ! -x "$build/rvrr" ] || [ ! -f "$build/examples/linux_compute.elf" ]; then
    echo "building rvrr and the examples in $build ..."
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target rvrr rvrr_examples >/dev/null
  fi
  RVRR=$build/rvrr
fi
examples=${EXAMPLES:-$build/examples}
prog=$examples/${PROGRAM:-linux_compute}.elf
[ -f "$prog" ] || { echo "error: $prog not found (is riscv64-unknown-elf-gcc installed?)" >&2; exit 2; }
# The peer runs the same width: qemu-riscv64 for an ELF64 (RV64) program.
qemu=qemu-riscv32
[ "$(od -An -tx1 -j4 -N1 "$prog" | tr -d ' ')" == "02" ] && qemu=qemu-riscv64
have_qemu=1
command -v $qemu >/dev/null || have_qemu=0

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "program:    $prog $iterations"
echo "runs:       $runs each, median reported"
echo "host:       $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
[ "$have_qemu" -eq 1 ] && echo "qemu:       $($qemu --version | head -1)"

count=""
expected_out=""
for ((i = 1; i <= runs; i++)); do
  t0=$(now)
  "$RVRR" run --stats "$prog" "$iterations" >"$tmp/out" 2>"$tmp/err"
  t1=$(now)
  n=$(grep -oE 'instructions: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
  [ -n "$n" ] || { echo "error: no instruction count from rvrr --stats:" >&2; cat "$tmp/err" >&2; exit 1; }
  if [ -n "$count" ] && [ "$n" != "$count" ]; then
    echo "warning: instruction counts differ between runs ($count, $n): not deterministic!" >&2
  fi
  count=$n
  expected_out=$(cat "$tmp/out")
  calc "$t1 - $t0" >>"$tmp/rvrr_times"
  grep -oE 'MIPS: [0-9.]+' "$tmp/err" | grep -oE '[0-9.]+' >>"$tmp/rvrr_self_mips"
  printf '  rvrr run %d: %6.2f s\n' "$i" "$(tail -1 "$tmp/rvrr_times")"
done
if [ "$have_qemu" -eq 1 ]; then
  for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    $qemu "$prog" "$iterations" >"$tmp/qout"
    t1=$(now)
    calc "$t1 - $t0" >>"$tmp/qemu_times"
    [ "$(cat "$tmp/qout")" == "$expected_out" ] || echo "warning: qemu's output differs from rvrr's" >&2
    printf '  qemu run %d: %6.2f s\n' "$i" "$(tail -1 "$tmp/qemu_times")"
  done
fi

rvrr_t=$(median <"$tmp/rvrr_times")
rvrr_mips=$(calc "$count / $rvrr_t / 1000000")
echo
echo "output: $expected_out"
printf 'instructions retired: %s (%.2f billion)\n\n' "$count" "$(calc "$count / 1000000000")"
printf '%-22s %12s %10s %12s\n' "" "median wall" "MIPS" "MIPS ratio"
printf '%-22s %10.2f s %10.1f %12s\n' "rvrr run" "$rvrr_t" "$rvrr_mips" "1.00x"
if [ "$have_qemu" -eq 1 ]; then
  qemu_t=$(median <"$tmp/qemu_times")
  qemu_mips=$(calc "$count / $qemu_t / 1000000")
  printf '%-22s %10.2f s %10.1f %11.2fx\n' "$qemu (JIT)" "$qemu_t" "$qemu_mips" "$(calc "$qemu_mips / $rvrr_mips")"
else
  echo "$qemu not installed: no comparison"
fi
printf '\nrvrr --stats MIPS (its own clock, median): %.1f\n' "$(median <"$tmp/rvrr_self_mips")"
