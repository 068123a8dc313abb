#!/bin/bash
# test_host_files.sh - what a guest may see of the host's files:
#  * by default it may open host files read-only: it reads them, and opening
#    for writing or creating a file is refused;
#  * --no-host-files (run, record, debug) refuses every open, and the guest
#    sees an ordinary failure (no crash, no rvrr error);
#  * a trace holds what the guest read and nothing else: a host file the
#    guest did not read never appears in it.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"
if ! command -v riscv64-unknown-elf-gcc >/dev/null; then
  echo "SKIP: no riscv64-unknown-elf-gcc to build the guest"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RVRR_TRACE_DIR="$tmp/store"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# The same flags as examples/CMakeLists.txt's semihosting build.
riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 --specs=picolibc.specs --oslib=semihost \
  --crt0=semihost -g -O1 -Wall -Wl,--defsym=__flash_size=0x100000 -Wl,--defsym=__ram_size=0x100000 \
  -Wl,--defsym=__stack_size=0x10000 -Wl,--defsym=__heap_end=__stack-__stack_size "$RVRR_SOURCE_DIR/tests/e2e/guests/cat_file.c" -o "$tmp/cat_file.elf" \
  || { echo "FAIL: cannot build the guest"; exit 1; }
hello="$tmp/cat_file.elf"  # also the guest that reads nothing (no argument)

read_marker="rvrr-read-marker-$$-$RANDOM"
secret_marker="rvrr-secret-marker-$$-$RANDOM"
echo "$read_marker" > "$tmp/readme.txt"
echo "$secret_marker" > "$tmp/secret.txt"
cp "$tmp/readme.txt" "$tmp/readme.orig"

# r ARGS...: runs rvrr ARGS with a 60 s limit; sets $rc, $tmp/out, $tmp/err.
r() {
  { timeout -s KILL 60 "$RVRR" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; } 2>/dev/null
  rc=$?
}
no_crash() {
  if [ "$rc" -ge 124 ]; then fail "$1: rvrr ended with status $rc"; fi
  if grep -qE 'Assertion|terminate called|Segmentation fault|Aborted|runtime error' "$tmp/err"; then
    fail "$1: rvrr crashed: $(head -3 "$tmp/err")"
  fi
}

# Default: reads allowed, writes refused, the file untouched and nothing created.
r run "$hello" "$tmp/readme.txt" "$tmp/created.txt"
no_crash "run (host files allowed)"
if [ "$rc" -eq 0 ] && grep -q "$read_marker" "$tmp/out" && grep -q "write-open refused" "$tmp/out"; then
  pass "run: the guest reads a host file; opening it for writing is refused"
else
  fail "run: expected the file's content and a refused write-open (status $rc): $(cat "$tmp/out" "$tmp/err")"
fi
cmp -s "$tmp/readme.txt" "$tmp/readme.orig" || fail "run: the host file changed"
[ ! -e "$tmp/created.txt" ] || fail "run: the guest created a host file"

# --no-host-files on run and record: the open fails cleanly inside the guest.
r run --no-host-files "$hello" "$tmp/readme.txt"
no_crash "run --no-host-files"
if [ "$rc" -eq 3 ] && grep -q "cannot open" "$tmp/out" && ! grep -q "$read_marker" "$tmp/out" && [ ! -s "$tmp/err" ]; then
  pass "run --no-host-files: the guest's open fails (exit 3), nothing on rvrr's stderr"
else
  fail "run --no-host-files: status $rc, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"
fi

r record --no-host-files -o "$tmp/nofiles.rvrr" "$hello" "$tmp/readme.txt"
no_crash "record --no-host-files"
if [ "$rc" -eq 3 ] && grep -q "cannot open" "$tmp/out" && [ -s "$tmp/nofiles.rvrr" ]; then
  pass "record --no-host-files: the guest's open fails, the trace is written"
else
  fail "record --no-host-files: status $rc, out: $(cat "$tmp/out"), err: $(cat "$tmp/err")"
fi
grep -qaF "$read_marker" "$tmp/nofiles.rvrr" && fail "record --no-host-files: the trace holds the file's content"

# debug accepts it too (a stand-in gdb that exits at once ends the session).
printf '#!/bin/sh\nexit 0\n' > "$tmp/fake-gdb"
chmod +x "$tmp/fake-gdb"
r debug --no-host-files --gdb "$tmp/fake-gdb" -o "$tmp/debug.rvrr" "$hello" "$tmp/readme.txt"
no_crash "debug --no-host-files"
if [ "$rc" -eq 0 ]; then pass "debug accepts --no-host-files"; else fail "debug --no-host-files: status $rc: $(cat "$tmp/err")"; fi
for cmd in run record debug; do
  "$RVRR" "$cmd" --help | grep -q -- "--no-host-files" || fail "$cmd --help does not document --no-host-files"
done

# A trace holds what the guest read - and nothing it did not.
r record -o "$tmp/read.rvrr" "$hello" "$tmp/readme.txt"
no_crash "record (reads a file)"
[ "$rc" -eq 0 ] || fail "record: status $rc: $(cat "$tmp/err")"
if grep -qaF "$read_marker" "$tmp/read.rvrr"; then
  pass "record: the trace holds the content the guest read (replay needs it)"
else
  fail "record: the file's content is not in the trace (is the trace compressed? then this check must change)"
fi
if grep -qaF "$secret_marker" "$tmp/read.rvrr"; then
  fail "record: the trace holds a host file the guest never opened"
else
  pass "record: a host file the guest did not open is not in the trace"
fi
(cd "$tmp" && timeout -s KILL 60 "$RVRR" record -o "$tmp/none.rvrr" "$hello" >/dev/null 2>&1)
if [ -s "$tmp/none.rvrr" ] && ! grep -qaF "$secret_marker" "$tmp/none.rvrr" && ! grep -qaF "$read_marker" "$tmp/none.rvrr"; then
  pass "record: a guest that opens nothing records no host file (run in the files' directory)"
else
  fail "record: a guest that opens nothing has host file content in its trace (or no trace)"
fi

# Replay of the file-reading trace works without the file.
rm -f "$tmp/readme.txt"
r trace info "$tmp/read.rvrr"
[ "$rc" -eq 0 ] && grep -q "open" "$tmp/out" && pass "trace info lists the open" || fail "trace info: $(cat "$tmp/out" "$tmp/err")"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all host-file checks passed"
