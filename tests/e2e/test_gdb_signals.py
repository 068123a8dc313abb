#!/usr/bin/env python3
"""Signals reach gdb under gdb's own numbers (a SIGBUS is SIGBUS, not
SIGEMT), and `p $_siginfo` works at a fault: the signal, its code and the
faulting address, as on Linux."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_signals")


def number(session, i):
    m = re.search(r"\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+|-?\d+)", session[i].output) if i < len(session.steps) else None
    return int(m.group(1), 0) if m else None


@g.scenario(ck, "SIGBUS from a misaligned atomic: gdb says SIGBUS, $_siginfo has BUS_ADRALN and the address")
def sigbus():
    elf = g.build_guest("misaligned_atomic")
    src = g.guest_source("misaligned_atomic")
    cmds = [
        "continue",                                     # 0
        "p $_siginfo.si_signo",                         # 1
        "p $_siginfo.si_code",                          # 2
        "p $_siginfo._sifields._sigfault.si_addr",      # 3
        "p/x &buffer[2]",                               # 4
        "p $_siginfo",                                  # 5
        "info program",                                 # 6
        "kill",                                         # 7
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("SIGBUS", s, srv)
        ck.contains(0, "Program received signal SIGBUS, Bus error.")
        ck.lacks(0, "SIGEMT")
        ck.at_line(0, g.marker_line(src, "amo"))
        ck.value(1, 7, "si_signo (Linux's SIGBUS):")
        ck.value(2, 1, "si_code (BUS_ADRALN):")
        addr, expected = number(s, 3), number(s, 4)
        ck.check(addr is not None and addr == expected, f"si_addr is the misaligned address: {addr} vs {expected}")
        ck.ok(5)
        ck.contains(5, "si_signo = 7")
        ck.contains(6, "SIGBUS")


@g.scenario(ck, "SIGSEGV at a null pointer and SIGILL: gdb's names, $_siginfo with code and address")
def sigsegv_sigill():
    elf = g.example("null_deref")
    cmds = [
        "continue",                                     # 0
        "p $_siginfo.si_signo",                         # 1
        "p $_siginfo.si_code",                          # 2
        "p $_siginfo._sifields._sigfault.si_addr",      # 3
        "kill",                                         # 4
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("SIGSEGV", s, srv)
        ck.contains(0, "Program received signal SIGSEGV, Segmentation fault.")
        ck.value(1, 11)
        ck.value(2, 1, "si_code (SEGV_MAPERR: nothing mapped there):")
        addr = number(s, 3)
        ck.check(addr is not None and addr < 0x10000, f"si_addr is the null-ish address: {addr}")

    elf = g.build_guest("steps")
    cmds = [
        "continue",                                     # 0
        "p $_siginfo.si_signo",                         # 1
        "p $_siginfo.si_code",                          # 2
        "p $_siginfo._sifields._sigfault.si_addr == $pc",  # 3
        "kill",                                         # 4
    ]
    with g.Server.debug(elf, "ill") as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("SIGILL", s, srv)
        ck.contains(0, "Program received signal SIGILL, Illegal instruction.")
        ck.value(1, 4)
        ck.value(2, 1, "si_code (ILL_ILLOPC):")
        ck.value(3, 1, "si_addr is the pc of the illegal instruction:")


@g.scenario(ck, "a breakpoint on the faulting instruction: continuing after the fault is the end of history, not a hit")
def breakpoint_on_fault():
    # gdb delivers the signal with a step-resume breakpoint at the pc: a hit
    # there without moving would tell it a handler ran, and it would then
    # step over the breakpoint into the end of history (README: gdb 13 then
    # waits for ever on the next command).
    elf = g.example("null_deref")
    cmds = [
        "continue",                                     # 0 SIGSEGV
        "monitor when",                                 # 1
        "break *$pc",                                   # 2
        "reverse-stepi",                                # 3
        "continue",                                     # 4 Breakpoint 1, at the fault
        "continue",                                     # 5 SIGSEGV
        "continue",                                     # 6 no more history (the signal delivered)
        "reverse-stepi",                                # 7
        "monitor when",                                 # 8
        "stepi",                                        # 9 Breakpoint 1
        "monitor when",                                 # 10
        "kill",                                         # 11
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=60)
        ck.begin("breakpoint on the fault", s, srv)
        end = when(s, 1)
        ck.contains(4, "Breakpoint 1,")
        ck.contains(5, "Program received signal SIGSEGV")
        ck.contains(6, "No more reverse-execution history.")
        ck.lacks(6, "Breakpoint 1,")
        ck.check(end is not None and when(s, 8) == end - 1, f"reverse-stepi after: {when(s, 8)} (end {end})")
        ck.contains(9, "Breakpoint 1,")
        ck.check(when(s, 10) == end, f"stepi back to the end: {when(s, 10)} (end {end})")


@g.scenario(ck, "--max-instructions: a breakpoint at the last instruction fires going forward")
def breakpoint_at_limit():
    elf = g.example("null_deref")
    cmds = [
        "continue",                                     # 0 end of history at the limit
        "break *$pc",                                   # 1
        "reverse-stepi",                                # 2
        "continue",                                     # 3 Breakpoint 1 at the limit
        "monitor when",                                 # 4
        "reverse-stepi",                                # 5
        "monitor when",                                 # 6
        "kill",                                         # 7
    ]
    with g.Server.debug(elf, options=("--max-instructions", "3000")) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=60)
        ck.begin("breakpoint at the limit", s, srv)
        ck.contains(0, "No more reverse-execution history.")
        ck.contains(3, "Breakpoint 1,")
        ck.check(when(s, 4) == 3000, f"at the limit: {when(s, 4)}")
        ck.check(when(s, 6) == 2999, f"reverse-stepi after: {when(s, 6)}")


if __name__ == "__main__":
    sigbus()
    sigsegv_sigill()
    breakpoint_on_fault()
    breakpoint_at_limit()
    ck.finish()
