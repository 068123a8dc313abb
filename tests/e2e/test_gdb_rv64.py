#!/usr/bin/env python3
"""RV64 through the real gdb-multiarch: examples/rv64_scores.c (a static
glibc program from Debian's riscv64-linux-gnu cross toolchain) under
`rvrr debug` and `rvrr replay`. gdb gets a riscv:rv64 target description
(64-bit x registers and pc), a breakpoint and `finish` show 64-bit values,
and the corrupted 64-bit global is found backwards: watch it, then
reverse-continue to the out-of-bounds write; reverse-step and reverse-stepi
go back from there. examples/rv64_far.c (mappings at 4, 64 and 128 GiB, the
stack just below 256 GiB): memory read, watched, reversed over and written
by the debugger far above 4 GiB. `trace calls/lines/profile` on the RV64
trace (lp64 arguments, 64-bit return values). Skipped when riscv64-linux-gnu-gcc is not
installed."""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

if not shutil.which("riscv64-linux-gnu-gcc"):
    print("SKIP: riscv64-linux-gnu-gcc is not installed (the RV64 example is not built)")
    sys.exit(0)

ck = g.Checker("test_gdb_rv64")
SRC = g.example_source("rv64_scores")
L = {n: g.marker_line(SRC, n) for n in ("weight_body", "fill_write", "call_fill", "print_checksum")}

CMDS = [
    "break weight",                                   # 0
    "continue",                                       # 1
    "p i",                                            # 2
    "finish",                                         # 3
    "continue",                                       # 4 weight(1)
    "finish",                                         # 5 returns 0x100000001
    "delete",                                         # 6
    f"break rv64_scores.c:{L['print_checksum']}",     # 7
    "continue",                                       # 8
    "p table.checksum",                               # 9
    "p sizeof($sp)",                                  # 10 64-bit registers
    "p/x $sp",                                        # 11
    "watch table.checksum",                           # 12
    "reverse-continue",                               # 13 -> the bad write in fill()
    "p i",                                            # 14
    "monitor when",                                   # 15
    "reverse-stepi",                                  # 16
    "monitor when",                                   # 17
    "delete",                                         # 18
    "reverse-step",                                   # 19
    "reverse-continue",                               # 20 back to the start
    "p table.checksum",                               # 21
]


def check_session(s, title):
    ck.at_line(1, L["weight_body"])
    ck.value(2, "0")
    ck.contains(3, re.compile(r"Value returned is \$\d+ = 0\b"))
    ck.contains(5, re.compile(r"Value returned is \$\d+ = 4294967297\b"), "a 64-bit return value in a0:")
    ck.at_line(8, L["print_checksum"])
    ck.value(9, "34359738376", "the corrupted 64-bit checksum:")
    ck.value(10, "8", "target.xml gives 64-bit registers:")
    ck.contains(11, re.compile(r"= 0x3f[0-9a-f]{8}\b"), "sp is on the stack just below 256 GiB (0x40_0000_0000):")
    ck.contains(13, "Old value = 34359738376\nNew value = 120259084316\n",
                "reverse-continue to the watchpoint: gdb's old/new values going backwards:")
    ck.at_line(13, L["fill_write"])
    ck.value(14, "8", "the out-of-bounds index:")
    w15, w17 = when(s, 15), when(s, 17)
    ck.check(w15 is not None and w17 == w15 - 1, f"{title}: reverse-stepi goes back one instruction ({w15} -> {w17})")
    ck.ok(19)
    ck.contains(20, "No more reverse-execution history.", "reverse-continue reaches the start of history:")
    ck.value(21, "0", "at the start the checksum is not set yet:")


def debug_session(example, cmds, title):
    """`rvrr debug` of a built example under gdb with `cmds`; checks then name `title`."""
    elf = g.example(example)
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin(title, s, srv)
    return s


@g.scenario(ck, "RV64 glibc program: break, finish, watch + reverse-continue, reverse-step (debug)")
def live():
    check_session(debug_session("rv64_scores", CMDS, "debug"), "debug")


@g.scenario(ck, "the same over a recorded RV64 trace (record, then replay)")
def replay():
    import tempfile
    elf = g.example("rv64_scores")
    trace = os.path.join(tempfile.mkdtemp(prefix="rvrr-e2e-rv64-trace-"), "scores.trace")
    r = g.run_rvrr(["record", "-o", trace, elf])
    ck.check(r.returncode == 1, f"rvrr record exits with the guest's status 1, got {r.returncode}: {r.stderr}")
    ck.check("checksum mismatch!" in r.stdout, f"the recorded run printed its output: {r.stdout!r}")
    info = g.run_rvrr(["trace", "info", "--verify", trace])
    ck.check(info.returncode == 0, f"trace info --verify of an RV64 trace: {info.returncode} {info.stdout} {info.stderr}")
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, CMDS)
        ck.begin("replay", s, srv)
        check_session(s, "replay")
    # The queries on an RV64 trace: lp64 arguments and 64-bit return values.
    calls = g.run_rvrr(["trace", "calls", trace, "weight"])
    ck.check(calls.returncode == 0 and "weight: 9 calls" in calls.stdout,
             f"trace calls finds the 9 calls of weight(): {calls.returncode} {calls.stdout[:300]} {calls.stderr}")
    ck.check(re.search(r"weight\(i=1\) from fill at \S*rv64_scores.c:%d\n\s+-> returned 4294967297 at" % L["fill_write"],
                       calls.stdout) is not None, f"a 64-bit argument and return value:\n{calls.stdout[:600]}")
    lines = g.run_rvrr(["trace", "lines", trace])
    ck.check(lines.returncode == 0 and re.search(r"rv64_scores.c:%d \d+\n" % L["weight_body"], lines.stdout) is not None,
             f"trace lines counts the RV64 program's lines: {lines.stdout[:300]} {lines.stderr}")
    prof = g.run_rvrr(["trace", "profile", "--top", "200", trace])
    ck.check(prof.returncode == 0 and re.search(r"\s9\s+weight \(", prof.stdout) is not None,
             f"trace profile shows weight() called 9 times: {prof.stdout[:800]} {prof.stderr}")


FAR_SRC = g.example_source("rv64_far")
F = {n: g.marker_line(FAR_SRC, n) for n in ("value_write", "print_hash", "munmap")}
FAR_CMDS = [
    f"break rv64_far.c:{F['print_hash']}",            # 0
    "continue",                                       # 1
    "p/x (unsigned long)regions[2]",                  # 2 the region at 128 GiB
    "p regions[2]->value",                            # 3
    "x/2gx 0x2000000000",                             # 4 gdb reads memory above 4 GiB
    "p/x $sp",                                        # 5
    "watch -l regions[2]->value",                     # 6
    "reverse-continue",                               # 7 -> its write in the fill loop
    "p r",                                            # 8
    "monitor when",                                   # 9
    "reverse-continue",                               # 10 mapped fresh before: no earlier write
    "continue",                                       # 11 forward to the write again
    "delete",                                         # 12
    f"break rv64_far.c:{F['munmap']}",                # 13
    "continue",                                       # 14
    "set var regions[0]->value = 77",                 # 15 a debugger write above 4 GiB (recorded)
    "p regions[0]->value",                            # 16
    "monitor info timeline",                          # 17
    "delete",                                         # 18
    "continue",                                       # 19 to the end
]


@g.scenario(ck, "RV64 memory far apart: watch a word at 128 GiB, reverse to its write, write above 4 GiB")
def far_memory():
    debug_session("rv64_far", FAR_CMDS, "far memory")  # the checks read the session ck.begin kept
    ck.at_line(1, F["print_hash"])
    ck.value(2, "0x2000000000")
    ck.value(3, "1002")
    ck.contains(4, re.compile(r"0x2000000000:\s+0x[0-9a-f]+\s+0x0*3ea\b"),
                "x/2gx above 4 GiB: the next pointer, then the value 1002:")
    ck.contains(5, re.compile(r"= 0x3f[0-9a-f]{8}\b"), "the stack lies just below 256 GiB:")
    ck.contains(7, "Old value = 1002\nNew value = 0\n", "reverse-continue to the write at 128 GiB:")
    ck.at_line(7, F["value_write"])
    ck.value(8, "2")
    ck.contains(10, "No more reverse-execution history.", "nothing wrote it before (a fresh mapping):")
    ck.contains(11, "Old value = 0\nNew value = 1002\n", "forward again to the same write:")
    ck.at_line(14, F["munmap"])
    ck.value(16, "77", "a debugger write to memory above 4 GiB:")
    g.check_timeline_memory(ck, 17)
    ck.contains(19, "the program exited with status 0", "the program ends normally:")


live()
replay()
far_memory()
ck.finish()
