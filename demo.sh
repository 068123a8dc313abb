#!/usr/bin/env bash
# demo.sh - rvrr in one minute: build, record a buggy program, then find the
# stray write that corrupted a global by running backwards in gdb.
#
# The program (examples/overrun.c) fills a histogram; one bucket index is one
# past the end, so now and then it increments `guard`, the global after the
# array. At the end the program notices guard changed - but not who did it.
# `watch guard` + `reverse-continue` answers that.
#
# On a terminal this opens gdb on the recording; otherwise (CI, a pipe) it
# plays the same session in batch mode and prints gdb's output.
set -euo pipefail
cd "$(dirname "$0")"
source ./scripts/deps.sh
install_deps "${RVRR_DEMO_PACKAGES[@]}"

# RVRR_BUILD_DIR: build somewhere else than ./build (the default).
BUILD="${RVRR_BUILD_DIR:-build}"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only what the demo runs: rvrr and the one example (a custom command's
# output, which Ninja builds by its path), not the tests and other examples.
DEMO_TARGETS=(rvrr examples/overrun.elf)
if [ -n "${RVRR_DEMO_DRY_RUN:-}" ]; then
  # For tests/e2e/test_demo_build.sh: list every command these targets need, build nothing.
  ninja -C "$BUILD" -t commands "${DEMO_TARGETS[@]}"
  exit 0
fi
cmake --build "$BUILD" --target "${DEMO_TARGETS[@]}"

mkdir -p "$BUILD/demo"
TRACE="$BUILD/demo/overrun.trace"
echo
echo "== Recording $BUILD/examples/overrun.elf (it exits 1: it notices guard was corrupted) =="
rm -rf "$TRACE"
"$BUILD/rvrr" record -o "$TRACE" "$BUILD/examples/overrun.elf" | tail -n 3 || true
if [ ! -e "$TRACE" ]; then
  echo "demo.sh: rvrr record wrote no trace ($TRACE)" >&2
  exit 1
fi
echo

GDB_COMMANDS=(
  "break report_corruption"
  "continue"
  "print/x guard"
  "watch guard"
  "reverse-continue"
  "print/x guard"
  "print value"
  "backtrace"
)

if [ -t 0 ] && [ -t 1 ]; then
  cat <<'EOF'
== Replaying it under gdb. Try: ==
  (gdb) break report_corruption     # where the program notices the damage
  (gdb) continue
  (gdb) watch guard                 # who wrote it last?
  (gdb) reverse-continue            # runs backwards to the stray write: Old/New value
  (gdb) print value                 # and why: bucket(1000) == 16, one past the end
Then reverse-step, reverse-next, reverse-finish, or `continue` forwards again.
EOF
  exec "$BUILD/rvrr" replay "$TRACE"
fi

# Not a terminal: the same session in batch mode.
LOG=$(mktemp)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  rm -f "$LOG"
}
trap cleanup EXIT
"$BUILD/rvrr" replay --port 0 "$TRACE" 2>"$LOG" >/dev/null &
SERVER_PID=$!
PORT=
for _ in $(seq 1 200); do
  PORT=$(grep -oE "target remote [^:']+:[0-9]+" "$LOG" | head -n1 | sed 's/.*://') || true
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$PORT" ]; then
  echo "rvrr replay did not start:" >&2
  cat "$LOG" >&2
  exit 1
fi

echo "== gdb session (batch mode) =="
args=()
for c in "${GDB_COMMANDS[@]}"; do
  args+=(-ex "echo (gdb) $c\n" -ex "$c")
done
timeout 300 gdb-multiarch -nx -batch -x gdbinit -ex "target remote 127.0.0.1:$PORT" "${args[@]}" \
  -ex "kill" "$BUILD/examples/overrun.elf" 2>&1
echo
echo "The watchpoint stopped at the stray write, histogram[bucket(value)]++, just before"
echo "it ran: value is 1000 (MAX_VALUE), so bucket(value) is 16 (NBUCKETS), one past the"
echo "end of histogram[] - that is guard."
echo "Run ./demo.sh in a terminal to try it interactively."
