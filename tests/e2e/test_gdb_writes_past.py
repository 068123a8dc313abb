#!/usr/bin/env python3
"""Writes in the past. In `rvrr debug`, `set var` or an inferior call behind
the end of history discards the recorded future: gdb says so at once, with how
many instructions were dropped (as gdb's own `record full` warns). In
`rvrr replay` a refused write says that replays are read-only."""
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_writes_past")
SRC = g.guest_source("steps")
L = {n: g.marker_line(SRC, n) for n in ("sink_write", "bump_write")}
GDBINIT = os.path.join(g.source_dir(), "gdbinit")
NOTE = re.compile(r"\[rvrr\] warning: this write changed the past at instruction ([\d,]+): the recorded future "
                  r"after it \(([\d,]+) instructions, up to instruction ([\d,]+)\) is discarded")
HISTORY = re.compile(r"position: instruction ([\d,]+)\nhistory: ([\d,]+) instructions")


def num(text):
    return int(text.replace(",", ""))


@g.scenario(ck, "debug: set var and an inferior call behind the end say what they discard")
def live_writes():
    elf = g.build_guest("steps")
    cmds = [
        f"source {GDBINIT}",                   # 0
        f"tbreak steps.c:{L['sink_write']}",   # 1
        "continue",                            # 2
        "break bump if by == 2",               # 3
        "reverse-continue",                    # 4  behind the end now
        "monitor info timeline",               # 5
        "set var counter = 100",               # 6  the warning, at once
        "monitor info timeline",               # 7  history now ends here
        "set var counter = 101",               # 8  at the end: nothing to discard, no warning
        "reverse-stepi",                       # 9
        "reverse-stepi",                       # 10
        "monitor info timeline",               # 11
        "p add(20, 22)",                       # 12 an inferior call behind the end
        "p counter",                           # 13 before the `set var` of #8: its old value
        "kill",                                # 14
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("live writes", s, srv)
        ck.contains(4, "Breakpoint 2, bump (by=2) at ")
        if len(s.steps) < 13:
            ck.fail("gdb stopped early")
            return
        before = HISTORY.search(s[5].output)
        m = NOTE.search(s[6].output)
        if ck.check(before is not None and m is not None,
                    f"`set var` behind the end prints the warning:\n{s[6].output}"):
            here, end = num(before.group(1)), num(before.group(2))
            ck.check(end > here, f"behind the end before the write: {here} < {end}")
            ck.check((num(m.group(1)), num(m.group(2)), num(m.group(3))) == (here, end - here, end),
                     f"the warning names the point, the instructions dropped and the old end: "
                     f"{m.groups()} vs here={here} end={end}")
        ck.contains(7, re.compile(r"position: instruction ([\d,]+)\nhistory: \1 instructions"))
        ck.lacks(8, "[rvrr]", "a write at the end of history:")
        before = HISTORY.search(s[11].output)
        m = NOTE.search(s[12].output)
        ck.value(12, 42)
        if ck.check(before is not None and m is not None,
                    f"an inferior call behind the end prints the warning:\n{s[12].output}"):
            here, end = num(before.group(1)), num(before.group(2))
            ck.check((num(m.group(1)), num(m.group(2))) == (here, end - here),
                     f"inferior call: {m.groups()} vs here={here} end={end}")
        ck.value(13, 6, "two instructions before the write, counter has its value from before it:")


@g.scenario(ck, "replay: refused writes say that replays are read-only")
def replay_writes():
    elf = g.build_guest("steps")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-writes-")
    try:
        trace = os.path.join(tmp, "steps.trace")
        r = g.run_rvrr(["record", "-o", trace, elf])
        ck.check(r.returncode == 0, f"record: {r.returncode}\n{r.stderr}")
        cmds = [
            f"source {GDBINIT}",              # 0
            f"break steps.c:{L['bump_write']}",  # 1
            "continue",                       # 2
            "set var by = 9",                 # 3  memory (a stack slot): refused, rvrr says why first
            "p by",                           # 4  unchanged
            "set var $a0 = 1234",             # 5  a register: refused, gdb shows why
            "p add(1, 2)",                    # 6  an inferior call (writes the stack first): refused
            "continue",                       # 7  said already: no second note
            "kill",                           # 8
        ]
        read_only = "[rvrr] this is a replay, and replays are read-only"
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, cmds)
            ck.begin("replay writes (gdbinit)", s, srv)
            ck.at_line(2, L["bump_write"])
            ck.error(3)
            ck.contains(3, read_only + ": the write will be refused")
            ck.value(4, 5)
            ck.error(5, "replays are read-only")
            ck.error(6)
            ck.contains(6, read_only + ": the inferior call will be refused")
            ck.lacks(7, "[rvrr]")
            ck.check("replays are read-only" in srv.stderr(),
                     f"rvrr's terminal (shared with gdb under `rvrr replay`) says why at once:\n{srv.stderr()}")
        # Without rvrr's gdbinit (--port and a bare gdb), the reason for a
        # refused memory write comes with the next stop.
        cmds = [f"break steps.c:{L['bump_write']}", "continue", "set var by = 9", "continue", "kill"]
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, cmds)
            ck.begin("replay writes (bare gdb)", s, srv)
            ck.error(2)
            ck.contains(3, re.compile(r"\[rvrr\] memory write at 0x[0-9a-f]+ refused: this is a replay, and "
                                      r"replays are read-only"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    live_writes()
    replay_writes()
    ck.finish()
