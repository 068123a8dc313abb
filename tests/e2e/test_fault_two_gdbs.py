#!/usr/bin/env python3
"""Hardening: two gdbs connecting at once. The second is refused (its
connection is closed; the server logs a clear line) and the first is not
disturbed: its position, registers, stepping and interrupts keep working,
whether the second arrives while the first is stopped or running."""
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_fault_two_gdbs")
MARK = 1_000_000
# What a refused gdb is told (gdb 13 prints "Remote failure reply: E.<this>...").
REFUSAL = "E.rvrr: another gdb is already connected"


def refused(port, what):
    """A raw second connection gets closed without a reply to its packet."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError as e:
        ck.passes += 1   # refused at connect: also fine
        return
    try:
        s.settimeout(3.0)
        try:
            s.sendall(r.frame("qSupported:multiprocess+"))
        except OSError:
            pass
        data = b""
        closed = False
        deadline = time.monotonic() + 3.0
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        ck.check(closed and b"PacketSize" not in data,
                 f"{what}: second connection not refused (closed={closed}, got {data[:200]!r})")
        ck.check(REFUSAL.encode() in data,
                 f"{what}: the refusal says why, as an error reply to the first packet: {data[:200]!r}")
    finally:
        s.close()


@g.scenario(ck, "second connection while the first gdb is stopped, and while it runs")
def second_connection():
    compute = g.example("compute")
    with g.Server.debug(compute, "100000000") as server:
        ck.begin(ck.scenario, None, server)
        c = r.connect_when_free(server.port)
        try:
            c.monitor(f"seek {MARK}")
            pc = c.pc()
            regs = c.command("g")
            refused(server.port, "first stopped (raw client)")
            # A real gdb as the second: it must fail to attach, with gdb exiting.
            gdb2 = r.start_gdb(server.port, compute, ["info registers pc", "monitor when"])
            try:
                gdb2.wait(timeout=20)
            except Exception:
                pass
            out2 = r.kill_gdb(gdb2)
            ck.check("Current instruction" not in out2 and not re.search(r"pc\s+0x", out2),
                     f"the second gdb was served:\n{out2}")
            ck.check(re.search(r"closed|reset|refused|connection|disconnected|communication error|broken pipe|"
                                r"timed out|Ignoring packet error", out2, re.I) is not None,
                     f"the second gdb printed no connection error:\n{out2}")
            ck.check(f"Remote failure reply: {REFUSAL}" in out2,
                     f"the second gdb was not told why (one gdb at a time):\n{out2}")
            # The first is undisturbed.
            ck.check(c.when() == MARK, "first: position moved")
            ck.check(c.pc() == pc and c.command("g") == regs, "first: registers changed")
            ck.check(c.command("bs").startswith("T05") and c.when() == MARK - 1, "first: reverse step")
            ck.check(c.command("vCont;s").startswith("T05") and c.when() == MARK, "first: step")
            # While the first is running.
            c.send("vCont;c")
            time.sleep(0.3)
            refused(server.port, "first running (raw client)")
            time.sleep(0.2)
            c.interrupt()
            stop = c.reply(timeout=5)
            ck.check(stop.startswith("T02"), f"first: interrupt after the refused connection: {stop!r}")
            w = c.when()
            ck.check(w > MARK, f"first: continue made no progress ({w})")
            c.monitor(f"seek {MARK}")
            ck.check(c.pc() == pc, "first: history changed")
        finally:
            c.close()
        ck.check("second gdb" in server.stderr() or "refused" in server.stderr(),
                 f"server logged no clear line about the refused connection:\n{server.stderr()}")
        # After the first leaves, a new gdb is served normally.
        s = g.run_gdb(server.port, compute, ["monitor when", "reverse-stepi", "monitor when"], timeout=30)
        ck.begin(ck.scenario, s, server)
        ck.contains(0, f"Current instruction: {MARK}")
        ck.ok(1)
        ck.contains(2, f"Current instruction: {MARK - 1}")
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")


@g.scenario(ck, "two real gdbs: the second is refused, the first carries on")
def two_real_gdbs():
    compute = g.example("compute")
    with g.Server.debug(compute, "100000000") as server:
        ck.begin(ck.scenario, None, server)
        # gdb1 stays connected (its commands wait on a sleep) while gdb2 tries.
        gdb1_cmds = ["stepi 3", "monitor when", "python import time; time.sleep(3)", "reverse-stepi",
                     "monitor when", "info registers pc"]
        gdb1 = r.start_gdb(server.port, compute, gdb1_cmds)
        try:
            time.sleep(1.2)
            gdb2 = r.start_gdb(server.port, compute, ["monitor when"])
            try:
                gdb2.wait(timeout=15)
            except Exception:
                pass
            out2 = r.kill_gdb(gdb2)
            try:
                gdb1.wait(timeout=30)
            except Exception:
                pass
            out1 = r.kill_gdb(gdb1)
        finally:
            r.kill_gdb(gdb1)
        ck.check("Current instruction" not in out2, f"the second gdb was served:\n{out2}")
        ck.check(f"Remote failure reply: {REFUSAL}" in out2,
                 f"the second gdb was not told why (one gdb at a time):\n{out2}")
        whens = [int(x) for x in re.findall(r"Current instruction: (\d+)", out1)]
        ck.check(whens == [3, 2], f"the first gdb was disturbed: whens {whens}\n{out1}")
        ck.check("Remote connection closed" not in out1, f"first gdb lost its connection:\n{out1}")
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")


if __name__ == "__main__":
    second_connection()
    two_real_gdbs()
    ck.finish()
