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


if __name__ == "__main__":
    sigbus()
    sigsegv_sigill()
    ck.finish()
