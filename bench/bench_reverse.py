#!/usr/bin/env python3
"""bench_reverse: how long reverse-debugging commands take in gdb on long runs.

For corrupt_late (~100M instructions) and compute (~1.5G instructions with
1370 iterations): run to the end, `watch` a global, `reverse-continue` to its
last writer, 10x `reverse-stepi`, 3x `reverse-next`, 10x `stepi`, then
`reverse-continue` to a breakpoint hit only at the very beginning, then
`continue` to the end and `reverse-continue` to `main` (both answered from the
recording index that first scan built). Each
command is timed inside gdb (time.perf_counter around gdb.execute; see
tests/e2e/gdbtest.py). Also: peak checkpoint memory against the budget
(`monitor info timeline`) and the recording overhead (`rvrr record` vs
`rvrr run`, median of --repeat runs). Prints figures; never fails on time.

usage: bench/bench_reverse.py [--rvrr build/rvrr] [--examples build/examples] [--repeat 5]
       [--compute-iterations 1370] [--long-units 4600] [--only corrupt_late|compute|long_history]

long_history (tests/e2e/guests/long_history.c, ~5.1G instructions by default)
is issue 10's benchmark: reverse-continue to a line and to a global touched
only at the start, first and second time; `monitor seek 50%` and `seek 1000`;
the index build (the first scan) against one plain replay.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import gdbtest as g  # noqa: E402


def scenario(name, src, args, stop_line_text, watch, early_line_text):
    """gdb commands for one program; returns (argv, commands, labels)."""
    stop_line = g.line_of(src, stop_line_text)
    early_line = g.line_of(src, early_line_text)
    base = os.path.basename(src)
    cmds, labels = [], []

    def add(cmd, label=None):
        cmds.append(cmd)
        labels.append(label)

    add(f"tbreak {base}:{stop_line}")
    add("continue", "continue to the end (forward, live)")
    add(f"watch {watch}")
    add("reverse-continue", f"reverse-continue to the last write of {watch}")
    add("monitor when")
    add("delete")
    for _ in range(10):
        add("reverse-stepi", "reverse-stepi")
    for _ in range(3):
        add("reverse-next", "reverse-next")
    for _ in range(10):
        add("stepi", "stepi")
    add(f"break {base}:{early_line}")
    add("reverse-continue", "reverse-continue to a breakpoint hit at the start")
    # The recording index now knows every stretch that first scan ran: going
    # forward to the end and back to another early point skip what cannot hit.
    add("delete")
    add(f"tbreak {base}:{stop_line}")
    add("continue", "continue to the end again (index: skips stretches)")
    add("break main")
    add("reverse-continue", "reverse-continue to another point at the start (index known)")
    add("monitor when")
    add("monitor info timeline")
    add("kill")
    return cmds, labels


# Waits (inside gdb) until the background indexer has caught up with history.
WAIT_INDEXED = ("python import time; [time.sleep(0.05) for _ in iter(lambda: 'indexing: done' not in "
                "gdb.execute('monitor info timeline', to_string=True), False)]")


def long_scenario(src, wait_index=False):
    """The issue-10 benchmark on tests/e2e/guests/long_history.c: a line and a
    global touched only in the first instructions of a history of billions.
    wait_index: let the background indexer finish before the first reverse-continue."""
    base = os.path.basename(src)
    early = g.marker_line(src, "early_write")
    cmds, labels = [], []

    def add(cmd, label=None):
        cmds.append(cmd)
        labels.append(label)

    add("continue", "continue to the end (live: records the history)")
    if wait_index:
        add(WAIT_INDEXED, "then waiting for the background indexer to finish")
    add("monitor info timeline")
    add(f"break {base}:{early}")
    add("reverse-continue", "reverse-continue to a line at the start, 1st (scans, indexes)")
    add("delete")
    add("continue", "continue to the end again (index: skips stretches)")
    add(f"break {base}:{early}")
    add("reverse-continue", "reverse-continue to a line at the start, 2nd")
    add("delete")
    add("continue")
    add("watch early")
    add("reverse-continue", "reverse-continue to a watched write at the start, 1st")
    add("delete")
    add("continue")
    add("watch early")
    add("reverse-continue", "reverse-continue to a watched write at the start, 2nd")
    add("delete")
    add("monitor seek 50%", "monitor seek 50% (from the start)")
    add("monitor seek 1000", "monitor seek 1000")
    add("monitor seek 50%", "monitor seek 50% again (after seek 1000 thinned around 0)")
    add("monitor info timeline")
    add("kill")
    return cmds, labels


def run_session(rvrr, elf, args, cmds, timeout):
    srv = g.Server([rvrr, "debug", "--port", "0", elf, *args])
    try:
        srv.start()
        return g.run_gdb(srv.port, elf, cmds, timeout=timeout), srv
    finally:
        srv.stop()


def timed(argv, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=3600)
        times.append(time.perf_counter() - t0)
        if r.returncode not in (0, 1):
            return f"error: {' '.join(argv)} exited {r.returncode}: {r.stderr.decode()[-300:]}"
    return statistics.median(times)


def report_session(name, s, labels):
    print(f"\n== {name}: gdb command times (inside gdb, perf_counter) ==")
    rows = {}
    for st in s.steps:
        label = labels[st.index]
        if label:
            rows.setdefault(label, []).append(st)
    for label, steps in rows.items():
        times = [st.seconds for st in steps]
        errors = [st.error for st in steps if st.error]
        med = statistics.median(times)
        extra = f"  (n={len(times)}, min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms)" \
            if len(times) > 1 else ""
        print(f"  {label:52} {med * 1000:10.1f} ms{extra}" + (f"  ERRORS: {errors[0]}" if errors else ""))
        slow = max(steps, key=lambda st: st.seconds)
        if len(steps) > 1 and slow.seconds > 10 * med:
            where = [ln for ln in slow.output.strip().splitlines() if ln.strip()][-1:]
            print(f"  {'':52} slowest (#{slow.index}) ended at: {where[0][:90] if where else '?'}")
    for st in s.steps:
        if st.command == "reverse-continue" and "Old value" in st.output:
            m = re.search(r"Old value = (\S+)\nNew value = (\S+)", st.output)
            loc = re.search(r"(\w+ \(.*\) at \S+:\d+)", st.output)
            print(f"  watchpoint found: {loc.group(1) if loc else '?'}  old {m.group(1)} new {m.group(2)}")
        if st.command == "monitor when":
            m = re.search(r"Current instruction: (\d+)", st.output)
            if m:
                print(f"  position after command #{st.index - 1} ({s.commands[st.index - 1]}): "
                      f"instruction {int(m.group(1)):,}")
        if st.command == "monitor info timeline":
            for line in st.output.strip().splitlines():
                print("  timeline: " + line)
    if not s.done or s.timed_out:
        print("  gdb did not finish the script; last output:\n" + s.text[-3000:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rvrr", default=os.environ.get("RVRR", os.path.join(ROOT, "build", "rvrr")))
    ap.add_argument("--examples", default=os.environ.get("RVRR_EXAMPLES_DIR", os.path.join(ROOT, "build", "examples")))
    ap.add_argument("--repeat", type=int, default=5, help="runs for the record-overhead medians")
    ap.add_argument("--compute-iterations", default="1370")
    ap.add_argument("--long-units", default="4600",
                    help="long_history units (~1.1M instructions each; 4600: ~5.1 billion)")
    ap.add_argument("--only", choices=["corrupt_late", "compute", "long_history"])
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--wait-index", action="store_true",
                    help="long_history: let the background indexer finish before the first reverse-continue")
    a = ap.parse_args()
    os.environ["RVRR"] = a.rvrr
    os.environ["RVRR_EXAMPLES_DIR"] = a.examples
    os.environ.setdefault("RVRR_SOURCE_DIR", ROOT)

    programs = [
        ("corrupt_late", [], "report(total);", "guard", "balance[i] = 1000"),
        ("compute", [a.compute_iterations], "printf(\"compute: %ld", "rng_state", "long iterations ="),
    ]
    tmp = tempfile.mkdtemp(prefix="rvrr-bench-reverse-")
    overhead = []
    programs.append(("long_history", [a.long_units], None, None, None))
    for name, args, stop_text, watch, early_text in programs:
        if a.only and a.only != name:
            continue
        if name == "long_history":
            elf = g.build_guest(name)
            src = g.guest_source(name)
            cmds, labels = long_scenario(src, a.wait_index)
        else:
            elf = g.example(name)
            src = g.example_source(name)
            cmds, labels = scenario(name, src, args, stop_text, watch, early_text)
        t0 = time.perf_counter()
        s, srv = run_session(a.rvrr, elf, args, cmds, a.timeout)
        report_session(f"{name} {' '.join(args)}".strip(), s, labels)
        print(f"  whole gdb session: {time.perf_counter() - t0:.1f} s")
        trace = os.path.join(tmp, name + ".trace")
        t_run = timed([a.rvrr, "run", elf, *args], a.repeat)
        t_rec = timed([a.rvrr, "record", "-o", trace, elf, *args], a.repeat)
        overhead.append((name, t_run, t_rec))
        if name == "long_history":
            # One plain replay of the whole trace, to compare with the index
            # build (the first reverse-continue above), and the threads the
            # scans used (`monitor info timeline`; RVRR_SCAN_THREADS sets them).
            t_replay = timed([a.rvrr, "trace", "info", "--verify", trace], 1)
            m = re.search(r"re-run intervals on (\d+) thread", "".join(st.output for st in s.steps))
            print(f"  one plain replay of the trace (trace info --verify): "
                  f"{t_replay if isinstance(t_replay, str) else f'{t_replay:.2f} s'}; "
                  f"hardware threads used by scans: {m.group(1) if m else '?'}")
            # The index build alone: a replay without a sidecar indexes the whole
            # history on its one background thread; time it from gdb's connection.
            idx = trace + ".idx"
            if os.path.exists(idx):
                os.remove(idx)
            # At normal priority: the build's cost, not how busy the machine is.
            saved = os.environ.get("RVRR_BACKGROUND_INDEX")
            os.environ["RVRR_BACKGROUND_INDEX"] = "1"
            srv = g.Server([a.rvrr, "replay", "--port", "0", trace])
            try:
                srv.start()
                r = g.run_gdb(srv.port, elf, [WAIT_INDEXED, "monitor info timeline", "kill"], timeout=a.timeout)
            finally:
                srv.stop()
                if saved is None:
                    os.environ.pop("RVRR_BACKGROUND_INDEX", None)
                else:
                    os.environ["RVRR_BACKGROUND_INDEX"] = saved
            built = r.steps[0].seconds if r.steps else None
            print(f"  index build in a replay without TRACE.idx (1 background thread): "
                  f"{f'{built:.2f} s' if built is not None else '?'}"
                  + (f" = {built / t_replay:.2f}x one plain replay" if built and not isinstance(t_replay, str) else ""))
            for line in (r.steps[1].output.strip().splitlines() if len(r.steps) > 1 else []):
                print("  replay timeline: " + line)

    print(f"\n== recording overhead (median of {a.repeat} runs, wall time) ==")
    print(f"  {'program':16}{'rvrr run':>14}{'rvrr record':>14}{'overhead':>10}")
    for name, t_run, t_rec in overhead:
        if isinstance(t_run, str) or isinstance(t_rec, str):
            print(f"  {name:16} {t_run if isinstance(t_run, str) else ''} {t_rec if isinstance(t_rec, str) else ''}")
            continue
        print(f"  {name:16}{t_run:13.3f}s{t_rec:13.3f}s{(t_rec / t_run - 1) * 100:9.1f}%")
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
