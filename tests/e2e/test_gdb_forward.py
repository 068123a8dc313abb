#!/usr/bin/env python3
"""Forward debugging with the real gdb-multiarch against `rvrr debug`: it must
behave as gdb does on a native process (breakpoints, step/next/finish/until/
advance, stepi, registers and memory, watchpoints, faults, Ctrl-C, detach and
reconnect, kill)."""
import os
import re
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_forward")


def steps_lines():
    src = g.guest_source("steps")
    return src, {n: g.marker_line(src, n) for n in (
        "add_body", "add_return", "bump_write", "loop_body", "guard_read", "illegal_insn",
        "call_add", "call_bump", "printf", "call_sum", "bump_loop", "guard_write", "sink_write")}


def int32(v):
    return (v + 2**31) % 2**32 - 2**31


@g.scenario(ck, "stepping, registers, memory, backtrace, end of program, kill")
def stepping():
    elf = g.build_guest("steps")
    _, L = steps_lines()
    cmds = [
        f"break steps.c:{L['call_add']}",      # 0
        "continue",                            # 1
        "step",                                # 2
        "bt",                                  # 3
        "finish",                              # 4
        "next",                                # 5
        "next",                                # 6
        "p counter",                           # 7
        "until",                               # 8
        f"advance {L['bump_loop']}",           # 9
        "p y",                                 # 10
        "p/x $pc",                             # 11
        "stepi",                               # 12
        "p/x $pc",                             # 13
        "x/i $pc",                             # 14
        "info registers",                      # 15
        "set var x = 77",                      # 16
        "p x",                                 # 17
        "x/4xw &arr",                          # 18
        "set var arr[1] = 99",                 # 19
        "x/4dw &arr",                          # 20
        "set $t6 = 0x1234",                    # 21
        "p/x $t6",                             # 22
        "tbreak reader",                       # 23
        "continue",                            # 24
        "bt",                                  # 25
        "finish",                              # 26
        "disassemble add",                     # 27
        "delete",                              # 28
        "continue",                            # 29
        "p arr[1]",                            # 30
        "kill",                                # 31
    ]
    with g.Server.debug(elf) as srv:
        # past-main: show the startup code's frames below main too.
        s = g.run_gdb(srv.port, elf, cmds, preamble=["set backtrace past-main on"])
        ck.begin("stepping", s, srv)
        ck.contains(0, f"line {L['call_add']}.")
        ck.contains(1, "Breakpoint 1, main (")
        ck.at_line(1, L["call_add"])
        ck.contains(2, "add (a=2, b=3) at ")
        ck.at_line(2, L["add_body"])
        ck.contains(3, re.compile(r"#0  add \(a=2, b=3\) at \S*steps\.c:\d+\n#1  0x[0-9a-f]+ in main \("))
        ck.contains(4, "Run till exit from #0  add (a=2, b=3)")
        ck.contains(4, re.compile(r"Value returned is \$\d+ = 5\n"))
        ck.at_line(4, L["call_add"])
        ck.at_line(5, L["call_bump"])
        ck.at_line(6, L["printf"])
        ck.value(7, 5, "next over bump(x) ran it:")
        ck.at_line(8, L["call_sum"])
        ck.at_line(9, L["bump_loop"])
        ck.contains(9, "main (")
        ck.value(10, int32(sum(range(100000))), "sum_to(100000) ran in full:")
        m0 = re.search(r"= (0x[0-9a-f]+)", s[11].output) if len(s.steps) > 13 else None
        m1 = re.search(r"= (0x[0-9a-f]+)", s[13].output) if len(s.steps) > 13 else None
        if ck.check(m0 and m1, "p/x $pc printed no value around stepi"):
            delta = int(m1.group(1), 16) - int(m0.group(1), 16)
            ck.check(delta in (2, 4), f"stepi moved pc by {delta}, expected one instruction (2 or 4)")
            ck.contains(12, re.compile(rf"^{m1.group(1)[:2]}0*{m1.group(1)[2:]}\t{L['bump_loop']}\t", re.M))
            ck.contains(14, f"=> {m1.group(1)} <main+")
        for reg in ("ra ", "sp ", "gp ", "a0 ", "t6 ", "pc "):
            ck.contains(15, re.compile(rf"^{reg}\s+0x[0-9a-f]+", re.M), f"register {reg!r}:")
        ck.ok(16)
        ck.value(17, 77, "set var wrote the local:")
        ck.contains(18, re.compile(r"<arr>:\s+0x0000000a\s+0x00000014\s+0x0000001e\s+0x00000028"))
        ck.ok(19)
        ck.contains(20, re.compile(r"<arr>:\s+10\s+99\s+30\s+40"))
        ck.ok(21)
        ck.value(22, "0x1234", "register write:")
        ck.contains(24, "Temporary breakpoint 2, reader () at ")
        ck.at_line(24, L["guard_read"])
        ck.contains(25, re.compile(r"#0  reader \(\) at .*\n#1  0x[0-9a-f]+ in main \(.*\n"
                                   r"#2  0x[0-9a-f]+ in \w*start\w* \("),
                    "backtrace through picolibc's startup:")
        ck.contains(26, re.compile(r"Value returned is \$\d+ = 8\n"))
        ck.at_line(26, L["guard_write"])
        ck.contains(27, "Dump of assembler code for function add:")
        ck.contains(27, "End of assembler dump.")
        ck.contains(29, g.NO_HISTORY, "the end of the program is the end of history:")
        ck.contains(29, "[rvrr] the program exited with status 0")
        ck.value(30, 99, "memory written by gdb stayed written:")
        ck.ok(31)
        rc = srv.wait(15)
        ck.check(rc == 0, f"gdb's kill must end the server with status 0, got {rc}")
        out = srv.stdout() + srv.stderr()
        ck.check(out.count("steps: x=5") == 1,
                 f"the guest's output must appear exactly once, got {out.count('steps: x=5')}")


@g.scenario(ck, "watch, rwatch, awatch")
def watchpoints():
    elf = g.build_guest("steps")
    _, L = steps_lines()
    cmds = [
        "break main",          # 0
        "continue",            # 1
        "watch counter",       # 2
        "continue",            # 3
        "continue",            # 4
        "p by",                # 5
        "delete",              # 6
        "rwatch guard",        # 7
        "continue",            # 8
        "delete",              # 9
        "awatch guard",        # 10
        "continue",            # 11
        "watch arr[2]",        # 12
        "continue",            # 13
        "continue",            # 14
        "kill",                # 15
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("watchpoints", s, srv)
        ck.contains(2, "Hardware watchpoint 2: counter")
        ck.contains(3, "Hardware watchpoint 2: counter\n\nOld value = 0\nNew value = 5\n")
        ck.contains(3, "bump (by=5) at ")
        # The write is the last instruction of its line; gdb reports the stop
        # after it, at the write's line or the next one (the closing brace).
        ck.contains(3, re.compile(rf"(^|\n)({L['bump_write']}|{L['bump_write'] + 1})\t"))
        ck.contains(4, "Old value = 5\nNew value = 6\n")
        ck.value(5, 1, "second write comes from bump(1):")
        ck.contains(7, "Hardware read watchpoint 3: guard")
        ck.contains(8, "Hardware read watchpoint 3: guard\n\nValue = 7\n")
        ck.contains(8, "reader () at ")
        ck.contains(10, "Hardware access (read/write) watchpoint 4: guard")
        ck.contains(11, "Old value = 7\nNew value = 8\n")
        ck.contains(11, "main (")
        ck.contains(13, "Hardware watchpoint 5: arr[2]\n\nOld value = 30\nNew value = "
                    f"{int32(sum(range(100000))) & 0xff}\n")
        ck.contains(13, "main (")
        ck.contains(14, "Hardware access (read/write) watchpoint 4: guard\n\nValue = 8\n")


@g.scenario(ck, "faults: SIGSEGV at the right line, SIGILL")
def faults():
    src = g.example_source("null_deref")
    crash_line = g.line_of(src, "setting(wanted[i])->value")
    elf = g.example("null_deref")
    # The faulting load's base register (main is built -O1: `wanted[i]` is
    # optimized out) holds NULL.
    base_reg = ("!py import re; _r = re.search(r'\\((\\w+)\\)', gdb.execute('x/i $pc', to_string=True)); "
                "gdb.execute('p/x $' + _r.group(1))")
    cmds = ["continue", "bt", base_reg, "x/i $pc", "kill"]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("faults: null_deref", s, srv)
        ck.contains(0, "Program received signal SIGSEGV, Segmentation fault.")
        ck.at_line(0, crash_line)
        ck.contains(1, re.compile(r"#0  .*main \("))
        ck.value(2, "0x0", "the faulting load's base register:")
        ck.contains(3, "=> 0x")
        ck.lacks(0, "exited", "a fault is not an exit:")
    out = srv.stdout()
    ck.check("height = 24" in out and "retries" not in out.replace("retries =", ""),
             f"the guest printed what it printed before the crash: {out!r}")

    elf = g.build_guest("steps")
    _, L = steps_lines()
    with g.Server.debug(elf, "ill") as srv:
        s = g.run_gdb(srv.port, elf, ["continue", "bt", "kill"])
        ck.begin("faults: illegal instruction", s, srv)
        ck.contains(0, "Program received signal SIGILL, Illegal instruction.")
        ck.contains(0, "illegal () at ")
        ck.at_line(0, L["illegal_insn"])
        ck.contains(1, "#1  0x")


@g.scenario(ck, "Ctrl-C, detach, reconnect, kill")
def interrupt_and_reconnect():
    elf = g.example("compute")
    cmds = [
        "!interrupt 1.0 continue",   # 0
        "p/x $pc",                   # 1
        "monitor when",              # 2
        "stepi",                     # 3
        "!interrupt 0.5 continue",   # 4
        "p/x $pc",                   # 5
        "monitor when",              # 6
        "detach",                    # 7
    ]
    with g.Server.debug(elf, "100000000") as srv:
        s = g.run_gdb(srv.port, elf, cmds)
        ck.begin("interrupt", s, srv)
        ck.contains(0, "Program received signal SIGINT")
        ck.ok(1)
        ck.contains(2, re.compile(r"Current instruction: [1-9]\d*"))
        ck.ok(3)
        ck.contains(4, "Program received signal SIGINT")
        ck.contains(7, "Detaching from program")
        when = lambda st: re.search(r"Current instruction: (\d+)", st.output)
        w1 = when(s[2]) if len(s.steps) > 2 else None
        w2 = when(s[6]) if len(s.steps) > 6 else None
        ck.check(w1 and w2 and int(w2.group(1)) > int(w1.group(1)),
                 "the second continue ran further than the first")
        pc = re.search(r"= (0x[0-9a-f]+)", s[5].output) if len(s.steps) > 5 else None
        ck.check(srv.alive(), "detach must leave the server running")

        s2 = g.run_gdb(srv.port, elf, ["p/x $pc", "monitor when", "stepi", "kill"])
        ck.begin("reconnect", s2, srv)
        if pc:
            ck.contains(0, pc.group(1), "the second gdb sees the pc where the first left:")
        if w2:
            ck.contains(1, f"Current instruction: {w2.group(1)}")
        ck.ok(2)
        ck.ok(3)
        rc = srv.wait(15)
        ck.check(rc == 0, f"kill must end the server with status 0, got {rc}")


@g.scenario(ck, "rvrr debug without --port starts gdb-multiarch with the gdbinit")
def launches_gdb():
    import subprocess
    elf = g.build_guest("steps")
    script = "break bump\ncontinue\nreverse-stepi\nwhen\nkill\nquit\n"
    proc = subprocess.Popen([g.rvrr_binary(), "debug", elf], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = proc.communicate(script.encode(), timeout=60)
    except subprocess.TimeoutExpired:
        out = b"(timed out)"
    finally:
        g._kill_group(proc)
    text = out.decode("utf-8", "replace")
    ck.begin("launches gdb")
    ok = all(needle in text for needle in ("Breakpoint 1, bump (by=5)", "Current instruction: ",
                                           "[Inferior 1 (process 1) killed]"))
    ck.check(ok and proc.returncode == 0, f"rvrr debug PROGRAM (gdb commands on stdin) exited "
                                          f"{proc.returncode}; expected the breakpoint, `when` from the "
                                          f"gdbinit and the kill in:\n{text}")


@g.scenario(ck, "gdb killed during a continue: the server stops and takes the next gdb")
def gdb_dies_mid_command():
    import signal
    import subprocess
    import time
    elf = g.example("compute")
    with g.Server.debug(elf, "100000000") as srv:
        gdb = subprocess.Popen([g.GDB, "-nx", "-batch", "-ex", f"target remote 127.0.0.1:{srv.port}",
                                "-ex", "continue", elf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(1.0)
            os.killpg(gdb.pid, signal.SIGKILL)
            gdb.wait(timeout=10)
        finally:
            g._kill_group(gdb)
        s = g.run_gdb(srv.port, elf, ["monitor when", "stepi", "monitor when", "reverse-stepi", "monitor when",
                                      "kill"], timeout=30)
        ck.begin("gdb dies mid-command", s, srv)
        w = [int(m.group(1)) if m else None for m in
             (re.search(r"Current instruction: (\d+)", s[i].output) if len(s.steps) > i else None
              for i in (0, 2, 4))]
        ck.check(w[0] is not None and w[0] > 0, f"the continue ran, then stopped: {w}")
        ck.check(w[1] == (w[0] + 1 if w[0] else None) and w[2] == w[0], f"the next gdb steps both ways: {w}")
        rc = srv.wait(15)
        ck.check(rc == 0, f"kill ends the server with status 0, got {rc}")


if __name__ == "__main__":
    gdb_dies_mid_command()
    launches_gdb()
    stepping()
    watchpoints()
    faults()
    interrupt_and_reconnect()
    ck.finish()
