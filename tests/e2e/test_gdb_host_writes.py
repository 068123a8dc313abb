#!/usr/bin/env python3
"""Watchpoints see memory written by host calls: `read()` into a watched
buffer, through the Linux ABI (ecall) and semihosting (picolibc's READ, an
ebreak sequence). Driven through the real gdb-multiarch against `rvrr debug`
(stdin from a file), with DESIGN's conventions for RISC-V's non-steppable
watchpoints: going forward gdb gets the hit before the call and steps over
it itself, then prints Old/New and stops just after the call; going backward
rvrr reports it just after the call and gdb steps back onto the call.
Guest: tests/e2e/guests/read_watch.c, built with both runtimes."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_host_writes")
TMP = tempfile.mkdtemp(prefix="rvrr-hostwrites-")


def build(abi):
    out = os.path.join(TMP, f"read_watch_{abi}.elf")
    cc = os.environ.get("RVRR_RISCV_GCC", "riscv64-unknown-elf-gcc")
    src = g.guest_source("read_watch")
    if abi == "linux":
        rt = os.path.join(g.source_dir(), "examples", "linux")
        argv = [cc, *g.LINUX_GUEST_FLAGS, "-I" + rt, os.path.join(rt, "crt0.S"), os.path.join(rt, "rt.c"), src,
                "-lgcc", "-o", out]
    else:
        argv = [cc, *g.GUEST_FLAGS, src, "-o", out]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise g.TestFailure(f"building read_watch ({abi}) failed:\n{r.stdout}{r.stderr}")
    return out


def scenario_for(abi, call_insn):
    @g.scenario(ck, f"watch a buffer filled by read() ({abi}: {call_insn})")
    def run():
        elf = build(abi)
        src = g.guest_source("read_watch")
        stdin = os.path.join(TMP, "input.txt")
        with open(stdin, "w") as f:
            f.write("hello\n")
        cmds = [
            f"break read_watch.c:{g.marker_line(src, 'before_read')}",  # 0
            "continue",                  # 1
            "watch buf[0]",              # 2
            "continue",                  # 3  forward: stops just after the call that wrote buf
            "x/i $pc - 4",               # 4  ... which is the ecall / ebreak
            "monitor when",              # 5
            "p buf[0]",                  # 6
            "continue",                  # 7  no more writes: to the end
            "reverse-continue",          # 8  backward: stops at the call
            "x/i $pc",                   # 9
            "monitor when",              # 10
            "p buf[0]",                  # 11 memory as before the call
            "stepi",                     # 12 stepping over the call reports it too
            "monitor when",              # 13
            "reverse-stepi",             # 14 and stepping back over it
            "monitor when",              # 15
            "delete",                    # 16
            "reverse-continue",          # 17 (the store buf[0] = 'x' is before the breakpoint: start)
            "kill",                      # 18
        ]
        with g.Server.debug(elf, stdin=stdin) as srv:
            s = g.run_gdb(srv.port, elf, cmds)
            ck.begin(f"watch a buffer filled by read() ({abi})", s, srv)
            ck.check(not s.timed_out, "gdb finished within the hang guard")
            ck.contains(3, "Hardware watchpoint 2: buf[0]\n\nOld value = 120 'x'\nNew value = 104 'h'\n",
                        "continue stops at the read that wrote the buffer:")
            ck.contains(4, call_insn, "the stop is just after the host call:")
            ck.value(6, "104 'h'")
            ck.lacks(7, "watchpoint 2", "nothing else writes buf[0]:")
            ck.contains(7, g.NO_HISTORY)
            ck.contains(8, "Hardware watchpoint 2: buf[0]\n\nOld value = 104 'h'\nNew value = 120 'x'\n",
                        "reverse-continue stops at the read that wrote the buffer:")
            ck.contains(9, call_insn, "reverse: the stop is at the host call:")
            w_fwd, w_rev = when(s, 5), when(s, 10)
            ck.check(w_fwd is not None and w_rev == w_fwd - 1,
                     f"forward stop just after the call ({w_fwd}), reverse stop at it ({w_rev})")
            ck.value(11, "120 'x'", "after the reverse stop memory holds the value before the call:")
            ck.contains(12, "Old value = 120 'x'\nNew value = 104 'h'\n", "stepi over the call:")
            ck.check(when(s, 13) == w_fwd, f"stepi over the call lands after it: {when(s, 13)} vs {w_fwd}")
            ck.contains(14, "Old value = 104 'h'\nNew value = 120 'x'\n", "reverse-stepi over the call:")
            ck.check(when(s, 15) == w_rev, f"reverse-stepi lands on the call: {when(s, 15)} vs {w_rev}")
            ck.contains(17, g.NO_HISTORY)
            ck.check("read 6: h" in srv.stdout(), f"the program read its input once: {srv.stdout()!r}")
    return run


try:
    scenario_for("linux", "ecall")()
    scenario_for("semihosting", "ebreak")()
finally:
    import shutil
    shutil.rmtree(TMP, ignore_errors=True)
ck.finish()
