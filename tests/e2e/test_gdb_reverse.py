#!/usr/bin/env python3
"""Reverse execution with the real gdb-multiarch against `rvrr debug`, in the
style of gdb's own gdb.reverse tests: reverse-stepi/nexti/step/next/finish,
reverse-continue to breakpoints and watchpoints (gdb's old/new value
semantics), exec-direction, reverse until/advance, both edges of history, and
guest output printed once however often execution passes it."""
import os
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
from gdbtest import when  # noqa: E402

# RVRR_E2E_GUEST_ABI=rv64 (test_gdb_reverse_rv64.py) runs it all on an RV64 build of the guest, rv64-high
# (test_gdb_reverse_rv64_high.py) on one linked at 8 GiB.
ck = g.Checker("test_gdb_reverse" + ("_" + g.guest_abi().replace("-", "_") if g.guest_abi().startswith("rv64") else ""))
SRC = g.guest_source("steps")
L = {n: g.marker_line(SRC, n) for n in (
    "add_body", "add_return", "bump_write", "loop_body", "guard_read", "call_illegal", "call_add",
    "call_bump", "printf", "call_sum", "bump_loop", "bump_call", "bump_last", "guard_write", "arr_write",
    "sink_write", "main_return")}


def int32(v):
    return (v + 2**31) % 2**32 - 2**31


def line_either(i, *lines):
    alts = "|".join(str(n) for n in lines)
    return ck.contains(i, re.compile(rf"(^|\n)(0x[0-9a-f]+\t)?({alts})\t"), f"at one of lines {lines}:")


@g.scenario(ck, "reverse stepping, breakpoints and watchpoints back to the start")
def reverse_core():
    elf = g.build_guest("steps")
    cmds = [
        f"tbreak steps.c:{L['sink_write']}",   # 0
        "continue",                            # 1
        "monitor when",                        # 2
        "reverse-stepi",                       # 3
        "monitor when",                        # 4
        "stepi",                               # 5
        "reverse-nexti",                       # 6
        "reverse-next",                        # 7
        "reverse-next",                        # 8
        "p guard",                             # 9
        "reverse-step",                        # 10
        "reverse-step",                        # 11
        "p counter",                           # 12
        "reverse-finish",                      # 13
        "p counter",                           # 14
        "reverse-next",                        # 15
        "reverse-next",                        # 16
        "p k",                                 # 17
        "break bump",                          # 18
        "reverse-continue",                    # 19
        "p counter",                           # 20
        "p by",                                # 21
        "reverse-continue",                    # 22
        "p counter",                           # 23
        "delete",                              # 24
        "watch counter",                       # 25
        "reverse-continue",                    # 26
        "p by",                                # 27
        "p counter",                           # 28
        "reverse-continue",                    # 29
        "reverse-continue",                    # 30
        "p counter",                           # 31
        "delete",                              # 32
        "reverse-continue",                    # 33
        "monitor when",                        # 34
        "reverse-stepi",                       # 35
        "continue",                            # 36
        "p counter",                           # 37
        "p guard",                             # 38
        "monitor info timeline",               # 39
        "kill",                                # 40
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("reverse core", s, srv)
        ck.at_line(1, L["sink_write"])
        w0, w1 = when(s, 2), when(s, 4)
        ck.check(w0 is not None and w1 == w0 - 1, f"reverse-stepi goes back one instruction: {w0} -> {w1}")
        ck.contains(3, re.compile(rf"^0x[0-9a-f]+\t{L['arr_write']}\t", re.M),
                    "reverse-stepi lands mid-line on the previous line:")
        ck.at_line(5, L["sink_write"])
        ck.contains(6, re.compile(rf"^0x[0-9a-f]+\t{L['arr_write']}\t", re.M))
        ck.at_line(7, L["arr_write"])        # from mid-line: to the line's start
        ck.lacks(7, re.compile(r"^0x[0-9a-f]+\t", re.M))
        ck.at_line(8, L["guard_write"])      # over reader()
        ck.lacks(8, "reader (")
        ck.value(9, 7, "going back undid the write to guard:")
        ck.contains(10, "bump (by=5) at ", "reverse-step from after a call enters the callee at its end:")
        ck.at_line(10, L["bump_write"] + 1)
        ck.at_line(11, L["bump_write"])
        ck.value(12, 15, "at the start of bump(5)'s line its write is undone:")
        ck.contains(13, "Run back to call of #0  bump (by=5)")
        ck.contains(13, "main (")
        ck.at_line(13, L["bump_last"])
        ck.value(14, 15)
        ck.at_line(15, L["bump_last"])       # from the call instruction to the line's start
        # Back into the loop line: to the start of its `k++; k <= 4` range, so
        # the last k++ is undone.
        ck.at_line(16, L["bump_loop"])
        ck.value(17, 4)
        ck.contains(19, re.compile(r"Breakpoint 2, bump \(by=4\) at "), "the last hit before now:")
        ck.at_line(19, L["bump_write"])
        ck.value(20, 11)
        ck.value(21, 4)
        ck.contains(22, re.compile(r"Breakpoint 2, bump \(by=3\) at "))
        ck.value(23, 8)
        ck.contains(26, "Hardware watchpoint 3: counter\n\nOld value = 8\nNew value = 6\n")
        ck.contains(26, "bump (by=2) at ")
        ck.at_line(26, L["bump_write"])
        ck.value(27, 2)
        ck.value(28, 6, "after a reverse watchpoint stop memory holds the New value:")
        ck.contains(29, "Old value = 6\nNew value = 5\n")
        ck.contains(29, "bump (by=1) at ")
        ck.contains(30, "Old value = 5\nNew value = 0\n")
        ck.contains(30, "bump (by=5) at ")
        ck.value(31, 0)
        ck.contains(33, g.NO_HISTORY, "reverse-continue with nothing to hit reaches the start:")
        ck.check(when(s, 34) == 0, f"the start of history is instruction 0, got {when(s, 34)}")
        ck.contains(35, g.NO_HISTORY, "no stepping before the start:")
        ck.contains(36, g.NO_HISTORY, "forward to the end:")
        ck.contains(36, "[rvrr] the program exited with status 0")
        ck.value(37, 20)
        ck.value(38, 8)
        ck.contains(39, "position: instruction")
        ck.contains(39, "(complete: the program ended there)")
        g.check_timeline_memory(ck, 39)
        out = srv.stdout() + srv.stderr()
        n = out.count("steps: x=5")
        ck.check(n == 1, f"the guest's printf ran 2 times forward, once back: printed {n} times, expected 1")


@g.scenario(ck, "reverse-step into a callee, exec-direction, reverse until/advance")
def reverse_direction():
    elf = g.build_guest("steps")
    cmds = [
        f"break steps.c:{L['printf']}",        # 0
        "continue",                            # 1
        "reverse-step",                        # 2
        "reverse-finish",                      # 3
        "reverse-next",                        # 4
        "reverse-next",                        # 5
        "set exec-direction reverse",          # 6
        "step",                                # 7
        "set exec-direction forward",          # 8
        "next",                                # 9
        "step",                                # 10
        "set exec-direction reverse",          # 11
        "next",                                # 12
        "continue",                            # 13
        "set exec-direction forward",          # 14
        "delete",                              # 15
        f"advance steps.c:{L['call_sum']}",    # 16
        "set exec-direction reverse",          # 17
        f"advance steps.c:{L['call_bump']}",   # 18
        f"until steps.c:{L['call_add']}",      # 19
        "set exec-direction forward",          # 20
        f"until steps.c:{L['printf']}",        # 21
        "p x",                                 # 22
        "kill",                                # 23
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("reverse direction", s, srv)
        ck.at_line(1, L["printf"])
        ck.contains(2, "bump (by=5) at ", "reverse-step from after a call enters the callee:")
        ck.at_line(2, L["bump_write"] + 1)
        ck.contains(3, "Run back to call of #0  bump (by=5)")
        ck.at_line(3, L["call_bump"])
        ck.at_line(4, L["call_bump"])
        ck.at_line(5, L["call_add"])
        ck.lacks(5, "add (a=")
        ck.at_line(7, L["call_illegal"])
        ck.at_line(9, L["call_add"])
        ck.contains(10, "add (a=2, b=3) at ")
        ck.at_line(10, L["add_body"])
        ck.contains(12, "main (", "reverse next from a function's first line returns to the caller:")
        ck.at_line(12, L["call_add"])
        ck.contains(13, g.NO_HISTORY)
        ck.at_line(16, L["call_sum"])
        ck.at_line(18, L["call_bump"])
        ck.at_line(19, L["call_add"])
        ck.at_line(21, L["printf"])
        ck.value(22, 5)
        out = srv.stdout() + srv.stderr()
        n = out.count("steps: x=5")
        ck.check(n == 1, f"printf ran forward once (the first stop was before it): printed {n} times")


@g.scenario(ck, "stepping one instruction over a watched store, both ways")
def watch_while_stepping():
    elf = g.build_guest("steps")
    cmds = [
        "break main",          # 0
        "continue",            # 1
        "watch counter",       # 2
        "continue",            # 3
        "monitor when",        # 4
        "reverse-stepi",       # 5
        "monitor when",        # 6
        "p counter",           # 7
        "reverse-stepi",       # 8
        "stepi",               # 9
        "p counter",           # 10
        "stepi",               # 11
        "monitor when",        # 12
        "p counter",           # 13
        "kill",                # 14
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("watch while stepping", s, srv)
        ck.contains(3, "Old value = 0\nNew value = 5\n")
        # A reverse step over the store reports the watchpoint, one instruction back.
        ck.contains(5, "Hardware watchpoint 2: counter\n\nOld value = 5\nNew value = 0\n")
        ck.at_line(5, L["bump_write"])
        w = when(s, 4)
        ck.check(w is not None and when(s, 6) == w - 1, f"one instruction back: {w} -> {when(s, 6)}")
        ck.value(7, 0)
        ck.lacks(8, "watchpoint")
        ck.lacks(9, "watchpoint", "stepping onto the store does not trigger it:")
        ck.value(10, 0)
        ck.contains(11, "Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 5\n",
                    "stepping over the store triggers it:")
        ck.check(when(s, 12) == w, f"the forward step over the store ends where continue stopped: "
                                   f"{when(s, 12)} vs {w}")
        ck.value(13, 5)


@g.scenario(ck, "a breakpoint right after a watched store comes first going back")
def breakpoint_after_watched_store():
    elf = g.build_guest("watch_reverse")
    src = g.guest_source("watch_reverse")
    store, after, end = (g.marker_line(src, n) for n in ("WATCHED_STORE", "AFTER_STORE", "LOOP_END"))
    cmds = [
        f"break watch_reverse.c:{end}",    # 0
        "continue",            # 1
        "continue",            # 2: count == 1
        "delete",              # 3
        "watch ival1",         # 4
        f"break watch_reverse.c:{after}",  # 5
        "reverse-continue",    # 6
        "p count",             # 7
        "reverse-continue",    # 8
        "p count",             # 9
        "reverse-continue",    # 10
        "p count",             # 11
        "reverse-continue",    # 12
        "reverse-continue",    # 13
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("breakpoint after a watched store", s, srv)
        ck.contains(6, "Breakpoint 3, main () at ", "the breakpoint before the store is undone:")
        ck.at_line(6, after)
        ck.value(7, 1)
        ck.contains(8, "Hardware watchpoint 2: ival1\n\nOld value = 1\nNew value = 0\n")
        ck.at_line(8, store)
        ck.value(9, 1)
        ck.contains(10, "Breakpoint 3, main () at ")
        ck.at_line(10, after)
        ck.value(11, 0)
        ck.contains(12, "Hardware watchpoint 2: ival1\n\nOld value = 0\nNew value = -1\n")
        ck.at_line(12, store)
        ck.contains(13, g.NO_HISTORY)


@g.scenario(ck, "Ctrl-C during a long reverse-continue")
def interrupt_reverse():
    elf = g.example("compute")
    start_line = g.line_of(g.example_source("compute"), "long iterations =")
    cmds = [
        "continue",                                # 0
        "monitor when",                            # 1
        f"break compute.c:{start_line}",           # 2
        "!interrupt 0.3 reverse-continue",         # 3
        "monitor when",                            # 4
        "reverse-continue",                        # 5
        "monitor when",                            # 6
        "kill",                                    # 7
    ]
    # The scan path: with the indexer behind the run (on by default), the
    # history may be indexed by the time of the reverse-continue, which then
    # re-runs one stretch and is over before the Ctrl-C. Interpreted: the
    # translating tier scans these 330M instructions on two threads in less
    # than the 0.3 s before the Ctrl-C.
    with g.environment(RVRR_BACKGROUND_INDEX="0", RVRR_TIER="interp"), \
            g.Server.debug(elf, "300") as srv:     # ~330M instructions
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("interrupt reverse", s, srv)
        ck.contains(0, "[rvrr] the program exited with status 0")
        ck.contains(3, "Program received signal SIGINT", "Ctrl-C stops a reverse-continue:")
        end, mid = when(s, 1), when(s, 4)
        ck.check(end is not None and mid is not None and mid <= end, f"still within history: {mid} <= {end}")
        ck.contains(5, "Breakpoint 1, main (", "the next reverse-continue goes on to the breakpoint:")
        ck.at_line(5, start_line)
        ck.check((when(s, 6) or 0) > 0 and (when(s, 6) or end) < 1_000_000, f"near the start: {when(s, 6)}")


@g.scenario(ck, "read and access watchpoints, hardware breakpoints in reverse")
def reverse_rwatch_awatch_hbreak():
    elf = g.build_guest("steps")
    cmds = [
        f"tbreak steps.c:{L['main_return']}",   # 0
        "continue",                             # 1
        "rwatch guard",                         # 2
        "reverse-continue",                     # 3
        "reverse-continue",                     # 4
        "delete",                               # 5
        "continue",                             # 6  back to the end
        "awatch guard",                         # 7
        "reverse-continue",                     # 8
        "reverse-continue",                     # 9
        "delete",                               # 10
        "watch arr",                            # 11
        "continue",                             # 12  forward to arr's write
        "reverse-continue",                     # 13
        "delete",                               # 14
        "hbreak reader",                        # 15
        "reverse-continue",                     # 16
        "kill",                                 # 17
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("reverse rwatch/awatch/hbreak", s, srv)
        ck.contains(3, "Hardware read watchpoint 2: guard\n\nValue = 8\n")
        ck.at_line(3, L["sink_write"])
        ck.contains(4, "Hardware read watchpoint 2: guard\n\nValue = 7\n")
        ck.contains(4, "reader () at ")
        ck.at_line(4, L["guard_read"])
        ck.contains(6, g.NO_HISTORY)
        ck.contains(8, "Hardware access (read/write) watchpoint 3: guard\n\nValue = 8\n")
        ck.at_line(8, L["sink_write"])
        ck.contains(9, "Hardware access (read/write) watchpoint 3: guard\n\nOld value = 8\nNew value = 7\n")
        ck.at_line(9, L["guard_write"])
        ck.contains(12, "Hardware watchpoint 4: arr\n\nOld value = {10, 20, 30, 40}\nNew value = {10, 20, "
                        f"{int32(sum(range(100000))) & 0xff}, 40}}\n", "a 16-byte watchpoint going forward:")
        ck.contains(13, "Hardware watchpoint 4: arr\n\nOld value = {10, 20, "
                        f"{int32(sum(range(100000))) & 0xff}, 40}}\nNew value = {{10, 20, 30, 40}}\n")
        ck.at_line(13, L["arr_write"])
        ck.contains(16, "Breakpoint 5, reader () at ")


if __name__ == "__main__":
    reverse_rwatch_awatch_hbreak()
    interrupt_reverse()
    reverse_core()
    reverse_direction()
    watch_while_stepping()
    breakpoint_after_watched_store()
    ck.finish()
