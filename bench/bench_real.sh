#!/bin/bash
# bench_real.sh - a real program, not a kernel written for the benchmark:
# SQLite 3.53.2 running bench/sqlite/sqlite_driver.c (an in-memory shop
# database: inserts in a transaction, indexes, joins, grouping, sorting,
# window and date functions, point lookups, updates, deletes; ~3G
# instructions) under qemu-riscv32, `rvrr run --tier interp`, `rvrr run
# --tier auto` and `rvrr record` (auto tier). One ELF for all four: the
# Linux-ABI start-up of examples/linux (crt0.S, picolibc_glue.c) with
# picolibc's libc.
#
# Each round runs the four back to back and measures user CPU time, so the
# ratios are paired (each against the runs of its own round) and survive a
# busy machine better than wall times; recording is also compared in wall
# time (its background indexer is a second thread). Prints medians; never
# passes or fails on time. It fails (exit 1) if an output differs from
# qemu's, a run fails, or the last recording does not verify.
#
# The SQLite amalgamation is not in the repository (8 MB): it is fetched
# once with `npm pack better-sqlite3@12.11.1` (the npm package ships it in
# deps/sqlite3/), checked against its SHA-256 and kept in the cache
# directory with the built objects.
#
#   bench/bench_real.sh                       # builds ./build if needed
#   RUNS=7 ORDERS=10000 bench/bench_real.sh
#   MARCH=rv32imafdc MABI=ilp32d bench/bench_real.sh   # hard float
#   RVRR_BENCH_CACHE=/tmp/cache bench/bench_real.sh    # default ${XDG_CACHE_HOME:-~/.cache}/rvrr-bench
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
runs=${RUNS:-5}
orders=${ORDERS:-20000}
march=${MARCH:-rv32imac}
mabi=${MABI:-ilp32}
gcc=${RISCV_GCC:-riscv64-unknown-elf-gcc}
cache=${RVRR_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rvrr-bench}
npm_package=better-sqlite3@12.11.1
sqlite_version=3.53.2
sqlite_c_sha256=60d2f39a3726cd6b9021da6f4e868608d66fbb6528a9f513dc8ffcc640493422
sqlite_h_sha256=9e69a1353a4288450b0d5239ede11fc7f1f4c8e5eb07491fc8317eacb5b7de7e
# SQLite without an OS layer (bench/sqlite/sqlite_os.c supplies a VFS that
# opens no files), threads, extensions or temp files; no memory statistics
# (their counters cost time on every malloc, as in most embedded builds).
sqlite_flags=(-DSQLITE_OS_OTHER=1 -DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_TEMP_STORE=3
              -DSQLITE_DEFAULT_MEMSTATUS=0)

if [ -z "${RVRR:-}" ]; then
  if [ ! -x "$build/rvrr" ]; then
    echo "building rvrr in $build ..."
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$build" --target rvrr >/dev/null
  fi
  RVRR=$build/rvrr
fi
command -v qemu-riscv32 >/dev/null || { echo "error: qemu-riscv32 not installed" >&2; exit 2; }
command -v "$gcc" >/dev/null || { echo "error: $gcc (the RISC-V cross compiler) not installed" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time (GNU time) not installed" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
calc() { awk "BEGIN { print $1 }"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
sha256() { sha256sum "$1" | cut -d' ' -f1; }

# The amalgamation in $cache/sqlite-$sqlite_version/, fetched if missing or
# altered. npm is the one client needed; install it if it is not there.
src=$cache/sqlite-$sqlite_version
fetch_sqlite() {
  if [ -f "$src/sqlite3.c" ] && [ "$(sha256 "$src/sqlite3.c")" == "$sqlite_c_sha256" ] &&
     [ -f "$src/sqlite3.h" ] && [ "$(sha256 "$src/sqlite3.h")" == "$sqlite_h_sha256" ]; then
    return
  fi
  if ! command -v npm >/dev/null; then
    echo "npm not found: it fetches the SQLite amalgamation ($npm_package); installing it with apt-get ..." >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get install -y npm >&2 || {
      echo "error: could not install npm; install it (apt-get install npm) and run again" >&2; exit 2; }
  fi
  echo "fetching the SQLite $sqlite_version amalgamation: npm pack $npm_package ..." >&2
  (cd "$tmp" && npm pack --silent "$npm_package" >/dev/null) ||
    { echo "error: npm pack $npm_package failed" >&2; exit 2; }
  tar -xzf "$tmp"/better-sqlite3-*.tgz -C "$tmp" package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h
  for f in c h; do
    want=sqlite_${f}_sha256
    got=$(sha256 "$tmp/package/deps/sqlite3/sqlite3.$f")
    [ "$got" == "${!want}" ] ||
      { echo "error: sqlite3.$f from $npm_package has SHA-256 $got, expected ${!want}" >&2; exit 2; }
  done
  mkdir -p "$src"
  mv "$tmp"/package/deps/sqlite3/sqlite3.[ch] "$src/"
}

# picolibc's root (include/, lib/<multilib>/), as examples/CMakeLists.txt
# finds it: the include directory picolibc.specs names.
picolibc_root() {
  local specs root=/usr/lib/picolibc/riscv64-unknown-elf
  specs=$("$gcc" -print-file-name=picolibc.specs)
  if [ -f "$specs" ]; then
    local found
    found=$(grep -oE ':(/[^};: ]+)/include}' "$specs" | head -1 | sed -E 's/^:(.*)\/include\}$/\1/')
    [ -n "$found" ] && root=$found
  fi
  echo "$root"
}

# The guest: sqlite3.o is compiled once per flag set (about a minute) and
# kept in the cache; the driver, VFS and start-up are compiled and linked
# every time (a few seconds), so edits to them are always measured.
build_guest() {
  local pico multidir flags key obj
  pico=$(picolibc_root)
  multidir=$("$gcc" -march="$march" -mabi="$mabi" --specs=picolibc.specs -print-multi-directory)
  flags=(-march="$march" -mabi="$mabi" -O2 -g -static -nostdlib -isystem "$pico/include" -I"$src"
         "${sqlite_flags[@]}")
  # Keyed by what goes into it (not by paths): the source, the flags, the compiler, picolibc.
  key=$(printf '%s\n' "$sqlite_c_sha256" "$march" "$mabi" "${sqlite_flags[@]}" "$("$gcc" --version | head -1)" \
        "$pico" | sha256sum | cut -c1-12)
  obj=$cache/obj/sqlite3-$march-$key.o
  if [ ! -f "$obj" ]; then
    echo "compiling sqlite3.c for $march/$mabi (once; about a minute) ..." >&2
    mkdir -p "$cache/obj"
    "$gcc" "${flags[@]}" -c "$src/sqlite3.c" -o "$obj.tmp"
    mv "$obj.tmp" "$obj"
  fi
  elf=$cache/sqlite_driver-$march.elf
  "$gcc" "${flags[@]}" -Wall -Wl,-Ttext-segment=0x10000 "$root/examples/linux/crt0.S" \
    "$root/examples/linux/picolibc_glue.c" "$root/bench/sqlite/sqlite_os.c" "$root/bench/sqlite/sqlite_driver.c" \
    "$obj" "$pico/lib/$multidir/libm.a" "$pico/lib/$multidir/libc.a" -lgcc -o "$elf"
}

fetch_sqlite
build_guest

# One timed run: "user wall" seconds on stdout, its output in $tmp/out.$tag.
# A run that fails ends the benchmark (its stderr is shown).
timed() {
  local tag=$1; shift
  /usr/bin/time -f '%U %e %x' -o "$tmp/t" "$@" >"$tmp/out.$tag" 2>"$tmp/err.$tag" || true
  local status
  status=$(tail -1 "$tmp/t" | cut -d' ' -f3)
  if [ "$status" != "0" ]; then
    echo "error: $tag run failed (exit status $status): $*" >&2
    tail -5 "$tmp/err.$tag" >&2
    exit 1
  fi
  tail -1 "$tmp/t" | cut -d' ' -f1-2
}

echo "program: $elf $orders (SQLite $sqlite_version, $march/$mabi, -O2)"
echo "host:    $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg); $runs paired rounds"
: >"$tmp/tq"; : >"$tmp/ti"; : >"$tmp/ta"; : >"$tmp/tr"; : >"$tmp/ri"; : >"$tmp/ra"; : >"$tmp/rai"; : >"$tmp/rr"; : >"$tmp/rrw"
for ((i = 1; i <= runs; i++)); do
  tq=$(timed qemu qemu-riscv32 "$elf" "$orders")
  ti=$(timed interp "$RVRR" run --tier interp "$elf" "$orders")
  ta=$(timed auto "$RVRR" run --tier auto "$elf" "$orders")
  rm -f "$tmp/trace" "$tmp/trace.idx"
  tr=$(timed record "$RVRR" record --tier auto -o "$tmp/trace" "$elf" "$orders")
  for tag in interp auto record; do
    if ! cmp -s "$tmp/out.qemu" "$tmp/out.$tag"; then
      echo "error: round $i: the output of rvrr ($tag) differs from qemu-riscv32's:" >&2
      diff "$tmp/out.qemu" "$tmp/out.$tag" | head -20 >&2
      exit 1
    fi
  done
  grep -q '^checksum ' "$tmp/out.qemu" || { echo "error: no checksum line in the output:" >&2; cat "$tmp/out.qemu" >&2; exit 1; }
  read -r q _ <<<"$tq"; read -r u_i _ <<<"$ti"; read -r u_a w_a <<<"$ta"; read -r u_r w_r <<<"$tr"
  echo "$q" >>"$tmp/tq"; echo "$u_i" >>"$tmp/ti"; echo "$u_a" >>"$tmp/ta"; echo "$u_r" >>"$tmp/tr"
  calc "$u_i / $q" >>"$tmp/ri"; calc "$u_a / $q" >>"$tmp/ra"; calc "$u_a / $u_i" >>"$tmp/rai"
  calc "$u_r / $u_a" >>"$tmp/rr"; calc "$w_r / $w_a" >>"$tmp/rrw"
  printf '  round %d: qemu %.2fs  interp %.2fs  auto %.2fs  record %.2fs user (%.2fs wall; run %.2fs)\n' \
    "$i" "$q" "$u_i" "$u_a" "$u_r" "$w_r" "$w_a"
done
# The last recording must replay to the same end (a check, not a timing).
"$RVRR" trace info --verify "$tmp/trace" >"$tmp/info" 2>&1 || true
if ! grep -q '^verify: *verified' "$tmp/info"; then
  echo "error: the recording does not verify:" >&2
  cat "$tmp/info" >&2
  exit 1
fi
instructions=$(grep -oE '^length: *[0-9,]+' "$tmp/info" | grep -oE '[0-9,]+$')

echo
echo "output (identical in every run): $(tail -1 "$tmp/out.qemu"); $instructions instructions; the recording verifies"
printf '\n%-20s %9s %9s %9s %9s %12s %10s %12s %12s %12s\n' program qemu interp auto record \
  "interp/qemu" "auto/qemu" "auto/interp" "record/run" "(wall)"
printf '%-20s %8.2fs %8.2fs %8.2fs %8.2fs %11.2fx %9.2fx %11.2fx %11.2fx %11.2fx\n' "sqlite $orders" \
  "$(median <"$tmp/tq")" "$(median <"$tmp/ti")" "$(median <"$tmp/ta")" "$(median <"$tmp/tr")" \
  "$(median <"$tmp/ri")" "$(median <"$tmp/ra")" "$(median <"$tmp/rai")" "$(median <"$tmp/rr")" "$(median <"$tmp/rrw")"
echo "(user CPU seconds, medians; ratios are medians of per-round ratios; below 1.00x = faster than the peer;"
echo " record/run: \`rvrr record\` against \`rvrr run\`, both --tier auto, in user time and in wall time)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
