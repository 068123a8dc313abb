#!/usr/bin/env python3
"""`target extended-remote`, as rr users connect: `run` and `start` go back to
the first instruction (the recorded run again, breakpoints hit as before),
`kill` keeps the server for the next `run`, and a gdb that kills and leaves
ends the session with the trace written, as a kill in plain remote mode does."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_extended_remote")


@g.scenario(ck, "live: run again hits the same breakpoint with the same state; start; kill and leave ends the server")
def live_run_again():
    elf = g.example("off_by_one")
    src = g.example_source("off_by_one")
    lost = g.line_of(src, "void lost_job(int id)")
    cmds = [
        "break lost_job",                               # 0
        "continue",                                     # 1
        "p id",                                         # 2
        "run",                                          # 3
        "p id",                                         # 4
        "info breakpoints",                             # 5
        "start",                                        # 6
        "next",                                         # 7
        "kill",                                         # 8
    ]
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, cmds, target="extended-remote")
        ck.begin("extended-remote live", s, srv)
        ck.contains(1, "Breakpoint 1, lost_job")
        ck.at_line(1, lost)
        first_id = re.search(r"\$\d+ = (\d+)", s[2].output)
        ck.contains(3, "Breakpoint 1, lost_job")
        ck.at_line(3, lost)
        ck.lacks(3, "Remote connection closed")
        again_id = re.search(r"\$\d+ = (\d+)", s[4].output)
        ck.check(first_id is not None and again_id is not None and first_id.group(1) == again_id.group(1),
                 f"the run again reaches the same job: {s[2].output!r} vs {s[4].output!r}")
        ck.contains(5, "breakpoint already hit 1 time")  # gdb counts from the new run
        ck.contains(6, "Temporary breakpoint 2, main ()")
        ck.ok(7)
        ck.contains(8, "killed")
        status = srv.wait(timeout=20)
        ck.check(status == 0, f"the server ends after gdb killed the program and left (status {status})")
        ck.check("trace written to" in srv.stderr(), "the trace is written:\n" + srv.stderr())


@g.scenario(ck, "replay: run goes back to the start of the recording")
def replay_run_again():
    elf = g.example("off_by_one")
    trace = os.path.join(os.environ["RVRR_TRACE_DIR"], "extended.rvrr")
    r = g.run_rvrr(["record", "-o", trace, elf])
    ck.check(os.path.exists(trace), f"recorded: {r}")
    cmds = [
        "break lost_job",                               # 0
        "continue",                                     # 1
        "run",                                          # 2
        "continue",                                     # 3
        "start",                                        # 4
        "reverse-stepi",                                # 5
        "detach",                                       # 6: the connection stays (gdbserver --multi)
        "run",                                          # 7
        "monitor when",                                 # 8
    ]
    with g.Server.replay(trace) as srv:
        s = g.run_gdb(srv.port, elf, cmds, target="extended-remote")
        ck.begin("extended-remote replay", s, srv)
        ck.contains(1, "Breakpoint 1, lost_job")
        ck.contains(2, "Breakpoint 1, lost_job")
        ck.contains(3, "the program exited with status 1")
        ck.contains(4, "Temporary breakpoint 2, main ()")
        ck.ok(5)
        ck.lacks(5, g.NO_HISTORY)
        ck.contains(6, "detached")
        ck.contains(7, "Breakpoint 1, lost_job")
        ck.lacks(7, "Remote connection closed")
        ck.contains(8, "Current instruction:")


if __name__ == "__main__":
    live_run_again()
    replay_run_again()
    ck.finish()
