#!/usr/bin/env python3
"""After the gdbinit commands that move in time behind gdb's back (`seek`,
`restart`), every value gdb shows is the one at the new point: locals on the
stack included (gdb's memory cache is flushed, not only its registers). And
`restart` accepts every checkpoint id `info-checkpoints` lists, automatic ones
included."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_time_moves")
SRC = g.guest_source("steps")
LOOP = g.marker_line(SRC, "loop_body")
GDBINIT = os.path.join(g.source_dir(), "gdbinit")
AHEAD = 5000   # instructions: well inside sum_to's 100000-iteration loop


def value(session, i):
    m = re.search(r"\$\d+ = (-?\d+)", session[i].output) if i < len(session.steps) else None
    return int(m.group(1)) if m else None


@g.scenario(ck, "seek and restart: locals on the stack are read at the new point")
def stack_values_follow_seek():
    elf = g.build_guest("steps")
    cmds = [
        f"source {GDBINIT}",                 # 0
        f"break steps.c:{LOOP}",             # 1
        "continue",                          # 2  first iteration: i = 0, s = 0
        "p i",                               # 3
        "p s",                               # 4
        "when",                              # 5
        "SEEK_AHEAD",                        # 6  the gdbinit wrapper
        "p i",                               # 7  must be the value there, not the cached 0
        "p s",                               # 8
        "when",                              # 9
        "maintenance flush dcache",          # 10 a second opinion: re-read from rvrr
        "p i",                               # 11
        "checkpoint",                        # 12 pinned here (i > 0)
        "SEEK_BACK",                         # 13 back to the breakpoint
        "p i",                               # 14 0 again
        "p s",                               # 15
        "RESTART",                           # 16 forward to the checkpoint
        "p i",                               # 17 the checkpoint's value
        "when",                              # 18
        "kill",                              # 19
    ]
    cmds[6] = (f"!py _w = int(gdb.execute('monitor when', to_string=True).split()[-1]); "
               f"gdb.execute('seek %d' % (_w + {AHEAD}), from_tty=True)")
    cmds[13] = (f"!py gdb.execute('seek %d' % (_w), from_tty=True)")
    cmds[16] = ("!py import re; _t = gdb.execute('monitor checkpoints', to_string=True); "
                "_ids = re.findall(r'^\\s*(\\d+)\\s+\\d+\\s+pinned', _t, re.M); "
                "gdb.execute('restart ' + _ids[-1], from_tty=True)")
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("seek/restart refresh", s, srv)
        ck.at_line(2, LOOP)
        ck.value(3, 0)
        ck.value(4, 0)
        w0 = when(s, 5)
        ck.check(w0 is not None and w0 > 0, f"when at the breakpoint: {w0}")
        ck.ok(6)
        ck.check(when(s, 9) == (w0 + AHEAD if w0 else None), f"seek went {AHEAD} ahead: {when(s, 9)} vs {w0}")
        i, sv = value(s, 7), value(s, 8)
        ck.check(i is not None and i > 0, f"after `seek`, `p i` shows the loop counter there, not the "
                                          f"value cached before the seek (0): {i}")
        ck.check(i is not None and sv is not None and sv in (i * (i - 1) // 2, i * (i + 1) // 2),
                 f"after `seek`, s = 0+1+...+(i-1) or +i at the new point: i={i} s={sv}")
        ck.check(value(s, 11) == i, f"re-reading after an explicit dcache flush agrees: {value(s, 11)} vs {i}")
        ck.contains(12, "Checkpoint ")
        ck.ok(13)
        ck.value(14, 0, "back at the breakpoint after `seek`:")
        ck.value(15, 0, "back at the breakpoint after `seek`:")
        ck.ok(16)
        ck.value(17, i, "after `restart`, the checkpoint's value:")
        ck.check(when(s, 18) == (w0 + AHEAD if w0 else None), f"restart position: {when(s, 18)}")


@g.scenario(ck, "restart accepts an automatic checkpoint that info-checkpoints lists")
def restart_automatic():
    elf = g.build_guest("steps")
    cmds = [
        f"source {GDBINIT}",                 # 0
        f"break steps.c:{g.marker_line(SRC, 'sum_return')}",  # 1
        "continue",                          # 2  ~1M instructions: automatic checkpoints every 100,000
        "info-checkpoints",                  # 3
        "RESTART",                           # 4
        "when",                              # 5
        "stepi",                             # 6  and gdb works from there
        "when",                              # 7
        "kill",                              # 8
    ]
    # The second-latest automatic checkpoint that lies before now.
    cmds[4] = ("!py import re; _t = gdb.execute('monitor checkpoints', to_string=True); "
               "_cps = [(int(a), int(b)) for a, b in re.findall(r'^\\s*(\\d+)\\s+(\\d+)\\s+automatic', _t, re.M)]; "
               "_now = int(gdb.execute('monitor when', to_string=True).split()[-1]); "
               "_id, _at = [c for c in _cps if 0 < c[1] < _now][-2]; "
               "gdb.write('restarting %d at %d\\n' % (_id, _at)); "
               "gdb.execute('restart %d' % _id, from_tty=True)")
    with g.Server.debug(elf, options=("--checkpoint-interval", "100000")) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("restart automatic", s, srv)
        ck.contains(3, "automatic")
        ck.ok(4)
        m = re.search(r"restarting (\d+) at (\d+)", s[4].output) if len(s.steps) > 4 else None
        if ck.check(m is not None, "an automatic checkpoint before now was listed"):
            at = int(m.group(2))
            ck.lacks(4, "no checkpoint", "restart of an automatic checkpoint:")
            ck.contains(4, f"Now at instruction {at}")
            ck.check(when(s, 5) == at, f"`when` after restart: {when(s, 5)} vs {at}")
            ck.check(when(s, 7) == at + 1, f"stepi from there: {when(s, 7)} vs {at + 1}")


if __name__ == "__main__":
    stack_values_follow_seek()
    restart_automatic()
    ck.finish()
