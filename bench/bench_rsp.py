#!/usr/bin/env python3
"""bench_rsp: how fast rvrr answers gdb, side by side with qemu-riscv32's gdbstub.

1. Latency of one single-step round trip as gdb 13 does it on RISC-V (Z0 at
   the predicted next pc, vCont;c, stop reply, z0, g, m), measured with our own
   RSP client over loopback: median and p90 over --round-trips after warm-up.
2. Wall time for gdb-multiarch to `next` over one source line that loops
   --loop-iterations times (gdb single-steps every instruction of it).

Both targets run the same ELF (bench/rsp_guest.c, Linux ABI runtime from
examples/linux). Prints figures; never passes or fails on time.

usage: bench/bench_rsp.py [--rvrr build/rvrr] [--round-trips 2000] [--loop-iterations 100000]
"""
import argparse
import os
import statistics
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import gdbtest as g  # noqa: E402
from rsp_client import RspClient  # noqa: E402

LINUX_FLAGS = ["-march=rv32imac", "-mabi=ilp32", "-nostdlib", "-ffreestanding", "-static", "-g", "-O1",
               "-Wall", "-DRVRR_LINUX_RT", "-Wl,-Ttext-segment=0x10000"]


def build_guest(out_dir):
    rt = os.path.join(ROOT, "examples", "linux")
    out = os.path.join(out_dir, "rsp_guest.elf")
    subprocess.run(["riscv64-unknown-elf-gcc", *LINUX_FLAGS, "-I" + rt, os.path.join(rt, "crt0.S"),
                    os.path.join(rt, "rt.c"), os.path.join(HERE, "rsp_guest.c"), "-lgcc", "-o", out],
                   check=True)
    return out


def start(target, rvrr, elf, *args):
    if target == "rvrr":
        srv = g.Server([rvrr, "debug", "--port", "0", elf, *args])
    else:
        srv = g.Server.qemu(elf, *args)
    srv.start()
    return srv


def round_trips(target, rvrr, elf, count, warmup):
    """Median/p90 of `count` step round trips in microseconds, or an error string."""
    srv = client = None
    try:
        srv = start(target, rvrr, elf, "100000000")
        client = RspClient("127.0.0.1", srv.port)
        client.handshake()
        code_cache = {}

        def code(addr):
            if addr not in code_cache:
                code_cache[addr] = client.read(addr, 4)
            return code_cache[addr]

        regs = client.regs()
        samples = []
        for i in range(warmup + count):
            if i == warmup:
                client.timings = {}
            t0 = time.perf_counter_ns()
            regs = client.step_round_trip(regs, code)
            dt = time.perf_counter_ns() - t0
            if i >= warmup:
                samples.append(dt / 1000.0)
        samples.sort()
        per_packet = {k: statistics.median(v) / 1000.0 for k, v in client.timings.items()}
        return statistics.median(samples), samples[int(len(samples) * 0.9)], per_packet
    except Exception as e:  # report, keep benchmarking the other target
        return f"error: {type(e).__name__}: {e}"
    finally:
        if client:
            client.close()
        if srv:
            srv.stop()


def next_over_loop(target, rvrr, elf, iterations):
    """Seconds gdb takes to `next` over the one-line loop, or an error string."""
    line = g.line_of(os.path.join(HERE, "rsp_guest.c"), "HOT LOOP")
    srv = None
    try:
        srv = start(target, rvrr, elf, str(iterations))
        s = g.run_gdb(srv.port, elf, [f"tbreak rsp_guest.c:{line}", "continue", "next", "kill"],
                      timeout=1800)
        if len(s.steps) < 3 or s[2].error:
            return "error: " + (s[2].error if len(s.steps) > 2 else "gdb did not finish:\n" + s.text[-2000:])
        if f"{line + 1}\t" not in s[2].output:
            return f"error: next did not reach line {line + 1}: {s[2].output!r}"
        return s[2].seconds
    except Exception as e:
        return f"error: {type(e).__name__}: {str(e)[:300]}"
    finally:
        if srv:
            srv.stop()


def fmt(v, unit):
    if isinstance(v, str):
        return "error (below)" if v.startswith("error") else v[:16]
    return f"{v:.1f} {unit}" if unit == "us" else f"{v:.2f} {unit}"


def ratio(a, b):
    if isinstance(a, str) or isinstance(b, str) or not b:
        return "-"
    return f"{a / b:.2f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rvrr", default=os.environ.get("RVRR", os.path.join(ROOT, "build", "rvrr")))
    ap.add_argument("--round-trips", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--loop-iterations", type=int, default=100000)
    ap.add_argument("--qemu-loop-iterations", type=int, default=10000,
                    help="qemu's gdbstub steps ~4x slower (it flushes translated code on every Z0): "
                         "measure it on fewer iterations and scale linearly")
    ap.add_argument("--skip-next", action="store_true", help="only the round-trip latency")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="rvrr-bench-rsp-")
    elf = build_guest(tmp)
    targets = ["rvrr", "qemu"]
    rt = {t: round_trips(t, a.rvrr, elf, a.round_trips, a.warmup) for t in targets}
    nx = {}
    qemu_iters = min(a.qemu_loop_iterations, a.loop_iterations)
    for t in targets:
        iters = a.loop_iterations if t == "rvrr" else qemu_iters
        v = next_over_loop(t, a.rvrr, elf, iters) if not a.skip_next else "skipped"
        nx[t] = v * a.loop_iterations / iters if isinstance(v, float) else v

    print(f"bench_rsp: gdb-style single-step round trips (Z0, vCont;c, stop, z0, g, m), "
          f"{a.round_trips} after {a.warmup} warm-up; same ELF on both targets")
    print(f"{'':44}{'rvrr':>18}{'qemu-riscv32':>18}{'rvrr/qemu':>12}")
    med = {t: (rt[t][0] if isinstance(rt[t], tuple) else rt[t]) for t in targets}
    p90 = {t: (rt[t][1] if isinstance(rt[t], tuple) else rt[t]) for t in targets}
    print(f"{'step round trip, median':44}{fmt(med['rvrr'], 'us'):>18}{fmt(med['qemu'], 'us'):>18}"
          f"{ratio(med['rvrr'], med['qemu']):>12}")
    print(f"{'step round trip, p90':44}{fmt(p90['rvrr'], 'us'):>18}{fmt(p90['qemu'], 'us'):>18}"
          f"{ratio(p90['rvrr'], p90['qemu']):>12}")
    kinds = ["Z0", "vCont", "z0", "g", "m"]
    for k in kinds:
        v = {t: (rt[t][2].get(k, "-") if isinstance(rt[t], tuple) else "-") for t in targets}
        print(f"{'  of which ' + k + ' (request to reply, median)':44}{fmt(v['rvrr'], 'us'):>18}"
              f"{fmt(v['qemu'], 'us'):>18}{ratio(v['rvrr'], v['qemu']):>12}")
    label = f"gdb `next` over a {a.loop_iterations}-iteration line"
    print(f"{label:44}{fmt(nx['rvrr'], 's'):>18}{fmt(nx['qemu'], 's'):>18}{ratio(nx['rvrr'], nx['qemu']):>12}")
    if qemu_iters != a.loop_iterations and not a.skip_next:
        print(f"  (qemu measured over {qemu_iters} iterations and scaled linearly; "
              f"--qemu-loop-iterations {a.loop_iterations} measures it in full)")
    for t in targets:
        for v in (rt[t], nx[t]):
            if isinstance(v, str) and v.startswith("error"):
                print(f"{t}: {v}")
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
