#!/usr/bin/env python3
"""test_gdb_index.py on RV64: the recording index through gdb (far
reverse-continues to a breakpoint and a watchpoint, twice; TRACE.idx saved,
loaded by the next replay, a tampered one rebuilt; seek P%; Ctrl-C during a
long seek) against the same guest built as a static glibc RV64 program with
Debian's riscv64-linux-gnu-gcc -static -g, whose stack pages lie just below
256 GiB (a sidecar holding them was once rejected as ill-formed, so every
RV64 replay rebuilt its index). Skipped when that compiler is not installed."""

import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from abi_rerun import rerun  # noqa: E402

rerun("test_gdb_index.py", "rv64")
