#!/usr/bin/env python3
"""Hardening: a guest that allocates without bound (tests/e2e/guests/fault_alloc.c,
Linux ABI: malloc over brk, touching every page).

With --memory-limit the guest's brk fails, malloc returns NULL and the program
says so (exit 3); rvrr itself neither crashes nor lets the host's memory grow
past the limit. A limit smaller than the program itself is refused at load
with a clear message (exit 2). Under `rvrr debug` the same run ends at the
guest's exit and stays reversible."""
import os
import re
import resource
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_fault_memory")
_elf = None


def alloc_guest():
    """fault_alloc.c built with examples/linux's runtime (as examples/CMakeLists.txt does)."""
    global _elf
    if _elf:
        return _elf
    out_dir = tempfile.mkdtemp(prefix="rvrr-fault-alloc-")
    import atexit
    import shutil
    atexit.register(shutil.rmtree, out_dir, True)
    rt = os.path.join(g.source_dir(), "examples", "linux")
    out = os.path.join(out_dir, "fault_alloc.elf")
    argv = [os.environ.get("RVRR_RISCV_GCC", "riscv64-unknown-elf-gcc"), *g.LINUX_GUEST_FLAGS, "-I" + rt,
            os.path.join(rt, "crt0.S"), os.path.join(rt, "rt.c"), g.guest_source("fault_alloc"), "-lgcc", "-o", out]
    res = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if res.returncode != 0:
        raise g.TestFailure(f"building fault_alloc failed:\n{res.stdout}{res.stderr}")
    _elf = out
    return out


def run_measured(args, timeout=60):
    """rvrr ARGS in a child python that reports the rvrr process's peak RSS (KiB)."""
    code = ("import resource,subprocess,sys;"
            "p=subprocess.run(sys.argv[1:],capture_output=True,timeout=%d);"
            "sys.stdout.write(p.stdout.decode('utf-8','replace'));"
            "sys.stderr.write(p.stderr.decode('utf-8','replace'));"
            "sys.stderr.write('\\n@@RSS %%d\\n'%%resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "sys.exit(p.returncode if p.returncode>=0 else 128-p.returncode)" % timeout)
    proc = subprocess.Popen([sys.executable, "-c", code, g.rvrr_binary(), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout + 10)
    finally:
        g._kill_group(proc)
    err = err.decode("utf-8", "replace")
    m = re.search(r"@@RSS (\d+)", err)
    return proc.returncode, out.decode("utf-8", "replace"), err, int(m.group(1)) if m else None


@g.scenario(ck, "rvrr run --memory-limit 64: malloc returns NULL, host memory bounded")
def run_limited():
    elf = alloc_guest()
    rc, out, err, rss_kib = run_measured(["run", "--memory-limit", "64", elf])
    ck.check(rc == 3, f"exit {rc}, expected 3 (the guest's own 'malloc returned NULL' exit)\n{out}{err}")
    ck.check(re.search(r"malloc returned NULL after \d+ MiB", out) is not None, f"guest message missing: {out!r}")
    m = re.search(r"after (\d+) MiB", out)
    ck.check(m is not None and 16 <= int(m.group(1)) <= 64, f"allocated amount not within the limit: {out!r}")
    ck.check(r.crash_text(err) is None, f"crash marker on stderr: {err!r}")
    ck.check(rss_kib is not None and rss_kib < 200 * 1024,
             f"host peak RSS {rss_kib} KiB for a 64 MiB guest limit (expected < 200 MiB)")


@g.scenario(ck, "rvrr record --memory-limit 32 and trace info")
def record_limited():
    elf = alloc_guest()
    with tempfile.TemporaryDirectory(prefix="rvrr-fault-mem-") as tmp:
        trace = os.path.join(tmp, "alloc.rvrr")
        rc, out, err, rss_kib = run_measured(["record", "--memory-limit", "32", "-o", trace, elf])
        ck.check(rc == 3, f"record: exit {rc}, expected 3\n{out}{err}")
        ck.check("malloc returned NULL" in out, f"record: guest message missing: {out!r}")
        ck.check(r.crash_text(err) is None, f"record: crash marker on stderr: {err!r}")
        info = g.run_rvrr(["trace", "info", trace], timeout=30)
        ck.check(info.returncode == 0 and re.search(r"ended: *exited with status 3", info.stdout),
                 f"trace info: exit {info.returncode}\n{info.stdout}{info.stderr}")


@g.scenario(ck, "a limit smaller than the program is refused clearly")
def limit_too_small():
    elf = alloc_guest()
    res = g.run_rvrr(["run", "--memory-limit", "1", elf], timeout=30)
    ck.check(res.returncode != 0, f"exit {res.returncode} with a 1 MiB limit")
    ck.check("limit" in res.stderr and res.stderr.count("\n") <= 3, f"unclear message: {res.stderr!r}")
    ck.check(r.crash_text(res.stderr) is None, f"crash marker: {res.stderr!r}")
    for bad in ("0", "-5", "abc", "99999999999999"):
        res = g.run_rvrr(["run", "--memory-limit", bad, elf], timeout=30)
        ck.check(res.returncode != 0 and res.returncode < 128 and res.stderr.strip() != "",
                 f"--memory-limit {bad}: exit {res.returncode}, stderr {res.stderr!r}")
        ck.check(r.crash_text(res.stderr) is None, f"--memory-limit {bad}: crash marker: {res.stderr!r}")


@g.scenario(ck, "under gdb: the allocation loop ends at the guest's exit, reversible")
def debug_limited():
    elf = alloc_guest()
    with g.Server.debug(elf, options=["--memory-limit", "32"]) as server:
        cmds = ["continue", "monitor when", "reverse-stepi", "monitor when", "monitor info timeline"]
        s = g.run_gdb(server.port, elf, cmds, timeout=50)
        ck.begin(ck.scenario, s, server)
        ck.ok(0)
        ck.lacks(0, "Remote connection closed")
        w = [re.search(r"Current instruction: (\d+)", s[i].output) if i < len(s.steps) else None for i in (1, 3)]
        w = [int(m.group(1)) if m else None for m in w]
        ck.check(None not in w and w[1] == w[0] - 1, f"reverse-stepi at the exit: {w}")
        ck.check("malloc returned NULL" in server.stdout(), f"guest output: {server.stdout()!r}")
        g.check_timeline_memory(ck, 4)
        ck.check(server.alive(), "server died")
        ck.check(r.crash_text(server.stderr()) is None, f"crash marker: {server.stderr()!r}")


if __name__ == "__main__":
    run_limited()
    record_limited()
    limit_too_small()
    debug_limited()
    ck.finish()
