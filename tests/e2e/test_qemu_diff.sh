#!/bin/bash
# test_qemu_diff.sh - differential test: every Linux-ABI example
# ($RVRR_EXAMPLES_DIR/linux_*.elf) must give the same stdout and the same exit
# status under `$RVRR run` as under qemu-riscv32 (an independent RISC-V
# implementation), for each of its argument sets below. rvrr's stderr must not
# show a host crash. Skipped (exit 0 with a note) if qemu-riscv32 or the
# cross toolchain is not installed.
set -u
: "${RVRR:?RVRR must name the rvrr binary}"
: "${RVRR_EXAMPLES_DIR:?RVRR_EXAMPLES_DIR must name the built examples}"
: "${RVRR_SOURCE_DIR:?RVRR_SOURCE_DIR must name the source tree}"

if ! command -v qemu-riscv32 >/dev/null; then
  echo "SKIP: qemu-riscv32 is not installed"
  exit 0
fi
if ! ls "$RVRR_EXAMPLES_DIR"/linux_*.elf >/dev/null 2>&1; then
  if command -v riscv64-unknown-elf-gcc >/dev/null; then
    echo "FAIL: no linux_*.elf in $RVRR_EXAMPLES_DIR although the toolchain is installed (build target rvrr_examples)"
    exit 1
  fi
  echo "SKIP: the RISC-V examples are not built (no riscv64-unknown-elf-gcc)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
input="$RVRR_SOURCE_DIR/examples/compute.c"   # stdin for linux_wc
failures=0
cases=0

# Argument sets per program; one line per run. A program not listed runs once
# without arguments.
args_for() {
  case "$1" in
    linux_echo) printf '%s\n' "" "hello" "a bb ccc dddd" "-n x  y" ;;
    linux_compute) printf '%s\n' "1" "3" ;;
    linux_fpmath | linux_fpmath_f) printf '%s\n' "" "20000" ;;
    linux_fault) printf '%s\n' "none" "segv" "wild" "ill" "bus" "stack" "trap" ;;
    *) printf '\n' ;;
  esac
}

run_case() {  # run_case PROGRAM ARGS...
  local prog="$1"
  shift
  local name
  name="$(basename "$prog" .elf) $*"
  cases=$((cases + 1))
  timeout 120 "$RVRR" run "$prog" "$@" <"$input" >"$tmp/rvrr.out" 2>"$tmp/rvrr.err"
  local rc_rvrr=$?
  # (the braces keep bash's "Segmentation fault" job notice out of the log)
  { timeout 120 qemu-riscv32 "$prog" "$@" <"$input" >"$tmp/qemu.out" 2>"$tmp/qemu.err"; } 2>/dev/null
  local rc_qemu=$?
  local ok=1
  if [ "$rc_rvrr" -ne "$rc_qemu" ]; then
    echo "FAIL [$name]: exit status rvrr=$rc_rvrr, qemu-riscv32=$rc_qemu"
    ok=0
  fi
  if ! cmp -s "$tmp/rvrr.out" "$tmp/qemu.out"; then
    echo "FAIL [$name]: stdout differs (< rvrr, > qemu-riscv32):"
    diff "$tmp/rvrr.out" "$tmp/qemu.out" | head -20
    ok=0
  fi
  if grep -qE 'Assertion|terminate called|Segmentation fault|AddressSanitizer|runtime error' "$tmp/rvrr.err"; then
    echo "FAIL [$name]: rvrr's stderr shows a host crash:"
    head -5 "$tmp/rvrr.err"
    ok=0
  fi
  if [ "$ok" -eq 1 ]; then
    echo "ok   [$name]: exit $rc_rvrr, $(wc -l <"$tmp/rvrr.out") lines of identical stdout"
  else
    [ -s "$tmp/rvrr.err" ] && echo "     rvrr stderr: $(head -3 "$tmp/rvrr.err")"
    failures=$((failures + 1))
  fi
}

for prog in "$RVRR_EXAMPLES_DIR"/linux_*.elf; do
  name=$(basename "$prog" .elf)
  while IFS= read -r line; do
    # shellcheck disable=SC2086  # word splitting of the argument line is intended
    run_case "$prog" $line
  done < <(args_for "$name")
done

if [ "$cases" -lt 10 ]; then
  echo "FAIL: only $cases cases ran; expected the whole set of linux_*.elf examples"
  failures=$((failures + 1))
fi
echo "$cases cases, $failures failed"
[ "$failures" -eq 0 ]
