#!/usr/bin/env python3
"""`rvrr record` then `rvrr replay`: the same reverse session on a recorded
trace; monitor commands (when, seek, checkpoint(s), restart, info timeline,
help) and the gdbinit wrappers; a replay refuses to change history."""
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

ck = g.Checker("test_gdb_replay")
SRC = g.guest_source("steps")
L = {n: g.marker_line(SRC, n) for n in ("bump_write", "printf", "call_sum", "sink_write", "bump_call")}
TMP = tempfile.mkdtemp(prefix="rvrr-e2e-replay-")


def record(elf, name, *args):
    trace = os.path.join(TMP, name)
    r = g.run_rvrr(["record", "-o", trace, elf, *args])
    ck.begin(f"record {name}")
    expected = 139 if "null_deref" in name else 0   # 128 + SIGSEGV, as a shell reports a crash
    ck.check(r.returncode == expected, f"rvrr record exited {r.returncode}, expected {expected}:\n"
                                       f"{r.stdout}\n{r.stderr}")
    ck.check(os.path.exists(trace), f"rvrr record -o {trace} wrote no trace")
    return trace, r


@g.scenario(ck, "record, trace info, reverse session on the replay")
def replay_reverse():
    elf = g.build_guest("steps")
    trace, rec = record(elf, "steps.trace")
    ck.check("steps: x=5" in rec.stdout, f"record shows the guest's output: {rec.stdout!r}")
    info = g.run_rvrr(["trace", "info", trace])
    ck.check(info.returncode == 0, f"rvrr trace info exited {info.returncode}: {info.stderr}")
    ck.check("steps.elf" in info.stdout + info.stderr, f"trace info names the program:\n{info.stdout}")
    cmds = [
        "continue",                            # 0
        "p counter",                           # 1
        "watch counter",                       # 2
        "reverse-continue",                    # 3
        "p by",                                # 4
        "reverse-continue",                    # 5
        "delete",                              # 6
        "reverse-step",                        # 7
        "reverse-finish",                      # 8
        "reverse-next",                        # 9
        "set var counter = 1",                 # 10
        "p counter",                           # 11
        "reverse-continue",                    # 12
        f"break steps.c:{L['bump_write']}",    # 13
        "continue",                            # 14
        "p by",                                # 15
        "delete",                              # 16
        "continue",                            # 17
        "monitor info timeline",               # 18
        "kill",                                # 19
    ]
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("replay reverse", s, srv)
        ck.contains(0, g.NO_HISTORY, "a replay runs to the end of the trace:")
        ck.contains(0, "[rvrr] the program exited with status 0")
        ck.value(1, 20)
        ck.contains(3, "Old value = 20\nNew value = 15\n")
        ck.contains(3, "bump (by=5) at ")
        ck.at_line(3, L["bump_write"])
        ck.value(4, 5)
        ck.contains(5, "Old value = 15\nNew value = 11\n")
        ck.at_line(7, L["bump_write"], "reverse-step from the write goes to the start of its line:")
        ck.lacks(7, re.compile(r"^0x[0-9a-f]+\t", re.M))
        ck.contains(8, "Run back to call of #0  bump (by=4)")
        ck.at_line(8, L["bump_call"])
        ck.ok(9)
        ck.error(10)
        ck.value(11, 11, "a replay's memory cannot be changed:")
        ck.contains(12, g.NO_HISTORY)
        ck.contains(14, re.compile(r"Breakpoint \d+, bump \(by=5\)"), "the first call again:")
        ck.value(15, 5)
        ck.contains(17, g.NO_HISTORY)
        ck.contains(18, "(complete: the program ended there)")
        g.check_timeline_memory(ck, 18)
        out = srv.stdout() + srv.stderr()
        n = out.count("steps: x=5")
        ck.check(n <= 1, f"a replay shows the guest's output at most once: {n}")
        rc = srv.wait(15)
        ck.check(rc == 0, f"kill ends rvrr replay with status 0, got {rc}")

    # The same trace replayed again ends at the same instruction (determinism).
    ends = []
    for _ in range(2):
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, ["continue", "monitor when", "p/x $pc", "kill"])
            ck.begin("replay twice", s, srv)
            ends.append((when(s, 1), s[2].output if len(s.steps) > 2 else None))
    ck.check(ends[0] == ends[1] and ends[0][0], f"two replays end at the same point: {ends}")


@g.scenario(ck, "monitor commands and the gdbinit wrappers")
def monitor_commands():
    elf = g.build_guest("steps")
    gdbinit = os.path.join(g.source_dir(), "gdbinit")
    cmds = [
        "monitor help",                        # 0
        f"source {gdbinit}",                   # 1
        f"break steps.c:{L['call_sum']}",      # 2
        "continue",                            # 3
        "when",                                # 4
        "checkpoint",                          # 5
        "stepi",                               # 6
        "stepi",                               # 7
        "stepi",                               # 8
        "when",                                # 9
        "monitor checkpoints",                 # 10
        "p/x $pc",                             # 11
        "RESTART",                             # 12  (filled in below)
        "when",                                # 13
        "p/x $pc",                             # 14
        "seek 10",                             # 15
        "when",                                # 16
        "seek 0",                              # 17
        "monitor when",                        # 18
        "monitor seek 25",                     # 19
        "maintenance flush register-cache",    # 20
        "monitor when",                        # 21
        "monitor info timeline",               # 22
        "monitor stats",                       # 23
        "monitor frobnicate",                  # 24
        "continue",                            # 25
        "monitor seek abc",                    # 26
        "monitor seek 99999999999",            # 27
        "monitor info timeline",               # 28
        "kill",                                # 29
    ]
    # The checkpoint id is printed at run time; restart takes it from gdb itself.
    cmds[12] = ("!py import re; _t = gdb.execute('monitor checkpoints', to_string=True); "
                "_ids = re.findall(r'^\\s*(\\d+)\\s+\\d+\\s+pinned', _t, re.M); "
                "gdb.execute('restart ' + _ids[-1], from_tty=True)")
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("monitor", s, srv)
        for word in ("when", "seek", "checkpoint", "checkpoints", "restart", "info timeline", "stats"):
            ck.contains(0, word, "monitor help lists:")
        ck.ok(1)
        ck.at_line(3, L["call_sum"])
        w0 = when(s, 4)
        ck.check(w0 is not None and w0 > 0, "the `when` wrapper prints the instruction count")
        ck.contains(5, re.compile(rf"Checkpoint \d+ at instruction {w0}\b"))
        ck.check(when(s, 9) == (w0 + 3 if w0 else None), f"three stepi later: {when(s, 9)} vs {w0}")
        ck.contains(10, re.compile(rf"\d+\s+{w0}\s+pinned"))
        ck.ok(12)
        ck.check(when(s, 13) == w0, f"restart returns to the checkpoint: {when(s, 13)} vs {w0}")
        ck.at_line(12, L["call_sum"])
        pc0 = re.search(r"= (0x[0-9a-f]+)", s[11].output) if len(s.steps) > 14 else None
        ck.check(pc0 is not None and pc0.group(1) not in s[14].output,
                 "gdb's view of the registers followed the restart (pc differs from 3 stepi later)")
        ck.check(when(s, 16) == 10, f"seek 10 then when: {when(s, 16)}")
        ck.ok(17)
        ck.check(when(s, 18) == 0, f"seek 0: {when(s, 18)}")
        ck.check(when(s, 21) == 25, f"monitor seek 25: {when(s, 21)}")
        ck.contains(22, "position: instruction 25")
        g.check_timeline_memory(ck, 22)
        ck.contains(23, "instructions executed: ")
        ck.contains(24, "unknown monitor command")
        ck.contains(25, re.compile(rf"Breakpoint 1, main \(.*\n{L['call_sum']}\t"),
                    "after seeks, continue runs forward to the breakpoint:")
        ck.contains(26, "usage: monitor seek N")
        ck.contains(27, "end of history", "a seek past the end runs live to the program's end:")
        ck.contains(28, "(complete: the program ended there)")
        out = srv.stdout() + srv.stderr()
        n = out.count("steps: x=5")
        ck.check(n == 1, f"output once across seeks and restarts: {n}")


@g.scenario(ck, "record to the trace store, replay the latest: overrun's stray write")
def replay_latest_overrun():
    src = g.example_source("overrun")
    write_line = g.line_of(src, "histogram[bucket(value)]++")
    elf = g.example("overrun")
    rec = g.run_rvrr(["record", elf])
    ck.begin("record overrun")
    ck.check(rec.returncode == 1, f"overrun exits 1 (it notices guard changed): {rec.returncode}\n{rec.stderr}")
    ck.check("guard corrupted: 0xc1" in rec.stdout, f"record shows the guest's output: {rec.stdout[-300:]!r}")
    cmds = [
        "break report_corruption",   # 0
        "continue",                  # 1
        "watch guard",               # 2
        "reverse-continue",          # 3
        "p value",                   # 4
        "continue",                  # 5
        "continue",                  # 6
        "kill",                      # 7
    ]
    with g.Server([g.rvrr_binary(), "replay", "--port", "0"]) as srv:   # no TRACE: the latest
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("replay latest", s, srv)
        ck.contains(1, "Breakpoint 1, report_corruption () at ")
        ck.contains(3, "Hardware watchpoint 2: guard")
        ck.at_line(3, write_line)
        ck.value(4, 1000)
        ck.contains(5, "Hardware watchpoint 2: guard", "forward again: the same write")
        ck.contains(6, "Breakpoint 1, report_corruption () at ")


@g.scenario(ck, "changing the past in a live session: the write is recorded and replayed")
def rewrite_history():
    elf = g.build_guest("steps")
    cmds = [
        f"tbreak steps.c:{L['sink_write']}",   # 0
        "continue",                            # 1
        "break bump if by == 2",               # 2
        "reverse-continue",                    # 3
        "p counter",                           # 4
        "set var counter = 100",               # 5
        "monitor info timeline",               # 6
        "delete",                              # 7
        "continue",                            # 8
        "p counter",                           # 9
        "p sink",                              # 10
        "reverse-continue",                    # 11
        "continue",                            # 12
        "p sink",                              # 13
        "kill",                                # 14
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("rewrite history", s, srv)
        ck.contains(3, "Breakpoint 2, bump (by=2) at ", "a conditional breakpoint in reverse:")
        ck.value(4, 6)
        ck.ok(5)
        ck.contains(6, re.compile(r"position: instruction ([\d,]+)\nhistory: \1 instructions"),
                    "writing in the past makes now the end of history:")
        ck.contains(8, "[rvrr] the program exited with status 0")
        ck.value(9, 100 + 2 + 3 + 4 + 5)
        ck.value(10, 114 + 8)
        ck.contains(11, g.NO_HISTORY)
        ck.value(13, 122, "re-running from the start repeats the debugger's write:")
        srv.wait(10)
        m = re.search(r"trace written to (\S+?);", srv.stderr())
    if not ck.check(m is not None, f"rvrr debug names the trace it wrote:\n{srv.stderr()}"):
        return
    with g.Server.replay(m.group(1)) as srv:
        s = g.run_gdb(srv.port, elf, ["continue", "p sink", "p counter", "kill"])
        ck.begin("replay rewritten history", s, srv)
        ck.contains(0, "[rvrr] the program exited with status 0")
        ck.value(1, 122, "the replay includes the debugger's write:")
        ck.value(2, 114)


@g.scenario(ck, "a recorded crash replays as the same crash")
def replay_crash():
    src = g.example_source("null_deref")
    crash_line = g.line_of(src, "setting(wanted[i])->value")
    elf = g.example("null_deref")
    trace, rec = record(elf, "null_deref.trace")
    cmds = ["continue", "reverse-step", "p key", "continue", "continue", "kill"]
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("replay crash", s, srv)
        ck.contains(0, "Program received signal SIGSEGV, Segmentation fault.")
        ck.at_line(0, crash_line)
        ck.contains(1, "setting (key=")
        ck.contains(2, '"retries"')
        ck.contains(3, "Program received signal SIGSEGV", "forward again: the same fault")
        ck.contains(4, g.NO_HISTORY, "and past it: the end of the trace")


if __name__ == "__main__":
    try:
        replay_crash()
        rewrite_history()
        replay_reverse()
        replay_latest_overrun()
        monitor_commands()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    ck.finish()
