#!/usr/bin/env python3
"""test_gdb_reverse.py on RV64: the same scenarios (reverse-step/next/finish,
reverse-continue to breakpoints and watchpoints with gdb's old/new values,
exec-direction, reverse until/advance, watched stores stepped both ways,
Ctrl-C during a reverse-continue, read/access watchpoints and hardware
breakpoints in reverse) against the same guest built as a static glibc RV64
program with Debian's riscv64-linux-gnu-gcc -static -g (its stack lies just
below 256 GiB, above 4 GiB). Skipped when that compiler is not installed."""

import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from abi_rerun import rerun  # noqa: E402

rerun("test_gdb_reverse.py", "rv64")
