#!/usr/bin/env python3
"""A `monitor seek` that runs longer than gdb's reply timeout keeps gdb in step:
rvrr sends console output packets while it works (gdb prints the first, and
waits on), so gdb never prints "Ignoring packet error" and the next command
never shows a stale reply. And gdb's Ctrl-C stops a long seek."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_long_seek")
# compute with 3000 iterations runs ~3.3 billion instructions live; a seek to
# 1.2 billion from the start takes ~2 s interpreted on an idle machine (much
# longer under sanitizers), well over the 1 s reply timeout set below. The
# server interprets (--tier interp): translated, the seek could finish inside
# the timeout and the test would show nothing.
ITERATIONS = "3000"
TARGET = 1_200_000_000


@g.scenario(ck, "a monitor seek longer than gdb's reply timeout: gdb waits for it and stays in step")
def long_seek_keeps_gdb_in_step():
    elf = g.example("compute")
    cmds = [
        f"monitor seek {TARGET}",   # 0
        "monitor when",             # 1  must be the new point, not a stale reply
        "monitor when",             # 2
        "kill",                     # 3
    ]
    with g.Server.debug(elf, ITERATIONS, options=["--tier", "interp"]) as srv:
        s = g.run_gdb(srv.port, elf, cmds, preamble=["set remotetimeout 1"], timeout=240)
        ck.begin("long seek", s, srv)
        ck.lacks(0, "Ignoring packet error", "the long seek:")
        ck.contains(0, "[rvrr] seeking", "the long seek says it is working:")
        ck.contains(0, f"Now at instruction {TARGET}")
        ck.check(when(s, 1) == TARGET, f"`monitor when` after the seek: {when(s, 1)}, expected {TARGET}")
        ck.check(when(s, 2) == TARGET, f"`monitor when` again: {when(s, 2)}, expected {TARGET}")
        ck.check("Ignoring packet error" not in s.text, "gdb never printed 'Ignoring packet error'")


if __name__ == "__main__":
    long_seek_keeps_gdb_in_step()
    ck.finish()
