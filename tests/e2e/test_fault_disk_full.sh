#!/bin/bash
# test_fault_disk_full.sh - a full disk while recording. Simulated with
# RLIMIT_FSIZE (`ulimit -f`, SIGXFSZ ignored so write() fails with EFBIG) in
# the middle of a recording that reads 20 MB of stdin (every read is a trace
# record), and with /dev/full (ENOSPC from the first write). `rvrr record`
# must print a clear error and exit non-zero (not the guest's 0), and the
# partial trace must stay readable by `rvrr trace info` (cut short).
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
guest="$RVRR_EXAMPLES_DIR/linux_wc.elf"
[ -f "$guest" ] || { echo "FAIL: $guest not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RVRR_TRACE_DIR="$tmp/traces"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
crashed() { grep -qE "Assertion|terminate|Sanitizer|runtime error|Segmentation|core dumped" "$1"; }

# 1. The file size limit is hit in the middle of the recording (2000 KiB;
#    the trace would be ~20 MB).
head -c 20000000 /dev/zero >"$tmp/input"
(
  ulimit -f 2000
  trap '' XFSZ
  exec timeout -s KILL 50 "$RVRR" record -o "$tmp/full.rvrr" "$guest" <"$tmp/input" >"$tmp/out" 2>"$tmp/err"
)
status=$?
echo "record with a full disk: exit $status; stderr:"; cat "$tmp/err"
[ "$status" -ne 137 ] || fail "rvrr record hung (killed by the 50 s timeout)"
[ "$status" -ne 0 ] || fail "rvrr record exited 0 although the trace could not be written"
grep -qiE "File too large|No space|cannot write" "$tmp/err" || fail "no clear error about the trace write: $(cat "$tmp/err")"
crashed "$tmp/err" && fail "crash marker on stderr"
[ -s "$tmp/full.rvrr" ] || fail "no partial trace left"
size=$(stat -c %s "$tmp/full.rvrr" 2>/dev/null || echo 0)
[ "$size" -le $((2000 * 1024)) ] || fail "trace larger than the limit: $size"
"$RVRR" trace info "$tmp/full.rvrr" >"$tmp/info" 2>&1
st=$?
[ $st -eq 0 ] || fail "trace info of the partial trace: exit $st: $(cat "$tmp/info")"
grep -q "ended: *cut short" "$tmp/info" || fail "partial trace not reported as cut short: $(cat "$tmp/info")"
grep -qE "host calls: *[1-9]" "$tmp/info" || fail "partial trace lost its events: $(cat "$tmp/info")"

# 2. ENOSPC at once (/dev/full): clear error, non-zero exit, no hang.
timeout -s KILL 30 "$RVRR" record -o /dev/full "$guest" <"$tmp/input" >"$tmp/out2" 2>"$tmp/err2"
status=$?
echo "record to /dev/full: exit $status; stderr: $(cat "$tmp/err2")"
[ "$status" -ne 137 ] || fail "record to /dev/full hung"
[ "$status" -ne 0 ] || fail "record to /dev/full exited 0"
grep -q "No space left on device" "$tmp/err2" || fail "no clear ENOSPC message: $(cat "$tmp/err2")"
crashed "$tmp/err2" && fail "crash marker on stderr (/dev/full)"

# 3. An output directory that does not exist: refused before running.
timeout -s KILL 30 "$RVRR" record -o "$tmp/no/such/dir/t.rvrr" "$guest" </dev/null >"$tmp/out3" 2>"$tmp/err3"
status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 137 ] || fail "record into a missing directory: exit $status"
grep -q "cannot create trace" "$tmp/err3" || fail "missing directory message: $(cat "$tmp/err3")"

if [ $failures -ne 0 ]; then
  echo "test_fault_disk_full: $failures check(s) FAILED"
  exit 1
fi
echo "PASS"
