#!/bin/bash
# test_listen_host.sh - the gdb server listens on loopback unless --host says
# otherwise, and warns when it does not: anyone who can reach the port
# controls the debugged program.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
program="$RVRR_EXAMPLES_DIR/hello.elf"
if [ ! -f "$program" ]; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then echo "FAIL: $program is missing"; exit 1; fi
  echo "SKIP: the RISC-V examples are not built"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RVRR_TRACE_DIR="$tmp/store"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# A stand-in gdb: records its arguments and exits, which ends the session.
cat >"$tmp/fake-gdb" <<FAKE
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done > "$tmp/gdb-args"
exit 0
FAKE
chmod +x "$tmp/fake-gdb"

# debug_with HOST_ARGS...: one session; sets $rc, $tmp/err, $tmp/gdb-args.
debug_with() {
  rm -f "$tmp/gdb-args"
  timeout -s KILL 60 "$RVRR" debug "$@" --gdb "$tmp/fake-gdb" "$program" </dev/null >/dev/null 2>"$tmp/err"
  rc=$?
}

debug_with
if [ "$rc" -eq 0 ] && grep -q "^target remote 127.0.0.1:[0-9]" "$tmp/gdb-args" && ! grep -q "not loopback" "$tmp/err"; then
  pass "default: listens on 127.0.0.1, no warning"
else
  fail "default: status $rc, gdb args: $(tr '\n' ' ' <"$tmp/gdb-args" 2>/dev/null), stderr: $(cat "$tmp/err")"
fi

debug_with --host localhost
[ "$rc" -eq 0 ] && ! grep -q "not loopback" "$tmp/err" && pass "--host localhost: no warning" \
  || fail "--host localhost: status $rc, stderr: $(cat "$tmp/err")"

debug_with --host 0.0.0.0
if [ "$rc" -eq 0 ] && grep -q "warning: listening on 0.0.0.0, not loopback" "$tmp/err"; then
  pass "--host 0.0.0.0: listens there and warns"
else
  fail "--host 0.0.0.0: status $rc, stderr: $(cat "$tmp/err")"
fi

debug_with --host not-an-address
if [ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && grep -q "^rvrr: cannot listen on not-an-address" "$tmp/err"; then
  pass "--host not-an-address: one clear line, status $rc"
else
  fail "--host not-an-address: status $rc, stderr: $(cat "$tmp/err")"
fi

# Each finished session moved the store's `latest` link to its own trace
# (the failed one left nothing behind).
latest=$(readlink "$RVRR_TRACE_DIR/latest" 2>/dev/null)
if [ "$latest" = "hello-2.rvrr" ] && [ -s "$RVRR_TRACE_DIR/hello-2.rvrr" ] && [ ! -e "$RVRR_TRACE_DIR/hello-3.rvrr" ]; then
  pass "latest points at the last debug session's trace"
else
  fail "latest -> '$latest'; store: $(ls "$RVRR_TRACE_DIR" | tr '\n' ' ')"
fi

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all listen-host checks passed"
