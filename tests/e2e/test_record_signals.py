#!/usr/bin/env python3
"""`rvrr record` ended by Ctrl-C (SIGINT) or SIGTERM (issue 8, item 3).

The recording ends cleanly: exit status 128+signal, a complete trace whose
footer says it was interrupted, with the final count and state; `trace info`
shows "interrupted" and the count, `--verify` replays it to that point and
agrees, and `rvrr replay` ends history exactly there (replaylog:end), never
past it. Once while the guest waits in a read (tests/e2e/guests/fault_reader.c
on a pipe that stays open), once while it computes (examples/compute).
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

ck = g.Checker("test_record_signals")


def start_record(trace, program, *args):
    proc = subprocess.Popen([g.rvrr_binary(), "record", "-o", trace, program, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    out, err = g._Reader(proc.stdout), g._Reader(proc.stderr)
    out.start()
    err.start()
    return proc, out, err


def wait_text(reader, proc, needle, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in reader.text():
            return
        if proc.poll() is not None:
            raise g.TestFailure(f"rvrr record exited early ({proc.returncode}) waiting for {needle!r}")
        time.sleep(0.02)
    raise g.TestFailure(f"no {needle!r} within {timeout}s:\n{reader.text()}")


def check_interrupted_trace(trace, program, name, replay_cmds=(), replay_checks=None):
    """trace info, --verify and a replay of an interrupted trace; returns its length."""
    info = g.run_rvrr(["trace", "info", "--verify", trace], timeout=120)
    ck.check(info.returncode == 0, f"trace info --verify: exit {info.returncode}\n{info.stdout}{info.stderr}")
    ck.check(f"ended:         interrupted by {name}" in info.stdout, f"not marked interrupted:\n{info.stdout}")
    ck.check("at least" not in info.stdout and "cut short" not in info.stdout,
             f"an interrupted trace must be complete:\n{info.stdout}")
    ck.check("verified" in info.stdout, f"--verify did not verify:\n{info.stdout}")
    m = re.search(r"after ([\d,]+) instructions", info.stdout)
    length = re.search(r"length: *([\d,]+) instructions", info.stdout)
    ck.check(m is not None and length is not None and m.group(1) == length.group(1),
             f"the end line and the length disagree:\n{info.stdout}")
    count = int(m.group(1).replace(",", "")) if m else None
    with g.Server.replay(trace) as server:
        cmds = ["continue", "monitor when", f"monitor seek {(count or 0) + 1000000}", "monitor when",
                "monitor info timeline", *replay_cmds]
        s = g.run_gdb(server.port, program, cmds, timeout=120)
        ck.begin(ck.scenario, s, server)
        ck.contains(0, g.NO_HISTORY, "the replay stops at the end of the interrupted recording:")
        ck.lacks(0, "diverged")
        whens = [re.search(r"Current instruction: (\d+)", s[i].output) for i in (1, 3)]
        ck.check([int(w.group(1)) if w else None for w in whens] == [count, count],
                 f"replay end / seek past the end: {[w.group(1) if w else None for w in whens]}, "
                 f"recorded {count}")
        ck.contains(4, "the recording was stopped there", "info timeline on an interrupted recording:")
        if replay_checks:
            replay_checks(s)
        ck.check("cut short" not in server.stderr(), f"replay warned about a cut-short trace:\n{server.stderr()}")
        ck.check(server.alive() and r.crash_text(server.stderr()) is None, "replay server died or crashed")
    return count


@g.scenario(ck, "SIGINT to rvrr record while the guest waits in a read")
def sigint_in_read():
    elf = g.build_guest("fault_reader")
    with tempfile.TemporaryDirectory(prefix="rvrr-record-sig-") as tmp:
        trace = os.path.join(tmp, "reader.rvrr")
        proc, out, err = start_record(trace, elf)
        try:
            for i in (1, 2):
                proc.stdin.write(f"chunk {i} of the input\n".encode())
                proc.stdin.flush()
                wait_text(out, proc, f"chunk {i} hash")
            time.sleep(0.3)  # now waiting in read for chunk 3, the pipe open
            os.kill(proc.pid, signal.SIGINT)
            status = proc.wait(timeout=15)
            out.join(timeout=5)  # everything it printed
            err.join(timeout=5)
        finally:
            g._kill_group(proc)
        ck.check(status == 130, f"rvrr record after SIGINT: exit {status}, expected 130\n{err.text()}")
        m = re.search(r"recording interrupted by SIGINT at instruction ([\d,]+)", err.text())
        ck.check(m is not None, f"no 'recording interrupted' line:\n{err.text()}")
        ck.check("trace written to" in err.text(), f"no 'trace written' line:\n{err.text()}")
        hash2 = re.search(r"chunk 2 hash ([0-9a-f]{8})", out.text()).group(1)

        def replay_checks(s):
            ck.value(5, 2, "chunks read before the interrupt:")
            ck.value(6, f"0x{int(hash2, 16):x}", "hash at the end of the interrupted recording:")

        count = check_interrupted_trace(trace, elf, "SIGINT", ["p chunks", "p/x hash"], replay_checks)
        if m and count is not None:
            ck.check(int(m.group(1).replace(",", "")) == count, f"record said {m.group(1)}, trace info {count}")


@g.scenario(ck, "SIGTERM to rvrr record while the guest computes")
def sigterm_computing():
    compute = g.example("compute")
    with tempfile.TemporaryDirectory(prefix="rvrr-record-sig-") as tmp:
        trace = os.path.join(tmp, "compute.rvrr")
        proc, out, err = start_record(trace, compute, "100000000")
        try:
            time.sleep(1.0)
            ck.check(proc.poll() is None, f"the recording ended by itself:\n{err.text()}")
            os.kill(proc.pid, signal.SIGTERM)
            status = proc.wait(timeout=15)
            out.join(timeout=5)  # everything it printed
            err.join(timeout=5)
        finally:
            g._kill_group(proc)
        ck.check(status == 143, f"rvrr record after SIGTERM: exit {status}, expected 143\n{err.text()}")
        ck.check("recording interrupted by SIGTERM" in err.text(), f"stderr:\n{err.text()}")
        count = check_interrupted_trace(trace, compute, "SIGTERM")
        ck.check(count is not None and count > 1_000_000, f"recorded {count} instructions in a second")


if __name__ == "__main__":
    sigint_in_read()
    sigterm_computing()
    ck.finish()
