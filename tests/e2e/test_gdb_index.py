#!/usr/bin/env python3
"""The recording index through gdb-multiarch (issue 10): reverse-continue to a
breakpoint and to a watchpoint near the start of a long history, first and
second time, with exact answers; the index kept in TRACE.idx for the next
replay (and a tampered one ignored and rebuilt); `seek P%`; a seek far from
any checkpoint leaves checkpoints behind; Ctrl-C stops a long `seek`."""
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_index")
SRC = g.guest_source("long_history")
L = {n: g.marker_line(SRC, n) for n in ("early_write", "spin_body", "print")}
GDBINIT = os.path.join(g.source_dir(), "gdbinit")
WHEN = re.compile(r"Current instruction: (\d+)")
NOW_AT = re.compile(r"Now at instruction (\d+)")
INDEX = re.compile(r"index: ([\d,]+) stretches")
CHECKPOINTS = re.compile(r"checkpoints: ([\d,]+),")
HISTORY = re.compile(r"history: ([\d,]+) instructions")
# ~220 million instructions on RV32: ~55 stretches of 4M. RV64 runs
# interpreted (~10x slower than RV32's translated code): 80 units there keep
# the test's time (and ASan's) in bounds with the same stretch logic.
UNITS = "80" if os.environ.get("RVRR_E2E_GUEST_ABI", "").startswith("rv64") else "200"
MIN_STRETCHES = int(UNITS) // 4   # the history holds at least this many stretches


# Waits (inside gdb) until the background indexer has caught up with history.
WAIT_INDEXED = ("python import time; [time.sleep(0.1) for _ in iter(lambda: 'indexing: done' not in "
                "gdb.execute('monitor info timeline', to_string=True), False)]")
EXECUTED = re.compile(r"instructions executed: ([\d,]+)")
BACKGROUND = re.compile(r"indexing: done \(([\d,]+) stretches indexed in the background[,)]")


class background_index:
    """Sets RVRR_BACKGROUND_INDEX for the sessions started inside: "0" for the
    scenarios about what scans index (the background indexer would race them)."""
    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self.saved = os.environ.get("RVRR_BACKGROUND_INDEX")
        os.environ["RVRR_BACKGROUND_INDEX"] = self.value

    def __exit__(self, *exc):
        if self.saved is None:
            os.environ.pop("RVRR_BACKGROUND_INDEX", None)
        else:
            os.environ["RVRR_BACKGROUND_INDEX"] = self.saved


def number(rx, session, i):
    m = rx.search(session[i].output) if i < len(session.steps) else None
    return int(m.group(1).replace(",", "")) if m else None


@g.scenario(ck, "reverse-continue to a breakpoint and a watchpoint at the start of a long history, twice")
def far_reverse_continue():
    elf = g.build_guest("long_history")
    cmds = [
        "continue",                                   # 0  to the exit: ~220M instructions of history
        f"break long_history.c:{L['early_write']}",   # 1
        "reverse-continue",                           # 2  first time: scans (and indexes) all of history
        "p v",                                        # 3  the latest call: prepare(2)
        "monitor info timeline",                      # 4
        "delete",                                     # 5
        "continue",                                   # 6  back to the end
        f"break long_history.c:{L['early_write']}",   # 7
        "monitor stats",                              # 8
        "reverse-continue",                           # 9  second time: the index answers
        "monitor stats",                              # 10
        "p v",                                        # 11
        "delete",                                     # 12
        "continue",                                   # 13
        "watch early",                                # 14
        "reverse-continue",                           # 15 the last write: early 1 -> 2
        "p early",                                    # 16 a reverse watchpoint stop shows the New value
        "reverse-continue",                           # 17 the first write: 0 -> 1
        "delete",                                     # 18
        "continue",                                   # 19
        "watch early",                                # 20
        "monitor stats",                              # 21
        "reverse-continue",                           # 22 again, from the end
        "monitor stats",                              # 23
        "kill",                                       # 24
    ]
    # The scan path: no indexer behind the run (it would race the scan for
    # the same stretches; the scenario below covers it).
    with background_index("0"), g.Server.debug(elf, UNITS) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=180)
        ck.begin("far reverse-continue", s, srv)
        ck.contains(0, "exited with status 0")
        ck.at_line(2, L["early_write"], "the first reverse-continue:")
        ck.value(3, 2, "the latest hit is prepare(2):")
        n = number(INDEX, s, 4)
        history = number(HISTORY, s, 4)
        ck.check(n is not None and n >= MIN_STRETCHES, f"the scan indexed the history's stretches: {n}\n{s[4].output}")
        ck.contains(6, "exited with status 0")
        ck.at_line(9, L["early_write"], "the second reverse-continue:")
        ck.value(11, 2, "the second time too:")
        ck.contains(15, "Old value = 2\nNew value = 1\n")
        ck.value(16, 1)
        ck.contains(17, "Old value = 1\nNew value = 0\n")
        ck.contains(22, "Old value = 2\nNew value = 1\n")
        # Once the history is indexed, a far reverse-continue re-runs only the
        # stretches that can hit (the hit's own and the one before it at most),
        # whatever the distance: counted in instructions, not seconds (the
        # time depends on the build and the machine's load; bench/ measures it).
        for before, after, what in ((8, 10, "breakpoint"), (21, 23, "watchpoint")):
            b, a = number(EXECUTED, s, before), number(EXECUTED, s, after)
            ck.check(b is not None and a is not None and a - b <= 2 * 4_000_000,
                     f"the second far reverse-continue to the {what} re-ran "
                     f"{None if None in (a, b) else a - b} instructions of {history} (two stretches at most)")
        print(f"  reverse-continue over {UNITS} units: breakpoint {s[2].seconds:.2f} s then {s[9].seconds:.2f} s, "
              f"watchpoint {s[15].seconds:.2f} s then {s[22].seconds:.2f} s")


@g.scenario(ck, "a replay saves its index in TRACE.idx; the next replay loads it; a tampered one is rebuilt")
def sidecar_across_sessions():
    with background_index("0"):
        sidecar_across_sessions_scanned()


def sidecar_across_sessions_scanned():
    elf = g.build_guest("long_history")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-index-")
    try:
        trace = os.path.join(tmp, "long.rvrr")
        idx = trace + ".idx"
        r = g.run_rvrr(["record", "-o", trace, elf, UNITS], timeout=120)
        ck.begin("record")
        ck.check(r.returncode == 0, f"rvrr record: exit {r.returncode}\n{r.stderr}")
        info = g.run_rvrr(["trace", "info", trace])
        ck.check("index:         none" in info.stdout, f"trace info before any replay:\n{info.stdout}")

        first = [
            "monitor info timeline",                      # 0  nothing known yet
            "continue",                                   # 1
            f"break long_history.c:{L['early_write']}",   # 2
            "reverse-continue",                           # 3  indexes history
            "p v",                                        # 4
            "monitor info timeline",                      # 5
            "kill",                                       # 6  the session ends: the sidecar is saved
        ]
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, first, timeout=120)
            ck.begin("first replay", s, srv)
            ck.check(number(INDEX, s, 0) == 0, f"a first replay knows nothing: {s[0].output}")
            ck.at_line(3, L["early_write"])
            ck.value(4, 2)
            learnt = number(INDEX, s, 5)
            ck.check(learnt is not None and learnt >= MIN_STRETCHES, f"stretches indexed: {learnt}")
            srv.wait(20)
        ck.check(os.path.exists(idx), f"no {idx} after the first replay")
        info = g.run_rvrr(["trace", "info", trace])
        ck.check(re.search(rf"index:         long\.rvrr\.idx, [^:]+: {learnt} stretches of 4,000,000 instructions\n",
                           info.stdout) is not None, f"trace info after a replay:\n{info.stdout}")

        second = [
            "monitor info timeline",                      # 0  loaded from the sidecar
            "continue",                                   # 1
            f"break long_history.c:{L['early_write']}",   # 2
            "reverse-continue",                           # 3  answered from the index
            "p v",                                        # 4
            "delete",                                     # 5
            "continue",                                   # 6
            "watch early",                                # 7
            "reverse-continue",                           # 8
            "kill",                                       # 9
        ]
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, second, timeout=120)
            ck.begin("second replay", s, srv)
            ck.check(number(INDEX, s, 0) == learnt, f"the second replay loads {learnt} stretches: {s[0].output}")
            ck.at_line(3, L["early_write"])
            ck.value(4, 2)
            ck.contains(8, "Old value = 2\nNew value = 1\n")
            print(f"  second replay: reverse-continue {s[3].seconds:.2f} s (breakpoint), "
                  f"{s[8].seconds:.2f} s (watchpoint)")
            srv.wait(20)

        # One byte changed in the middle of the stretches: detected, ignored, rebuilt.
        with open(idx, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0x01
            f.seek(0)
            f.write(data)
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, first, timeout=120)
            ck.begin("replay with a tampered sidecar", s, srv)
            ck.check(number(INDEX, s, 0) == 0, f"a tampered sidecar is not loaded: {s[0].output}")
            ck.at_line(3, L["early_write"])
            ck.value(4, 2)
            srv.wait(20)
        info = g.run_rvrr(["trace", "info", trace])
        ck.check(f": {learnt} stretches of" in info.stdout and "stale" not in info.stdout
                 and "unusable" not in info.stdout, f"the sidecar is rewritten whole:\n{info.stdout}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@g.scenario(ck, "a debug session keeps its index next to the trace it wrote; the replay starts with it")
def live_index_kept():
    with background_index("0"):
        live_index_kept_scanned()


def live_index_kept_scanned():
    elf = g.build_guest("long_history")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-index-")
    try:
        trace = os.path.join(tmp, "live.rvrr")
        cmds = [
            "continue",                                   # 0
            f"break long_history.c:{L['early_write']}",   # 1
            "reverse-continue",                           # 2
            "monitor info timeline",                      # 3
            "kill",                                       # 4
        ]
        with g.Server.debug(elf, "10", options=("-o", trace)) as srv:
            s = g.run_gdb(srv.port, elf, cmds, timeout=60)
            ck.begin("live session", s, srv)
            ck.at_line(2, L["early_write"])
            learnt = number(INDEX, s, 3)
            ck.check(learnt is not None and learnt >= 2, f"stretches indexed: {s[3].output}")
            srv.wait(20)
        ck.check(os.path.exists(trace + ".idx"), "no sidecar next to the trace a debug session wrote")
        cmds = ["monitor info timeline", "continue", f"break long_history.c:{L['early_write']}",
                "reverse-continue", "p v", "kill"]
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, cmds, timeout=60)
            ck.begin("replay of the live session's trace", s, srv)
            ck.check(number(INDEX, s, 0) == learnt, f"the replay starts with {learnt} stretches: {s[0].output}")
            ck.at_line(3, L["early_write"])
            ck.value(4, 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@g.scenario(ck, "a sidecar that cannot be written or read is a warning, not an error")
def sidecar_unwritable():
    with background_index("0"):
        sidecar_unwritable_scanned()


def sidecar_unwritable_scanned():
    elf = g.build_guest("long_history")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-index-")
    try:
        trace = os.path.join(tmp, "short.rvrr")
        r = g.run_rvrr(["record", "-o", trace, elf, "3"], timeout=120)
        ck.begin("record a short history")
        ck.check(r.returncode == 0, f"rvrr record: exit {r.returncode}\n{r.stderr}")
        os.mkdir(trace + ".idx")   # in the sidecar's way: cannot be read, replaced or written
        cmds = [
            "continue",                                   # 0
            f"break long_history.c:{L['early_write']}",   # 1
            "reverse-continue",                           # 2  indexes stretches: the save fails
            "p v",                                        # 3
            "monitor info timeline",                      # 4
            "kill",                                       # 5
        ]
        with g.Server.replay(trace, options=("--checkpoint-interval", "1000000")) as srv:
            s = g.run_gdb(srv.port, elf, cmds, timeout=60)
            ck.begin("replay with an unwritable sidecar", s, srv)
            ck.at_line(2, L["early_write"])
            ck.value(3, 2)
            n = number(INDEX, s, 4)
            ck.check(n is not None and n >= 3, f"stretches indexed: {s[4].output}")
            status = srv.wait(20)
            ck.check(status == 0, f"the replay exits 0 after kill: {status}")
            warnings = srv.stderr().count("warning: the recording index is not saved")
            ck.check(warnings == 1, f"one warning about the sidecar, not {warnings}:\n{srv.stderr()}")
        info = g.run_rvrr(["trace", "info", trace])
        ck.check(info.returncode == 0 and "index:         short.rvrr.idx unreadable" in info.stdout,
                 f"trace info with a directory in the sidecar's place:\n{info.stdout}{info.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@g.scenario(ck, "seek P%, and a far seek leaves checkpoints behind")
def seek_percent():
    elf = g.build_guest("long_history")
    cmds = [
        "continue",                       # 0  the whole history: 100% is its end
        "monitor info timeline",          # 1
        "monitor seek 0%",                # 2
        "monitor seek 50%",               # 3
        "monitor seek 12.5%",             # 4
        "monitor seek 100%",              # 5
        "monitor seek 150%",              # 6  refused: not a percentage of history
        "monitor seek 1.2.3%",            # 7
        "monitor seek %",                 # 8
        "monitor seek -5%",               # 9
        "monitor when",                   # 10 none of those moved
        f"source {GDBINIT}",              # 11
        "seek 25%",                       # 12 the gdbinit wrapper
        "when",                           # 13
        "p $pc == $pc",                   # 14 gdb in step
        "seek 12x",                       # 15 a bad argument resumes nothing
        "when",                           # 16
        "kill",                           # 17
    ]
    with g.Server.debug(elf, UNITS) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=120)
        ck.begin("seek P%", s, srv)
        end = number(HISTORY, s, 1)
        ck.check(end is not None and end > MIN_STRETCHES * 4_000_000, f"history: {end}")
        if end is None:
            return
        ck.check(number(NOW_AT, s, 2) == 0, f"0%: {s[2].output}")
        ck.check(number(NOW_AT, s, 3) == end // 2, f"50% of {end}: {s[3].output}")
        ck.check(number(NOW_AT, s, 4) == end // 8, f"12.5% of {end}: {s[4].output}")
        ck.contains(5, f"instruction {end}")
        for i in (6, 7, 8, 9):
            ck.contains(i, "usage: monitor seek N|P%")
        ck.check(number(WHEN, s, 10) == end, f"bad seeks moved nothing: {s[10].output}")
        ck.check(number(WHEN, s, 13) == end // 4, f"seek 25% (gdbinit): {s[13].output}")
        ck.value(14, 1)
        ck.contains(15, "usage: monitor seek-next N|P%")
        ck.check(number(WHEN, s, 16) == end // 4, f"a bad seek argument resumed: {s[16].output}")

    # A replay starts with one checkpoint (at 0): a seek far into it leaves
    # checkpoints along the way, so seeks near there are cheap.
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-index-")
    try:
        trace = os.path.join(tmp, "long.rvrr")
        r = g.run_rvrr(["record", "-o", trace, elf, UNITS], timeout=120)
        ck.begin("record for seeks")
        ck.check(r.returncode == 0, f"rvrr record: exit {r.returncode}\n{r.stderr}")
        cmds = [
            "monitor info timeline",      # 0
            "monitor seek 90%",           # 1
            "monitor info timeline",      # 2
            "kill",                       # 3
        ]
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, cmds, timeout=120)
            ck.begin("checkpoints left by a far seek", s, srv)
            before, after = number(CHECKPOINTS, s, 0), number(CHECKPOINTS, s, 2)
            ck.check(before == 1, f"a fresh replay: {s[0].output}")
            ck.check(after is not None and after >= 8, f"after a seek to 90%: {before} -> {after} checkpoints")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@g.scenario(ck, "Ctrl-C stops a long `seek` (gdbinit) within moments, and gdb stays in step")
def interrupt_long_seek():
    elf = g.build_guest("long_history")
    target = 4_000_000_000
    cmds = [
        f"source {GDBINIT}",              # 0
        f"!interrupt 1.0 seek {target}",  # 1  live: ~4 billion instructions ahead (many seconds)
        "when",                           # 2
        "p $pc == $pc",                   # 3
        "seek 1000",                      # 4  plain seeks still land exactly
        "when",                           # 5
        "monitor seek 2000",              # 6
        "monitor when",                   # 7
        "kill",                           # 8
    ]
    # Interpreted, so that 1 s surely covers less than half of the seek (translated it may not).
    with g.Server.debug(elf, "5000", options=["--tier", "interp"]) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=120)
        ck.begin("interrupted seek", s, srv)
        ck.contains(1, "SIGINT")
        ck.check(s[1].seconds < 10, f"the interrupted seek took {s[1].seconds:.1f} s")
        w = number(WHEN, s, 2)
        ck.check(w is not None and 0 < w < target // 2, f"stopped well before {target}: {w}")
        ck.value(3, 1)
        ck.check(number(WHEN, s, 5) == 1000, f"seek 1000: {s[5].output}")
        ck.contains(6, "Now at instruction 2000")
        ck.check(number(WHEN, s, 7) == 2000, f"monitor when: {s[7].output}")


@g.scenario(ck, "indexed behind the live run: a first far reverse-continue re-runs one stretch, not the history")
def indexed_while_recording():
    elf = g.build_guest("long_history")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-index-")
    try:
        with background_index("1"):
            trace = os.path.join(tmp, "live.rvrr")
            cmds = [
                "continue",                                   # 0  ~220M instructions, indexed behind the run
                WAIT_INDEXED,                                 # 1  (the indexer follows on its own thread)
                "monitor info timeline",                      # 2
                "monitor stats",                              # 3
                f"break long_history.c:{L['early_write']}",   # 4
                "reverse-continue",                           # 5  the first one: answered from the index
                "p v",                                        # 6
                "monitor stats",                              # 7
                "kill",                                       # 8
            ]
            with g.Server.debug(elf, UNITS, options=("-o", trace)) as srv:
                s = g.run_gdb(srv.port, elf, cmds, timeout=120)
                ck.begin("live session indexed in the background", s, srv)
                ck.contains(0, "exited with status 0")
                history = number(HISTORY, s, 2)
                stretches = number(INDEX, s, 2)
                ck.check(history is not None and stretches == (history + 3_999_999) // 4_000_000
                         and number(BACKGROUND, s, 2) == stretches,
                         f"every stretch indexed in the background before any scan:\n{s[2].output}")
                ck.at_line(5, L["early_write"], "the first reverse-continue:")
                ck.value(6, 2, "the latest hit is prepare(2):")
                before, after = number(EXECUTED, s, 3), number(EXECUTED, s, 7)
                ck.check(before is not None and after is not None and after - before <= 2 * 4_000_000,
                         f"the reverse-continue re-ran {None if None in (before, after) else after - before} "
                         f"instructions of {history} (at most two stretches expected)")
                srv.wait(20)
            info = g.run_rvrr(["trace", "info", trace])
            ck.check(f": {stretches} stretches of" in info.stdout,
                     f"the sidecar holds the whole index:\n{info.stdout}")

            # rvrr record indexes while recording and saves what is done in
            # TRACE.idx. Interpreted, so that the indexer keeps up: translated,
            # the recording can end before it has finished a stretch (then
            # nothing is saved and the first replay indexes, as README says).
            recorded = os.path.join(tmp, "recorded.rvrr")
            r = g.run_rvrr(["record", "--tier", "interp", "-o", recorded, elf, UNITS], timeout=120)
            ck.begin("record with the indexer")
            ck.check(r.returncode == 0, f"rvrr record: exit {r.returncode}\n{r.stderr}")
            info = g.run_rvrr(["trace", "info", recorded])
            m = re.search(r"index:         recorded\.rvrr\.idx, [^:]+: ([\d,]+) stretches", info.stdout)
            ck.check(m is not None and int(m.group(1).replace(",", "")) > 0,
                     f"rvrr record wrote a sidecar:\n{info.stdout}")
            cmds = [WAIT_INDEXED, "monitor info timeline", "continue", f"break long_history.c:{L['early_write']}",
                    "monitor stats", "reverse-continue", "p v", "monitor stats", "kill"]
            with g.Server.replay(recorded) as srv:
                s = g.run_gdb(srv.port, elf, cmds, timeout=120)
                ck.begin("replay of the recorded trace", s, srv)
                ck.check(number(INDEX, s, 1) == stretches, f"the replay completes the index:\n{s[1].output}")
                ck.at_line(5, L["early_write"])
                ck.value(6, 2)
                before, after = number(EXECUTED, s, 4), number(EXECUTED, s, 7)
                ck.check(before is not None and after is not None and after - before <= 2 * 4_000_000,
                         f"the replay's reverse-continue re-ran {None if None in (before, after) else after - before}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    indexed_while_recording()
    far_reverse_continue()
    sidecar_across_sessions()
    live_index_kept()
    sidecar_unwritable()
    seek_percent()
    interrupt_long_seek()
    ck.finish()
