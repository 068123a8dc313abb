#!/usr/bin/env python3
"""test_gdb_reverse.py on RV64: the same scenarios (reverse-step/next/finish,
reverse-continue to breakpoints and watchpoints with gdb's old/new values,
exec-direction, reverse until/advance, watched stores stepped both ways,
Ctrl-C during a reverse-continue, read/access watchpoints and hardware
breakpoints in reverse) against the same guest built as a static glibc RV64
program with Debian's riscv64-linux-gnu-gcc -static -g (its stack lies just
below 256 GiB, above 4 GiB). Skipped when that compiler is not installed."""
import os
import runpy
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

if not shutil.which("riscv64-linux-gnu-gcc"):
    print("SKIP: riscv64-linux-gnu-gcc is not installed (the RV64 guest cannot be built)")
    sys.exit(0)
os.environ["RVRR_E2E_GUEST_ABI"] = "rv64"
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_gdb_reverse.py"), run_name="__main__")
