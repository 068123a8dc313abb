#!/usr/bin/env python3
"""Ctrl-C and signals while the guest waits for input (issue 8, items 2 and 3).

The guest (tests/e2e/guests/line_reader.c) reads stdin with fgets. Its stdin
is a pipe that stays open without data, as a terminal nobody types at.

- gdb's Ctrl-C (`continue`, then SIGINT to gdb, which sends the interrupt byte)
  stops the guest inside its read: gdb reports SIGINT, rvrr stays usable, the
  read is made again on `continue` and takes the line typed meanwhile, once.
- the raw interrupt byte gets its stop reply at once (a hang guard only).
- SIGTERM or SIGINT to `rvrr debug` while the guest waits in a read ends it
  (128+signal) with a complete trace marked interrupted, which `trace info
  --verify` verifies and `rvrr replay` serves up to that point.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_interrupt_stdin")


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    raise g.TestFailure(f"timed out after {timeout}s waiting for {what}")


def feed(server, text):
    server.proc.stdin.write(text.encode())
    server.proc.stdin.flush()


def when_of(step_output):
    m = re.search(r"Current instruction: (\d+)", step_output)
    return int(m.group(1)) if m else None


@g.scenario(ck, "gdb Ctrl-C while the guest waits in fgets(stdin); the read is retried and recorded once")
def ctrl_c_in_read():
    elf = g.build_guest("line_reader")
    with tempfile.TemporaryDirectory(prefix="rvrr-interrupt-") as tmp:
        trace = os.path.join(tmp, "reader.rvrr")
        with g.Server.debug(elf, options=["-o", trace], stdin=subprocess.PIPE) as server:
            ck.begin(ck.scenario, None, server)
            # 1. continue runs into the read and waits there; Ctrl-C after 1 s.
            s = g.run_gdb(server.port, elf, ["!interrupt 1 continue", "monitor when", "p lines",
                                             "x/i $pc", "reverse-stepi", "monitor when"], timeout=40)
            ck.begin(ck.scenario, s, server)
            ck.contains(0, "Program received signal SIGINT", "Ctrl-C in a blocked read:")
            ck.check(s[0].seconds < 10, f"continue + Ctrl-C took {s[0].seconds:.1f}s: the interrupt was not seen")
            ck.value(2, 0, "no line read yet:")
            ck.contains(3, re.compile(r"\t(ecall|ebreak)"), "stopped at the read's host call (it did not retire):")
            w0, w1 = when_of(s[1].output), when_of(s[5].output)
            ck.check(w0 is not None and w1 == w0 - 1, f"monitor when after the interrupt {w0}, "
                                                      f"after reverse-stepi {w1}")
            ck.check("line_reader: ready" in server.stdout(), f"guest output: {server.stdout()!r}")
            ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")

            # 2. A line is typed while the guest is stopped: nothing read it yet.
            feed(server, "hello\n")
            time.sleep(0.3)
            ck.check("line 1" not in server.stdout(), f"the stopped guest consumed input: {server.stdout()!r}")
            s = g.run_gdb(server.port, elf, ["!interrupt 2 continue", "p lines", "p line", "monitor when"],
                          timeout=40)
            ck.begin(ck.scenario, s, server)
            ck.contains(0, "Program received signal SIGINT", "second Ctrl-C, waiting for the next line:")
            ck.value(1, 1, "the line typed while stopped was read on continue:")
            ck.contains(2, 'hello\\n', "the line:")

            # 3. The last line; the guest exits with the number of lines.
            feed(server, "quit\n")
            s = g.run_gdb(server.port, elf, ["continue", "p lines", "monitor when"], timeout=40)
            ck.begin(ck.scenario, s, server)
            ck.value(1, 2, "two lines read:")
            out = server.stdout()
            ck.check(out.count("line_reader: line 1: hello") == 1 and out.count("line_reader: line 2: quit") == 1,
                     f"each line read exactly once: {out!r}")
            server.proc.stdin.close()
            server.proc.send_signal(signal.SIGTERM)
            status = server.wait(timeout=15)
            ck.check(status is not None, "rvrr debug did not end on SIGTERM")

        info = g.run_rvrr(["trace", "info", "--verify", trace], timeout=60)
        ck.check(info.returncode == 0, f"trace info --verify: exit {info.returncode}\n{info.stdout}{info.stderr}")
        ck.check("ended:         exited with status 2" in info.stdout, f"trace end:\n{info.stdout}")
        ck.check("verified" in info.stdout, f"not verified:\n{info.stdout}")


@g.scenario(ck, "the raw interrupt byte stops a guest waiting in a read (hang guard)")
def raw_interrupt():
    elf = g.build_guest("line_reader")
    with g.Server.debug(elf, stdin=subprocess.PIPE) as server:
        ck.begin(ck.scenario, None, server)
        c = r.connect_when_free(server.port)
        try:
            for round_ in range(3):
                c.send("vCont;c")
                time.sleep(0.3)
                t0 = time.monotonic()
                c.interrupt()
                stop = c.reply(timeout=10)
                dt = time.monotonic() - t0
                print(f"round {round_}: stop reply {dt * 1000:.1f} ms after the interrupt byte")
                ck.check(stop.startswith("T02"), f"round {round_}: stop reply {stop!r}, expected T02")
            w = c.when()
            ck.check(w > 0, f"position after the interrupts: {w}")
        finally:
            c.close()
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")


@g.scenario(ck, "gdb killed while the guest waits in a read: rvrr stops reading, the next gdb connects")
def disconnect_in_read():
    elf = g.build_guest("line_reader")
    with g.Server.debug(elf, stdin=subprocess.PIPE, options=["--log-level", "info"]) as server:
        ck.begin(ck.scenario, None, server)
        gdb = r.start_gdb(server.port, elf, ["continue"])
        try:
            wait_for(lambda: "line_reader: ready" in server.stdout(), 20, "the guest to start reading")
            time.sleep(0.5)
        finally:
            r.kill_gdb(gdb)
        wait_for(lambda: "gdb went away" in server.stderr() or "waiting for the next gdb" in server.stderr(), 10,
                 "rvrr to notice the disconnect")
        # Nobody debugs it now: input typed meanwhile stays where it is.
        feed(server, "later\n")
        time.sleep(0.5)
        ck.check("line 1" not in server.stdout(), f"rvrr read input with no gdb attached: {server.stdout()!r}")
        s = g.run_gdb(server.port, elf, ["p lines", "!interrupt 2 continue", "p lines", "p line"], timeout=40)
        ck.begin(ck.scenario, s, server)
        ck.value(0, 0, "the new gdb finds the guest before its read:")
        ck.contains(1, "Program received signal SIGINT")
        ck.value(2, 1, "continue made the read again and took the line:")
        ck.contains(3, 'later\\n')
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "server died or crashed")


def signal_ends_debug(sig):
    elf = g.build_guest("line_reader")
    with tempfile.TemporaryDirectory(prefix="rvrr-interrupt-") as tmp:
        trace = os.path.join(tmp, "sig.rvrr")
        with g.Server.debug(elf, options=["-o", trace], stdin=subprocess.PIPE) as server:
            ck.begin(ck.scenario, None, server)
            feed(server, "one\n")
            # gdb continues: the guest reads "one", then waits for the next line.
            gdb = r.start_gdb(server.port, elf, ["continue"])
            try:
                wait_for(lambda: "line 1: one" in server.stdout(), 20, "the guest to read the first line")
                time.sleep(0.3)
                server.proc.send_signal(sig)
                status = server.wait(timeout=15)
                server.err.join(timeout=5)  # everything it printed
            finally:
                r.kill_gdb(gdb)
            ck.check(status == 128 + sig, f"rvrr debug after {signal.Signals(sig).name}: exit {status}, "
                                          f"expected {128 + sig}\n{server.transcript()}")
            ck.check("trace written to" in server.stderr(), f"no trace line:\n{server.stderr()}")
        name = signal.Signals(sig).name
        info = g.run_rvrr(["trace", "info", "--verify", trace], timeout=60)
        ck.check(info.returncode == 0, f"trace info --verify: exit {info.returncode}\n{info.stdout}{info.stderr}")
        ck.check(f"ended:         interrupted by {name}" in info.stdout, f"not marked interrupted:\n{info.stdout}")
        ck.check("length:        at least" not in info.stdout and "cut short" not in info.stdout,
                 f"the trace is not complete:\n{info.stdout}")
        ck.check("verified" in info.stdout, f"not verified:\n{info.stdout}")
        m = re.search(r"after ([\d,]+) instructions", info.stdout)
        ck.check(m is not None, f"no count in the end line:\n{info.stdout}")
        count = int(m.group(1).replace(",", "")) if m else None
        with g.Server.replay(trace) as server:
            s = g.run_gdb(server.port, elf, ["continue", "monitor when", "p lines", "monitor seek 999999999",
                                             "monitor when"], timeout=40)
            ck.begin(ck.scenario, s, server)
            ck.contains(0, g.NO_HISTORY, "the replay ends where the session was interrupted:")
            ck.check(when_of(s[1].output) == count, f"replay end {when_of(s[1].output)} != recorded {count}")
            ck.value(2, 1, "the line read before the signal:")
            ck.check(when_of(s[4].output) == count, f"a seek past the end went to {when_of(s[4].output)}")
            ck.lacks(0, "diverged")


@g.scenario(ck, "SIGTERM to rvrr debug while the guest waits in a read")
def sigterm_debug():
    signal_ends_debug(signal.SIGTERM)


@g.scenario(ck, "SIGINT (kill -INT) to rvrr debug while the guest waits in a read")
def sigint_debug():
    signal_ends_debug(signal.SIGINT)


if __name__ == "__main__":
    ctrl_c_in_read()
    raw_interrupt()
    disconnect_in_read()
    sigterm_debug()
    sigint_debug()
    ck.finish()
