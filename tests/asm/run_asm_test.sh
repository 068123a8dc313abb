#!/bin/bash
# run_asm_test.sh RVRR PROGRAM - one ctest for a self-checking asm program:
# `rvrr run PROGRAM` must exit 0 (a non-zero code is the number of the first
# failing check); if qemu-riscv32 is installed, the program must also exit 0
# there, which validates the checks themselves against an independent
# implementation.
rvrr="$1"
prog="$2"
status=0
qemu=qemu-riscv32
case "$(basename "$prog")" in rv64*) qemu=qemu-riscv64 ;; esac
out=$(timeout 60 "$rvrr" run "$prog" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: rvrr run $(basename "$prog") exited $rc (expected 0; non-zero = first failing check number)"
  [ -n "$out" ] && echo "output: $out"
  status=1
else
  echo "ok: rvrr run $(basename "$prog")"
fi
if command -v $qemu >/dev/null; then
  out=$(timeout 60 $qemu "$prog" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: $qemu $(basename "$prog") exited $rc (expected 0): the check itself may be wrong"
    [ -n "$out" ] && echo "output: $out"
    status=1
  else
    echo "ok: $qemu $(basename "$prog")"
  fi
else
  echo "note: $qemu not installed; only rvrr was checked"
fi
exit $status
