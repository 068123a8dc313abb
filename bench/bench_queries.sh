#!/bin/bash
# bench_queries.sh - what asking a recording costs: each whole-recording query
# (`rvrr trace lines`, `trace profile`, `trace profile --folded`, `trace calls`, `trace dump`)
# on a recording of the compute example, beside one plain replay of the same
# trace (`rvrr trace info --verify`: replays it to the end and checks it).
# Each query is one replay with a trace sink (vm/exec_trace.hpp); `trace lines`,
# `trace profile` and `trace calls` also run split over RVRR_SCAN_THREADS (default: every
# hardware thread), which adds an untraced pass that cuts the intervals
# (more CPU, less wall time) unless the states of an earlier split question
# were kept (TRACE.states: the "states kept" rows). The ratio column is the median, over the runs, of a run's CPU time
# over that of a plain replay run just before it (pairs, so that a shared
# machine's load changes both sides alike). The last rows ask again,
# answered from the TRACE.answers cache.
#
# Each command is run RUNS times; the table shows the median wall time.
# Prints figures only; never passes or fails on time.
#
#   bench/bench_queries.sh                    # builds ./build if needed
#   ITERATIONS=100 RUNS=5 bench/bench_queries.sh
#   PROGRAM=compute bench/bench_queries.sh    # picolibc build (default: linux_compute)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
iterations=${ITERATIONS:-200}
runs=${RUNS:-3}

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

calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trace=$tmp/compute.rvrr
"$RVRR" record -o "$trace" "$prog" "$iterations" >/dev/null 2>"$tmp/record.err" || true
[ -s "$trace" ] || { cat "$tmp/record.err" >&2; exit 1; }
instructions=$("$RVRR" trace dump --json "$trace" | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["length"])')

# time_of ARGS...: "WALL CPU", the medians of $runs runs (output discarded);
# CPU is user + system time, steadier than wall time on a busy machine.
time_of() {
  local walls=() cpus=()
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$RVRR" "$@" >/dev/null 2>&1
    read -r wall user sys < "$tmp/time"
    walls+=("$wall")
    cpus+=("$(calc "$user + $sys")")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

# Fresh answers: no TRACE.answers (query/answer_cache.hpp), or every run after the first would be a cache hit.
export RVRR_NO_CACHE=1
threads=${RVRR_SCAN_THREADS:-$(nproc)}
echo "compute example ($(basename "$prog") $iterations): $instructions instructions, median of $runs runs"
echo "host: $(nproc) hardware threads; the threads column is what each command used (RVRR_SCAN_THREADS)"
printf '%-40s %7s %8s %8s %8s %10s %10s\n' "command" "threads" "wall s" "cpu s" "MIPS" "cpu ratio" "wall ratio"
read -r base_wall base_cpu <<< "$(time_of trace info --verify "$trace")"
printf '%-40s %7s %8.2f %8.2f %8.0f %10s %10s\n' "replay (trace info --verify)" 1 "$base_wall" "$base_cpu" \
  "$(calc "$instructions / $base_cpu / 1e6")" "1.00" "1.00"
# row THREADS LABEL ARGS...: one command under RVRR_SCAN_THREADS=THREADS,
# each of its RUNS runs right after a plain replay: the ratio column is the
# median of those pairs' CPU ratios (steadier on a shared machine than two
# medians taken minutes apart), and likewise for wall time (what a split
# question saves). fresh_answers=1: no TRACE.answers before each run (the
# question is answered by replaying, with the states TRACE.states keeps).
row() {
  local n=$1 label=$2
  shift 2
  local walls=() cpus=() ratios=() wall_ratios=()
  for _ in $(seq "$runs"); do
    read -r base_w base <<< "$(runs=1 time_of trace info --verify "$trace")"
    [ -n "${fresh_answers:-}" ] && rm -f "$trace.answers"
    read -r wall cpu <<< "$(runs=1 RVRR_SCAN_THREADS=$n time_of "$@")"
    walls+=("$wall")
    cpus+=("$cpu")
    ratios+=("$(calc "$cpu / ($base > 0 ? $base : 0.01)")")
    wall_ratios+=("$(calc "$wall / ($base_w > 0 ? $base_w : 0.01)")")
  done
  wall=$(printf '%s\n' "${walls[@]}" | median)
  cpu=$(printf '%s\n' "${cpus[@]}" | median)
  local mips="-"  # dump reads the trace without replaying it
  [ "$label" = "trace dump" ] || mips=$(printf '%.0f' "$(calc "$instructions / $cpu / 1e6")")
  printf '%-40s %7s %8.2f %8.2f %8s %10.2f %10.2f\n' "$label" "$n" "$wall" "$cpu" "$mips" \
    "$(printf '%s\n' "${ratios[@]}" | median)" "$(printf '%s\n' "${wall_ratios[@]}" | median)"
}
row 1 "trace lines" trace lines "$trace"
[ "$threads" -gt 1 ] && row "$threads" "trace lines" trace lines "$trace"
row 1 "trace lines --json" trace lines --json "$trace"
row 1 "trace profile" trace profile "$trace"
[ "$threads" -gt 1 ] && row "$threads" "trace profile" trace profile "$trace"
row 1 "trace profile --folded" trace profile --folded "$trace"
row 1 "trace calls main (1 call)" trace calls "$trace" main
[ "$threads" -gt 1 ] && row "$threads" "trace calls main (1 call)" trace calls "$trace" main
row 1 "trace dump" trace dump "$trace"
# The states a split question keeps (TRACE.states): the next question on
# the trace starts every thread at once instead of executing to each
# interval's start first.
unset RVRR_NO_CACHE
if [ "$threads" -gt 1 ]; then
  rm -f "$trace.states"
  "$RVRR" trace lines "$trace" >/dev/null 2>&1
  fresh_answers=1 row "$threads" "trace lines (states kept)" trace lines "$trace"
  fresh_answers=1 row "$threads" "trace profile (states kept)" trace profile "$trace"
  fresh_answers=1 row "$threads" "trace calls main (states kept)" trace calls "$trace" main
fi
# Asked again: answered from TRACE.answers next to the trace.
"$RVRR" trace lines "$trace" >/dev/null 2>&1
"$RVRR" trace profile "$trace" >/dev/null 2>&1
row 1 "trace lines, asked again (cache)" trace lines "$trace"
row 1 "trace profile, asked again (cache)" trace profile "$trace"
