#!/usr/bin/env python3
"""test_gdb_index.py on RV64 with the guest linked at 8 GiB (gdbtest's
RVRR_E2E_GUEST_ABI=rv64-high): a static glibc program whose code, globals and
stack all lie above 4 GiB, so every breakpoint, watchpoint and pc the
scenarios use does too (when the index clamped code to 4 GiB, each far
reverse-continue here re-ran the whole history). Skipped when riscv64-linux-gnu-gcc is not installed."""

import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
from abi_rerun import rerun  # noqa: E402

rerun("test_gdb_index.py", "rv64-high")
