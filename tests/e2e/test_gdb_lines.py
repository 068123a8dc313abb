#!/usr/bin/env python3
"""`monitor lines FILE[:LINE]` in a debugging session (issue 11, item 1): line
entries over the history so far, in a replay and in a live session, without
moving the position.

Guest: tests/fixtures/query_guest.c (a loop body entered 37 times, square()
called 5 times). Stopped at square's first call, the loop has run 37 times
and square's body never; after `finish` out of the 5th call, 5 times.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_lines")
FIXTURES = os.path.join(g.source_dir(), "tests", "fixtures")
GUEST = os.path.join(FIXTURES, "query_guest.elf")
SRC = os.path.join(FIXTURES, "query_guest.c")
LOOP = g.line_of(SRC, "LOOP_BODY")
SQUARE = g.line_of(SRC, "SQUARE_BODY")
CALL = g.line_of(SRC, "CALL_SQUARE")


def session_checks(server, what):
    cmds = ["break square", "continue",
            f"monitor lines query_guest.c:{LOOP}",       # 2: the loop is over
            f"monitor lines query_guest.c:{SQUARE}",     # 3: square's body not yet run
            "monitor when",                              # 4: the position did not move
            "continue 4", "finish",                      # 5, 6: out of the 5th call
            f"monitor lines query_guest.c:{SQUARE}",     # 7
            "monitor lines query_guest.c",               # 8: the whole file
            "monitor lines no_such.c",                   # 9
            "monitor lines",                             # 10
            "reverse-continue", f"monitor lines query_guest.c:{SQUARE}",  # 11, 12: back at the 5th call
            f"source {os.path.join(g.source_dir(), 'gdbinit')}",          # 13
            "up", "lines",                                                 # 14, 15: the caller's line, by the wrapper
            f"lines query_guest.c:{LOOP}",                                 # 16
            "monitor profile 2",                                           # 17
            "monitor profile x",                                           # 18
            f'monitor lines "query_guest.c":{LOOP}',                       # 19: a quoted path
            "monitor lines no such\\ file.c",                              # 20: a path with a space
            ]
    s = g.run_gdb(server.port, GUEST, cmds, timeout=90)
    ck.begin(f"{what}: monitor lines", s, server)
    ck.contains(2, re.compile(rf"query_guest\.c:{LOOP} 37\n"))
    ck.contains(3, re.compile(rf"query_guest\.c:{SQUARE} 0\n"))
    ck.contains(2, "the history so far")
    st_when = ck.step(4)
    m = re.search(r"Current instruction: (\d+)", st_when.output) if st_when else None
    ck.check(m is not None and f"instructions 0 to {int(m.group(1)):,}" in ck.step(2).output,
             "the count covers up to the current instruction")
    ck.contains(7, re.compile(rf"query_guest\.c:{SQUARE} 5\n"))
    ck.contains(8, re.compile(rf"query_guest\.c:{LOOP} 37\n"))
    ck.contains(8, re.compile(rf"query_guest\.c:{SQUARE} 5\n"))
    ck.contains(9, "no source file 'no_such.c'")
    ck.contains(10, "usage: monitor lines FILE[:LINE]")
    ck.contains(12, re.compile(rf"query_guest\.c:{SQUARE} 4\n"))
    # In main, at the 5th call: `acc += square(k);` entered 5 times, re-entered by 4 returns.
    ck.contains(15, re.compile(rf"query_guest\.c:{CALL} 9\n"))
    ck.contains(16, re.compile(rf"query_guest\.c:{LOOP} 37\n"))
    # Stopped at the entry of square's 5th call (its jal has run): 5 calls so
    # far; main first by self count; _start is left out of the top 2.
    ck.contains(17, "(the history so far)")
    ck.contains(17, re.compile(r"\s5  square \("))
    ck.contains(17, re.compile(r"functions by self instructions:\n.*\n.*  main \("))
    ck.contains(17, "... 1 more (monitor profile K)")
    ck.contains(18, "usage: monitor profile [K]")
    ck.contains(19, re.compile(rf"query_guest\.c:{LOOP} 37\n"))
    ck.contains(20, "no source file 'no such file.c'")
    ck.check(server.alive(), "server died")


@g.scenario(ck, "monitor lines in a replay and in a live session")
def lines():
    with tempfile.TemporaryDirectory(prefix="rvrr-lines-") as tmp:
        trace = os.path.join(tmp, "q.rvrr")
        rec = subprocess.run([g.rvrr_binary(), "record", "-o", trace, GUEST], capture_output=True, timeout=60)
        ck.check(os.path.exists(trace), f"record: {rec.stderr.decode()}")
        with g.Server.replay(trace) as server:
            session_checks(server, "replay")
        with g.Server.debug(GUEST) as server:
            session_checks(server, "live")


if __name__ == "__main__":
    lines()
    ck.finish()
