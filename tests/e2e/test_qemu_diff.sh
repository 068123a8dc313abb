#!/bin/bash
# test_qemu_diff.sh - differential test: every Linux-ABI example
# ($RVRR_EXAMPLES_DIR/linux_*.elf) must give the same stdout and the same exit
# status under `$RVRR run` as under qemu-riscv32 (an independent RISC-V
# implementation), for each of its argument sets below. rvrr's stderr must not
# show a host crash. The same holds for programs linked with the layouts
# people use (-Ttext=0x10000, -Ttext=0x1000, -Ttext=0, -N, -n, clang/lld),
# built here at test time. Skipped (exit 0 with a note) if qemu-riscv32 or the
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

qemu=qemu-riscv32
# shellcheck source=tests/e2e/qemu_diff_common.sh
. "$(dirname "$0")/qemu_diff_common.sh"
run_all "$RVRR_EXAMPLES_DIR"/linux_*.elf

# Link layouts people use (each must load as qemu-riscv32 loads it): text at
# 0x10000 (its ELF headers start at 0xf000, below rvrr's own 64 KiB guard),
# text at 0x1000 and at 0 (page 0 mapped by the program itself), -N (omagic:
# one RWX segment, not page aligned), -n (nmagic), and clang/lld's default
# layout (a separate read-only segment for the headers). linux_fault's
# "segv" writes through a null pointer: it must fault wherever qemu faults.
layout_cases=0
if command -v riscv64-unknown-elf-gcc >/dev/null; then
  rt="$RVRR_SOURCE_DIR/examples/linux"
  cflags=(-march=rv32imac -mabi=ilp32 -nostdlib -ffreestanding -static -g -O2 -DRVRR_LINUX_RT -I"$rt")
  layouts=("ttext-0x10000:-Wl,-Ttext=0x10000" "ttext-0x1000:-Wl,-Ttext=0x1000" "ttext-0:-Wl,-Ttext=0"
           "omagic:-Wl,-N" "nmagic:-Wl,-n" "gcc-default:")
  for layout in "${layouts[@]}"; do
    lname=${layout%%:*}
    lflag=${layout#*:}
    for prog in linux_echo linux_fault linux_wc; do
      out="$tmp/$prog-$lname.elf"
      # shellcheck disable=SC2086  # $lflag is one flag or none
      if ! riscv64-unknown-elf-gcc "${cflags[@]}" $lflag "$rt/crt0.S" "$rt/rt.c" \
          "$RVRR_SOURCE_DIR/examples/$prog.c" -lgcc -o "$out" 2>"$tmp/cc.err"; then
        echo "FAIL [$prog $lname]: does not link: $(grep -v warning "$tmp/cc.err" | head -3)"
        failures=$((failures + 1))
        continue
      fi
      layout_cases=$((layout_cases + 1))
      case "$prog" in
        linux_echo) run_case "$out" "a" "b c" ;;
        linux_fault) run_case "$out" segv; run_case "$out" none ;;
        *) run_case "$out" ;;
      esac
    done
  done
  if command -v clang >/dev/null && command -v ld.lld >/dev/null; then
    libgcc=$(riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -print-libgcc-file-name)
    for prog in linux_echo linux_fault; do
      out="$tmp/$prog-lld.elf"
      if clang --target=riscv32-unknown-elf -fuse-ld=lld -Wno-unknown-attributes "${cflags[@]}" "$rt/crt0.S" \
          "$rt/rt.c" "$RVRR_SOURCE_DIR/examples/$prog.c" "$libgcc" -o "$out" 2>"$tmp/cc.err"; then
        layout_cases=$((layout_cases + 1))
        case "$prog" in
          linux_echo) run_case "$out" "x y" z ;;
          *) run_case "$out" segv ;;
        esac
      else
        echo "note: clang/lld could not link $prog ($(head -1 "$tmp/cc.err")); lld layout not tested"
      fi
    done
  fi
  if [ "$layout_cases" -lt 18 ]; then
    echo "FAIL: only $layout_cases link-layout programs were built"
    failures=$((failures + 1))
  fi
fi

if [ "$cases" -lt 10 ]; then
  echo "FAIL: only $cases cases ran; expected the whole set of linux_*.elf examples"
  failures=$((failures + 1))
fi
echo "$cases cases, $failures failed"
[ "$failures" -eq 0 ]
