#!/bin/bash
# test_trace_kill.sh - a recording killed with SIGKILL still leaves a readable
# trace (every complete record survives; the trace reads as cut short), a
# finished recording reads as complete, and foreign or damaged traces are
# refused with exit status 2 and one clear line. Uses the checked-in guest
# tests/fixtures/trace_guest.elf (it calls getrandom, then reads stdin).
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"
guest="$RVRR_SOURCE_DIR/tests/fixtures/trace_guest.elf"

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  exec 3>&- 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export RVRR_TRACE_DIR="$tmp/traces"
fail() { echo "FAIL: $*"; exit 1; }

# 1. A complete recording.
echo "hello there" | "$RVRR" record -o "$tmp/full.rvrr" "$guest" >"$tmp/out" 2>"$tmp/err"
status=$?
[ -s "$tmp/full.rvrr" ] || fail "no trace written (status $status): $(cat "$tmp/err")"
grep -q "trace_guest: hash 0x" "$tmp/out" || fail "guest output missing: $(cat "$tmp/out")"
"$RVRR" trace info "$tmp/full.rvrr" >"$tmp/info" 2>&1 || fail "trace info failed: $(cat "$tmp/info")"
grep -q "ended: *exited with status $status" "$tmp/info" || fail "wrong end: $(cat "$tmp/info")"
grep -q "host calls: *3 (read 1, getrandom 2)" "$tmp/info" || fail "wrong events: $(cat "$tmp/info")"

# 2. Killed while the guest waits for stdin: the getrandom record survives.
mkfifo "$tmp/fifo"
"$RVRR" record -o "$tmp/killed.rvrr" "$guest" <"$tmp/fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$tmp/fifo"   # opening the fifo lets the recorder start; it then blocks in read
for _ in $(seq 50); do
  [ -s "$tmp/killed.rvrr" ] && [ "$(stat -c %s "$tmp/killed.rvrr")" -gt 7000 ] && break
  sleep 0.1
done
sleep 0.3
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=""
exec 3>&-
"$RVRR" trace info "$tmp/killed.rvrr" >"$tmp/info2" 2>&1 || fail "a killed trace must stay readable: $(cat "$tmp/info2")"
grep -q "ended: *cut short after 1 event" "$tmp/info2" || fail "expected cut short: $(cat "$tmp/info2")"
grep -q "getrandom 1" "$tmp/info2" || fail "the getrandom event was lost: $(cat "$tmp/info2")"
# Every command takes its history to end at one place: where the replay asks for the read the trace lost.
ends=""
for cmd in "info --verify" "lines" "memory" "diff $tmp/killed.rvrr"; do
  # shellcheck disable=SC2086
  "$RVRR" trace $cmd "$tmp/killed.rvrr" >"$tmp/out2" 2>"$tmp/err2"
  end=$(sed -n 's/.*taken to end at instruction \([0-9]*\),.*/\1/p' "$tmp/err2" | head -1)
  [ -n "$end" ] || fail "trace $cmd: no end named: $(cat "$tmp/err2")"
  ends="$ends $end"
done
[ "$(echo $ends | tr ' ' '\n' | sort -u | wc -l)" -eq 1 ] || fail "commands disagree on the end of a cut-short trace:$ends"
grep -q "verified up to instruction" <("$RVRR" trace info --verify "$tmp/killed.rvrr" 2>/dev/null) ||
  fail "trace info --verify on a cut-short trace"

# 3. Torn in the middle of a record (as if killed mid-write): still readable.
size=$(stat -c %s "$tmp/full.rvrr")
head -c $((size - 7)) "$tmp/full.rvrr" >"$tmp/torn.rvrr"
"$RVRR" trace info "$tmp/torn.rvrr" >"$tmp/info3" 2>&1 || fail "torn trace refused: $(cat "$tmp/info3")"
grep -q "cut short" "$tmp/info3" || fail "torn trace not reported as cut short: $(cat "$tmp/info3")"

# 4. Foreign, damaged and missing traces: exit 2, one line naming the problem.
cp "$guest" "$tmp/elf.rvrr"
"$RVRR" trace info "$tmp/elf.rvrr" >"$tmp/e1" 2>&1
[ $? -eq 2 ] || fail "foreign file: expected exit 2"
grep -q "not an rvrr trace" "$tmp/e1" || fail "foreign file message: $(cat "$tmp/e1")"
cp "$tmp/full.rvrr" "$tmp/bad.rvrr"
printf '\xff' | dd of="$tmp/bad.rvrr" bs=1 seek=$((size - 30)) conv=notrunc 2>/dev/null
"$RVRR" trace info "$tmp/bad.rvrr" >"$tmp/e2" 2>&1
[ $? -eq 2 ] || fail "corrupt trace: expected exit 2"
grep -q "corrupt record at offset" "$tmp/e2" || fail "corrupt trace message: $(cat "$tmp/e2")"
"$RVRR" trace info "$tmp/none.rvrr" >"$tmp/e3" 2>&1
[ $? -eq 2 ] || fail "missing trace: expected exit 2"

# 4. Devices, empty names, a full disk, a directory of traces that is not a store.
timeout 10 "$RVRR" trace info /dev/zero >"$tmp/e4" 2>&1
[ $? -eq 2 ] || fail "/dev/zero as a trace: expected exit 2 at once"
grep -q "not an rvrr trace" "$tmp/e4" || fail "/dev/zero as a trace: $(cat "$tmp/e4")"
timeout 10 "$RVRR" record -o "$tmp/z.rvrr" /dev/zero >"$tmp/e5" 2>&1
[ $? -eq 2 ] || fail "/dev/zero as a program: expected exit 2 at once"
grep -q "not an ELF file" "$tmp/e5" || fail "/dev/zero as a program: $(cat "$tmp/e5")"
"$RVRR" record -o '' "$guest" </dev/null >"$tmp/e6" 2>&1
[ $? -eq 2 ] || fail "-o '': expected exit 2"
grep -q "needs a file name" "$tmp/e6" || fail "-o '': $(cat "$tmp/e6")"
[ ! -e "$RVRR_TRACE_DIR" ] || [ -z "$(ls -A "$RVRR_TRACE_DIR")" ] || fail "-o '' recorded into the store"
"$RVRR" record -o /dev/full "$guest" </dev/null >"$tmp/e7" 2>&1
[ $? -eq 1 ] || fail "-o /dev/full: expected exit 1 (the trace could not be written)"
mkdir "$tmp/copies" && cp "$tmp/full.rvrr" "$tmp/copies/guest-0.rvrr"
"$RVRR" trace info "$tmp/copies" >"$tmp/e8" 2>&1
[ $? -eq 2 ] || fail "a directory without latest: expected exit 2"
grep -q "no \`latest\` link.*copies/guest-0.rvrr" "$tmp/e8" || fail "a directory without latest: $(cat "$tmp/e8")"
echo "PASS"
