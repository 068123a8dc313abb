#!/usr/bin/env python3
"""`rvrr trace lines`, `trace profile` and `trace dump` on recorded traces
(issue 11, items 1, 2 and 7), text and --json forms.

The exact numbers come from tests/fixtures/query_guest.c, whose answers are
known by construction (a loop body entered 37 times, square() called 5 times,
fact(6) recursing, a longjmp out of nested calls); tests/fixtures/trace_guest.elf
gives a trace with host calls for the dump; the compute example checks that
the queries hold together on a real program (totals equal the trace's length).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_trace_queries")
FIXTURES = os.path.join(g.source_dir(), "tests", "fixtures")
QUERY_SRC = os.path.join(FIXTURES, "query_guest.c")


def record(tmp, name, program, *args, stdin=b""):
    path = os.path.join(tmp, name + ".rvrr")
    rec = subprocess.run([g.rvrr_binary(), "record", "-o", path, program, *args], input=stdin,
                         capture_output=True, timeout=120)
    if not os.path.exists(path) or "trace written" not in rec.stderr.decode():
        raise g.TestFailure(f"record {program} failed ({rec.returncode}): {rec.stderr.decode()}")
    return path


def ok(args, what):
    res = g.run_rvrr(args, timeout=120)
    ck.check(res.returncode == 0, f"{what}: `rvrr {' '.join(args)}` exited {res.returncode}:\n{res.stderr}")
    return res.stdout


def parse_json(text, what):
    try:
        return json.loads(text)
    except ValueError as e:
        ck.fail(f"{what}: not JSON ({e}):\n{text[:2000]}", context=False)
        return None


def trace_length(trace):
    dump = parse_json(ok(["trace", "dump", "--json", trace], "dump for the length"), "dump --json")
    return dump["header"]["length"] if dump else -1


def counts_of(text):
    """{(file basename, line): count} from `trace lines` text."""
    out = {}
    for line in text.splitlines():
        m = re.fullmatch(r"(.+):(\d+) (\d+)", line)
        ck.check(m is not None, f"`trace lines` line not FILE:LINE COUNT: {line!r}")
        if m:
            out[(os.path.basename(m.group(1)), int(m.group(2)))] = int(m.group(3))
    return out


@g.scenario(ck, "trace lines: counts known by construction, text, --json and --annotate")
def lines():
    with tempfile.TemporaryDirectory(prefix="rvrr-queries-") as tmp:
        trace = record(tmp, "query", os.path.join(FIXTURES, "query_guest.elf"))
        loop = g.line_of(QUERY_SRC, "LOOP_BODY")
        square = g.line_of(QUERY_SRC, "SQUARE_BODY")
        counts = counts_of(ok(["trace", "lines", trace], "lines"))
        ck.check(counts.get(("query_guest.c", loop)) == 37, f"loop body: {counts.get(('query_guest.c', loop))}, not 37")
        ck.check(counts.get(("query_guest.c", square)) == 5, f"square body: {counts.get(('query_guest.c', square))}")
        ck.check(("query_guest.c", 1) not in counts, "a comment line is listed as having code")

        doc = parse_json(ok(["trace", "lines", "--json", trace], "lines --json"), "lines --json")
        if doc:
            by_line = {(os.path.basename(x["file"]), x["line"]): x for x in doc["lines"]}
            ck.check(by_line[("query_guest.c", loop)]["hits"] == 37, f"--json loop body: {by_line.get(('query_guest.c', loop))}")
            code = by_line[("query_guest.c", loop)]["code"]
            ck.check(len(code) >= 1 and all(lo < hi for lo, hi in code), f"--json loop body code ranges: {code}")
            total = sum(x["instructions"] for x in doc["lines"]) + doc["instructions_without_line"]
            ck.check(total == doc["instructions"] == trace_length(trace),
                     f"--json: line instructions {total}, total {doc['instructions']}, trace length {trace_length(trace)}")

        # gcov's margin: the count, ##### for code never run, - for no code.
        text = ok(["trace", "lines", "--annotate", QUERY_SRC, trace], "annotate")
        rows = text.splitlines()
        ck.check(any(re.fullmatch(rf"\s+37:\s+{loop}:.*LOOP_BODY.*", r) for r in rows),
                 f"annotate: no `37: {loop}:` row:\n{text}")
        ck.check(any(re.fullmatch(r"\s+-:\s+1:// query_guest.c.*", r) for r in rows), f"annotate: line 1 not '-':\n{text}")
        bad = g.run_rvrr(["trace", "lines", "--annotate", "no_such_file.c", trace])
        ck.check(bad.returncode == 2 and "no source file 'no_such_file.c'" in bad.stderr,
                 f"annotate of an unknown file: exit {bad.returncode}: {bad.stderr}")


@g.scenario(ck, "trace profile: exact totals, calls, folded stacks, windows")
def profile():
    with tempfile.TemporaryDirectory(prefix="rvrr-queries-") as tmp:
        trace = record(tmp, "query", os.path.join(FIXTURES, "query_guest.elf"))
        length = trace_length(trace)
        text = ok(["trace", "profile", trace], "profile")
        ck.check(f"instructions: {length:,}" in text, f"profile total is not the trace length {length}:\n{text}")
        ck.check(re.search(r"^\s+[\d,]+\s+[\d.]+%\s+[\d,]+\s+[\d.]+%\s+5  square \(.*query_guest.c:\d+\)$", text, re.M),
                 f"square with 5 calls missing:\n{text}")

        doc = parse_json(ok(["trace", "profile", "--json", trace], "profile --json"), "profile --json")
        if doc:
            ck.check(sum(f["self"] for f in doc["functions"]) == doc["instructions"] == length,
                     f"--json self sum != {length}")
            ck.check(sum(p["self"] for p in doc["paths"]) == length, "--json path sum != length")
            fns = {f["name"]: f for f in doc["functions"]}
            ck.check(fns["fact"]["calls"] == 6 and fns["_start"]["inclusive"] == length, f"fact/_start: {fns}")
            ck.check(["_start", "main", "after_jump"] in [p["stack"] for p in doc["paths"]],
                     "after the longjmp, after_jump is not called from main")

        folded = ok(["trace", "profile", "--folded", trace], "folded")
        total = 0
        for row in folded.splitlines():
            m = re.fullmatch(r"[^ ;]+(;[^ ;]+)* (\d+)", row)
            ck.check(m is not None, f"folded row: {row!r}")
            total += int(m.group(2)) if m else 0
        ck.check(total == length, f"folded stacks sum to {total}, not {length}")

        lo, hi = length // 3, length // 3 + 100
        win = parse_json(ok(["trace", "profile", "--json", "--from", str(lo), "--to", str(hi), trace], "window"), "window")
        if win:
            ck.check(win["instructions"] == 100 and win["from"] == lo and win["to"] == hi, f"window: {win['instructions']}")
        top = ok(["trace", "profile", "--top", "1", trace], "--top 1")
        ck.check("more (--top)" in top, f"--top 1 lists everything:\n{top}")
        bad = g.run_rvrr(["trace", "profile", "--from", "9", "--to", "9", trace])
        ck.check(bad.returncode == 2 and "--from must be below --to" in bad.stderr, f"empty window: {bad.returncode} {bad.stderr}")


@g.scenario(ck, "trace dump: header and every event, text and --json")
def dump():
    with tempfile.TemporaryDirectory(prefix="rvrr-queries-") as tmp:
        trace = record(tmp, "io", os.path.join(FIXTURES, "trace_guest.elf"), stdin=b"hello there\n")
        text = ok(["trace", "dump", trace], "dump")
        ck.check("program:       trace_guest.elf" in text, f"dump header:\n{text}")
        ck.check(re.search(r'^\d+: read\(fd 0, 32 bytes\) = 12 "hello there\\n"$', text, re.M),
                 f"dump lacks the read:\n{text}")
        ck.check(re.search(r"^\d+: getrandom\(8 bytes\) = 8 [0-9a-f]{16}$", text, re.M), f"dump lacks getrandom:\n{text}")
        ck.check(re.search(r"^\d+: end: exited with status \d+$", text, re.M), f"dump lacks the end:\n{text}")
        doc = parse_json(ok(["trace", "dump", "--json", trace], "dump --json"), "dump --json")
        if doc:
            calls = [e["call"] for e in doc["events"]]
            ck.check(calls[:2] == ["getrandom", "read"], f"--json events: {calls}")
            read = doc["events"][1]
            ck.check(bytes.fromhex(read["data_hex"]) == b"hello there\n" and read["value"] == 12, f"--json read: {read}")
            icounts = [e["icount"] for e in doc["events"]]
            ck.check(icounts == sorted(icounts) and doc["end"]["icount"] >= icounts[-1], f"counts out of order: {icounts}")
            ck.check(doc["end"]["kind"] == "exited" and doc["header"]["program"] == "trace_guest.elf", f"--json: {doc['end']}")
        for args in (["trace", "dump"], ["trace", "dump", os.path.join(tmp, "missing.rvrr")], ["trace", "lines", "--bogus", trace]):
            res = g.run_rvrr(args)
            ck.check(res.returncode == 2 and res.stderr.startswith("rvrr: "), f"{args}: exit {res.returncode}: {res.stderr}")


@g.scenario(ck, "answers are kept next to the trace: a repeat is the same, a tampered cache is recomputed")
def answer_cache():
    with tempfile.TemporaryDirectory(prefix="rvrr-queries-") as tmp:
        trace = record(tmp, "query", os.path.join(FIXTURES, "query_guest.elf"))
        side = trace + ".answers"
        questions = [["trace", "lines", "--json", trace], ["trace", "profile", "--folded", trace],
                     ["trace", "calls", "--json", trace, "square"]]
        os.environ["RVRR_NO_CACHE"] = "1"
        try:
            fresh = [ok(q, "uncached " + q[1]) for q in questions]
        finally:
            del os.environ["RVRR_NO_CACHE"]
        ck.check(not os.path.exists(side), "RVRR_NO_CACHE=1 writes no cache")
        first = [ok(q, "first " + q[1]) for q in questions]
        ck.check(first == fresh, "the first answers are the uncached ones")
        ck.check(os.path.exists(side), f"the answers are kept in {side}")
        with open(side, "rb") as f:
            kept = f.read()
        second = [ok(q, "second " + q[1]) for q in questions]
        ck.check(second == first, "asked again: the same answers")
        with open(side, "rb") as f:
            ck.check(f.read() == kept, "asked again: answered from the cache (not rewritten)")
        # Tampering (one flipped byte inside the answers) is detected: recomputed, the same, and the cache rewritten.
        tampered = bytearray(kept)
        tampered[len(tampered) // 2] ^= 0x20
        with open(side, "wb") as f:
            f.write(tampered)
        third = [ok(q, "after tampering " + q[1]) for q in questions]
        ck.check(third == first, "after tampering: the same answers")
        with open(side, "rb") as f:
            ck.check(f.read() == kept, "after tampering: the cache is rewritten as it was")
        # A directory that cannot be written: no cache, the same answers.
        if os.geteuid() != 0:
            os.remove(side)
            os.chmod(tmp, 0o555)
            try:
                ck.check([ok(q, "read-only " + q[1]) for q in questions] == first, "read-only directory: the same answers")
            finally:
                os.chmod(tmp, 0o755)


@g.scenario(ck, "the compute example: every query on a real program agrees with the trace's length")
def compute():
    with tempfile.TemporaryDirectory(prefix="rvrr-queries-") as tmp:
        trace = record(tmp, "compute", g.example("compute"), "1")
        length = trace_length(trace)
        lines = parse_json(ok(["trace", "lines", "--json", trace], "compute lines"), "compute lines")
        prof = parse_json(ok(["trace", "profile", "--json", trace], "compute profile"), "compute profile")
        if lines and prof:
            ck.check(lines["instructions"] == prof["instructions"] == length,
                     f"lines {lines['instructions']}, profile {prof['instructions']}, length {length}")
            names = [f["name"] for f in prof["functions"]]
            ck.check("main" in names and "sieve" in names, f"compute's functions: {names}")
        # Split over threads (4M-instruction intervals cut by an untraced pass,
        # traced in parallel; 10 iterations make 3 of them): the same answers.
        long_trace = record(tmp, "compute10", g.example("compute"), "10")
        os.environ["RVRR_NO_CACHE"] = "1"
        try:
            for q in (["trace", "lines", "--json", long_trace], ["trace", "profile", "--json", long_trace],
                      ["trace", "profile", "--folded", "--from", "3000000", "--to", "9000000", long_trace]):
                answers = []
                for n in ("1", "3"):
                    os.environ["RVRR_SCAN_THREADS"] = n
                    answers.append(ok(q, f"{q[1]} on {n} threads"))
                ck.check(answers[0] == answers[1], f"`rvrr {' '.join(q[:-1])}` on 1 and 3 threads differ")
        finally:
            del os.environ["RVRR_NO_CACHE"]
            os.environ.pop("RVRR_SCAN_THREADS", None)
        # The states the first split question reached are kept (TRACE.states)
        # and the next questions start there: the same answers as one thread,
        # also after the file is damaged (it is checked, dropped and rewritten).
        single = {}
        os.environ["RVRR_SCAN_THREADS"] = "1"
        try:
            for q in ("lines", "profile"):
                single[q] = ok(["trace", q, "--json", long_trace], f"{q} on 1 thread")
                os.remove(long_trace + ".answers")
            os.environ["RVRR_SCAN_THREADS"] = "3"
            states = long_trace + ".states"
            for damage in (None, "flip", "truncate"):
                if damage == "flip":
                    data = bytearray(open(states, "rb").read())
                    data[len(data) // 2] ^= 0x55
                    open(states, "wb").write(bytes(data))
                elif damage == "truncate":
                    os.truncate(states, os.path.getsize(states) // 3)
                for q in ("lines", "profile"):
                    got = ok(["trace", q, "--json", long_trace], f"{q} on 3 threads, states {damage}")
                    ck.check(got == single[q], f"`trace {q}` with kept states ({damage}) differs from one thread")
                    os.remove(long_trace + ".answers")
                    # 10.4M instructions: split questions start at 4M and 8M.
                    info = ok(["trace", "info", long_trace], "trace info")
                    ck.check(re.search(r"^states:        compute10\.rvrr\.states, [^:]+: 2 states, every 4,000,000 "
                                       r"instructions", info, re.M), f"trace info after `trace {q}` ({damage}):\n{info}")
        finally:
            os.environ.pop("RVRR_SCAN_THREADS", None)
        # A trace cut short (its end record lost): every question answers for the
        # history a replay finds (up to the program's end here), says so on
        # stderr, and agrees with the whole trace.
        cut = os.path.join(tmp, "cut.rvrr")
        shutil.copyfile(long_trace, cut)
        os.truncate(cut, os.path.getsize(cut) - 8)
        os.environ["RVRR_NO_CACHE"] = "1"
        try:
            for q in (["lines", "--json"], ["profile", "--json"], ["calls", "--json"]):
                args = ["trace", *q] + ([cut, "sieve"] if q[0] == "calls" else [cut])
                res = g.run_rvrr(args, timeout=120)
                whole = ok([a if a != cut else long_trace for a in args], f"{q[0]} on the whole trace")
                ck.check(res.returncode == 0 and res.stdout == whole,
                         f"`trace {q[0]}` on a cut-short trace differs from the whole trace's ({res.returncode}):\n"
                         f"{res.stderr}")
                ck.check("cut short" in res.stderr and "the program ended" in res.stderr,
                         f"`trace {q[0]}` on a cut-short trace does not say so:\n{res.stderr}")
        finally:
            del os.environ["RVRR_NO_CACHE"]
        text = ok(["trace", "lines", "--annotate", "compute.c", trace], "compute annotate")
        ck.check(re.search(r"^\s+#####:\s+\d+:", text, re.M) or re.search(r"^\s+\d+:\s+\d+:.*composite", text, re.M),
                 f"compute annotate:\n{text[:3000]}")


if __name__ == "__main__":
    lines()
    profile()
    dump()
    answer_cache()
    compute()
    ck.finish()
