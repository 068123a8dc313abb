#!/usr/bin/env python3
"""The history of a variable through the real gdb-multiarch: the gdbinit's
`last-write EXPR` / `next-write EXPR` (and the `monitor last-write/next-write`
they wrap) walk the writes to `counter` (0 -> 1 -> 11 -> 22 -> 26 by
construction, tests/e2e/guests/write_history.c), stopping at each writing
line with the frame refreshed, naming the write's old and new bytes; with no
write left they say so and do not move. A buffer filled by read() is found
at the host call. `info proc mappings` shows the guest's memory map (served
as /proc/PID/maps through vFile), and `monitor info memory` the same."""
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_write_history")
SRC = g.guest_source("write_history")
GDBINIT = os.path.join(g.source_dir(), "gdbinit")
TMP = tempfile.mkdtemp(prefix="rvrr-writehist-")


def record(elf, stdin_text, name):
    trace = os.path.join(TMP, name)
    inp = os.path.join(TMP, name + ".in")
    with open(inp, "w") as f:
        f.write(stdin_text)
    with open(inp, "rb") as f:
        r = subprocess.run([g.rvrr_binary(), "record", "-o", trace, elf], stdin=f, capture_output=True,
                           timeout=120)
    if r.returncode != 0:
        raise g.TestFailure(f"record failed ({r.returncode}): {r.stderr.decode()}")
    return trace


@g.scenario(ck, "last-write / next-write walk the writes to a variable, with the frame refreshed")
def walk_writes():
    elf = g.build_guest("write_history")
    trace = record(elf, "abcd", "walk.rvrr")
    line = lambda name: g.marker_line(SRC, name)
    cmds = [
        f"source {GDBINIT}",                    # 0
        f"break write_history.c:{line('end')}",  # 1
        "continue",                             # 2
        "last-write counter",                   # 3  bump(n): 22 -> 26
        "p counter",                            # 4  before the write: 22
        "last-write counter",                   # 5  counter * 2: 11 -> 22
        "last-write counter",                   # 6  bump(10): 1 -> 11
        "last-write counter",                   # 7  counter = 1: 0 -> 1
        "monitor when",                         # 8
        "last-write counter",                   # 9  none before: not moved
        "monitor when",                         # 10
        "next-write counter",                   # 11 bump(10) again: 1 -> 11
        "next-write buf",                       # 12 the read() that filled buf: a host call
        "p buf[0]",                             # 13 before the call: 0
        "stepi",                                # 14 over the call: now written
        "p buf[0]",                             # 15 'a'
        "next-write buf",                       # 16 nothing after: not moved
        "monitor last-write",                   # 17 usage
        "last-write 1+1",                       # 18 not an lvalue
        "info proc mappings",                   # 19 the guest's map, not the host's
        "monitor info memory",                  # 20
        "monitor help",                         # 21
        "delete", "watch counter",              # 22, 23: counter is 22 where the walk left it
        "seek 0",                               # 24: counter is 0 at the start
        "continue",                             # 25: crt0's memset stores 0 over 0: not a change
    ]
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("last-write / next-write", s, srv)
        ck.check(not s.timed_out, "gdb finished within the hang guard")
        ck.at_line(2, line("end"))
        ck.contains(3, re.compile(r"Last write to 0x[0-9a-f]{8} \(4 bytes\) before instruction [\d,]+: "
                                  r"instruction [\d,]+ at pc 0x[0-9a-f]{8}"))
        ck.contains(3, "old: 16 00 00 00\n  new: 1a 00 00 00")
        # The writer is named: function and file:line from the program's DWARF.
        ck.contains(3, re.compile(rf"at pc 0x[0-9a-f]{{8}} in bump at \S*write_history\.c:{line('bump')}\n"))
        ck.at_line(3, line("bump"))
        ck.value(4, 22)
        ck.contains(5, "old: 0b 00 00 00\n  new: 16 00 00 00")
        ck.contains(5, re.compile(rf"at pc 0x[0-9a-f]{{8}} in main at \S*write_history\.c:{line('double')}\n"))
        ck.at_line(5, line("double"))
        ck.contains(6, "old: 01 00 00 00\n  new: 0b 00 00 00")
        ck.at_line(6, line("bump"))
        ck.contains(7, "old: 00 00 00 00\n  new: 01 00 00 00")
        ck.at_line(7, line("first"))
        ck.contains(9, re.compile(r"No write to 0x[0-9a-f]{8} \(4 bytes\) before instruction [\d,]+; not moved"))
        ck.check(when(s, 8) is not None and when(s, 8) == when(s, 10),
                 f"no write found: the position did not change ({when(s, 8)} -> {when(s, 10)})")
        ck.lacks(9, "Now at instruction")
        ck.contains(11, "old: 01 00 00 00\n  new: 0b 00 00 00")
        ck.contains(11, re.compile(rf"at pc 0x[0-9a-f]{{8}} in bump at \S*write_history\.c:{line('bump')}\n"))
        ck.at_line(11, line("bump"))
        ck.contains(12, re.compile(r"Next write to 0x[0-9a-f]{8} \(8 bytes\) after instruction [\d,]+: "))
        ck.contains(12, "by the host call read(")
        # A host call's write is named where the call is made (picolibc's semihosting stub: assembly, a file:line).
        ck.contains(12, re.compile(r"at pc 0x[0-9a-f]{8} at \S+\.s:\d+\n  by the host call read\("))
        ck.contains(12, "new: 61 62 63 64 00 00 00 00")
        ck.value(13, "0 '\\000'")
        ck.value(15, "97 'a'")
        ck.contains(16, "No write to")
        ck.contains(16, "after instruction")
        ck.contains(17, "usage: monitor last-write ADDR [LEN]")
        ck.error(18, "not in memory")
        ck.contains(19, re.compile(r"0x[0-9a-f]+ 0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x0\s+r-xp\s+\S*write_history\.elf\n"))
        ck.contains(19, "[stack]")
        ck.lacks(19, "/usr/")  # the host's own mappings (libc, ...) never show
        ck.contains(20, "Memory map at instruction")
        ck.contains(20, "[heap]")
        ck.contains(20, "(ELF segment)")
        ck.contains(21, "last-write ADDR [LEN]")
        ck.contains(21, "info memory")
        # gdb compares the next hit with the value at the new position, not the old one.
        ck.contains(25, "Old value = 0\nNew value = 1\n")


@g.scenario(ck, "monitor heap: the live blocks, from the allocator calls so far")
def heap():
    elf = g.build_guest("heap_blocks")
    src = g.guest_source("heap_blocks")
    trace = record(elf, "", "heap.rvrr")
    cmds = [
        f"break heap_blocks.c:{g.marker_line(src, 'free_a')}",  # 0
        "continue",                                            # 1
        "monitor heap",                                        # 2  a, b, c live
        f"break heap_blocks.c:{g.marker_line(src, 'end')}",    # 3
        "continue",                                            # 4
        "monitor when",                                        # 5
        "monitor heap",                                        # 6  b and the realloc'd c
        "monitor when",                                        # 7  not moved
        "p/x (unsigned)b",                                     # 8
        "delete", "monitor seek 0", "break malloc", "continue",  # 9-12: a's malloc
        "finish",                                              # 13: returned just now
        "monitor heap",                                        # 14: its block counts
    ]
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("monitor heap", s, srv)
        ck.contains(2, re.compile(r"Live heap blocks at instruction [\d,]+: 3 blocks, 142 bytes"))
        ck.contains(6, re.compile(r"Live heap blocks at instruction [\d,]+: 2 blocks, 232 bytes"))
        # Each block's call site by pc, function and file:line (the line of the allocating call).
        site = r"0x[0-9a-f]{{8}} in main at \S*heap_blocks\.c:{}\n"
        ck.contains(6, re.compile(r"\s32\s+[\d,]+\s+calloc\s+" + site.format(g.marker_line(src, "alloc_b"))))
        ck.contains(6, re.compile(r"\s200\s+[\d,]+\s+realloc\s+" + site.format(g.marker_line(src, "realloc_c"))))
        ck.contains(6, "By allocation site:")
        ck.contains(6, re.compile(r"\n  0x[0-9a-f]{8} in main at \S*heap_blocks\.c:" +
                                  str(g.marker_line(src, "alloc_b")) + ": 1 block, 32 bytes\n"))
        ck.check(when(s, 5) is not None and when(s, 5) == when(s, 7), "monitor heap does not move")
        m = re.search(r"= (0x[0-9a-f]+)", s[8].output) if len(s.steps) > 8 else None
        ck.check(m is not None and f"  {int(m.group(1), 16):#010x}  " in s[6].output,
                 f"b's address is listed: {m.group(1) if m else None}")
        ck.contains(13, "Value returned is")
        ck.contains(14, re.compile(r"Live heap blocks at instruction [\d,]+: 1 block, 10 bytes"))
        ck.check("in progress" not in (s[14].output if len(s.steps) > 14 else "in progress"),
                 "a malloc that returned just now is not in progress")


walk_writes()
heap()
ck.finish()
