#!/usr/bin/env python3
"""`rvrr trace calls TRACE FUNC` (issue 11, item 3): every call of a function,
text and --json, on tests/fixtures/query_guest.c, whose calls are known by
construction: square(0..4) returning the squares, mix() with a pointer, a
double, a long long and a char, fact(6) recursing, deep() left by longjmp.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_trace_calls")
FIXTURES = os.path.join(g.source_dir(), "tests", "fixtures")
SRC = os.path.join(FIXTURES, "query_guest.c")


def record_fixture(tmp, elf):
    """Records tests/fixtures/ELF into TMP; the trace's path."""
    trace = os.path.join(tmp, os.path.splitext(elf)[0] + ".rvrr")
    rec = subprocess.run([g.rvrr_binary(), "record", "-o", trace, os.path.join(FIXTURES, elf)],
                         capture_output=True, timeout=60)
    ck.check(os.path.exists(trace), f"record {elf}: {rec.stderr.decode()}")
    return trace


def ok(args, what):
    res = g.run_rvrr(args, timeout=120)
    ck.check(res.returncode == 0, f"{what}: `rvrr {' '.join(args)}` exited {res.returncode}:\n{res.stderr}")
    return res.stdout


@g.scenario(ck, "trace calls: arguments, callers, returns, longjmp; text and --json; unknown names")
def calls():
    with tempfile.TemporaryDirectory(prefix="rvrr-calls-") as tmp:
        trace = record_fixture(tmp, "query_guest.elf")
        call_line = g.line_of(SRC, "CALL_SQUARE")

        text = ok(["trace", "calls", trace, "square"], "calls square")
        ck.check(text.startswith("square: 5 calls"), f"header: {text[:200]!r}")
        listed = re.findall(r"^#(\d+) (\d+) square\(x=(-?\d+)\) from main at .*query_guest\.c:(\d+)\n"
                            r"    -> returned (-?\d+) at (\d+)$", text, re.M)
        ck.check(len(listed) == 5, f"5 calls listed as `#K N square(x=..) from main at FILE:LINE` + return:\n{text}")
        for k, (num, entry, x, line, ret, at) in enumerate(listed):
            ck.check(int(num) == k + 1 and int(x) == k and int(ret) == k * k and int(line) == call_line
                     and int(at) > int(entry), f"call {k + 1}: {num} {entry} x={x} line {line} ret {ret} at {at}")

        doc = json.loads(ok(["trace", "calls", "--json", trace, "mix"], "calls --json mix"))
        ck.check(doc["function"] == "mix" and len(doc["calls"]) == 2, f"--json: {doc}")
        first = doc["calls"][0]
        args = {a["name"]: (a["type"], a["value"]) for a in first["arguments"]}
        ck.check(args.get("d") == ("double", "2.5"), f"double arg: {args}")
        ck.check(args.get("big") == ("long long int", "4294967296"), f"long long arg: {args}")
        ck.check(args.get("c") == ("char", "65 'A'"), f"char arg: {args}")
        ck.check(args.get("s", ("", ""))[0] == "const char *" and args["s"][1].startswith("0x"), f"pointer arg: {args}")
        ck.check(first["end"] == "returned" and first["return"]["value"] == "4294967465"
                 and first["return"]["icount"] > first["entry"], f"return: {first}")
        ck.check(first["caller"]["function"] == "main" and first["caller"]["file"].endswith("query_guest.c"),
                 f"caller: {first['caller']}")

        deep = ok(["trace", "calls", trace, "deep"], "calls deep")
        ck.check(deep.count("no return (longjmp)") == 4, f"deep: 4 calls left by longjmp:\n{deep}")
        fact = json.loads(ok(["trace", "calls", "--json", trace, "fact"], "calls --json fact"))
        ck.check([c["return"]["value"] for c in fact["calls"]] == ["720", "120", "24", "6", "2", "1"],
                 f"fact returns: {fact}")
        ck.check([c["depth"] for c in fact["calls"]] == list(range(fact["calls"][0]["depth"], fact["calls"][0]["depth"] + 6)),
                 "fact recursion nests")

        bad = g.run_rvrr(["trace", "calls", trace, "sqare"])
        ck.check(bad.returncode == 2 and "no function 'sqare'" in bad.stderr and "square" in bad.stderr,
                 f"unknown function: exit {bad.returncode}: {bad.stderr}")
        bad = g.run_rvrr(["trace", "calls", trace])
        ck.check(bad.returncode == 2 and "missing FUNC" in bad.stderr, f"missing FUNC: exit {bad.returncode}: {bad.stderr}")


@g.scenario(ck, "trace calls NAME: every out-of-line copy (a clone and the original); a clone's symbol: that copy; "
                "a function inlined everywhere: where")
def copies():
    with tempfile.TemporaryDirectory(prefix="rvrr-calls-") as tmp:
        trace = record_fixture(tmp, "copies_guest.elf")
        text = ok(["trace", "calls", trace, "mix"], "calls mix")
        ck.check(re.match(r"mix: 5 calls in 2 copies \(mix at .*copies_guest\.c:\d+, mix\.constprop\.0 at ", text),
                 f"header names both copies:\n{text}")
        listed = re.findall(r"^#\d+ \d+ (mix(?:\.constprop\.0)?)\(x=(\d+), k=(\d+)\) from _start .*\n"
                            r"    -> returned (\d+) at \d+$", text, re.M)
        ck.check(listed == [("mix.constprop.0", "100", "7", "25"), ("mix.constprop.0", "200", "7", "53"),
                            ("mix.constprop.0", "300", "7", "81"), ("mix", "1159", "5", "445"), ("mix", "609", "3", "354")],
                 f"each call with its copy, arguments and return:\n{text}")
        doc = json.loads(ok(["trace", "calls", "--json", trace, "mix"], "calls --json mix"))
        ck.check([c["name"] for c in doc["copies"]] == ["mix", "mix.constprop.0"]
                 and [c["copy"] for c in doc["calls"]] == ["mix.constprop.0"] * 3 + ["mix"] * 2, f"--json copies: {doc}")
        one = ok(["trace", "calls", trace, "mix.constprop.0"], "calls mix.constprop.0")
        ck.check(one.startswith("mix.constprop.0: 3 calls") and "asked about with `mix`" in one,
                 f"one copy by its symbol, naming the other:\n{one}")
        inl = ok(["trace", "calls", trace, "sys_exit"], "calls sys_exit (inlined everywhere)")
        ck.check(inl.startswith("sys_exit: 1 call") and "inlined it at 1 place (copies_guest.c:" in inl
                 and re.search(r"^#1 \d+ sys_exit\(status=.*\) inlined in _start at \S*copies_guest\.c:\d+\n"
                               r"    -> inlined: no call or return of its own$", inl, re.M),
                 f"inlined everywhere: its one call, where:\n{inl}")
        doc = json.loads(ok(["trace", "calls", "--json", trace, "sys_exit"], "calls --json sys_exit"))
        ck.check(doc["copies"] == [] and len(doc["inlined_at"]) == 1 and [c["end"] for c in doc["calls"]] == ["inlined"]
                 and doc["calls"][0]["inlined"] is True and doc["calls"][0]["return"] is None
                 and doc["calls"][0]["caller"]["function"] == "_start", f"--json inlined: {doc}")


@g.scenario(ck, "trace calls NAME: the calls the compiler inlined, among the out-of-line ones, in entry order")
def inlined():
    with tempfile.TemporaryDirectory(prefix="rvrr-calls-") as tmp:
        trace = record_fixture(tmp, "inline_guest.elf")
        text = ok(["trace", "calls", trace, "scale"], "calls scale")
        ck.check(text.startswith("scale: 7 calls") and "those calls are listed too, marked inlined" in text,
                 f"header: 7 calls, inlined ones listed:\n{text}")
        listed = re.findall(r"^#\d+ \d+ scale\((.*)\) (inlined in _start|from _start) at \S*inline_guest\.c:(\d+)$",
                            text, re.M)
        ck.check(listed == [("x=<optimized out>, k=<optimized out>", "inlined in _start", "26")] * 5
                 + [("x=7, k=3", "from _start", "27"), ("x=2217, k=10", "inlined in _start", "28")],
                 f"the loop's five inlined calls, the call through a pointer, then scale(sink, 10):\n{text}")
        ck.check("-> returned 22 at " in text, f"the out-of-line call returns 22:\n{text}")


if __name__ == "__main__":
    calls()
    copies()
    inlined()
    ck.finish()
