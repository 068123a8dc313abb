#!/bin/bash
# bench_tiers.sh - `rvrr run` in both tiers (--tier interp / auto) against
# qemu-riscv32 on the same binaries with the same arguments: compute-heavy
# (linux_compute), call-heavy (linux_calls) and short-block (linux_branchy)
# code. Each round runs the three back to back and measures user CPU time,
# so the ratios are paired (each against the qemu run of its own round) and
# survive a busy machine better than wall times. Prints the median of each
# ratio; never passes or fails on time. Outputs are compared (they must be
# identical in all three).
#
#   bench/bench_tiers.sh                      # builds ./build if needed
#   RUNS=7 bench/bench_tiers.sh
#   CASES="linux_compute:600" bench/bench_tiers.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
runs=${RUNS:-5}
cases=${CASES:-"linux_compute:1500 linux_calls:1500 linux_branchy:2500"}
if [ -z "${RVRR:-}" ]; then
  if [ ! -x "$build/rvrr" ] || [ ! -f "$build/examples/linux_calls.elf" ]; then
    echo "building rvrr and the examples in $build ..."
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target rvrr rvrr_examples >/dev/null
  fi
  RVRR=$build/rvrr
fi
examples=${EXAMPLES:-$build/examples}
command -v qemu-riscv32 >/dev/null || { echo "error: qemu-riscv32 not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# user seconds of one command (its stdout to $tmp/out.$2)
user_time() {
  local tag=$1; shift
  /usr/bin/time -f '%U' -o "$tmp/t" "$@" >"$tmp/out.$tag" 2>/dev/null || true
  tail -1 "$tmp/t"
}

echo "host: $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg); $runs paired rounds"
printf '\n%-22s %10s %10s %10s %12s %12s %12s\n' program interp auto qemu "interp/qemu" "auto/qemu" "auto/interp"
for c in $cases; do
  name=${c%%:*} arg=${c#*:}
  prog=$examples/$name.elf
  [ -f "$prog" ] || { echo "error: $prog not found" >&2; exit 2; }
  : >"$tmp/ri"; : >"$tmp/ra"; : >"$tmp/rq"; : >"$tmp/ti"; : >"$tmp/ta"; : >"$tmp/tq"; : >"$tmp/rai"
  for ((i = 1; i <= runs; i++)); do
    ti=$(user_time i "$RVRR" run --tier interp "$prog" "$arg")
    ta=$(user_time a "$RVRR" run --tier auto "$prog" "$arg")
    tq=$(user_time q qemu-riscv32 "$prog" "$arg")
    cmp -s "$tmp/out.i" "$tmp/out.a" && cmp -s "$tmp/out.i" "$tmp/out.q" ||
      echo "warning: $name: outputs differ between interp, auto and qemu" >&2
    echo "$ti" >>"$tmp/ti"; echo "$ta" >>"$tmp/ta"; echo "$tq" >>"$tmp/tq"
    calc "$ti / $tq" >>"$tmp/ri"; calc "$ta / $tq" >>"$tmp/ra"; calc "$ta / $ti" >>"$tmp/rai"
  done
  printf '%-22s %9.2fs %9.2fs %9.2fs %11.2fx %11.2fx %11.2fx\n' "$name $arg" "$(median <"$tmp/ti")" \
    "$(median <"$tmp/ta")" "$(median <"$tmp/tq")" "$(median <"$tmp/ri")" "$(median <"$tmp/ra")" "$(median <"$tmp/rai")"
done
echo "(user CPU seconds, medians; ratios are medians of per-round ratios; below 1.00x = faster than the peer)"
