#!/usr/bin/env python3
"""Hardening: a guest that runs forever (tests/e2e/guests/fault_spin.c).

`rvrr run|record --max-instructions N` stop it with a clear message and exit
status 124; under gdb, Ctrl-C (SIGINT to gdb while it waits in `continue`, and
the raw interrupt byte 0x03 from our own RSP client) stops it within a second,
gdb reports SIGINT, and the session keeps working (reverse-stepi, stepi,
continue again)."""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_fault_runaway")
N = 50_000_000


@g.scenario(ck, "rvrr run/record --max-instructions")
def max_instructions():
    spin = g.build_guest("fault_spin")
    res = g.run_rvrr(["run", "--max-instructions", str(N), spin], timeout=30)
    ck.check(res.returncode == 124, f"rvrr run: exit {res.returncode}, expected 124\n{res.stdout}{res.stderr}")
    ck.check(f"stopped after {N} instructions" in res.stderr and "--max-instructions" in res.stderr,
             f"rvrr run: no clear message on stderr: {res.stderr!r}")
    ck.check("fault_spin: spinning forever" in res.stdout, f"guest output lost: {res.stdout!r}")
    bad = r.crash_text(res.stderr)
    ck.check(bad is None, f"rvrr run stderr shows {bad!r}")
    with tempfile.TemporaryDirectory(prefix="rvrr-runaway-") as tmp:
        trace = os.path.join(tmp, "spin.rvrr")
        res = g.run_rvrr(["record", "--max-instructions", str(N), "-o", trace, spin], timeout=60)
        ck.check(res.returncode == 124, f"rvrr record: exit {res.returncode}, expected 124\n{res.stderr}")
        ck.check("--max-instructions" in res.stderr, f"rvrr record: no clear message: {res.stderr!r}")
        info = g.run_rvrr(["trace", "info", trace], timeout=30)
        ck.check(info.returncode == 0, f"trace info of a stopped recording: exit {info.returncode}\n"
                                       f"{info.stdout}{info.stderr}")


@g.scenario(ck, "a recording killed (kill -9) while the guest spins: queries and replay end at its last progress mark")
def killed_while_spinning():
    import signal
    import subprocess
    spin = g.build_guest("fault_spin")
    with tempfile.TemporaryDirectory(prefix="rvrr-runaway-") as tmp:
        trace = os.path.join(tmp, "spin.rvrr")
        marks = 1 << 22  # instructions between progress marks (2^30 by default)
        rec = subprocess.Popen([g.rvrr_binary(), "record", "-o", trace, spin], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=dict(os.environ, RVRR_PROGRESS_MARKS=str(marks)))
        # Killed once the trace holds a progress mark past the start.
        info = None
        for _ in range(600):
            time.sleep(0.05)
            info = g.run_rvrr(["trace", "info", trace], timeout=30)
            m = re.search(r"length: +at least ([\d,]+) instructions", info.stdout)
            if m and int(m.group(1).replace(",", "")) >= marks:
                break
        rec.send_signal(signal.SIGKILL)
        rec.wait(timeout=10)
        info = g.run_rvrr(["trace", "info", trace], timeout=30)
        ck.check(info.returncode == 0 and "cut short" in info.stdout, f"trace info: {info.stdout}{info.stderr}")
        m = re.search(r"length: +at least ([\d,]+) instructions", info.stdout)
        proven = int(m.group(1).replace(",", "")) if m else 0
        ck.check(proven >= marks and proven % marks == 0, f"the last progress mark proves how far it got: {info.stdout}")
        for args in (["lines", trace], ["calls", trace, "main"]):
            t0 = time.monotonic()
            res = g.run_rvrr(["trace"] + args, timeout=120)
            ck.check(res.returncode == 0 and "stopped before its next progress mark" in res.stderr,
                     f"trace {args[0]}: exit {res.returncode} after {time.monotonic() - t0:.1f}s: {res.stderr}")
            ends = re.findall(r"taken to end at instruction (\d+)", res.stderr)
            ck.check(len(ends) == 1 and proven < int(ends[0]) <= proven + marks,
                     f"trace {args[0]}: the end is past the last mark, by at most a mark's interval: {ends} "
                     f"(proven {proven})")


@g.scenario(ck, "a debugging session killed (kill -9) while gdb continues a spinning guest: its trace's queries end")
def debug_killed_while_spinning():
    import signal
    spin = g.build_guest("fault_spin")
    with tempfile.TemporaryDirectory(prefix="rvrr-runaway-") as tmp:
        trace = os.path.join(tmp, "spin.rvrr")
        marks = 1 << 22
        os.environ["RVRR_PROGRESS_MARKS"] = str(marks)
        try:
            server = g.Server.debug(spin, options=("-o", trace))
            server.start()
        finally:
            del os.environ["RVRR_PROGRESS_MARKS"]
        try:
            client = r.RspClient(server.port)
            client.handshake()
            client.send("vCont;c")
            proven = 0
            for _ in range(600):
                time.sleep(0.05)
                info = g.run_rvrr(["trace", "info", trace], timeout=30)
                m = re.search(r"length: +at least ([\d,]+) instructions", info.stdout)
                proven = int(m.group(1).replace(",", "")) if m else 0
                if proven >= 2 * marks:
                    break
            os.killpg(server.proc.pid, signal.SIGKILL)
            server.wait(timeout=10)
            client.close()
        finally:
            server.stop()
        info = g.run_rvrr(["trace", "info", trace], timeout=30)
        ck.check(info.returncode == 0 and "cut short" in info.stdout, f"trace info: {info.stdout}{info.stderr}")
        m = re.search(r"length: +at least ([\d,]+) instructions", info.stdout)
        proven = int(m.group(1).replace(",", "")) if m else 0
        ck.check(proven >= 2 * marks, f"the session's progress marks prove how far it got: {info.stdout}")
        t0 = time.monotonic()
        res = g.run_rvrr(["trace", "lines", trace], timeout=120)
        ck.check(res.returncode == 0 and "stopped before its next progress mark" in res.stderr,
                 f"trace lines: exit {res.returncode} after {time.monotonic() - t0:.1f}s: {res.stderr}")
        ends = re.findall(r"taken to end at instruction (\d+)", res.stderr)
        ck.check(len(ends) == 1 and proven < int(ends[0]) <= proven + marks,
                 f"trace lines: the end is past the last mark, by at most a mark's interval: {ends} (proven {proven})")


@g.scenario(ck, "gdb Ctrl-C (SIGINT to gdb) during continue")
def gdb_ctrl_c():
    spin = g.build_guest("fault_spin")
    with g.Server.debug(spin) as server:
        cmds = ["!interrupt 1.0 continue",      # 0
                "monitor when",                 # 1
                "info registers pc",            # 2
                "reverse-stepi",                # 3
                "monitor when",                 # 4
                "stepi",                        # 5
                "monitor when",                 # 6
                "!interrupt 0.5 continue",      # 7
                "monitor when",                 # 8
                "p counter"]                    # 9
        s = g.run_gdb(server.port, spin, cmds, timeout=40)
        ck.begin(ck.scenario, s, server)
        ck.contains(0, "Program received signal SIGINT", "Ctrl-C:")
        st = ck.step(0)
        if st is not None:
            # The timer fires after 1.0 s; the stop must follow within a second.
            ck.check(st.seconds < 2.0, f"continue + Ctrl-C took {st.seconds:.2f}s (interrupt after 1.0 s)")
        whens = []
        for i in (1, 4, 6, 8):
            m = re.search(r"Current instruction: (\d+)", ck.step(i).output if ck.step(i) else "")
            whens.append(int(m.group(1)) if m else None)
        ck.check(whens[0] is not None and whens[0] > 1000, f"position after Ctrl-C: {whens[0]}")
        ck.ok(3)
        ck.check(None not in whens[:2] and whens[1] == whens[0] - 1, f"reverse-stepi: {whens[0]} -> {whens[1]}")
        ck.ok(5)
        ck.check(None not in whens[1:3] and whens[2] == whens[0], f"stepi: {whens[1]} -> {whens[2]}")
        ck.contains(7, "Program received signal SIGINT", "second Ctrl-C:")
        ck.check(None not in whens and whens[3] > whens[2], f"second continue did not move forward: {whens}")
        ck.contains(9, re.compile(r"\$\d+ = \d+"), "counter readable:")
        ck.check(server.alive(), "server died")
        bad = r.crash_text(server.stderr())
        ck.check(bad is None, f"server stderr shows {bad!r}")


@g.scenario(ck, "raw interrupt byte 0x03 during continue, repeatedly")
def raw_interrupt():
    spin = g.build_guest("fault_spin")
    with g.Server.debug(spin) as server:
        ck.begin(ck.scenario, None, server)
        c = r.connect_when_free(server.port)
        try:
            last = 0
            for round_ in range(3):
                c.send("vCont;c")
                time.sleep(0.5)
                t0 = time.monotonic()
                c.interrupt()
                stop = c.reply(timeout=5)
                dt = time.monotonic() - t0
                ck.check(stop.startswith("T02"), f"round {round_}: stop reply {stop!r}, expected T02 (SIGINT)")
                ck.check(dt < 1.0, f"round {round_}: interrupt took {dt:.3f}s")
                w = c.when()
                ck.check(w > last, f"round {round_}: no progress ({last} -> {w})")
                last = w
            # An interrupt byte while stopped is ignored; the session still answers.
            c.interrupt()
            ck.check(c.command("bs").startswith("T05"), "reverse step after the interrupts")
            ck.check(c.when() == last - 1, "reverse step lands one instruction back")
            # Interrupt a reverse-continue too (no breakpoint: it runs to the start).
            c.send("bc")
            c.interrupt()
            stop = c.reply(timeout=10)
            ck.check(stop.startswith("T02") or "replaylog:begin" in stop,
                     f"interrupted reverse-continue: {stop!r}")
            # The interrupt in the same write as the vCont it is meant to stop
            # (one read on the server): it stops that run, not the one before.
            for round_ in range(3):
                t0 = time.monotonic()
                c.send_raw(r.frame("vCont;c") + b"\x03")
                stop = c.reply(timeout=5)
                ck.check(stop.startswith("T02") and time.monotonic() - t0 < 1.0,
                         f"vCont;c and 0x03 in one write, round {round_}: {stop!r} "
                         f"after {time.monotonic() - t0:.3f}s, expected T02 at once")
        finally:
            c.close()
        time.sleep(0.2)
        ck.check(server.alive(), f"server died:\n{server.transcript()}")


@g.scenario(ck, "gdb Ctrl-C during a long reverse-continue")
def gdb_ctrl_c_reverse():
    spin = g.build_guest("fault_spin")
    with g.Server.debug(spin) as server:
        # ~1.5 s of history, then a breakpoint hit only near the start: the
        # reverse scan covers the whole history unless interrupted.
        cmds = ["!interrupt 1.5 continue",          # 0
                "monitor when",                     # 1
                "break main",                       # 2
                "!interrupt 0.3 reverse-continue",  # 3
                "monitor when",                     # 4
                "reverse-stepi",                    # 5
                "monitor when",                     # 6
                "delete",                           # 7
                "!interrupt 0.3 continue",          # 8
                "monitor when"]                     # 9
        s = g.run_gdb(server.port, spin, cmds, timeout=40)
        ck.begin(ck.scenario, s, server)
        ck.contains(0, "Program received signal SIGINT")
        st = ck.step(3)
        if st is not None:
            stopped_at_main = "Breakpoint 1" in st.output
            ck.check(stopped_at_main or "Program received signal SIGINT" in st.output,
                     f"reverse-continue + Ctrl-C printed neither SIGINT nor the breakpoint:\n{st.output}")
            ck.check(st.seconds < 1.3, f"reverse-continue + Ctrl-C took {st.seconds:.2f}s (interrupt after 0.3 s)")
        w = []
        for i in (1, 4, 6, 9):
            stp = ck.step(i)
            m = re.search(r"Current instruction: (\d+)", stp.output if stp else "")
            w.append(int(m.group(1)) if m else None)
        ck.check(None not in w, f"monitor when failed: {w}")
        if None not in w:
            ck.check(0 < w[1] <= w[0], f"position after the interrupted reverse-continue: {w[1]} (end {w[0]})")
            ck.check(w[2] == w[1] - 1, f"reverse-stepi after it: {w[1]} -> {w[2]}")
            ck.check(w[3] > w[2], f"continue after it made no progress: {w[2]} -> {w[3]}")
        ck.ok(5)
        ck.contains(8, "Program received signal SIGINT")
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")


if __name__ == "__main__":
    max_instructions()
    killed_while_spinning()
    debug_killed_while_spinning()
    gdb_ctrl_c()
    gdb_ctrl_c_reverse()
    raw_interrupt()
    ck.finish()
