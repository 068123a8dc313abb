"""A small GDB remote-protocol client for bench_rsp.py: framing, acks/no-ack
mode, and the software single-step round trip gdb 13 does on RISC-V
(Z0 at the predicted next pc, vCont;c, stop reply, z0, g, m)."""
import socket
import struct
import time


class RspError(Exception):
    pass


class RspClient:
    def __init__(self, host, port, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.ack = True
        self.thread = None          # "p1.1" style once multiprocess is negotiated
        self.console = []           # text of O packets
        self.timings = None         # {packet kind: [ns, ...]} when set to a dict

    # --- framing -----------------------------------------------------------
    def send(self, payload):
        data = payload.encode("latin-1")
        cs = sum(data) & 0xFF
        self.sock.sendall(b"$" + data + b"#%02x" % cs)
        if self.ack:
            self._expect_ack()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RspError("connection closed")
        self.buf += chunk

    def _expect_ack(self):
        while True:
            if not self.buf:
                self._fill()
            c, self.buf = self.buf[:1], self.buf[1:]
            if c == b"+":
                return
            if c == b"-":
                raise RspError("packet rejected (-)")

    def recv(self):
        """The next packet's payload (skipping acks); O packets are kept in
        self.console and skipped."""
        while True:
            while b"$" not in self.buf or b"#" not in self.buf[self.buf.index(b"$"):] or \
                    len(self.buf) < self.buf.index(b"#", self.buf.index(b"$")) + 3:
                self._fill()
            start = self.buf.index(b"$")
            end = self.buf.index(b"#", start)
            payload = self.buf[start + 1:end]
            self.buf = self.buf[end + 3:]
            if self.ack:
                self.sock.sendall(b"+")
            text = _unescape(payload).decode("latin-1")
            if text.startswith("O") and len(text) > 1 and all(c in "0123456789abcdefABCDEF" for c in text[1:]):
                self.console.append(bytes.fromhex(text[1:]).decode("utf-8", "replace"))
                continue
            return text

    def request(self, payload):
        if self.timings is None:
            self.send(payload)
            return self.recv()
        t0 = time.perf_counter_ns()
        self.send(payload)
        reply = self.recv()
        kind = payload[:5] if payload.startswith("vCont") else payload[:2] if payload[0] in "Zz" else payload[0]
        self.timings.setdefault(kind, []).append(time.perf_counter_ns() - t0)
        return reply

    # --- session -----------------------------------------------------------
    def handshake(self):
        reply = self.request("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
        features = reply.split(";")
        if "QStartNoAckMode+" in features:
            if self.request("QStartNoAckMode") == "OK":
                self.ack = False
        self.request("?")
        qc = self.request("qC")
        if "multiprocess+" in features and qc.startswith("QCp"):
            self.thread = qc[2:]
        return features

    def regs(self):
        g = self.request("g")
        if len(g) < 33 * 8:
            raise RspError(f"short g reply: {g!r}")
        return [struct.unpack("<I", bytes.fromhex(g[i * 8:i * 8 + 8]))[0] for i in range(33)]

    def read(self, addr, n):
        r = self.request(f"m{addr:x},{n:x}")
        if r.startswith("E") and len(r) == 3:
            raise RspError(f"m{addr:x},{n:x}: {r}")
        return bytes.fromhex(r)

    def cont(self):
        return self.request("vCont;c" + (f":{self.thread}" if self.thread else ""))

    def step_round_trip(self, regs, code):
        """One gdb-style software single-step from the state `regs`; returns
        the new registers. `code(addr)` gives 4 instruction bytes (cached)."""
        pc = regs[32]
        target = next_pc(pc, code(pc), regs)
        kind = 2 if (code(target)[0] & 3) != 3 else 4
        if self.request(f"Z0,{target:x},{kind}") != "OK":
            raise RspError("Z0 refused")
        stop = self.cont()
        if not stop.startswith("T"):
            raise RspError(f"unexpected stop reply {stop!r}")
        self.request(f"z0,{target:x},{kind}")
        regs = self.regs()
        self.read(regs[32], 4)
        if regs[32] != target:
            raise RspError(f"stepped to {regs[32]:#x}, predicted {target:#x} (stop {stop!r})")
        return regs

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _unescape(data):
    out = bytearray()
    i = 0
    while i < len(data):
        c = data[i]
        if c == 0x7D and i + 1 < len(data):
            out.append(data[i + 1] ^ 0x20)
            i += 2
        elif c == 0x2A and out and i + 1 < len(data):   # run-length encoding
            out.extend(out[-1:] * (data[i + 1] - 29))
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def _sx(value, bits):
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


def next_pc(pc, insn_bytes, regs):
    """The pc after the instruction at `pc` (as gdb's riscv_next_pc computes it)."""
    x = lambda r: 0 if r == 0 else regs[r]
    half = insn_bytes[0] | insn_bytes[1] << 8
    if half & 3 != 3:                                  # compressed
        op, f3 = half & 3, half >> 13
        b = lambda hi, lo: (half >> lo) & ((1 << (hi - lo + 1)) - 1)
        if op == 1 and f3 in (1, 5):                   # c.jal (rv32), c.j
            imm = (b(12, 12) << 11 | b(11, 11) << 4 | b(10, 9) << 8 | b(8, 8) << 10 |
                   b(7, 7) << 6 | b(6, 6) << 7 | b(5, 3) << 1 | b(2, 2) << 5)
            return (pc + _sx(imm, 12)) & 0xFFFFFFFF
        if op == 1 and f3 in (6, 7):                   # c.beqz, c.bnez
            imm = b(12, 12) << 8 | b(11, 10) << 3 | b(6, 5) << 6 | b(4, 3) << 1 | b(2, 2) << 5
            rs1 = 8 + b(9, 7)
            taken = (x(rs1) == 0) == (f3 == 6)
            return (pc + (_sx(imm, 9) if taken else 2)) & 0xFFFFFFFF
        if op == 2 and f3 == 4 and b(6, 2) == 0 and b(11, 7) != 0:   # c.jr, c.jalr
            return x(b(11, 7)) & ~1 & 0xFFFFFFFF
        return (pc + 2) & 0xFFFFFFFF
    insn = int.from_bytes(insn_bytes[:4], "little")
    opcode, rd, f3 = insn & 0x7F, (insn >> 7) & 31, (insn >> 12) & 7
    rs1, rs2 = (insn >> 15) & 31, (insn >> 20) & 31
    if opcode == 0x6F:                                 # jal
        imm = ((insn >> 31) & 1) << 20 | ((insn >> 21) & 0x3FF) << 1 | ((insn >> 20) & 1) << 11 | \
              ((insn >> 12) & 0xFF) << 12
        return (pc + _sx(imm, 21)) & 0xFFFFFFFF
    if opcode == 0x67:                                 # jalr
        return (x(rs1) + _sx(insn >> 20, 12)) & ~1 & 0xFFFFFFFF
    if opcode == 0x63:                                 # branches
        imm = ((insn >> 31) & 1) << 12 | ((insn >> 7) & 1) << 11 | ((insn >> 25) & 0x3F) << 5 | \
              ((insn >> 8) & 0xF) << 1
        a, c = x(rs1), x(rs2)
        sa, sc = _sx(a, 32), _sx(c, 32)
        taken = {0: a == c, 1: a != c, 4: sa < sc, 5: sa >= sc, 6: a < c, 7: a >= c}.get(f3, False)
        return (pc + (_sx(imm, 13) if taken else 4)) & 0xFFFFFFFF
    return (pc + 4) & 0xFFFFFFFF
