#!/usr/bin/env python3
"""Hardening: `rvrr record` killed with SIGKILL in the middle of a long
recording. The guest (tests/e2e/guests/fault_reader.c) reads stdin chunk by
chunk and works on each; after 5 chunks, while it waits for the 6th, the
recorder is killed. Then `rvrr trace info` says the trace was cut short, and
`rvrr replay` serves what is there: gdb connects, continues to the end of what
was recorded (the guest's state there is exactly the recorded run's), goes
back to the start and forward again, and reverse-stepi works at the end.
(tests/e2e/test_trace_kill.sh covers the trace-info side with other guests.)"""
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

ck = g.Checker("test_fault_record_kill")
CHUNKS = 5


@g.scenario(ck, "record killed with SIGKILL, then trace info and replay")
def killed_recording():
    elf = g.build_guest("fault_reader")
    with tempfile.TemporaryDirectory(prefix="rvrr-fault-kill-") as tmp:
        trace = os.path.join(tmp, "reader.rvrr")
        proc = subprocess.Popen([g.rvrr_binary(), "record", "-o", trace, elf], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        out = g._Reader(proc.stdout)
        err = g._Reader(proc.stderr)
        out.start()
        err.start()
        hashes = {}
        try:
            for i in range(1, CHUNKS + 1):
                proc.stdin.write(f"chunk number {i} of the input\n".encode())
                proc.stdin.flush()
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and f"chunk {i} hash" not in out.text():
                    if proc.poll() is not None:
                        raise g.TestFailure(f"rvrr record exited early ({proc.returncode}):\n{out.text()}{err.text()}")
                    time.sleep(0.02)
                m = re.search(rf"chunk {i} hash ([0-9a-f]{{8}})", out.text())
                if not m:
                    raise g.TestFailure(f"the guest never processed chunk {i}:\n{out.text()}{err.text()}")
                hashes[i] = int(m.group(1), 16)
            time.sleep(0.3)   # the guest now waits in read for chunk 6
            ck.check(proc.poll() is None, "recorder ended before the kill")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            g._kill_group(proc)
            out.join(timeout=2)
            err.join(timeout=2)
        ck.check(proc.returncode == -signal.SIGKILL, f"recorder exit {proc.returncode}, expected SIGKILL")

        info = g.run_rvrr(["trace", "info", trace], timeout=30)
        ck.check(info.returncode == 0, f"trace info of a killed recording: exit {info.returncode}\n"
                                       f"{info.stdout}{info.stderr}")
        m = re.search(r"ended: *cut short after (\d+) event", info.stdout)
        ck.check(m is not None and int(m.group(1)) >= CHUNKS,
                 f"trace info does not say cut short after >= {CHUNKS} events:\n{info.stdout}")
        ck.check(re.search(r"read (\d+)", info.stdout) and int(re.search(r"read (\d+)", info.stdout).group(1)) >= CHUNKS,
                 f"the {CHUNKS} reads are not all in the trace:\n{info.stdout}")

        with g.Server.replay(trace) as server:
            cmds = ["continue",                 # 0: to the end of what was recorded
                    "monitor when",             # 1
                    "p chunks",                 # 2
                    "p/x hash",                 # 3
                    "reverse-stepi",            # 4
                    "monitor when",             # 5
                    "reverse-continue",         # 6: back to the start
                    "monitor when",             # 7
                    "continue",                 # 8: forward to the end again
                    "monitor when",             # 9
                    "p/x hash",                 # 10
                    "info registers pc",        # 11
                    "monitor info timeline"]    # 12
            s = g.run_gdb(server.port, elf, cmds, timeout=50)
            ck.begin(ck.scenario, s, server)
            ck.contains(0, g.NO_HISTORY, "continue stops at the end of the recorded history:")
            ck.value(2, CHUNKS, "chunks processed at the end of the recording:")
            ck.value(3, f"0x{hashes[CHUNKS]:x}", "hash at the end equals the recorded run's:")
            w = [re.search(r"Current instruction: (\d+)", s[i].output) if i < len(s.steps) else None
                 for i in (1, 5, 7, 9)]
            w = [int(x.group(1)) if x else None for x in w]
            ck.check(None not in w, f"monitor when failed: {w}")
            if None not in w:
                ck.check(w[0] > 1_000_000, f"end of replay at {w[0]}: too early for {CHUNKS} chunks")
                ck.check(w[1] == w[0] - 1, f"reverse-stepi at the end: {w[0]} -> {w[1]}")
                ck.check(w[2] == 0, f"reverse-continue went to {w[2]}, expected the start (0)")
                ck.check(w[3] == w[0], f"continue again ended at {w[3]}, first time at {w[0]}")
            ck.contains(6, g.NO_HISTORY)
            ck.value(10, f"0x{hashes[CHUNKS]:x}", "hash after going back and forth:")
            ck.ok(11)
            ck.contains(12, "the trace was cut short", "info timeline of a cut-short trace:")
            ck.check(server.stdout().count(f"fault_reader: chunk {CHUNKS} hash") == 1,
                     f"replayed guest output (expected chunk {CHUNKS} exactly once):\n{server.stdout()}")
            ck.check("cut short" in server.stderr(), f"replay did not warn that the trace is cut short:\n"
                                                     f"{server.stderr()}")
            ck.check(server.alive() and r.crash_text(server.stderr()) is None, "replay server died or crashed")


if __name__ == "__main__":
    killed_recording()
    ck.finish()
