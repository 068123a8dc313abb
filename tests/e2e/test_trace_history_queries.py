#!/usr/bin/env python3
"""`rvrr trace writes|diff|memory` on recorded traces, text and --json (the
JSON is parsed). Guests: tests/e2e/guests/write_history.c (counter goes
0 -> 1 -> 11 -> 22 -> 26 with input "abcd"; buf filled by read()) and the
bundled examples' hello (two recordings of it compare equal)."""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_trace_history_queries")
TMP = tempfile.mkdtemp(prefix="rvrr-queries-")


def record(elf, stdin_text, name, args=()):
    trace = os.path.join(TMP, name)
    inp = os.path.join(TMP, name + ".in")
    with open(inp, "w") as f:
        f.write(stdin_text)
    with open(inp, "rb") as f:
        r = subprocess.run([g.rvrr_binary(), "record", "-o", trace, elf, *args], stdin=f, capture_output=True,
                           timeout=120)
    if r.returncode not in (0,):
        raise g.TestFailure(f"record failed ({r.returncode}): {r.stderr.decode()}")
    return trace


def rvrr(*args):
    return g.run_rvrr(list(args))


def parse(r, what):
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        ck.fail(f"{what}: --json output does not parse ({e}):\n{r.stdout}\n{r.stderr}")
        return None


@g.scenario(ck, "trace writes: every write to counter, and buf filled by read()")
def writes():
    elf = g.build_guest("write_history")
    trace = record(elf, "abcd", "w.rvrr")
    r = rvrr("trace", "writes", trace, "counter,4")
    ck.begin("trace writes (text)")
    ck.check(r.returncode == 0, f"exit 0: {r.returncode} {r.stderr}")
    for old, new in [("00 00 00 00", "01 00 00 00"), ("01 00 00 00", "0b 00 00 00"),
                     ("0b 00 00 00", "16 00 00 00"), ("16 00 00 00", "1a 00 00 00")]:
        ck.check(f"write   {old} -> {new}  in " in r.stdout, f"the write {old} -> {new} is listed:\n{r.stdout}")
    # crt0 clears .bss (memset): writes of zeros over zeros, listed as such.
    ck.check("write   00 00 00 00 -> 00 00 00 00  (the same bytes)" in r.stdout,
             f"the .bss clearing is listed, marked:\n{r.stdout}")
    # Each writer named with its function and file:line (DWARF of the embedded program).
    line = lambda name: g.marker_line(g.guest_source("write_history"), name)
    for old, new, func, where in [("00 00 00 00", "01 00 00 00", "main", "first"),
                                  ("01 00 00 00", "0b 00 00 00", "bump", "bump"),
                                  ("0b 00 00 00", "16 00 00 00", "main", "double"),
                                  ("16 00 00 00", "1a 00 00 00", "bump", "bump")]:
        ck.check(re.search(rf"write   {old} -> {new}  in {func} at \S*write_history\.c:{line(where)}\n", r.stdout),
                 f"the write {old} -> {new} is named {func} at line {line(where)}:\n{r.stdout}")

    r = rvrr("trace", "writes", "--json", trace, "counter,4")
    ck.begin("trace writes (json)")
    j = parse(r, "trace writes --json")
    if j is not None:
        changes = [a for a in j["accesses"] if a["changed"]]
        ck.check(j["writes"] == len(j["accesses"]) and len(changes) == 4, f"4 changing writes: {j}")
        ck.check([a["new"] for a in changes] == ["01000000", "0b000000", "16000000", "1a000000"],
                 f"new values in order: {changes}")
        ck.check(all(a["old"] == a["new"] == "00000000" for a in j["accesses"] if not a["changed"]),
                 f"the others write zeros over zeros (.bss clearing): {j['accesses']}")
        counts = [a["icount"] for a in j["accesses"]]
        ck.check(counts == sorted(counts) and len(set(counts)) == len(counts), f"ascending counts: {counts}")
        ck.check(all(a["by"] == "guest" for a in j["accesses"]), "all by guest stores")
        line = lambda name: g.marker_line(g.guest_source("write_history"), name)
        named = [(a.get("function"), os.path.basename(a.get("file", "")), a.get("line")) for a in changes]
        ck.check(named == [("main", "write_history.c", line("first")), ("bump", "write_history.c", line("bump")),
                           ("main", "write_history.c", line("double")), ("bump", "write_history.c", line("bump"))],
                 f"function, file and line of each changing write: {named}")

    r = rvrr("trace", "writes", "--json", "--reads", trace, "counter,4")
    j = parse(r, "trace writes --reads --json")
    if j is not None:
        # counter += by reads it twice (bump), counter * 2 once, printf once.
        ck.check(j["reads"] >= 4, f"the reads of counter are listed too: {j['reads']}")
        reads = [a for a in j["accesses"] if a["access"] == "read"]
        ck.check(any(a["bytes"] == "1a000000" for a in reads), f"printf's read of 26: {reads}")

    r = rvrr("trace", "writes", "--json", trace, "buf,8")
    j = parse(r, "trace writes buf")
    if j is not None:
        host = [a for a in j["accesses"] if a["by"] == "host call"]
        ck.check(len(host) == 1 and all(not a["changed"] for a in j["accesses"] if a["by"] != "host call"),
                 f"one host-call write (and the .bss clearing): {j}")
        if host:
            ck.check("read(" in host[0].get("host_call", ""), f"named read: {host}")
            # picolibc's semihosting stub is assembly: a file:line, no function symbol.
            ck.check(host[0].get("file", "").endswith(".s") and host[0].get("line", 0) > 0,
                     f"the host call's pc is named by its source line: {host}")
            ck.check(host[0]["new"] == "6162636400000000", f"the bytes read: {host}")

    # Asked again: answered from TRACE.answers, the same listing.
    again = rvrr("trace", "writes", "--json", trace, "buf,8")
    ck.check(os.path.exists(trace + ".answers") and again.stdout == r.stdout,
             f"a repeated trace writes is answered the same from the cache:\n{again.stdout}")

    r = rvrr("trace", "writes", trace, "no_such_symbol")
    ck.check(r.returncode == 2 and "bad ADDR" in r.stderr, f"a bad address: exit 2, says so: {r.returncode} {r.stderr}")
    r = rvrr("trace", "writes", trace)
    ck.check(r.returncode == 2 and "missing ADDR" in r.stderr, f"no ADDR: usage error: {r.returncode} {r.stderr}")
    for beyond in ("0x1000000000,4", "0xfffffffc,8"):  # an RV32 program has 4 GiB
        r = rvrr("trace", "writes", trace, beyond)
        ck.check(r.returncode == 2 and "32-bit" in r.stderr, f"{beyond} past 4 GiB: exit 2, says so: {r.returncode} {r.stderr}")
    r = rvrr("trace", "writes", trace, "0xfffffffc,4")
    ck.check(r.returncode == 0, f"the last word of 4 GiB is fine: {r.returncode} {r.stderr}")


@g.scenario(ck, "trace diff: equal runs, a differing input byte, different programs")
def diff():
    elf = g.build_guest("write_history")
    a = record(elf, "abcd", "a.rvrr")
    b = record(elf, "abcd", "b.rvrr")
    c = record(elf, "abXd", "c.rvrr")
    r = rvrr("trace", "diff", a, b)
    ck.begin("trace diff")
    ck.check(r.returncode == 0 and "The two runs are equal." in r.stdout, f"same input: equal, exit 0:\n{r.stdout}{r.stderr}")
    r = rvrr("trace", "diff", a, c)
    ck.check(r.returncode == 1 and "The two runs differ." in r.stdout, f"other input: differ, exit 1:\n{r.stdout}{r.stderr}")
    ck.check("the results first differ at byte 2" in r.stdout, f"the differing byte is named:\n{r.stdout}")
    # Both sides' pcs are named (the read() is made in picolibc's semihosting stub: its file:line).
    ck.check(re.search(r"  A: instruction 5,511, pc 0x[0-9a-f]{8} at \S+\.s:\d+: read\(", r.stdout)
             and re.search(r"  B: instruction 5,511, pc 0x[0-9a-f]{8} at \S+\.s:\d+: read\(", r.stdout),
             f"both sides' pcs are named:\n{r.stdout}")
    r = rvrr("trace", "diff", "--json", a, c)
    j = parse(r, "trace diff --json")
    if j is not None:
        ck.check(j["equal"] is False and j["same_program"] is True, f"differ: {j}")
        ck.check(j["host_call"] is not None and j["host_call"]["byte_offset"] == 2, f"byte 2: {j['host_call']}")
        ck.check(j["control"] is None, f"the path is the same (the guest never branches on the bytes): {j['control']}")
        hc = j["host_call"] or {}
        ck.check(all(hc.get(k, {}).get("line", 0) > 0 for k in ("a", "b")), f"both sides named: {hc}")
    d = record(elf, "abcd", "d.rvrr", args=("-v",))
    r = rvrr("trace", "diff", a, d)
    ck.check(r.returncode == 1 and "note: arguments differ" in r.stdout
             and "the runs start in different states" in r.stdout, f"other arguments:\n{r.stdout}{r.stderr}")
    hello = g.example("hello")
    h1 = record(hello, "", "h1.rvrr")
    h2 = record(hello, "", "h2.rvrr")
    r = rvrr("trace", "diff", "--json", h1, h2)
    j = parse(r, "trace diff hello")
    ck.check(r.returncode == 0 and j is not None and j["equal"] is True,
             f"two recordings of hello (other start times) are equal:\n{r.stdout}{r.stderr}")
    r = rvrr("trace", "diff", a, h1)
    ck.check(r.returncode == 2 and "different programs" in r.stderr, f"different programs: exit 2:\n{r.stdout}{r.stderr}")


@g.scenario(ck, "trace diff: a debugger write made while recording parts the states, named in text and --json")
def diff_debugger_write():
    elf = g.build_guest("write_history")
    src = g.guest_source("write_history")
    plain = record(elf, "abcd", "plain.rvrr")
    live = os.path.join(TMP, "live.rvrr")
    inp = os.path.join(TMP, "live.in")
    with open(inp, "w") as f:
        f.write("abcd")
    cmds = [f"break write_history.c:{g.marker_line(src, 'double')}",  # 0
            "continue",                                                # 1
            "set var counter = 40",                                    # 2
            "continue",                                                # 3
            "kill"]                                                    # 4
    with g.Server.debug(elf, options=("-o", live), stdin=inp) as srv:
        s = g.run_gdb(srv.port, elf, cmds, timeout=60)
        ck.begin("trace diff: the session that set counter", s, srv)
        ck.at_line(1, g.marker_line(src, "double"))
        ck.contains(3, "the program exited with status 0")
        srv.wait(20)
    r = rvrr("trace", "diff", plain, live)
    ck.begin("trace diff: a debugger write")
    m = re.search(r"debugger writes \(set while recording\): A none; B 1 \(the first at instruction ([\d,]+)\)", r.stdout)
    ck.check(r.returncode == 1 and m is not None, f"B's write is counted, with its count:\n{r.stdout}{r.stderr}")
    at = m.group(1) if m else "?"
    ck.check(re.search(r"state: +the states part after instruction [\d,]+: B's debugger write \(set while recording\) at "
                       + re.escape(at), r.stdout), f"the write is what parts the states:\n{r.stdout}")
    r = rvrr("trace", "diff", "--json", plain, live)
    j = parse(r, "trace diff --json with a debugger write")
    if j is not None:
        w = j.get("debugger_writes", {})
        first = int(at.replace(",", "")) if m else None
        ck.check(w.get("a") == {"count": 0, "first": None} and w.get("b") == {"count": 1, "first": first},
                 f"the debugger writes of each side: {w}")
        st = j.get("state") or {}
        ck.check(st.get("by_debugger_write") == ["b"] and st.get("icount", 0) + 1 == first,
                 f"the state point names B's write: {st}")
    r = rvrr("trace", "diff", "--json", live, plain)
    j = parse(r, "trace diff --json, sides swapped")
    if j is not None:
        ck.check((j.get("state") or {}).get("by_debugger_write") == ["a"], f"swapped, A's write: {j.get('state')}")


@g.scenario(ck, "trace memory: the map at the end and at a count")
def memory():
    elf = g.build_guest("write_history")
    trace = record(elf, "abcd", "m.rvrr")
    r = rvrr("trace", "memory", trace)
    ck.begin("trace memory")
    ck.check(r.returncode == 0 and "[stack]" in r.stdout and "(ELF segment)" in r.stdout,
             f"text map:\n{r.stdout}{r.stderr}")
    r = rvrr("trace", "memory", "--json", trace)
    j = parse(r, "trace memory --json")
    if j is not None:
        kinds = {x["kind"] for x in j["regions"]}
        ck.check({"segment", "stack", "heap"} <= kinds, f"segments, heap and stack: {kinds}")
        ck.check(all(x["resident"] <= x["pages"] and x["written"] <= x["pages"] for x in j["regions"]),
                 f"counts within the region: {j['regions']}")
        ck.check(any(x["written"] > 0 and x["kind"] == "stack" for x in j["regions"]), "the stack was written")
        end = j["icount"]
        r0 = rvrr("trace", "memory", "--json", "--at", "0", trace)
        j0 = parse(r0, "trace memory --at 0")
        if j0 is not None:
            ck.check(j0["icount"] == 0 and all(x["written"] == 0 for x in j0["regions"]),
                     f"at 0 nothing is written yet: {j0}")
        r = rvrr("trace", "memory", "--at", str(end + 1000), trace)
        ck.check(r.returncode == 2 and "past the end" in r.stderr, f"--at past the end: {r.returncode} {r.stderr}")


writes()
diff()
diff_debugger_write()
memory()
ck.finish()
