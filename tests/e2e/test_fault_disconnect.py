#!/usr/bin/env python3
"""Hardening: gdb disconnecting in the middle of an operation.

gdb is killed with SIGKILL (or our own RSP client resets its socket) while the
server is busy with a long `continue`, a long `reverse-continue` scan, or a
`monitor seek` to a far point. Then a new gdb connects to the same server and
must work (monitor when, info registers pc, reverse-stepi, stepi) with the
history intact: seeking back to a point recorded before the fault gives the
same pc, and the position is a sane one (documented: an operation cut short by
a disconnect stops where it was cancelled, within the history it had).
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_fault_disconnect")
# The faults must land inside long scans: a background indexer that caught up
# would answer the reverse-continues at once (tests/e2e/test_gdb_index.py tests it).
os.environ["RVRR_BACKGROUND_INDEX"] = "0"
MARK = 1_000_000          # a point in history taken before each fault
HUGE = "100000000"        # compute iterations: about 10^14 instructions, i.e. forever


def symbol(elf, name):
    out = subprocess.run(["riscv64-unknown-elf-nm", elf], capture_output=True, text=True, timeout=30).stdout
    m = re.search(rf"^([0-9a-f]+) [Tt] {re.escape(name)}$", out, re.M)
    if not m:
        raise g.TestFailure(f"no symbol {name} in {elf}")
    return int(m.group(1), 16)


def server_ok(server, what):
    time.sleep(0.2)
    ck.check(server.alive(), f"{what}: the server died (exit {server.proc.poll()}):\n{server.transcript()}")
    bad = r.crash_text(server.stderr())
    ck.check(bad is None, f"{what}: server stderr shows {bad!r}:\n{server.stderr()}")
    return server.alive()


def take_mark(server):
    """(pc at MARK, client) after `monitor seek MARK` on a fresh connection."""
    c = r.connect_when_free(server.port)
    c.monitor(f"seek {MARK}")
    if c.when() != MARK:
        raise g.TestFailure(f"monitor seek {MARK} did not reach it: {c.when()}")
    return c.pc(), c


def verify_after_fault(server, program, mark_pc, lo, hi, what, back_to=None):
    """A new connection works and the history is intact. The position after the
    fault must lie in [lo, hi]. `back_to` = (icount, pc) also checked by seeking."""
    if not server_ok(server, what + " (right after the fault)"):
        return
    try:
        c = r.connect_when_free(server.port, timeout=10)
    except r.RspError as e:
        ck.fail(f"{what}: no new connection possible: {e}\n{server.transcript()}")
        return
    try:
        w = c.when()
        pc = c.pc()
        ck.check(lo <= w <= hi, f"{what}: position after the fault {w} not within [{lo}, {hi}]")
        info = c.monitor("info timeline")
        ck.check(f"position: instruction {w:,}" in info, f"{what}: info timeline disagrees with when {w}:\n{info}")
    finally:
        c.close()
    # A real gdb now works against the same server.
    cmds = ["monitor when", "info registers pc", "reverse-stepi", "monitor when", "stepi", "monitor when",
            f"monitor seek {MARK}", "maintenance flush register-cache", "info registers pc"]
    if back_to:
        cmds += [f"monitor seek {back_to[0]}", "maintenance flush register-cache", "info registers pc"]
    s = g.run_gdb(server.port, program, cmds, timeout=40)
    ck.begin(ck.scenario, s, server)
    whens = [re.search(r"Current instruction: (\d+)", s[i].output) if i < len(s.steps) else None for i in (0, 3, 5)]
    whens = [int(m.group(1)) if m else None for m in whens]
    ck.check(whens[0] == w, f"{what}: gdb's monitor when {whens[0]} != {w}")
    ck.check(re.search(rf"pc\s+0x{pc:x}\b", s[1].output if len(s.steps) > 1 else "") is not None,
             f"{what}: info registers pc does not show 0x{pc:x}")
    ck.ok(2)
    ck.check(w is not None and whens[1] == w - 1, f"{what}: reverse-stepi went from {w} to {whens[1]}")
    ck.ok(4)
    ck.check(whens[2] == w, f"{what}: stepi went back to {whens[2]}, expected {w}")
    ck.contains(8, f"0x{mark_pc:x}", f"{what}: history intact at {MARK}:")
    if back_to:
        ck.contains(11, f"0x{back_to[1]:x}", f"{what}: history intact at {back_to[0]}:")
    server_ok(server, what + " (after the new gdb)")


@g.scenario(ck, "gdb killed during a long continue")
def killed_in_continue():
    compute = g.example("compute")
    with g.Server.debug(compute, HUGE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        mark_pc, c = take_mark(server)
        c.close()
        gdb = r.start_gdb(server.port, compute, ["continue"])
        try:
            time.sleep(2.5)
            running = gdb.poll() is None
        finally:
            out = r.kill_gdb(gdb)
        if not ck.check(running, f"gdb's continue ended before the kill:\n{out}"):
            return
        verify_after_fault(server, compute, mark_pc, MARK, 10**15, "killed in continue")


def long_history(server):
    """Runs forward ~2 s; returns (mark pc, end icount, end pc)."""
    mark_pc, c = take_mark(server)
    try:
        c.send("vCont;c")
        time.sleep(2.0)
        c.interrupt()
        stop = c.reply(timeout=10)
        if not stop.startswith("T02"):
            raise g.TestFailure(f"interrupt stop reply {stop!r}")
        return mark_pc, c.when(), c.pc()
    finally:
        c.close()


@g.scenario(ck, "gdb killed during a long reverse-continue")
def killed_in_reverse_continue():
    compute = g.example("compute")
    main = symbol(compute, "main")
    with g.Server.debug(compute, HUGE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        mark_pc, end, end_pc = long_history(server)
        # main's entry was hit once, near the start: the scan covers the whole history.
        gdb = r.start_gdb(server.port, compute, [f"break *0x{main:x}", "reverse-continue"])
        try:
            time.sleep(1.2)
            running = gdb.poll() is None
        finally:
            out = r.kill_gdb(gdb)
        if not ck.check(running, f"gdb's reverse-continue ended before the kill (server alive: "
                                 f"{server.alive()}):\n{out}"):
            server_ok(server, "reverse-continue")
            return
        verify_after_fault(server, compute, mark_pc, 0, end, "killed in reverse-continue", (end, end_pc))


@g.scenario(ck, "RSP socket reset during a long reverse-continue")
def reset_in_reverse_continue():
    compute = g.example("compute")
    main = symbol(compute, "main")
    with g.Server.debug(compute, HUGE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        mark_pc, end, end_pc = long_history(server)
        c = r.connect_when_free(server.port)
        try:
            ck.check(c.command(f"Z0,{main:x},2") == "OK", "Z0 at main refused")
            c.send("bc")
            time.sleep(0.8)
        finally:
            c.abort()
        verify_after_fault(server, compute, mark_pc, 0, end, "reset in reverse-continue", (end, end_pc))


@g.scenario(ck, "RSP socket reset during a far monitor seek")
def reset_in_seek():
    compute = g.example("compute")
    with g.Server.debug(compute, HUGE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        mark_pc, c = take_mark(server)
        try:
            c.send("qRcmd," + r.hexstr("seek 1000000000000"))   # live: runs 10^12 instructions forward
            time.sleep(1.0)
        finally:
            c.abort()
        verify_after_fault(server, compute, mark_pc, MARK, 10**12, "reset in seek")


@g.scenario(ck, "gdb killed during a far monitor seek")
def killed_in_seek():
    compute = g.example("compute")
    with g.Server.debug(compute, HUGE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        mark_pc, c = take_mark(server)
        c.close()
        gdb = r.start_gdb(server.port, compute, ["monitor seek 1000000000000"])
        try:
            time.sleep(1.5)
            running = gdb.poll() is None
        finally:
            out = r.kill_gdb(gdb)
        if not ck.check(running, f"gdb's monitor seek ended before the kill:\n{out}"):
            return
        verify_after_fault(server, compute, mark_pc, MARK, 10**12, "killed in seek")


@g.scenario(ck, "replay: gdb killed during a long continue, then during a reverse-continue")
def replay_killed():
    import tempfile
    compute = g.example("compute")
    with tempfile.TemporaryDirectory(prefix="rvrr-fault-disc-") as tmp:
        trace = os.path.join(tmp, "compute.rvrr")
        res = g.run_rvrr(["record", "--max-instructions", "1000000000", "-o", trace, compute, HUGE], timeout=60)
        if not ck.check(res.returncode == 124 and os.path.exists(trace),
                        f"recording 10^9 instructions: exit {res.returncode}\n{res.stderr}"):
            return
        # Interpreted, so that continuing over the 10^9 recorded instructions
        # surely outlasts the 1 s before the kill (translated it may not).
        with g.Server.replay(trace, options=["--log-level", "info", "--tier", "interp"]) as server:
            ck.begin(ck.scenario, None, server)
            mark_pc, c = take_mark(server)
            c.close()
            gdb = r.start_gdb(server.port, compute, ["continue"])
            try:
                time.sleep(1.0)
                running = gdb.poll() is None
            finally:
                out = r.kill_gdb(gdb)
            if ck.check(running, f"replay: continue over 10^9 instructions ended within 1 s:\n{out}"):
                verify_after_fault(server, compute, mark_pc, MARK, 1_000_000_000, "replay: killed in continue")
            # Now from the end of the recording, backwards to main's entry.
            c = r.connect_when_free(server.port)
            try:
                stop = c.command("vCont;c", timeout=30)
                ck.check("replaylog:end" in stop, f"replay continue did not reach the end: {stop!r}")
                end, end_pc = c.when(), c.pc()
            finally:
                c.close()
            gdb = r.start_gdb(server.port, compute, [f"break *0x{symbol(compute, 'main'):x}", "reverse-continue"])
            try:
                time.sleep(1.0)
                running = gdb.poll() is None
            finally:
                out = r.kill_gdb(gdb)
            if ck.check(running, f"replay: reverse-continue over 10^9 instructions ended within 1 s:\n{out}"):
                verify_after_fault(server, compute, mark_pc, 0, end, "replay: killed in reverse-continue",
                                   (end, end_pc))


if __name__ == "__main__":
    killed_in_continue()
    killed_in_reverse_continue()
    reset_in_reverse_continue()
    reset_in_seek()
    killed_in_seek()
    replay_killed()
    ck.finish()
