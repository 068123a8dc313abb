#!/bin/bash
# bench_history_queries.sh - the questions to a recording (`rvrr trace writes|diff|
# memory`) on the compute example, beside the time of one plain replay of the
# same trace (`trace info --verify`), with the threads each uses.
# Prints figures only; never passes or fails on time.
#
#   bench/bench_history_queries.sh                   # builds ./build if needed
#   ITERATIONS=300 RUNS=3 bench/bench_history_queries.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
iterations=${ITERATIONS:-150}
runs=${RUNS:-3}
if [ -z "${RVRR:-}" ]; then
  if [ ! -x "$build/rvrr" ] || [ ! -f "$build/examples/linux_compute.elf" ]; then
    echo "building rvrr and the examples in $build ..."
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target rvrr rvrr_examples >/dev/null
  fi
  RVRR=$build/rvrr
fi
prog=${EXAMPLES:-$build/examples}/linux_compute.elf
[ -f "$prog" ] || { echo "error: $prog not found" >&2; exit 2; }

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$RVRR" record -o "$tmp/a.rvrr" "$prog" "$iterations" >/dev/null 2>"$tmp/rec"
"$RVRR" record -o "$tmp/b.rvrr" "$prog" "$iterations" >/dev/null 2>>"$tmp/rec"
count=$(grep -m1 -oE '\(([0-9,]+) instructions' "$tmp/rec" | tr -dc 0-9)
echo "program:  $prog $iterations ($count instructions), $runs runs each, median"
echo "host:     $(nproc) cores"

time_of() {  # name threads command...
  local name=$1 threads=$2
  shift 2
  : >"$tmp/t"
  for ((i = 1; i <= runs; i++)); do
    t0=$(now)
    "$@" >/dev/null 2>&1 || true
    t1=$(now)
    calc "$t1 - $t0" >>"$tmp/t"
  done
  local t
  t=$(median <"$tmp/t")
  [ -z "${base:-}" ] && base=$t
  printf '%-44s %8.3f s %7.2fx %8s\n' "$name" "$t" "$(calc "$t / $base")" "$threads"
}
export RVRR_NO_CACHE=1  # fresh answers (no TRACE.answers), until the last row
printf '%-44s %10s %8s %8s\n' "" "wall" "replay" "threads"
time_of "one replay (trace info --verify)" 1 "$RVRR" trace info --verify "$tmp/a.rvrr"
time_of "trace writes (a word written once per run)" 1 "$RVRR" trace writes "$tmp/a.rvrr" rng_state,4
time_of "trace diff (two equal recordings)" 2 "$RVRR" trace diff "$tmp/a.rvrr" "$tmp/b.rvrr"
# Two runs of a guest that computes ~the same count, then reads 4 bytes and
# branches on byte 2: they part 15 instructions before the end.
late=$root/tests/fixtures/late_input_guest.elf
units=$(( ${count:-150000000} / 5000000 ))
printf 'abcd' | "$RVRR" record -o "$tmp/la.rvrr" "$late" "$units" >/dev/null 2>&1 || true  # it exits with a status from the input
printf 'abXd' | "$RVRR" record -o "$tmp/lb.rvrr" "$late" "$units" >/dev/null 2>&1 || true  # it exits with a status from the input
time_of "trace diff (runs parting at the end)" 2 "$RVRR" trace diff "$tmp/la.rvrr" "$tmp/lb.rvrr"
time_of "trace memory (at the end)" 1 "$RVRR" trace memory "$tmp/a.rvrr"
unset RVRR_NO_CACHE
"$RVRR" trace writes "$tmp/a.rvrr" rng_state,4 >/dev/null 2>&1 || true
time_of "trace writes, asked again (TRACE.answers)" 1 "$RVRR" trace writes "$tmp/a.rvrr" rng_state,4
