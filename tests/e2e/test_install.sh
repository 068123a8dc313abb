#!/bin/bash
# test_install.sh - `cmake --install BUILD --prefix P` gives a working
# P/bin/rvrr that finds P/share/rvrr/gdbinit on its own: `rvrr debug` without
# --port starts gdb with `-x P/share/rvrr/gdbinit` (a stand-in gdb records its
# arguments). RVRR_GDBINIT overrides the installed file.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
build=$(dirname "$RVRR")
[ -f "$build/cmake_install.cmake" ] || { echo "FAIL: $build is not a CMake build directory"; exit 1; }
program="$RVRR_EXAMPLES_DIR/hello.elf"
if [ ! -f "$program" ]; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then echo "FAIL: $program is missing"; exit 1; fi
  echo "SKIP: the RISC-V examples are not built"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export RVRR_TRACE_DIR="$tmp/store"
unset RVRR_GDBINIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

prefix="$tmp/prefix"
if ! cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"
  echo "FAIL: cmake --install failed"
  exit 1
fi
[ -x "$prefix/bin/rvrr" ] && pass "installed bin/rvrr" || fail "no $prefix/bin/rvrr"
[ -f "$prefix/share/rvrr/gdbinit" ] && pass "installed share/rvrr/gdbinit" || fail "no $prefix/share/rvrr/gdbinit"

if "$prefix/bin/rvrr" --help >"$tmp/help" 2>&1 && grep -q "usage: rvrr" "$tmp/help"; then
  pass "installed rvrr --help works"
else
  fail "installed rvrr --help: $(cat "$tmp/help")"
fi

# A gdb that writes its arguments, one per line, and exits (ending the session).
cat >"$tmp/fake-gdb" <<FAKE
#!/bin/sh
for a in "\$@"; do printf '%s\n' "\$a"; done > "$tmp/gdb-args"
exit 0
FAKE
chmod +x "$tmp/fake-gdb"

# gdb_init_arg: the argument after -x in the last fake gdb run.
gdb_init_arg() { awk 'prev == "-x" { print; exit } { prev = $0 }' "$tmp/gdb-args"; }

rm -f "$tmp/gdb-args"
timeout -s KILL 60 "$prefix/bin/rvrr" debug --gdb "$tmp/fake-gdb" "$program" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
want=$(cd "$prefix/share/rvrr" && pwd -P)/gdbinit
got=$(gdb_init_arg 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
  pass "installed rvrr debug starts gdb with -x $want"
else
  fail "installed rvrr debug: status $rc, gdb got -x '$got' (want '$want'); stderr: $(cat "$tmp/err")"
fi
grep -q "gdbinit was not found" "$tmp/err" && fail "installed rvrr warned that the gdbinit is missing"

# RVRR_GDBINIT wins over the installed file.
printf '# custom\n' >"$tmp/custom-gdbinit"
rm -f "$tmp/gdb-args"
RVRR_GDBINIT="$tmp/custom-gdbinit" timeout -s KILL 60 "$prefix/bin/rvrr" debug --gdb "$tmp/fake-gdb" "$program" \
  </dev/null >"$tmp/out" 2>"$tmp/err"
got=$(gdb_init_arg 2>/dev/null)
[ "$got" = "$tmp/custom-gdbinit" ] && pass "RVRR_GDBINIT overrides the installed gdbinit" \
  || fail "RVRR_GDBINIT: gdb got -x '$got'"

# The program gdb loads and the target it connects to follow.
grep -qx "$program" "$tmp/gdb-args" && grep -q "^target remote 127.0.0.1:" "$tmp/gdb-args" \
  && pass "gdb gets the program and 'target remote 127.0.0.1:PORT'" \
  || fail "gdb arguments: $(tr '\n' ' ' <"$tmp/gdb-args")"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "all install checks passed"
