#!/usr/bin/env python3
"""Hardening: a fuzzing RSP client against `rvrr debug` on loopback.

For a bounded time (RVRR_FUZZ_SECONDS, default 10) it sends random bytes,
random and malformed packets (bad checksums, huge lengths, bad hex, unknown
commands, truncated frames, interrupt bytes, random Z/m/M/X/g/G/p/P/vCont/
qXfer/qRcmd with random arguments, with and without acks), reconnecting now
and then (cleanly or with a TCP reset). After every connection the server must
answer a fresh handshake within seconds. At the end a real gdb-multiarch
connects and works, and the server is alive with no crash marker on stderr.
The seed is printed (RVRR_FUZZ_SEED replays a run); on a failure the last
packets sent are shown.

`k`/`vKill` are never sent: they end the server by design.
"""
import os
import random
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402
import rspclient as r  # noqa: E402

ck = g.Checker("test_server_fuzz")
SECONDS = float(os.environ.get("RVRR_FUZZ_SECONDS", "10"))
SEED = int(os.environ.get("RVRR_FUZZ_SEED", str(random.SystemRandom().randrange(1 << 31))))
rng = random.Random(SEED)

HEX = "0123456789abcdef"


def rhex(maxlen=8):
    return "".join(rng.choice(HEX) for _ in range(rng.randint(0, maxlen)))


def raddr():
    return rng.choice(["0", "10000000", "20000000", "200fff00", "ffffffff", "fffffffc", "1", "deadbeef",
                       "100000000", "-1", "", "zz", rhex(8), rhex(12)])


def rlen():
    return rng.choice(["0", "1", "4", "40", "1000", "4000", "ffff", "7fffffff", "ffffffff", "100000000",
                       "", "-4", "x", rhex(4)])


def rbytes_hex(n):
    return "".join(rng.choice(HEX) for _ in range(2 * n))


def rbin(n):
    return "".join(chr(rng.randrange(256)) for _ in range(n))


MONITOR = ["when", "help", "checkpoint", "checkpoints", "info timeline", "stats", "seek", "restart",
           "seek 0", "restart 1", "restart 999", "info", "bogus", ""]


def random_payload():
    while True:
        p = _random_payload()
        if not (p.startswith("k") or p.startswith("vKill")):   # they end the server by design
            return p


def _random_payload():
    kind = rng.randrange(28)
    if kind == 0:
        return "g"
    if kind == 1:
        return "G" + rbytes_hex(rng.choice([0, 1, 33 * 4, 33 * 4 + 1, 100, 200]))
    if kind == 2:
        return "p" + rng.choice(["20", "0", "1f", "21", "41", "1000", "ffffffff", "", "x", rhex(3)])
    if kind == 3:
        return "P" + rng.choice(["20", "0", "a", "21", "1000", "", "zz"]) + "=" + rbytes_hex(rng.choice([0, 2, 4, 8]))
    if kind == 4:
        return "m" + raddr() + "," + rlen()
    if kind == 5:
        n = rng.choice([0, 1, 4, 16])
        return "M" + raddr() + "," + rng.choice([str(n), rlen()]) + ":" + rbytes_hex(n)
    if kind == 6:
        n = rng.choice([0, 1, 4, 16])
        return "X" + raddr() + "," + rng.choice([str(n), rlen()]) + ":" + rbin(n)
    if kind in (7, 8):
        return rng.choice("Zz") + str(rng.randrange(6)) + "," + raddr() + "," + rng.choice(["2", "4", "1", "8", "0", "ffffffff", ""])
    if kind == 9:
        return rng.choice(["vCont?", "vCont;c", "vCont;s", "vCont;c:p1.1", "vCont;s:p1.-1", "vCont;t", "vCont;r0,10",
                           "vCont;x", "vCont", "vCont;", "vCont;c:zz", "vCont;s:1;c", "vCont;C05"])
    if kind == 10:
        return rng.choice(["c", "s", "bc", "bs", "c" + raddr(), "s" + raddr(), "C05", "S05"])
    if kind == 11:
        return ("qXfer:" + rng.choice(["features", "exec-file", "libraries", "auxv", "bogus"]) + ":read:" +
                rng.choice(["target.xml", "", "x.xml", "1"]) + ":" + raddr() + "," + rlen())
    if kind == 12:
        return "qRcmd," + rng.choice([r.hexstr(rng.choice(MONITOR) + rng.choice(["", " " + str(rng.randrange(10**7)),
                                                                                  " -1", " 0x" + rhex(9)])),
                                      rhex(9), "zz", ""])
    if kind == 13:
        return rng.choice(["?", "qSupported", "qSupported:multiprocess+;swbreak+;hwbreak+", "QStartNoAckMode",
                           "vMustReplyEmpty", "qAttached", "qC", "qfThreadInfo", "qsThreadInfo", "qOffsets",
                           "qTStatus", "qSymbol::", "Hg0", "Hc-1", "Hgp1.1", "Hg", "T1", "qThreadExtraInfo,1"])
    if kind == 14:
        return rng.choice(["D", "D;1", "vAttach;1", "vRun;", "R00", "!", "A", "i", "I", "r", "t", "QNonStop:1",
                           "QAllow:x", "vFile:open:", "qGetTLSAddr:1,2,3", "QPassSignals:", "vStopped"])
    if kind == 15:  # unknown command of random letters
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzQv:;,") for _ in range(rng.randint(1, 30)))
    if kind == 16:  # pure binary payload
        return rbin(rng.randint(0, 64))
    if kind == 17:  # long payload
        return rng.choice("mMXGqv") + "1" * rng.choice([1000, 20000, 100000])
    # the rest: a valid read-only command, to keep the session doing real work
    return rng.choice(["g", "?", "p20", "m10000000,40", "m200fff00,100", "qRcmd," + r.hexstr("when")])


def random_chunk(acks):
    """Bytes for one fuzz action."""
    kind = rng.randrange(16)
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))          # random bytes
    if kind == 1:
        p = random_payload().encode("latin-1")
        return b"$" + p + b"#" + b"%02x" % ((sum(p) + rng.randint(1, 255)) & 0xFF)      # bad checksum
    if kind == 2:
        return r.frame(random_payload())[:rng.randint(1, 10)]                           # truncated frame
    if kind == 3:
        return b"\x03"                                                                  # interrupt
    if kind == 4:
        return rng.choice([b"+", b"-", b"++--", b"#00", b"$", b"$#00", b"}", b"$}#7d", b"$*#2a", b"$a*"])
    if kind == 5:
        return b"$" + random_payload().encode("latin-1") + b"#zz"                       # bad checksum digits
    if kind == 6:
        return b"$" + b"m" * rng.choice([5000, 70000]) + b"#00"                          # huge packet
    frame = r.frame(random_payload())
    if acks and rng.random() < 0.3:
        frame += rng.choice([b"+", b"-"])
    return frame


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setblocking(False)
        self.sent = []
        self.received = 0
        self.acks = True

    def send(self, data):
        self.sent.append(data[:120])
        del self.sent[:-40]
        end = time.monotonic() + 5
        view = memoryview(data)
        while view and time.monotonic() < end:
            self.drain()
            try:
                n = self.sock.send(view)
                view = view[n:]
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:   # the server closed this connection (D, a refused connection)
                return False
        return not view

    def drain(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return True
            except OSError:
                return False
            if not chunk:
                return False
            self.received += len(chunk)

    def close(self, reset):
        if reset:
            import struct
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self.sock.close()


def responsive(server, what, history):
    """A fresh connection gets answers (after cancelling anything still running)."""
    try:
        c = r.connect_when_free(server.port, timeout=10)
    except r.RspError as e:
        ck.fail(f"{what}: server unresponsive after a fuzz connection (seed {SEED}): {e}\n"
                f"last sent: {history!r}\n{server.transcript()[-3000:]}")
        return False
    try:
        ck.check(c.command("?").startswith(("T", "S")), f"{what}: bad stop reply")
        return True
    except r.RspError as e:
        ck.fail(f"{what}: no reply to '?' (seed {SEED}): {e}\nlast sent: {history!r}")
        return False
    finally:
        c.close()


@g.scenario(ck, "fuzzing client, then a real gdb")
def fuzz():
    print(f"seed {SEED} (RVRR_FUZZ_SEED={SEED} replays it), {SECONDS:.0f} s", flush=True)
    compute = g.example("compute")
    with g.Server.debug(compute, "100000000") as server:
        ck.begin(ck.scenario, None, server)
        deadline = time.monotonic() + SECONDS
        conns = actions = 0
        while time.monotonic() < deadline and server.alive():
            conn = Conn(server.port)
            conns += 1
            try:
                for _ in range(rng.randint(5, 300)):
                    if time.monotonic() >= deadline:
                        break
                    data = random_chunk(conn.acks)
                    if data.startswith(b"$QStartNoAckMode#"):
                        conn.acks = False
                    if rng.random() < 0.15:
                        data += b"\x03"   # keep long runs short
                    actions += 1
                    if not conn.send(data) or not conn.drain():
                        break
                    if rng.random() < 0.05:
                        time.sleep(0.02)
                # Stop anything still running before leaving, most of the time.
                if rng.random() < 0.8:
                    conn.send(b"\x03")
                    time.sleep(0.01)
                    conn.drain()
            finally:
                history = list(conn.sent)
                conn.close(reset=rng.random() < 0.3)
            if not server.alive():
                ck.fail(f"server died (exit {server.proc.returncode}) during fuzz connection {conns} "
                        f"(seed {SEED}); last sent: {history!r}\n{server.transcript()[-3000:]}")
                return
            if conns % 5 == 0 and not responsive(server, f"after connection {conns}", history):
                return
        print(f"fuzz: {conns} connections, {actions} actions", flush=True)
        ck.check(conns >= 5 and actions >= 200, f"fuzz did too little: {conns} connections, {actions} actions")
        if not ck.check(server.alive(), f"server died (exit {server.proc.poll()})"):
            return
        # A real gdb works afterwards.
        # The fuzzer's G/P/M writes may have left any pc: point it at main
        # first (a register write through gdb is itself part of the check).
        s = g.run_gdb(server.port, compute, ["set $pc = main", "monitor when", "stepi", "monitor when",
                                             "reverse-stepi", "monitor when", "info registers pc"], timeout=40)
        ck.begin(ck.scenario, s, server)
        ck.ok(0)
        ck.contains(6, re.compile(r"pc\s+0x[0-9a-f]+"))
        w = [re.search(r"Current instruction: (\d+)", s[i].output) if i < len(s.steps) else None for i in (1, 3, 5)]
        w = [int(m.group(1)) if m else None for m in w]
        ck.ok(2)
        ck.ok(4)
        ck.check(None not in w, f"monitor when failed: {w}")
        if None not in w:
            # stepi retires one instruction (or stops at a fault the fuzzer's writes caused: no move);
            # reverse-stepi goes back one (unless at the very start).
            ck.check(w[1] in (w[0], w[0] + 1), f"stepi moved from {w[0]} to {w[1]}")
            ck.check(w[2] == max(w[1] - 1, 0), f"reverse-stepi moved from {w[1]} to {w[2]}")
        ck.lacks(5, "Remote connection closed")
        time.sleep(0.2)
        try:
            with open(f"/proc/{server.proc.pid}/status") as f:
                hwm = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))
            print(f"server peak RSS: {hwm // 1024} MiB", flush=True)
            ck.check(hwm < 1024 * 1024, f"server peak RSS {hwm} kB after the fuzz (over 1 GiB)")
        except (OSError, AttributeError):
            pass
        ck.check(server.alive(), "server died at the end")
        bad = r.crash_text(server.stderr())
        ck.check(bad is None, f"server stderr shows {bad!r} (seed {SEED}):\n{server.stderr()[-3000:]}")


if __name__ == "__main__":
    fuzz()
    ck.finish()
