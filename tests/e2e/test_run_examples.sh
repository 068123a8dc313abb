#!/bin/bash
# test_run_examples.sh - the example programs users try first behave as their
# comments say under `rvrr run`: hello and echo work; each buggy program shows
# its bug (overrun and corrupt_late corrupt `guard`, stale_ptr loses the bonus,
# off_by_one loses a job, null_deref dies with SIGSEGV); compute gives the
# same checksum as its Linux-ABI build. These are picolibc/semihosting
# programs, so this also covers picolibc's startup code under rvrr.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
ex="$RVRR_EXAMPLES_DIR"
if [ ! -f "$ex/hello.elf" ]; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then
    echo "FAIL: $ex/hello.elf is missing although the toolchain is installed"
    exit 1
  fi
  echo "SKIP: the RISC-V examples are not built (no riscv64-unknown-elf-gcc)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# check NAME EXPECTED_STATUS STDOUT_REGEX [STDERR_REGEX] -- ARGS...
check() {
  local name="$1" want_rc="$2" out_re="$3" err_re="$4"
  shift 5
  { timeout --preserve-status -s KILL 120 "$RVRR" run "$ex/$name.elf" "$@" </dev/null \
      >"$tmp/out" 2>"$tmp/err"; } 2>/dev/null
  local rc=$?
  local problems=""
  [ "$rc" -ne "$want_rc" ] && problems+=" exit status $rc, expected $want_rc;"
  grep -qE "$out_re" "$tmp/out" || problems+=" stdout does not match /$out_re/;"
  if [ -n "$err_re" ]; then
    grep -qE "$err_re" "$tmp/err" || problems+=" stderr does not match /$err_re/;"
  fi
  if grep -qE 'Assertion|terminate called|AddressSanitizer|runtime error' "$tmp/err"; then
    problems+=" rvrr crashed;"
  fi
  if [ -n "$problems" ]; then
    echo "FAIL [$name $*]:$problems"
    echo "     stdout: $(head -c 300 "$tmp/out" | tr '\n' '|')"
    echo "     stderr: $(head -c 300 "$tmp/err" | tr '\n' '|')"
    failures=$((failures + 1))
  else
    echo "ok   [$name $*]: exit $rc, $(tail -1 "$tmp/out")"
  fi
}

check hello 0 '^Hello from RISC-V!$' '' --
check echo 0 '^one two three$' '' -- one two three
check overrun 1 'guard corrupted: 0x[0-9a-f]+ \(expected 0xc0ffee\)' '' --
check stale_ptr 1 '^total [0-9]+, expected [0-9]+$' '' --
check off_by_one 1 '^job [0-9]+ was never processed$' '' --
check null_deref 139 '^timeout = 30$' 'SIGSEGV.*pc 0x[0-9a-f]+' --
check corrupt_late 1 'guard 0x[0-9a-f]+, 50 large transfers logged' '' --
# The semihosting and the Linux-ABI builds of compute must agree.
check compute 0 'checksum [0-9a-f]{8}$' '' -- 3
semihost_sum=$(grep -oE 'checksum [0-9a-f]+' "$tmp/out")
if [ -f "$ex/linux_compute.elf" ]; then
  linux_sum=$("$RVRR" run "$ex/linux_compute.elf" 3 2>/dev/null | grep -oE 'checksum [0-9a-f]+')
  if [ -z "$semihost_sum" ] || [ "$semihost_sum" != "$linux_sum" ]; then
    echo "FAIL: compute.elf 3 gave '$semihost_sum', linux_compute.elf 3 gave '$linux_sum'; they must agree"
    failures=$((failures + 1))
  else
    echo "ok   compute.elf and linux_compute.elf agree: $semihost_sum"
  fi
fi
# picolibc's malloc over brk and its thread-local errno on the Linux ABI
# (linux/picolibc_glue.c), in both tiers; without the glue's TLS block the
# first errno write faults (under qemu-riscv32 too, so the differential test
# alone would not notice).
for tier in interp auto; do
  RVRR_TIER=$tier check linux_picolibc 0 '^list: 10000 nodes kept, sum [0-9a-f]{8}; buffer 4096 KiB; errno ERANGE$' '' --
done
# `guard` must sit right after the array the bugs overrun, or the examples
# would not show their bug (checked from the symbol table when possible).
if command -v riscv64-unknown-elf-nm >/dev/null; then
  for pair in overrun:histogram:64 corrupt_late:large_log:196; do
    IFS=: read -r prog array size <<<"$pair"
    a=$(riscv64-unknown-elf-nm "$ex/$prog.elf" | awk -v s="$array" '$3 == s {print $1}')
    g=$(riscv64-unknown-elf-nm "$ex/$prog.elf" | awk '$3 == "guard" {print $1}')
    if [ -z "$a" ] || [ -z "$g" ] || [ $((16#$g - 16#$a)) -ne "$size" ]; then
      echo "FAIL: in $prog.elf guard (0x$g) is not right after $array (0x$a, $size bytes)"
      failures=$((failures + 1))
    fi
  done
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
