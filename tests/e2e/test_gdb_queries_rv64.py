#!/usr/bin/env python3
"""The questions about a recording from gdb on RV64 (issue 13): `monitor
lines` and the gdbinit `lines`, `monitor profile`, `calls`/`call-seek`, and
`last-write`/`next-write EXPR` in a replay and in a live session, on the
static glibc guest tests/e2e/guests/rv64_queries.c built at 0x10000 and at
8 GiB (tests/CMakeLists.txt). `last-write acc` asks about a local on the
stack just below 256 GiB, `last-write counter` in the 8 GiB build about a
global above 4 GiB: the gdbinit wrappers must pass the whole address.
Skipped when riscv64-linux-gnu-gcc is not installed (the guests are not built).
"""
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

ck = g.Checker("test_gdb_queries_rv64")
SRC = g.guest_source("rv64_queries")
L = {n: g.marker_line(SRC, n) for n in ("loop_body", "scale_body", "half_body", "counter_first", "bump_write",
                                        "call_scale", "call_bump")}
GDBINIT = os.path.join(g.source_dir(), "gdbinit")
WHEN = re.compile(r"Current instruction: (\d+)")


def guest(name):
    path = os.path.join(g.env_path("RVRR_TESTS_BIN_DIR"), "guests", name + ".elf")
    if not os.path.exists(path):
        raise g.TestFailure(f"RV64 guest not built: {path}")
    return path


def symbols(elf):
    out = subprocess.run(["riscv64-linux-gnu-nm", elf], capture_output=True, text=True, timeout=60).stdout
    return {m.group(2): int(m.group(1), 16) for m in re.finditer(r"^([0-9a-f]+) \w (\S+)$", out, re.M)}


def scale(k):
    """What scale(k, 2^32 + k, "rv64", k * 0.5) returns."""
    return ((1 << 32) + k) * k + ord("rv64"[k % 4]) + int(k * 0.5)


def le_bytes(v):
    return " ".join(f"{b:02x}" for b in v.to_bytes(8, "little"))


CMDS = [
    f"source {GDBINIT}",                               # 0
    "break half",                                      # 1
    "continue",                                        # 2 after every scale, bump and page_end_addiw call
    f"monitor lines rv64_queries.c:{L['loop_body']}",  # 3
    f"lines rv64_queries.c:{L['scale_body']}",         # 4 the gdbinit wrapper
    "monitor profile 3",                               # 5
    "calls scale",                                     # 6
    "call-seek 3",                                     # 7
    "monitor when",                                    # 8
    "next",                                            # 9 the body: arguments stored
    "frame",                                           # 10
    "last-write counter",                              # 11 back to counter = 5
    "monitor when",                                    # 12
    "p counter",                                       # 13 before the write runs
    "next-write counter",                              # 14 bump's first write
    "p/x $pc",                                         # 15
    "up",                                              # 16 main, at bump(7)
    "last-write acc",                                  # 17 a local just below 256 GiB
    "p acc",                                           # 18
    "monitor when",                                    # 19
]


def check_session(s, sym, title):
    ck.at_line(2, L["half_body"], f"{title}:")
    ck.contains(3, re.compile(rf"rv64_queries\.c:{L['loop_body']} 23\n"), f"{title}: the loop body, 23 entries:")
    ck.contains(3, "(the history so far)")
    ck.contains(4, re.compile(rf"rv64_queries\.c:{L['scale_body']} 4\n"), f"{title}: scale's body, 4 entries:")
    ck.contains(5, re.compile(rf"\s3  page_end_addiw \(0x0*{sym['page_end_addiw']:x}\)\n"),
                f"{title}: page_end_addiw called 3 times, named by its whole entry address:")
    ck.contains(6, "scale: 4 calls")
    ck.contains(6, re.compile(rf"#3 \d+ scale\(k=3, big=4294967299, p={sym['message']:#x}, d=1\.5\) from main at "
                              rf"\S*rv64_queries\.c:{L['call_scale']}\n    -> returned {scale(3)} at \d+"),
                f"{title}: lp64d arguments, a 64-bit return:")
    listed = dict((int(k), int(n)) for k, n in re.findall(r"^#(\d+) (\d+) ", ck.step(6).output if ck.step(6) else "", re.M))
    ck.contains(8, f"Current instruction: {listed.get(3)}", f"{title}: call-seek 3 goes to the 3rd call's entry:")
    ck.contains(10, re.compile(rf"scale \(k=3, big=4294967299, p={sym['message']:#x} <message> \"rv64\", d=1\.5\)"),
                f"{title}: gdb sees the 3rd call's arguments:")
    ck.contains(11, re.compile(rf"Last write to 0x0*{sym['counter']:x} \(8 bytes\) before instruction"),
                f"{title}: the whole address:")
    ck.contains(11, re.compile(rf"in main at \S*rv64_queries\.c:{L['counter_first']}\n  old: {le_bytes(0)}\n"
                               rf"  new: {le_bytes(5)}\n"), f"{title}: counter = 5 in main:")
    ck.at_line(11, L["counter_first"])
    m = re.search(r"instruction ([\d,]+) at pc 0x([0-9a-f]+) in main", ck.step(11).output if ck.step(11) else "")
    w = WHEN.search(ck.step(12).output if ck.step(12) else "")
    ck.check(m is not None and w is not None and int(m.group(1).replace(",", "")) == int(w.group(1))
             and sym["main"] <= int(m.group(2), 16) < sym["main"] + 0x200,
             f"{title}: last-write moved to the write, at a pc in main ({sym['main']:#x})")
    ck.value(13, "0", f"{title}: stopped before the write runs:")
    ck.contains(14, re.compile(rf"in bump at \S*rv64_queries\.c:{L['bump_write']}\n  old: {le_bytes(5)}\n"
                               rf"  new: {le_bytes(12)}\n"), f"{title}: next-write to bump's write:")
    pc = re.search(r"= (0x[0-9a-f]+)", ck.step(15).output if ck.step(15) else "")
    ck.check(pc is not None and sym["bump"] <= int(pc.group(1), 16) < sym["bump"] + 0x100,
             f"{title}: the pc is in bump ({sym['bump']:#x}): {pc and pc.group(1)}")
    ck.at_line(16, L["call_bump"])
    before = 253 + scale(1) + scale(2) + scale(3)  # acc before the 4th scale's result is added
    ck.contains(17, re.compile(r"Last write to 0x3f[0-9a-f]{8} \(8 bytes\) before instruction"),
                f"{title}: last-write of a local, on the stack below 256 GiB:")
    ck.contains(17, re.compile(rf"in main at \S*rv64_queries\.c:{L['call_scale']}\n  old: {le_bytes(before)}\n"
                               rf"  new: {le_bytes(before + scale(4))}\n"), f"{title}: acc += scale(4, ...):")
    ck.value(18, str(before))
    ck.check(listed.get(4) is not None and WHEN.search(ck.step(19).output or "") is not None
             and int(WHEN.search(ck.step(19).output).group(1)) > listed[4],
             f"{title}: acc's last write comes after the 4th call's entry")


def replay(name):
    elf = guest(name)
    sym = symbols(elf)
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-rv64-queries-")
    try:
        trace = os.path.join(tmp, name + ".rvrr")
        r = subprocess.run([g.rvrr_binary(), "record", "-o", trace, elf], input=b"abc\n", capture_output=True,
                           timeout=120)
        if r.returncode != 0:
            raise g.TestFailure(f"record {elf}: exit {r.returncode}: {r.stderr.decode()}")
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, elf, CMDS, timeout=120)
            ck.begin(f"replay of {name}", s, srv)
            check_session(s, sym, f"replay of {name}")
            ck.check(srv.alive(), "the server is alive")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@g.scenario(ck, "replay of the guest at 0x10000: lines, profile, calls, call-seek, last-write, next-write")
def replay_low():
    replay("rv64_queries")


@g.scenario(ck, "replay of the guest at 8 GiB: the same, every address above 2^32")
def replay_high():
    replay("rv64_queries_high")


@g.scenario(ck, "live session of the guest at 8 GiB: the same questions over the history so far")
def live_high():
    elf = guest("rv64_queries_high")
    with g.Server.debug(elf) as srv:
        s = g.run_gdb(srv.port, elf, CMDS, timeout=120)
        ck.begin("live rv64_queries_high", s, srv)
        check_session(s, symbols(elf), "live rv64_queries_high")
        ck.check(srv.alive(), "the server is alive")


replay_low()
replay_high()
live_high()
ck.finish()
