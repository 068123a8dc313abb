#!/bin/bash
# test_run_cli.sh - the `rvrr run` command line: exit status passthrough,
# guest faults (one line naming the signal and the pc, exit 128 + signal),
# --stats, --max-instructions, --memory-limit, and bad input (missing file,
# directory, text, empty, ELF64, x86 ELF, truncated ELF, garbage after the ELF
# magic), each of which must give exit 2 and one clear line on stderr, never a
# crash.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
ex="$RVRR_EXAMPLES_DIR"
if [ ! -f "$ex/linux_echo.elf" ]; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then
    echo "FAIL: $ex/linux_echo.elf is missing although the toolchain is installed"
    exit 1
  fi
  echo "SKIP: the RISC-V examples are not built (no riscv64-unknown-elf-gcc)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok:   $*"; }

# run ARGS...: runs `$RVRR run ARGS` (stdin from /dev/null, 60 s limit;
# a hung rvrr is killed and gives 137); sets $rc, and leaves stdout/stderr in
# $tmp/out and $tmp/err.
run() {
  { timeout --preserve-status -s KILL 60 "$RVRR" run "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; } 2>/dev/null
  rc=$?
}
no_crash() {  # no_crash WHAT: rvrr itself must not have hung, crashed or asserted
  if [ "$rc" -eq 137 ]; then
    fail "$1: rvrr did not finish within 60 s (or was killed)"
  elif [ "$rc" -gt 128 ] && [ "$rc" -ne 139 ] && [ "$rc" -ne 132 ] && [ "$rc" -ne 135 ] && [ "$rc" -ne 133 ]; then
    fail "$1: exit status $rc looks like rvrr itself died of a signal"
  fi
  if grep -qE 'Assertion|terminate called|Segmentation fault|Aborted|AddressSanitizer|runtime error' "$tmp/err"; then
    fail "$1: rvrr crashed: $(head -3 "$tmp/err")"
  fi
}
expect_rc() {  # expect_rc WHAT EXPECTED
  if [ "$rc" -ne "$2" ]; then
    fail "$1: exit status $rc, expected $2; stderr: $(head -3 "$tmp/err")"
    return 1
  fi
  return 0
}

# --- exit status passthrough ---
for n in 0 1 3 7; do
  args=()
  for ((i = 0; i < n; i++)); do args+=("w$i"); done
  run "$ex/linux_echo.elf" "${args[@]}"
  no_crash "linux_echo with $n args"
  expect_rc "linux_echo with $n args" "$n" && pass "guest exit code $n passes through"
done
run "$ex/linux_echo.elf" "two words" 'sp*cial' ""
want=$(printf 'two words sp*cial \n')
if [ "$(cat "$tmp/out")" == "$want" ] && [ "$rc" -eq 3 ]; then
  pass "arguments reach the guest unchanged (spaces, glob characters, empty)"
else
  fail "linux_echo 'two words' 'sp*cial' '': stdout '$(cat "$tmp/out")' exit $rc, expected '$want' exit 3"
fi

# --- guest faults ---
check_fault() {  # check_fault KIND SIGNAL STATUS
  run "$ex/linux_fault.elf" "$1"
  no_crash "fault $1"
  expect_rc "linux_fault $1" "$3" || return
  if [ "$(grep -c . "$tmp/err")" -ne 1 ]; then
    fail "linux_fault $1: expected exactly one line on stderr, got: $(cat "$tmp/err")"
  elif ! grep -q "$2" "$tmp/err" || ! grep -qE 'pc 0x[0-9a-f]+' "$tmp/err"; then
    fail "linux_fault $1: stderr should name $2 and 'pc 0x...', got: $(cat "$tmp/err")"
  elif ! grep -q "fault: $1" "$tmp/out"; then
    fail "linux_fault $1: the output written before the fault is lost: '$(cat "$tmp/out")'"
  else
    pass "fault $1 -> exit $3: $(cat "$tmp/err")"
  fi
}
check_fault segv SIGSEGV 139
check_fault wild SIGSEGV 139
check_fault ill SIGILL 132
check_fault bus SIGBUS 135
check_fault stack SIGSEGV 139
check_fault trap SIGTRAP 133
# The reported pc must be the faulting store: compare with the symbol table.
if command -v riscv64-unknown-elf-objdump >/dev/null; then
  run "$ex/linux_fault.elf" segv
  pc=$(grep -oE 'pc 0x[0-9a-f]+' "$tmp/err" | head -1 | sed 's/pc 0x0*//')
  insn=$(riscv64-unknown-elf-objdump -d "$ex/linux_fault.elf" | grep -E "^ +$pc:" | head -1)
  if echo "$insn" | grep -qE 'sw[[:space:]]+zero,0\(zero\)'; then
    pass "the SIGSEGV pc 0x$pc is the null store ($insn)"
  else
    fail "the SIGSEGV pc 0x$pc is not the null store 'sw zero,0(zero)'; objdump there: '$insn'"
  fi
fi

# --- --stats ---
run --stats "$ex/linux_hello.elf"
no_crash "--stats"
if expect_rc "--stats linux_hello" 0; then
  n=$(grep -oE 'instructions: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
  if [ -z "$n" ] || [ "$n" -le 100 ]; then
    fail "--stats: no plausible 'instructions: N' on stderr: $(cat "$tmp/err")"
  elif ! grep -qE 'MIPS: [0-9.]+' "$tmp/err"; then
    fail "--stats: no 'MIPS: X' on stderr: $(cat "$tmp/err")"
  elif grep -qiE 'instructions|MIPS' "$tmp/out"; then
    fail "--stats: statistics leaked into the guest's stdout"
  elif ! grep -q 'Hello from RISC-V' "$tmp/out"; then
    fail "--stats: the guest's stdout is missing: '$(cat "$tmp/out")'"
  else
    pass "--stats: $n instructions, $(grep -oE 'MIPS: [0-9.]+' "$tmp/err")"
  fi
fi
run "$ex/linux_hello.elf"
if grep -qiE 'instructions:|MIPS' "$tmp/err"; then
  fail "without --stats, statistics were printed: $(cat "$tmp/err")"
fi

# --- --tier: the same output and count in both tiers; --stats says how many ran translated ---
run --stats --tier interp "$ex/linux_compute.elf" 5
cp "$tmp/out" "$tmp/out.interp"
ni=$(grep -oE 'instructions: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
ti=$(grep -oE 'translated: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
run --stats --tier auto "$ex/linux_compute.elf" 5
na=$(grep -oE 'instructions: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
ta=$(grep -oE 'translated: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
if [ -z "$ni" ] || [ "$ni" != "$na" ] || ! cmp -s "$tmp/out" "$tmp/out.interp"; then
  fail "--tier: interp and auto differ (instructions '$ni' / '$na', or output)"
elif [ "$ti" != 0 ]; then
  fail "--tier interp: $ti instructions reported translated"
elif grep -q 'tier: auto (translating)' "$tmp/err" && [ "${ta:-0}" -le $((na / 2)) ]; then
  fail "--tier auto: only '$ta' of $na instructions ran translated: $(cat "$tmp/err")"
else
  pass "--tier: $na instructions in both tiers, $ta translated in auto"
fi
run --tier fast "$ex/linux_hello.elf"
if [ "$rc" -ne 2 ] || ! grep -q "bad --tier 'fast'" "$tmp/err"; then
  fail "--tier fast: exit $rc (expected 2 and a clear message): $(head -2 "$tmp/err")"
else
  pass "--tier fast: usage error"
fi

# --- --max-instructions stops a guest that would run (nearly) forever ---
run --stats --max-instructions 200000 "$ex/linux_compute.elf" 100000000
no_crash "--max-instructions"
n=$(grep -oE 'instructions: [0-9]+' "$tmp/err" | grep -oE '[0-9]+')
if [ "$rc" -eq 0 ] || [ "$rc" -eq 137 ]; then
  fail "--max-instructions 200000: exit status $rc (expected a non-zero status, promptly); stderr: $(head -3 "$tmp/err")"
elif [ "$n" != 200000 ]; then
  fail "--max-instructions 200000: --stats reports '$n' instructions, expected exactly 200000"
elif grep -q checksum "$tmp/out"; then
  fail "--max-instructions 200000: the program ran to completion"
else
  pass "--max-instructions 200000 stops the guest (exit $rc): $(head -1 "$tmp/err")"
fi
run --max-instructions 100000000 "$ex/linux_compute.elf" 1
if [ "$rc" -eq 0 ] && grep -q checksum "$tmp/out"; then
  pass "a generous --max-instructions lets the guest finish"
else
  fail "--max-instructions 100000000 with a 1M-instruction run: exit $rc, stdout '$(cat "$tmp/out")'"
fi

# --- --memory-limit ---
run --memory-limit 9 "$ex/linux_brk.elf"
no_crash "--memory-limit 9"
if [ "$rc" -eq 1 ] && grep -q 'failed' "$tmp/out"; then
  pass "--memory-limit 9: brk refuses to grow past the limit ($(head -1 "$tmp/out"))"
else
  fail "--memory-limit 9 linux_brk: expected the guest to see a brk failure (exit 1), got exit $rc, stdout '$(head -2 "$tmp/out")'"
fi
run --memory-limit 64 "$ex/linux_brk.elf"
expect_rc "--memory-limit 64 linux_brk" 0 && pass "--memory-limit 64 is enough for linux_brk"

# --- bad input: exit 2, one line on stderr, nothing on stdout ---
printf 'just text\n' >"$tmp/text.txt"
: >"$tmp/empty.elf"
head -c 100 "$ex/linux_hello.elf" >"$tmp/trunc100.elf"
head -c 1000 "$ex/linux_hello.elf" >"$tmp/trunc1000.elf"
head -c 52 "$ex/linux_hello.elf" >"$tmp/header_only.elf"
printf '\177ELF' >"$tmp/magic_only.elf"
{ printf '\177ELF\001\001\001'; head -c 4000 /dev/zero | tr '\0' '\377'; } >"$tmp/garbage.elf"
cp "$ex/linux_hello.elf" "$tmp/x86.elf"
printf '\003\000' | dd of="$tmp/x86.elf" bs=1 seek=18 conv=notrunc status=none  # e_machine = EM_386
cp "$ex/linux_hello.elf" "$tmp/bigendian.elf"
printf '\002' | dd of="$tmp/bigendian.elf" bs=1 seek=5 conv=notrunc status=none  # EI_DATA = big-endian
elf64=/bin/true
bad_inputs=("$tmp/does-not-exist.elf" "$tmp" "$tmp/text.txt" "$tmp/empty.elf" "$elf64"
  "$tmp/x86.elf" "$tmp/bigendian.elf" "$tmp/trunc100.elf" "$tmp/trunc1000.elf"
  "$tmp/header_only.elf" "$tmp/magic_only.elf" "$tmp/garbage.elf")
for f in "${bad_inputs[@]}"; do
  what="bad input $(basename "$f")"
  [ "$f" == "$elf64" ] && what="bad input ELF64 ($f)"
  run "$f"
  no_crash "$what"
  lines=$(grep -c . "$tmp/err")
  if [ "$rc" -ne 2 ]; then
    fail "$what: exit status $rc, expected 2; stderr: $(head -3 "$tmp/err")"
  elif [ "$lines" -ne 1 ]; then
    fail "$what: expected one line on stderr, got $lines: $(head -5 "$tmp/err")"
  elif [ -s "$tmp/out" ]; then
    fail "$what: unexpected stdout: $(head -3 "$tmp/out")"
  else
    pass "$what -> exit 2: $(cat "$tmp/err")"
  fi
done
run
no_crash "no program"
expect_rc "rvrr run without a program" 2 && pass "rvrr run without a program -> exit 2"
run --max-instructions banana "$ex/linux_hello.elf"
no_crash "bad option value"
expect_rc "--max-instructions banana" 2 && pass "a malformed option value -> exit 2"

# --- numeric options never wrap around: a clear message and exit 2 ---
numeric_bad=("run --max-instructions -1" "run --memory-limit -5" "run --memory-limit 0"
  "debug --port -1" "debug --port 65536" "debug --checkpoint-memory -5" "debug --checkpoint-interval -1"
  "record --max-instructions 99999999999999999999")
for words in "${numeric_bad[@]}"; do
  read -r -a w <<<"$words"
  opt=${w[1]}
  { timeout --preserve-status -s KILL 60 "$RVRR" "${w[@]}" "$ex/linux_hello.elf" </dev/null >"$tmp/out" 2>"$tmp/err"; } 2>/dev/null
  rc=$?
  no_crash "$words"
  if [ "$rc" -ne 2 ]; then
    fail "rvrr $words: exit status $rc, expected 2; stderr: $(head -2 "$tmp/err")"
  elif ! head -1 "$tmp/err" | grep -q -- "$opt must be a whole number from"; then
    fail "rvrr $words: expected '$opt must be a whole number from ...' on stderr, got: $(head -1 "$tmp/err")"
  else
    pass "rvrr $words -> exit 2: $(head -1 "$tmp/err")"
  fi
done

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
