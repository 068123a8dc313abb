#!/usr/bin/env python3
"""`monitor calls FUNC` and the gdbinit `calls`/`call-seek` (issue 11, item 3):
every call so far, then seeking to one of them and finding gdb there, in that
function with those arguments.

Guest: tests/fixtures/query_guest.c (square(0..4), mix() twice). At the
function's first instruction the -O0 prologue has not stored the arguments in
their stack slots yet, so the checks read a0 there and the arguments after
`next` (the body line).
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_calls")
FIXTURES = os.path.join(g.source_dir(), "tests", "fixtures")
GUEST = os.path.join(FIXTURES, "query_guest.elf")
SRC = os.path.join(FIXTURES, "query_guest.c")


def entries(text):
    return {int(k): int(n) for k, n in re.findall(r"^#(\d+) (\d+) ", text, re.M)}


@g.scenario(ck, "monitor calls, seek N to a listed call, calls/call-seek wrappers")
def calls():
    with tempfile.TemporaryDirectory(prefix="rvrr-gdbcalls-") as tmp:
        trace = os.path.join(tmp, "q.rvrr")
        rec = subprocess.run([g.rvrr_binary(), "record", "-o", trace, GUEST], capture_output=True, timeout=60)
        ck.check(os.path.exists(trace), f"record: {rec.stderr.decode()}")
        # The trace's own answer gives the counts to seek to.
        listed = entries(g.run_rvrr(["trace", "calls", trace, "square"]).stdout)
        ck.check(len(listed) == 5, f"trace calls square: {listed}")
        with g.Server.replay(trace) as server:
            gdbinit = os.path.join(g.source_dir(), "gdbinit")
            cmds = ["break after_jump", "continue",                       # 0, 1: after every square and mix call
                    "monitor calls square",                               # 2
                    "monitor when",                                       # 3: the position did not move
                    f"source {gdbinit}",                                  # 4
                    "calls mix",                                          # 5: remembered by call-seek
                    f"seek {listed[3]}",                                  # 6: square's 3rd call's entry
                    "frame", "print $a0", "monitor when",                 # 7, 8, 9
                    "next", "frame",                                      # 10, 11: the body, x stored
                    "call-seek 2", "monitor when", "next", "frame",       # 12, 13, 14, 15: mix's 2nd call
                    "monitor calls sqare",                                # 16
                    "call-seek 9",                                        # 17
                    "calls square",                                       # 18: all 5 precede mix's 2nd call
                    "calls sqare",                                        # 19: no such function
                    "call-seek 1",                                        # 20: not square's first call
                    f"seek {listed[3]}", "finish",                        # 21, 22: out of square's 3rd call
                    "monitor calls square",                               # 23: returned exactly here
                    ]
            s = g.run_gdb(server.port, GUEST, cmds, timeout=90)
            ck.begin("replay: monitor calls and seeking to a call", s, server)
            ck.contains(2, "(the history so far)")
            ck.contains(2, "square: 5 calls")
            ck.check(entries(ck.step(2).output) == listed if ck.step(2) else False,
                     "monitor calls lists the same entry counts as trace calls")
            ck.contains(2, re.compile(r"#3 \d+ square\(x=2\) from main at .*query_guest\.c:\d+\n    -> returned 4 at \d+"))
            st = ck.step(3)
            ck.check(st is not None and "Current instruction:" in st.output and
                     int(re.search(r"Current instruction: (\d+)", st.output).group(1)) > max(listed.values()),
                     "monitor calls leaves the position alone")
            mix = entries(ck.step(5).output) if ck.step(5) else {}
            ck.contains(5, re.compile(r"#2 \d+ mix\(s=0x[0-9a-f]+, d=-0\.75, big=-3, c=122 'z'\)"))
            ck.contains(5, "-> returned 224 at")
            ck.contains(7, re.compile(r"square \("))
            ck.contains(8, re.compile(r"= 2\b"))
            ck.contains(9, f"Current instruction: {listed[3]}")
            ck.contains(11, re.compile(r"square \(x=2\)"))
            ck.contains(13, f"Current instruction: {mix.get(2)}")
            ck.contains(15, re.compile(r"mix \(s=0x[0-9a-f]+ [^,]*\"i\", d=-0\.75, big=-3, c=122 'z'\)"))
            ck.contains(16, "no function 'sqare'")
            ck.contains(16, "square")
            ck.error(17, "call-seek K (1 to 2")
            ck.contains(18, "square: 5 calls")
            ck.contains(19, "no function 'sqare'")
            ck.error(20, "list the calls first")  # call-seek after a `calls` that listed none
            ck.contains(22, "Value returned is")
            ck.contains(23, "square: 3 calls")
            ck.contains(23, re.compile(r"#3 \d+ square\(x=2\) from main at .*\n    -> returned 4 at \d+"))
            ck.check(server.alive(), "server died")


if __name__ == "__main__":
    calls()
    ck.finish()
