#!/usr/bin/env python3
"""test_gdb_index.py on RV64 with the guest linked at 8 GiB (gdbtest's
RVRR_E2E_GUEST_ABI=rv64-high): a static glibc program whose code, globals and
stack all lie above 4 GiB, so every breakpoint, watchpoint and pc the
scenarios use does too (when the index clamped code to 4 GiB, each far
reverse-continue here re-ran the whole history). Skipped when riscv64-linux-gnu-gcc is not installed."""
import os
import runpy
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

if not shutil.which("riscv64-linux-gnu-gcc"):
    print("SKIP: riscv64-linux-gnu-gcc is not installed (the RV64 guest cannot be built)")
    sys.exit(0)
os.environ["RVRR_E2E_GUEST_ABI"] = "rv64-high"
runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "test_gdb_index.py"), run_name="__main__")
