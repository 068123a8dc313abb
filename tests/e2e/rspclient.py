"""A minimal GDB remote serial protocol client for the fault and fuzz tests
(tests/e2e/test_fault_*.py, test_server_fuzz.py).

gdb cannot be told to drop its connection at an exact moment, or to send a
broken packet; this client can. Every socket operation has a timeout, so a
server that stops answering fails the test instead of hanging it.
"""
import socket
import time


class RspError(Exception):
    pass


def checksum(payload: bytes) -> int:
    return sum(payload) & 0xFF


def frame(payload) -> bytes:
    if isinstance(payload, str):
        payload = payload.encode("latin-1")
    return b"$" + payload + b"#" + b"%02x" % checksum(payload)


def hexstr(text: str) -> str:
    return text.encode().hex()


class RspClient:
    """One connection. `command(payload)` sends a packet and returns the next
    reply payload (str); O (console output) packets are collected in `console`."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.acks = True
        self.timeout = timeout
        self.console = ""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Close with a TCP reset (SO_LINGER 0), as a killed process's socket may."""
        try:
            import struct
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def send(self, payload):
        self.send_raw(frame(payload))

    def interrupt(self):
        self.send_raw(b"\x03")

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RspError(f"timed out waiting for the server (have {self.buf[:200]!r})")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise RspError(f"timed out waiting for the server (have {self.buf[:200]!r})")
        if not data:
            raise RspError(f"connection closed by the server (have {self.buf[:200]!r})")
        self.buf += data

    def read_packet(self, timeout=None):
        """The next packet's payload (acks and stray bytes before it are skipped)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                end = self.buf.find(b"#", start)
                if end >= 0 and len(self.buf) >= end + 3:
                    payload = self.buf[start + 1:end]
                    cs = self.buf[end + 1:end + 3]
                    self.buf = self.buf[end + 3:]
                    if int(cs, 16) != checksum(payload):
                        raise RspError(f"bad checksum from the server on {payload[:100]!r}")
                    if self.acks:
                        self.send_raw(b"+")
                    return _unescape(payload).decode("latin-1")
            self._fill(deadline)

    def reply(self, timeout=None):
        """The next non-O reply; O packets go to self.console."""
        while True:
            p = self.read_packet(timeout)
            if p.startswith("O") and p != "OK" and len(p) > 1 and all(c in "0123456789abcdef" for c in p[1:]):
                self.console += bytes.fromhex(p[1:]).decode("utf-8", "replace")
                continue
            return p

    def command(self, payload, timeout=None):
        self.send(payload)
        return self.reply(timeout)

    def monitor(self, text, timeout=None):
        """`monitor TEXT`: returns the console output it printed (reply must be OK)."""
        self.console = ""
        r = self.command("qRcmd," + hexstr(text), timeout)
        if r != "OK":
            raise RspError(f"monitor {text!r}: reply {r!r}, console {self.console!r}")
        return self.console

    def handshake(self, no_ack=True):
        r = self.command("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
        if "PacketSize" not in r:
            raise RspError(f"qSupported reply without PacketSize: {r!r}")
        if no_ack:
            if self.command("QStartNoAckMode") != "OK":
                raise RspError("QStartNoAckMode refused")
            self.acks = False
        return self.command("?")

    def when(self):
        import re
        out = self.monitor("when")
        m = re.search(r"Current instruction: (\d+)", out)
        if not m:
            raise RspError(f"monitor when printed {out!r}")
        return int(m.group(1))

    def pc(self):
        r = self.command("p20")
        if len(r) != 8:
            raise RspError(f"p20 (pc) reply {r!r}")
        return int.from_bytes(bytes.fromhex(r), "little")


def _unescape(payload: bytes) -> bytes:
    if b"}" not in payload:
        return payload
    out = bytearray()
    i = 0
    while i < len(payload):
        c = payload[i]
        if c == 0x7D and i + 1 < len(payload):
            out.append(payload[i + 1] ^ 0x20)
            i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


# ---------------------------------------------------------------------------
# Helpers shared by the fault tests.

CRASH_MARKERS = ("Assertion", "terminate", "Sanitizer", "runtime error", "Segmentation", "core dumped")


def crash_text(stderr: str):
    """The first crash marker found in a server's stderr, or None."""
    for m in CRASH_MARKERS:
        if m in stderr:
            return m
    return None


def start_gdb(port, program, commands, preamble=()):
    """gdb-multiarch in batch mode running `commands` against 127.0.0.1:port, in
    its own process group (kill it with kill_gdb). Returns the Popen."""
    import os
    import subprocess
    argv = [os.environ.get("RVRR_GDB", "gdb-multiarch"), "-nx", "-batch", "-ex", "set pagination off",
            "-ex", "set confirm off"]
    for p in preamble:
        argv += ["-ex", p]
    argv += ["-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        argv += ["-ex", c]
    if program:
        argv.append(program)
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill_gdb(proc, sig=None):
    """SIGKILL (default) gdb's whole group; returns its output."""
    import os
    import signal
    import subprocess
    try:
        os.killpg(proc.pid, sig or signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate(timeout=10)
    return (out or b"").decode("utf-8", "replace")


def connect_when_free(port, timeout=10.0):
    """A handshaken client; retries while the server still holds the old
    connection (it may refuse a new one until it has noticed the old one died)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        c = None
        try:
            c = RspClient(port, timeout=5.0)
            c.handshake()
            return c
        except (OSError, RspError) as e:
            last = e
            if c is not None:
                c.close()
            time.sleep(0.2)
    raise RspError(f"could not open a working connection to port {port} within {timeout}s: {last}")
