#!/usr/bin/env python3
"""Differential test of random F/D instruction sequences against qemu-riscv32.

For each seed in SEEDS (fixed, so the test is deterministic) this generates
an RV32 assembly program (rv32imafdc/ilp32d, freestanding, Linux ABI) of a
few hundred random float instructions: arithmetic (.s and .d, fused
multiply-adds included), sign injection, comparisons, fclass, conversions
between w/wu/s/d in every direction and fmv.x.w/fmv.w.x, with static
rounding modes 0-4 and dyn (frm set first by fsrm to a random 0-4). Operands
come from a table of interesting values (signed zeros, infinities, quiet and
signalling NaNs, improperly NaN-boxed singles, denormals, extreme normals,
values at conversion boundaries, random bit patterns) or are the results of
earlier instructions. After every instruction the program appends one
12-byte record to a buffer: the destination register's 64 bits (float) or
32 bits (integer), then fflags (read by frflags, then cleared). At the end it
writes the buffer with one write() and exits 0.

Each program runs under `$RVRR run` and under qemu-riscv32; their stdout
must be identical byte for byte. On a mismatch the first differing record is
reported with the assembly that produced it. A second part checks that the
reserved rounding modes (static rm 5/6, dyn with frm 5-7) raise SIGILL
under both. Skipped (exit 0 with a note) if
qemu-riscv32 or the cross toolchain is missing.
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

SEEDS = list(range(1, 13))
INSNS_PER_PROGRAM = 500
RECORD = 12  # bytes: 8 value + 4 fflags
HANG = 60  # seconds per run: a hang guard, never a timing assertion

# ---- operand table ---------------------------------------------------------

SINGLES = [
    0x00000000, 0x80000000,              # +-0
    0x7F800000, 0xFF800000,              # +-inf
    0x7FC00000, 0xFFC00000, 0x7FC12345,  # quiet NaNs (canonical, negative, payload)
    0x7F800001, 0xFFA00000, 0x7FBFFFFF,  # signalling NaNs
    0x00000001, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00400000,  # denormals
    0x00800000, 0x80800000, 0x7F7FFFFF, 0xFF7FFFFF,  # min/max normals
    0x3F800000, 0xBF800000, 0x3F000000, 0x3FC00000, 0xBFC00000,  # 1, -1, .5, 1.5, -1.5
    0x40200000, 0xC0200000, 0x40400000,  # 2.5, -2.5, 3
    0x4F000000, 0xCF000000, 0x4F800000, 0x4EFFFFFF, 0x4F7FFFFF,  # 2^31, -2^31, 2^32, near
    0xCF000001, 0xBF7FFFFF, 0x3F7FFFFF, 0x3F800001,
    0x33800000, 0x34000000, 0x0C000000, 0x72000000,  # small/large scales
]
DOUBLES = [
    0x0000000000000000, 0x8000000000000000,
    0x7FF0000000000000, 0xFFF0000000000000,
    0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000000012345,
    0x7FF0000000000001, 0xFFF4000000000000, 0x7FF7FFFFFFFFFFFF,
    0x0000000000000001, 0x8000000000000001, 0x000FFFFFFFFFFFFF, 0x800FFFFFFFFFFFFF,
    0x0010000000000000, 0x8010000000000000, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF,
    0x3FF0000000000000, 0xBFF0000000000000, 0x3FE0000000000000, 0x3FF8000000000000,
    0xBFF8000000000000, 0x4004000000000000, 0xC004000000000000,
    0x41E0000000000000, 0xC1E0000000000000, 0x41F0000000000000,  # 2^31, -2^31, 2^32
    0x41DFFFFFFFC00000, 0x41EFFFFFFFE00000, 0x41EFFFFFFFF00000,  # 2^31-1, 2^32-1, 2^32-.5
    0xC1E0000000100000, 0xC1E0000000200000, 0xBFEFFFFFFFFFFFFF,  # -2^31-.5, -2^31-1
    0x47EFFFFFE0000000, 0x47EFFFFFF0000000, 0x47F0000000000000,  # near FLT_MAX
    0x36A0000000000000, 0x3690000000000000, 0x3800000000000000,  # near FLT denormals
    0x380FFFFFF0000000, 0x3FF0000010000000, 0x3FF0000008000000,  # single rounding ties
    0x3FF0000018000000, 0x3FF0000000000001,
]
# Singles not properly NaN-boxed in a 64-bit register (read as the canonical NaN).
IMPROPER = [0x000000003F800000, 0x123456787FC00000, 0xFFFFFFFE3F800000, 0x7FFFFFFF00000000]
INTS = [0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0x80000001, 0x01000001, 0xFF000001,
        0x00FFFFFF, 0x7FFFFFC0, 0xFFFFFF80, 3, 0x20000001]


def build_table(rng):
    """Return the list of 64-bit table entries and index lists per kind."""
    entries, kinds = [], {"s": [], "d": [], "bad": [], "i": []}

    def add(kind, v):
        kinds[kind].append(len(entries))
        entries.append(v & 0xFFFFFFFFFFFFFFFF)

    for v in SINGLES:
        add("s", 0xFFFFFFFF00000000 | v)
    for _ in range(24):  # random singles: random bits, and moderate exponents
        add("s", 0xFFFFFFFF00000000 | rng.getrandbits(32))
        e = rng.randint(127 - 24, 127 + 24)
        add("s", 0xFFFFFFFF00000000 | (rng.getrandbits(1) << 31) | (e << 23) | rng.getrandbits(23))
    for v in DOUBLES:
        add("d", v)
    for _ in range(24):
        add("d", rng.getrandbits(64))
        e = rng.randint(1023 - 53, 1023 + 53)
        add("d", (rng.getrandbits(1) << 63) | (e << 52) | rng.getrandbits(52))
    for v in IMPROPER:
        add("bad", v)
    for v in INTS:
        add("i", (rng.getrandbits(32) << 32) | v)
    assert len(entries) * 8 <= 2040, "the table must stay within lw/flw's 12-bit offsets"
    return entries, kinds


# ---- instruction generator -------------------------------------------------

RMS = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]

# name: (dest kind, source kinds, takes rm). Kinds: s/d float, x integer.
OPS = {}
for f in "sd":
    OPS.update({
        f"fadd.{f}": (f, [f, f], True), f"fsub.{f}": (f, [f, f], True),
        f"fmul.{f}": (f, [f, f], True), f"fdiv.{f}": (f, [f, f], True),
        f"fsqrt.{f}": (f, [f], True),
        f"fmin.{f}": (f, [f, f], False), f"fmax.{f}": (f, [f, f], False),
        f"fmadd.{f}": (f, [f, f, f], True), f"fmsub.{f}": (f, [f, f, f], True),
        f"fnmadd.{f}": (f, [f, f, f], True), f"fnmsub.{f}": (f, [f, f, f], True),
        f"fsgnj.{f}": (f, [f, f], False), f"fsgnjn.{f}": (f, [f, f], False),
        f"fsgnjx.{f}": (f, [f, f], False),
        f"feq.{f}": ("x", [f, f], False), f"flt.{f}": ("x", [f, f], False),
        f"fle.{f}": ("x", [f, f], False), f"fclass.{f}": ("x", [f], False),
        f"fcvt.w.{f}": ("x", [f], True), f"fcvt.wu.{f}": ("x", [f], True),
        f"fcvt.{f}.w": (f, ["x"], f == "s"), f"fcvt.{f}.wu": (f, ["x"], f == "s"),
    })
OPS["fcvt.s.d"] = ("s", ["d"], True)
OPS["fcvt.d.s"] = ("d", ["s"], False)  # exact
OPS["fmv.x.w"] = ("x", ["s"], False)
OPS["fmv.w.x"] = ("s", ["x"], False)
OP_NAMES = sorted(OPS)


class Program:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.table, self.kinds = build_table(self.rng)
        self.body = []      # assembly lines
        self.records = []   # per record: the assembly lines that produced it

    def float_source(self, kind, reg):
        """Lines that put an operand of format `kind` into f<reg> (or none:
        use whatever an earlier instruction left there)."""
        rng = self.rng
        r = rng.random()
        if r < 0.2:
            return []  # the register's current value (an earlier result)
        if kind == "s":
            if r < 0.85:
                return [self.load("flw", f"f{reg}", rng.choice(self.kinds["s"]))]
            return [self.load("fld", f"f{reg}", rng.choice(self.kinds["bad"] + self.kinds["d"]))]
        pool = self.kinds["d"] if r < 0.9 else self.kinds["s"]
        return [self.load("fld", f"f{reg}", rng.choice(pool))]

    def int_source(self):
        idx = self.rng.choice(self.kinds["i"] + self.kinds["s"] + self.kinds["d"])
        return [self.load("lw", "t0", idx)]

    def load(self, op, reg, idx):
        """A load of table entry idx, commented with the bits it loads (for
        the failure report)."""
        v = self.table[idx]
        bits = f"0x{v:016x}" if op == "fld" else f"0x{v & 0xFFFFFFFF:08x}"
        return f"{op} {reg}, {8 * idx}(s0)  # {bits}"

    def one(self):
        rng = self.rng
        name = rng.choice(OP_NAMES)
        dest, srcs, takes_rm = OPS[name]
        lines, operands = [], []
        for kind in srcs:
            if kind == "x":
                lines += self.int_source()
                operands.append("t0")
            else:
                reg = rng.randrange(32)
                lines += self.float_source(kind, reg)
                operands.append(f"f{reg}")
        rd = "t1" if dest == "x" else f"f{rng.randrange(32)}"
        insn = f"{name} {rd}, {', '.join(operands)}"
        if takes_rm:
            rm = rng.choice(RMS)
            if rm == "dyn":
                lines.append(f"fsrmi {rng.randrange(5)}")
            insn += f", {rm}"
        lines.append(insn)
        # The record: destination bits, then fflags (cleared for the next one).
        if dest == "x":
            lines += ["sw t1, 0(s1)", "sw zero, 4(s1)"]
        else:
            lines.append(f"fsd {rd}, 0(s1)")
        lines += ["frflags t3", "fsflags zero", "sw t3, 8(s1)", "addi s1, s1, 12"]
        self.body += lines
        self.records.append(lines)

    def source(self):
        # Every float register starts from the table, so "current value"
        # operands are defined from the first instruction on.
        init = [f"fld f{r}, {8 * self.rng.choice(self.kinds['s'] + self.kinds['d'])}(s0)"
                for r in range(32)]
        for _ in range(INSNS_PER_PROGRAM):
            self.one()
        table = "\n".join(f"    .dword 0x{v:016x}" for v in self.table)
        body = "\n".join("    " + l for l in init + ["fsflags zero"] + self.body)
        return f"""# generated by tests/e2e/test_qemu_fp_random.py
    .text
    .globl _start
_start:
    la s0, table
    la s1, buf
{body}
    li a0, 1
    la a1, buf
    sub a2, s1, a1
    li a7, 64        # write(1, buf, len)
    ecall
    li a0, 0
    li a7, 93        # exit(0)
    ecall
    .data
    .balign 8
table:
{table}
    .bss
    .balign 8
buf:
    .space {RECORD * INSNS_PER_PROGRAM}
"""


# ---- running and comparing -------------------------------------------------

def describe(rec):
    value, flags = struct.unpack("<QI", rec)
    return f"value 0x{value:016x} fflags 0x{flags:02x}"


def run(cmd):
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=HANG)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


# Reserved rounding modes: an instruction with rm 5 or 6, or with rm dyn while
# frm holds 5, 6 or 7, is an illegal instruction (unprivileged spec, "Floating-
# Point Control and Status Register"). Each program prints a line, executes
# one such instruction and must die there with SIGILL, as under qemu-riscv32.
ILLEGAL_RM = {
    "static rm 5": ".insn r 0x53, 5, 0, f0, f1, f2   # fadd.s f0, f1, f2 with rm 5",
    "static rm 6": ".insn r 0x53, 6, 0x01, f0, f1, f2   # fadd.d f0, f1, f2 with rm 6",
    "frm 5, dyn": "fsrmi 5\n    fmul.d f0, f1, f2, dyn",
    "frm 6, dyn": "fsrmi 6\n    fcvt.w.s t1, f1, dyn",
    "frm 7, dyn": "fsrmi 7\n    fmadd.s f0, f1, f2, f3, dyn",
}


def illegal_rm_source(insn):
    return f"""    .text
    .globl _start
_start:
    li a0, 1
    la a1, msg
    li a2, 7
    li a7, 64
    ecall
    {insn}
    li a0, 1
    la a1, msg2
    li a2, 6
    li a7, 64
    ecall
    li a0, 0
    li a7, 93
    ecall
    .data
msg: .ascii "before\\n"
msg2: .ascii "after\\n"
"""


def status(rc):
    """Exit status as a shell reports it (qemu-riscv32 dies by the signal
    itself; rvrr exits 128 + signal)."""
    return 128 - rc if rc < 0 else rc


def check_illegal_rm(rvrr, tmp):
    failures = 0
    for i, (name, insn) in enumerate(ILLEGAL_RM.items()):
        src = os.path.join(tmp, f"rm{i}.S")
        elf = os.path.join(tmp, f"rm{i}.elf")
        with open(src, "w") as f:
            f.write(illegal_rm_source(insn))
        cc = subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv32imafdc", "-mabi=ilp32d",
                             "-nostdlib", "-static", src, "-o", elf], capture_output=True, text=True)
        if cc.returncode != 0:
            print(f"FAIL [{name}]: does not assemble:\n{cc.stderr[:1000]}")
            failures += 1
            continue
        rc_r, out_r, err_r = run([rvrr, "run", elf])
        rc_q, out_q, _ = run(["qemu-riscv32", elf])
        if status(rc_q) != 128 + 4 or out_q != b"before\n":
            print(f"FAIL [{name}]: qemu-riscv32 gave status {status(rc_q)}, stdout {out_q!r}; expected SIGILL")
            failures += 1
        elif status(rc_r) != status(rc_q) or out_r != out_q:
            print(f"FAIL [{name}]: rvrr gave status {status(rc_r)}, stdout {out_r!r}, "
                  f"stderr {err_r[:300]!r}; qemu-riscv32 status {status(rc_q)}, stdout {out_q!r}")
            failures += 1
        else:
            print(f"ok   [{name}]: SIGILL under both")
    return failures


def main():
    rvrr = os.environ.get("RVRR")
    if not rvrr:
        print("RVRR must name the rvrr binary", file=sys.stderr)
        return 2
    if not shutil.which("qemu-riscv32"):
        print("SKIP: qemu-riscv32 is not installed")
        return 0
    if not shutil.which("riscv64-unknown-elf-gcc"):
        print("SKIP: riscv64-unknown-elf-gcc is not installed")
        return 0
    tmp = tempfile.mkdtemp(prefix="rvrr-fprandom-")
    failures = 0
    try:
        for seed in SEEDS:
            prog = Program(seed)
            src = os.path.join(tmp, f"fp{seed}.S")
            elf = os.path.join(tmp, f"fp{seed}.elf")
            with open(src, "w") as f:
                f.write(prog.source())
            cc = subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv32imafdc", "-mabi=ilp32d",
                                 "-nostdlib", "-ffreestanding", "-static", src, "-o", elf],
                                capture_output=True, text=True)
            if cc.returncode != 0:
                print(f"FAIL [seed {seed}]: does not assemble:\n{cc.stderr[:2000]}")
                failures += 1
                continue
            rc_r, out_r, err_r = run([rvrr, "run", elf])
            rc_q, out_q, _ = run(["qemu-riscv32", elf])
            want = RECORD * INSNS_PER_PROGRAM
            ok = True
            if rc_q != 0 or len(out_q) != want:
                print(f"FAIL [seed {seed}]: qemu-riscv32 exited {rc_q} with {len(out_q)} bytes, "
                      f"expected 0 and {want}")
                ok = False
            if rc_r != 0:
                print(f"FAIL [seed {seed}]: rvrr exited {rc_r}; stderr: {err_r[:500]}")
                ok = False
            if out_r != out_q:
                n = min(len(out_r), len(out_q)) // RECORD
                first = next((i for i in range(n)
                              if out_r[i * RECORD:(i + 1) * RECORD] != out_q[i * RECORD:(i + 1) * RECORD]),
                             n)
                print(f"FAIL [seed {seed}]: stdout differs at record {first} "
                      f"(rvrr {len(out_r)} bytes, qemu {len(out_q)} bytes)")
                if first < n and first < len(prog.records):
                    print("  produced by:")
                    for line in prog.records[first]:
                        print(f"    {line}")
                    print(f"  rvrr: {describe(out_r[first * RECORD:(first + 1) * RECORD])}")
                    print(f"  qemu: {describe(out_q[first * RECORD:(first + 1) * RECORD])}")
                print(f"  (program kept: {src})")
                ok = False
            if ok:
                print(f"ok   [seed {seed}]: {INSNS_PER_PROGRAM} records identical")
            else:
                failures += 1
        failures += check_illegal_rm(rvrr, tmp)
    finally:
        if failures == 0:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(SEEDS)} random programs and {len(ILLEGAL_RM)} reserved-rounding-mode cases, "
          f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
