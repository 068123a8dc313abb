"""Runs one e2e test script again with its guests built for another ABI
(gdbtest's RVRR_E2E_GUEST_ABI: rv64, rv64-high), as the *_rv64 wrappers do:
the same scenarios and assertions, a different guest. RV64 guests need
Debian's riscv64-linux-gnu-gcc; without it the wrapper is skipped."""
import os
import runpy
import shutil
import sys


def rerun(script, abi):
    sys.dont_write_bytecode = True   # no __pycache__ in the source tree
    if not shutil.which("riscv64-linux-gnu-gcc"):
        print("SKIP: riscv64-linux-gnu-gcc is not installed (the RV64 guest cannot be built)")
        sys.exit(0)
    os.environ["RVRR_E2E_GUEST_ABI"] = abi
    runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), script), run_name="__main__")
