#!/usr/bin/env python3
"""Floating point through the real gdb-multiarch against `rvrr debug` and
`rvrr replay`: the float registers of the target description (p $fa0, p/f,
info registers float, fflags/frm/fcsr), `finish` out of a function returning
a double (hard-float ABI: the value comes back in fa0), a watchpoint on a
double, and reverse-stepi over an fdiv.d taking back both its result and
the inexact flag it raised."""
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_float")
SRC = g.guest_source("floats")
L = {n: g.marker_line(SRC, n) for n in ("half_body", "call_half", "write_watched", "call_div", "print")}
FLAGS = ["-march=rv32imafdc", "-mabi=ilp32d"] + [f for f in g.GUEST_FLAGS if not f.startswith(("-march", "-mabi"))]


def build():
    import tempfile
    out = os.path.join(tempfile.mkdtemp(prefix="rvrr-e2e-float-"), "floats.elf")
    cc = os.environ.get("RVRR_RISCV_GCC", "riscv64-unknown-elf-gcc")
    r = subprocess.run([cc, *FLAGS, SRC, "-o", out], capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise g.TestFailure(f"building floats.c failed:\n{r.stdout}{r.stderr}")
    return out


def fflags(session, i):
    m = re.search(r"\$\d+ = (\d+)", session[i].output) if i < len(session.steps) else None
    return int(m.group(1)) if m else None


CMDS = [
    "break half",                          # 0
    "continue",                            # 1
    "finish",                              # 2
    "p $fa0",                              # 3
    "p/f $fa0.double",                     # 4
    "info registers float",                # 5
    "p watched_d",                         # 6
    "watch watched_d",                     # 7
    "continue",                            # 8
    "p r",                                 # 9
    "break *do_div",                       # 10
    "continue",                            # 11
    "p $fflags",                           # 12
    "stepi",                               # 13
    "p $fflags",                           # 14
    "p $fa0.double",                       # 15
    "p $fcsr",                             # 16
    "reverse-stepi",                       # 17
    "p $fflags",                           # 18
    "p $fa0.double",                       # 19
    "p $frm",                              # 20
    "stepi",                               # 21
    "p $fflags",                           # 22
    "info float",                          # 23
    "set var $ft0.double = 2.0",           # 24 written live (recorded); refused in a replay
    "p $ft0.double",                       # 25
    "p $fa0.double + 0.5",                 # 26 an inferior-free expression still reads them
    "kill",                                # 27
]


def check_session(s, title):
    ck.at_line(1, L["half_body"])
    ck.contains(2, "Run till exit from #0  half")
    ck.contains(2, re.compile(r"Value returned is \$\d+ = 1\.5\b"), "finish shows the double in fa0:")
    ck.contains(3, re.compile(r"double = 1\.5\b"), "p $fa0 shows the float/double union:")
    ck.value(4, "1.5")
    for reg in ("ft0", "fa0", "fs11", "ft11", "fflags", "frm", "fcsr"):
        ck.contains(5, re.compile(rf"(^|\n){reg}\s"), f"info registers float lists {reg}:")
    ck.value(6, "0")
    ck.contains(8, re.compile(r"watchpoint \d+: watched_d\n\nOld value = 0\nNew value = 2\.5\n"),
                "a watchpoint on a double:")
    ck.at_line(8, L["call_div"])
    ck.value(9, "1.5", "p of a local double:")
    ck.check(fflags(s, 12) == 0, f"{title}: fflags clear before the fdiv.d, got {fflags(s, 12)}")
    ck.check(fflags(s, 14) == 1, f"{title}: fdiv.d 1/3 sets NX, got {fflags(s, 14)}")
    ck.value(15, "0.33333333333333331")
    ck.value(16, "1")
    ck.check(fflags(s, 18) == 0, f"{title}: reverse-stepi takes the NX flag back, got {fflags(s, 18)}")
    ck.value(19, "1", "reverse-stepi restores fa0 (the dividend):")
    ck.value(20, "0")
    ck.check(fflags(s, 22) == 1, f"{title}: stepping forward again sets NX again, got {fflags(s, 22)}")
    ck.contains(23, "fa0")
    if title == "debug":
        ck.ok(24)
        ck.value(25, "2", "the float register write took effect:")
    else:
        ck.error(24)
        ck.check("= 2" not in s[25].output if len(s.steps) > 25 else False,
                 f"{title}: a refused float register write changed nothing: {s[25].output if len(s.steps) > 25 else None!r}")


@g.scenario(ck, "float registers, finish, watch on a double, reverse-stepi restoring fflags (debug)")
def live():
    elf = build()
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, CMDS, preamble=["set print repeats unlimited"])
        ck.begin("debug", s, srv)
        check_session(s, "debug")


@g.scenario(ck, "the same over a recorded trace (replay)")
def replay():
    import tempfile
    elf = build()
    trace = os.path.join(tempfile.mkdtemp(prefix="rvrr-e2e-float-trace-"), "floats.trace")
    r = g.run_rvrr(["record", "-o", trace, elf])
    ck.check(r.returncode == 0, f"rvrr record exited {r.returncode}: {r.stderr}")
    ck.check("floats: r=1.5 watched=2.5 q=0.333333333333333" in r.stdout,
             f"the recorded run printed its doubles: {r.stdout!r}")
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, CMDS)
        ck.begin("replay", s, srv)
        check_session(s, "replay")


live()
replay()
ck.finish()
