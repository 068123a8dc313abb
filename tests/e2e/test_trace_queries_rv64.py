#!/usr/bin/env python3
"""The questions about a recording on RV64 (issue 13): `rvrr trace lines,
profile, calls, writes, diff` on a static glibc guest whose answers are known
by construction (tests/e2e/guests/rv64_queries.c), parsed from --json.

The guest is built twice by tests/CMakeLists.txt: where the linker puts it
(0x10000) and linked at 8 GiB, so that every pc, function entry, line range,
global and writer pc lies above 2^32 and must come through the index, the
debug info lookups, the answer cache and the output whole. Every question is
asked twice: the second answer comes from TRACE.answers and must be the
first. Addresses are checked against the ELF's own symbols (nm).
Skipped when riscv64-linux-gnu-gcc is not installed (the guests are not built).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

if not shutil.which("riscv64-linux-gnu-gcc"):
    print("SKIP: riscv64-linux-gnu-gcc is not installed (the RV64 guests are not built)")
    sys.exit(0)

ck = g.Checker("test_trace_queries_rv64")
SRC = g.guest_source("rv64_queries")
L = {n: g.marker_line(SRC, n) for n in ("scale_body", "half_body", "bump_write", "loop_body", "counter_first",
                                        "call_scale", "counter_double", "call_page_end", "read_call")}
STDIN = b"abc\n"
TMP = tempfile.mkdtemp(prefix="rvrr-queries-rv64-")


def guest(name):
    path = os.path.join(g.env_path("RVRR_TESTS_BIN_DIR"), "guests", name + ".elf")
    if not os.path.exists(path):
        raise g.TestFailure(f"RV64 guest not built: {path}")
    return path


def symbols(elf):
    """{name: address} of the ELF's symbols, from binutils' nm."""
    out = subprocess.run(["riscv64-linux-gnu-nm", elf], capture_output=True, text=True, timeout=60).stdout
    return {m.group(2): int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+) \w (\S+)$", out, re.M)}


def record(elf, name):
    trace = os.path.join(TMP, name + ".rvrr")
    r = subprocess.run([g.rvrr_binary(), "record", "-o", trace, elf], input=STDIN, capture_output=True, timeout=120)
    if r.returncode != 0 or not os.path.exists(trace):
        raise g.TestFailure(f"record {elf}: exit {r.returncode}: {r.stderr.decode()}")
    return trace


def ask(*args):
    """`rvrr ARGS` twice (the second answer comes from the cache): the same stdout, exit 0."""
    first = g.run_rvrr(list(args))
    second = g.run_rvrr(list(args))
    ck.check(first.returncode == 0, f"`rvrr {' '.join(args)}` exited {first.returncode}: {first.stderr}")
    ck.check(second.stdout == first.stdout,
             f"`rvrr {' '.join(args)}` answered from the cache differs:\n{first.stdout[:3000]}\n---\n{second.stdout[:3000]}")
    return first.stdout


def ask_json(*args):
    text = ask(args[0], args[1], "--json", *args[2:])
    try:
        return json.loads(text)
    except ValueError as e:
        raise g.TestFailure(f"`rvrr {' '.join(args)} --json` is not JSON ({e}):\n{text[:2000]}")


def trace_length(trace):
    return ask_json("trace", "dump", trace)["header"]["length"]


def is_guest_file(path):
    return os.path.basename(path or "") == "rv64_queries.c"


def check_guest(name, high):
    elf = guest(name)
    sym = symbols(elf)
    ck.check(all((sym[s] >= 1 << 32) == high for s in ("main", "scale", "counter", "message", "page_end_addiw")),
             f"{name}: linked {'above' if high else 'below'} 4 GiB: " +
             str({s: hex(sym[s]) for s in ("main", "scale", "counter", "message", "page_end_addiw")}))
    trace = record(elf, name)
    length = trace_length(trace)

    # trace lines: the loop body entered 23 times, scale's body 4, bump's 2, half's 1.
    doc = ask_json("trace", "lines", trace)
    by_line = {x["line"]: x for x in doc["lines"] if is_guest_file(x["file"])}
    for marker, hits in (("loop_body", 23), ("scale_body", 4), ("bump_write", 2), ("half_body", 1)):
        got = by_line.get(L[marker], {}).get("hits")
        ck.check(got == hits, f"{name}: line {marker} ({L[marker]}) entered {got} times, not {hits}")
    loop = by_line.get(L["loop_body"], {}).get("code", [])
    ck.check(len(loop) >= 1 and all(sym["main"] < lo < hi < sym["main"] + 0x1000 for lo, hi in loop),
             f"{name}: the loop body's code lies in main (at {sym['main']:#x}): {loop}")
    total = sum(x["instructions"] for x in doc["lines"]) + doc["instructions_without_line"]
    ck.check(total == doc["instructions"] == length, f"{name}: lines add up to {total}, total {doc['instructions']}, "
                                                     f"trace length {length}")
    text = ask("trace", "lines", trace)
    ck.check(re.search(rf"^\S*rv64_queries\.c:{L['loop_body']} 23$", text, re.M) is not None,
             f"{name}: text form of the loop body's count:\n{text}")

    # trace profile: self counts sum to the trace's length; calls and entries exact.
    prof = ask_json("trace", "profile", trace)
    fns = {f["name"]: f for f in prof["functions"]}
    ck.check(sum(f["self"] for f in prof["functions"]) == prof["instructions"] == length,
             f"{name}: profile self sum {sum(f['self'] for f in prof['functions'])}, total {prof['instructions']}, "
             f"length {length}")
    ck.check(sum(p["self"] for p in prof["paths"]) == length, f"{name}: profile paths do not sum to {length}")
    for fn, calls in (("scale", 4), ("half", 1), ("bump", 2), ("page_end_addiw", 3), ("main", 1)):
        f = fns.get(fn, {})
        ck.check(f.get("calls") == calls and f.get("entry") == sym[fn],
                 f"{name}: profile of {fn}: {f} (expected {calls} calls, entry {sym[fn]:#x})")
    ck.check(fns.get("_start", {}).get("inclusive") == length, f"{name}: _start's inclusive count: {fns.get('_start')}")
    ck.check(fns.get("scale", {}).get("location", "").endswith(f"rv64_queries.c:{L['scale_body'] - 1}"),
             f"{name}: scale's location: {fns.get('scale')}")
    # page_end_addiw has no DWARF: named by its entry address, all 64 bits of it.
    text = ask("trace", "profile", "--top", "500", trace)
    ck.check(re.search(rf"\s3  page_end_addiw \(0x0*{sym['page_end_addiw']:x}\)$", text, re.M) is not None,
             f"{name}: page_end_addiw in the profile text, 3 calls, its entry address:\n{text[:3000]}")
    ck.check(re.search(rf"\s4  scale \(\S*rv64_queries\.c:\d+\)$", text, re.M) is not None,
             f"{name}: scale in the profile text:\n{text[:3000]}")

    # trace calls: lp64d arguments and returns, typed by DWARF.
    calls = ask_json("trace", "calls", trace, "scale")
    ck.check(calls["function"] == "scale" and calls["entry_address"] == sym["scale"] and len(calls["calls"]) == 4,
             f"{name}: trace calls scale: {str(calls)[:1000]}")
    for k, c in enumerate(calls["calls"], 1):
        args = {a["name"]: (a["type"], a["value"]) for a in c["arguments"]}
        want = {"k": ("int", str(k)), "big": ("long int", str((1 << 32) + k)),
                "p": ("const char *", f"{sym['message']:#x}"), "d": ("double", f"{k * 0.5:g}")}
        ck.check(args == want, f"{name}: scale call {k}: arguments {args}, expected {want}")
        ret = ((1 << 32) + k) * k + ord("rv64"[k % 4]) + int(k * 0.5)
        ck.check(c["end"] == "returned" and c["return"]["type"] == "long int" and c["return"]["value"] == str(ret)
                 and c["return"]["icount"] > c["entry"], f"{name}: scale call {k} returns {ret}: {c}")
        ck.check(c["caller"]["function"] == "main" and is_guest_file(c["caller"]["file"])
                 and c["caller"]["line"] == L["call_scale"], f"{name}: scale call {k}'s caller: {c['caller']}")
    text = ask("trace", "calls", trace, "scale")
    ck.check(re.search(rf"^#2 \d+ scale\(k=2, big=4294967298, p={sym['message']:#x}, d=1\) from main at "
                       rf"\S*rv64_queries\.c:{L['call_scale']}\n    -> returned 8589934651 at \d+$", text, re.M)
             is not None, f"{name}: text form of scale's 2nd call:\n{text}")
    half = ask_json("trace", "calls", trace, "half")["calls"]
    ck.check(len(half) == 1 and [(a["name"], a["type"], a["value"]) for a in half[0]["arguments"]] == [("x", "double", "5")]
             and half[0]["return"]["value"] == "2.5", f"{name}: half(5.0) in fa0, 2.5 back: {half}")
    pe = ask_json("trace", "calls", trace, "page_end_addiw")["calls"]
    ck.check([c["end"] for c in pe] == ["returned"] * 3 and [c["return"]["value"] for c in pe] == ["a0=0xb", "a0=0xc", "a0=0xd"],
             f"{name}: page_end_addiw's 3 calls return x + 1: {pe}")

    # trace writes: counter 0 -> 5 -> 12 -> 19 -> 38, each writer named; inbuf by read().
    for spec in ("counter,8", f"{sym['counter']:#x},8"):
        w = ask_json("trace", "writes", trace, spec)
        ck.check(w["address"] == sym["counter"] and w["length"] == 8, f"{name}: writes {spec}: {w}")
        changes = [a for a in w["accesses"] if a["changed"]]
        le = lambda v: v.to_bytes(8, "little").hex()
        ck.check([(a["old"], a["new"]) for a in changes] == [(le(0), le(5)), (le(5), le(12)), (le(12), le(19)), (le(19), le(38))],
                 f"{name}: counter's changes: {changes}")
        named = [(a.get("function"), a.get("line")) for a in changes]
        ck.check(named == [("main", L["counter_first"]), ("bump", L["bump_write"]), ("bump", L["bump_write"]),
                           ("main", L["counter_double"])], f"{name}: counter's writers: {named}")
        ck.check(all(is_guest_file(a.get("file")) for a in changes), f"{name}: writers' file: {changes}")
        ck.check(all(sym[f] <= a["pc"] < sym[f] + 0x200 for a, (f, _) in zip(changes, named) if f in sym),
                 f"{name}: writer pcs lie in their functions: {[hex(a['pc']) for a in changes]}")
    text = ask("trace", "writes", trace, "counter,8")
    ck.check(f"Writes to {sym['counter']:#010x} (8 bytes)" in text, f"{name}: text header names the address:\n{text}")
    ck.check(re.search(r"0x0*%x  write   13 00 00 00 00 00 00 00 -> 26 00 00 00 00 00 00 00  in main at \S*"
                       r"rv64_queries\.c:%d$" % (changes[-1]["pc"] if changes else 0, L["counter_double"]), text, re.M),
             f"{name}: text form of the last write, with its whole pc:\n{text}")
    w = ask_json("trace", "writes", trace, "inbuf,8")
    host = [a for a in w["accesses"] if a["by"] == "host call"]
    ck.check(len(host) == 1 and host[0]["new"] == (STDIN + bytes(4)).hex() and "read(fd 0, 8 bytes)" in host[0]["host_call"]
             and host[0]["function"] in ("read", "__read", "__libc_read"),
             f"{name}: inbuf written once by the read() host call: {w}")
    ck.check(not [a for a in w["accesses"] if a["changed"] and a["by"] != "host call"],
             f"{name}: only the host call changes inbuf: {w}")

    # trace memory: the program's segments where it was linked, the stack
    # below 256 GiB; the text's columns stay under their headers.
    mem = ask_json("trace", "memory", trace)
    segs = [r for r in mem["regions"] if r["kind"] == "segment"]
    ck.check(any(r["start"] <= sym["main"] < r["end"] and "x" in r["perms"] for r in segs)
             and any(r["start"] <= sym["counter"] < r["end"] for r in segs)
             and any(r["kind"] == "stack" and r["end"] == 0x40_0000_0000 for r in mem["regions"]),
             f"{name}: trace memory: {mem['regions']}")
    rows = ask("trace", "memory", trace).splitlines()
    col = rows[1].find("perms") if len(rows) > 1 else -1
    ck.check(col > 0 and all(re.match(r"[r-][w-][x-] ", row[col:]) for row in rows[2:-1]),
             f"{name}: trace memory text columns:\n" + "\n".join(rows))

    # trace diff. A copy of a recording equals it. Two recordings of the guest
    # are not equal: static glibc reads 8 random bytes (getrandom, for
    # malloc's tcache key), which rvrr records as they came; they take the
    # same path and differ first at that call, named on both sides with its
    # whole pc.
    copy = os.path.join(TMP, name + "-copy.rvrr")
    shutil.copyfile(trace, copy)
    d = g.run_rvrr(["trace", "diff", "--json", trace, copy])
    dj = parse(d.stdout)
    ck.check(d.returncode == 0 and dj.get("equal") is True and dj.get("same_program") is True and dj.get("same_end"),
             f"{name}: a recording and its copy are equal: exit {d.returncode}: {d.stdout}{d.stderr}")
    other = record(elf, name + "-again")
    d = g.run_rvrr(["trace", "diff", "--json", trace, other])
    dj = parse(d.stdout)
    hc = dj.get("host_call") or {}
    sides = [hc.get(k, {}) for k in ("a", "b")]
    ck.check(d.returncode == 1 and dj.get("equal") is False and dj.get("control") is None and dj.get("same_end")
             and hc.get("byte_offset") is not None
             and all(s.get("function") == "__getrandom" and sym["__getrandom"] <= s.get("pc", 0) < sym["__getrandom"] + 0x100
                     and s.get("what", "").startswith("getrandom(8 bytes)") for s in sides)
             and sides[0].get("icount") == sides[1].get("icount"),
             f"{name}: two recordings differ only at getrandom, named with its pc: exit {d.returncode}: {d.stdout}{d.stderr}")
    text = g.run_rvrr(["trace", "diff", trace, other]).stdout
    pc = sides[0].get("pc", 0)
    ck.check(f"  A: instruction {sides[0].get('icount', 0):,}, pc {pc:#010x} in __getrandom: getrandom(8 bytes)" in text
             and "control flow: the same path" in text, f"{name}: diff text names the pc whole:\n{text}")


@g.scenario(ck, "RV64 at 8 GiB, a long history split over threads: the same answers, exact counts")
def split():
    # tests/e2e/guests/long_history.c linked at 8 GiB: 10 units of spin(100000),
    # 18M instructions, cut into 4M-instruction intervals replayed in parallel.
    os.environ["RVRR_E2E_GUEST_ABI"] = "rv64-high"
    try:
        elf = g.build_guest("long_history")
    finally:
        del os.environ["RVRR_E2E_GUEST_ABI"]
    trace = os.path.join(TMP, "long_high.rvrr")
    r = g.run_rvrr(["record", "-o", trace, elf, "10"])
    if r.returncode != 0:
        raise g.TestFailure(f"record long_history: exit {r.returncode}: {r.stderr}")
    spin_body = g.marker_line(g.guest_source("long_history"), "spin_body")
    os.environ["RVRR_NO_CACHE"] = "1"
    try:
        for q in (["trace", "lines", "--json", trace], ["trace", "profile", "--json", trace],
                  ["trace", "calls", "--json", trace, "spin"]):
            answers = []
            for n in ("1", "3"):
                os.environ["RVRR_SCAN_THREADS"] = n
                res = g.run_rvrr(q)
                ck.check(res.returncode == 0, f"`rvrr {' '.join(q)}` on {n} threads: exit {res.returncode} {res.stderr}")
                answers.append(res.stdout)
            ck.check(answers[0] == answers[1], f"`rvrr {' '.join(q[:-1])}` on 1 and 3 threads differ")
            doc = parse(answers[0])
            if q[1] == "lines":
                hits = [x["hits"] for x in doc.get("lines", []) if x["line"] == spin_body
                        and os.path.basename(x["file"]) == "long_history.c"]
                ck.check(hits == [1000000], f"spin's body entered 10 x 100000 times: {hits}")
            elif q[1] == "profile":
                spin = [f for f in doc.get("functions", []) if f["name"] == "spin"]
                ck.check(len(spin) == 1 and spin[0]["calls"] == 10 and spin[0]["entry"] >= 1 << 33
                         and sum(f["self"] for f in doc["functions"]) == doc["instructions"],
                         f"spin called 10 times at 8 GiB: {spin}")
            else:
                ck.check([c["arguments"][0]["value"] for c in doc.get("calls", [])] == ["100000"] * 10,
                         f"spin(100000) 10 times: {str(doc)[:500]}")
    finally:
        del os.environ["RVRR_NO_CACHE"]
        os.environ.pop("RVRR_SCAN_THREADS", None)
    # With the states kept next to the trace (TRACE.states: registers, the
    # stack near 256 GiB, the program at 8 GiB): the second split question
    # starts from them, and answers as one thread does.
    os.environ["RVRR_SCAN_THREADS"] = "3"
    try:
        for q in (["trace", "lines", "--json", trace], ["trace", "profile", "--json", trace]):
            res = g.run_rvrr(q)
            ck.check(res.returncode == 0 and os.path.exists(trace + ".states"),
                     f"`rvrr {' '.join(q)}` keeps the states: exit {res.returncode} {res.stderr}")
            os.environ["RVRR_SCAN_THREADS"] = "1"
            os.remove(trace + ".answers")
            single = g.run_rvrr(q).stdout
            os.environ["RVRR_SCAN_THREADS"] = "3"
            ck.check(res.stdout == single, f"`rvrr {' '.join(q[:-1])}` with kept states differs from one thread")
    finally:
        os.environ.pop("RVRR_SCAN_THREADS", None)


def parse(text):
    try:
        return json.loads(text)
    except ValueError:
        return {}


@g.scenario(ck, "RV64 guest linked at 0x10000: lines, profile, calls, writes, diff")
def low():
    check_guest("rv64_queries", high=False)


@g.scenario(ck, "RV64 guest linked at 8 GiB: every pc above 2^32")
def high():
    check_guest("rv64_queries_high", high=True)


try:
    low()
    high()
    split()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
ck.finish()
