#!/usr/bin/env python3
"""The bundled buggy examples, debugged the way their comments say: run to the
symptom, then go back to the cause with watchpoints and reverse execution."""
import os
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_bugs")
OLD_NEW = re.compile(r"Old value = (.*)\nNew value = (.*)\n")
HEX = re.compile(r"0x[0-9a-f]+")


def old_new(session, i):
    if i >= len(session.steps):
        return None
    m = OLD_NEW.search(session[i].output)
    return (m.group(1), m.group(2)) if m else None


def printed(session, i):
    if i >= len(session.steps):
        return None
    m = re.search(r"\$\d+ = (.*)", session[i].output)
    return m.group(1).strip() if m else None


@g.scenario(ck, "overrun: watch guard, reverse-continue to the stray write")
def overrun():
    src = g.example_source("overrun")
    write_line = g.line_of(src, "histogram[bucket(value)]++")
    elf = g.example("overrun")
    cmds = [
        "break report_corruption",   # 0
        "continue",                  # 1
        "p guard",                   # 2
        "watch guard",               # 3
        "reverse-continue",          # 4
        "p guard",                   # 5
        "bt 1",                      # 6
        "p value",                   # 7
        "reverse-continue",          # 8
        "p guard",                   # 9
        "continue",                  # 10
        "p guard",                   # 11
        "kill",                      # 12
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("overrun", s, srv)
        ck.contains(1, "Breakpoint 1, report_corruption () at ")
        final = printed(s, 2)
        ck.check(final is not None and final != str(0xC0FFEE), f"guard is corrupted at the end: {final}")
        ck.contains(4, "Hardware watchpoint 2: guard")
        ck.at_line(4, write_line)
        ck.contains(4, "main (")
        on = old_new(s, 4)
        if ck.check(on is not None, "reverse-continue to a watchpoint prints Old value/New value"):
            ck.check(on[0] == final, f"Old value is the value now ({final}), got {on[0]}")
            ck.check(int(on[1]) == int(final) - 1, f"New value is the value before the ++: {on}")
            ck.check(printed(s, 5) == on[1], f"memory holds the New value: {printed(s, 5)} vs {on[1]}")
        ck.value(7, 1000, "the cause: value == MAX_VALUE maps one past the end:")
        # Every earlier corruption is also found, down to the original value.
        on2 = old_new(s, 8)
        if ck.check(on2 is not None, "a second reverse-continue finds the previous write"):
            ck.check(on2[0] == on[1] and int(on2[1]) == int(on2[0]) - 1, f"consistent values: {on} then {on2}")
            ck.at_line(8, write_line)
        ck.contains(10, "Hardware watchpoint 2: guard", "forward again to the next write:")
        on3 = old_new(s, 10)
        ck.check(on3 is not None and on2 is not None and on3 == (on2[1], on2[0]),
                 f"going forward reports the same write with old/new swapped: {on2} then {on3}")
        ck.check(printed(s, 11) == (on3[1] if on3 else None), "memory after the forward write")


@g.scenario(ck, "stale_ptr: watch list.items back to the realloc that moved it")
def stale_ptr():
    src = g.example_source("stale_ptr")
    realloc_line = g.line_of(src, "list.items = realloc(")
    elf = g.example("stale_ptr")
    cmds = [
        "break check_total",                       # 0
        "continue",                                # 1
        "up",                                      # 2
        "p best == &list.items[best_index]",       # 3
        "p/x list.items",                          # 4
        "watch list.items",                        # 5
        "reverse-continue",                        # 6
        "p/x list.items",                          # 7
        "p list.cap",                              # 8
        "kill",                                    # 9
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("stale_ptr", s, srv)
        ck.contains(1, "Breakpoint 1, check_total (")
        ck.value(3, 0, "best is stale at the end:")
        ck.contains(6, "Hardware watchpoint 2: list.items")
        ck.contains(6, "push (")
        ck.at_line(6, realloc_line)
        on = old_new(s, 6)
        if ck.check(on is not None, "Old value/New value printed"):
            old, new = (HEX.search(v) for v in on)
            ck.check(old and old.group(0) == printed(s, 4),
                     f"Old value is the array's final address: {on[0]} vs {printed(s, 4)}")
            ck.check(new and new.group(0) == printed(s, 7),
                     f"memory holds the New value: {printed(s, 7)} vs {on[1]}")


@g.scenario(ck, "off_by_one: break lost_job, watch the lost job's slot, reverse-continue")
def off_by_one():
    src = g.example_source("off_by_one")
    store_line = g.line_of(src, "queue[slot] = id;")
    elf = g.example("off_by_one")
    cmds = [
        "break lost_job",                      # 0
        "continue",                            # 1
        "p id",                                # 2
        "p queue[slot_of[id]]",                # 3
        "watch -l queue[slot_of[id]]",         # 4
        "reverse-continue",                    # 5
        "p id",                                # 6
        "p count",                             # 7
        "p queue[slot]",                       # 8
        "kill",                                # 9
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("off_by_one", s, srv)
        ck.contains(1, "Breakpoint 1, lost_job (id=")
        ck.contains(5, "atchpoint 2: -location queue[slot_of[id]]")
        ck.contains(5, "push (")
        ck.at_line(5, store_line)
        on = old_new(s, 5)
        if ck.check(on is not None, "Old value/New value printed"):
            ck.check(on[0] == printed(s, 3), f"Old value is the slot's final content {printed(s, 3)}: {on}")
            ck.check(printed(s, 6) == on[0], f"the push storing it is the one stopped at: id={printed(s, 6)}")
            ck.check(printed(s, 8) == on[1], f"memory holds the New value: {printed(s, 8)} vs {on[1]}")


@g.scenario(ck, "null_deref: SIGSEGV, then back into the lookup that failed")
def null_deref():
    src = g.example_source("null_deref")
    crash_line = g.line_of(src, "setting(wanted[i])->value")
    elf = g.example("null_deref")
    cmds = [
        "continue",                  # 0
        "p/x $pc",                   # 1
        "reverse-stepi",             # 2
        "stepi",                     # 3
        "stepi",                     # 4
        "reverse-step",              # 5
        "p key",                     # 6
        "reverse-finish",            # 7
        "next",                      # 8
        "continue",                  # 9
        "kill",                      # 10
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("null_deref", s, srv)
        ck.contains(0, "Program received signal SIGSEGV, Segmentation fault.")
        ck.at_line(0, crash_line)
        fault_pc = printed(s, 1)
        ck.ok(2)
        # As on a native process: one step back and one forward is the state
        # just before the faulting instruction runs; the next step faults.
        ck.lacks(3, "SIGSEGV")
        ck.check(fault_pc is not None and fault_pc[2:] in s[3].output if len(s.steps) > 3 else False,
                 f"stepi returns to the faulting pc {fault_pc}")
        ck.contains(4, "Program received signal SIGSEGV", "stepping the faulting instruction again:")
        ck.contains(5, "setting (key=", "reverse-step goes back into the call that returned NULL:")
        ck.contains(6, '"retries"')
        ck.contains(7, re.compile(r"Run back to call of #0  (0x[0-9a-f]+ in )?setting \(key="))
        ck.at_line(7, crash_line)
        ck.contains(8, "Program received signal SIGSEGV", "forward over the line faults again:")
        ck.contains(9, g.NO_HISTORY, "continuing after the fatal fault: end of history")
        out = srv.stdout() + srv.stderr()
        ck.check(out.count("height = 24") == 1, "output before the crash printed once")


@g.scenario(ck, "corrupt_late: a write far back in ~100M instructions")
def corrupt_late():
    src = g.example_source("corrupt_late")
    write_line = g.line_of(src, "large_log[nlarge++] = amount")
    elf = g.example("corrupt_late")
    cmds = [
        "break report",              # 0
        "continue",                  # 1
        "p/x guard",                 # 2
        "watch guard",               # 3
        "reverse-continue",          # 4
        "p/x guard",                 # 5
        "p/x amount",                # 6
        "monitor when",              # 7
        "reverse-continue",          # 8
        "kill",                      # 9
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=150)
        ck.begin("corrupt_late", s, srv)
        ck.contains(1, "Breakpoint 1, report (")
        ck.lacks(2, "0xc0ffee", "guard is corrupted at the end:")
        ck.contains(4, "Hardware watchpoint 2: guard")
        ck.contains(4, "record_large (")
        ck.at_line(4, write_line)
        ck.contains(4, "New value = 12648430\n", "the value before the stray write is 0xC0FFEE:")
        ck.value(5, "0xc0ffee")
        ck.check(printed(s, 6) is not None and printed(s, 6) == printed(s, 2),
                 f"the amount written is guard's final value: {printed(s, 6)} vs {printed(s, 2)}")
        m = re.search(r"Current instruction: (\d+)", s[7].output) if len(s.steps) > 7 else None
        ck.check(m is not None and int(m.group(1)) > 50_000_000,
                 "the write happened late in a long run")
        # guard is written once by the program; before that only the startup
        # code may write it (copying .data), or nothing does.
        ck.lacks(8, "record_large (", "no earlier write to guard by the program:")


if __name__ == "__main__":
    overrun()
    stale_ptr()
    off_by_one()
    null_deref()
    corrupt_late()
    ck.finish()
