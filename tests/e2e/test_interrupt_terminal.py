#!/usr/bin/env python3
"""`rvrr debug PROGRAM` with gdb started on rvrr's own terminal (issue 8, item 2).

Run on a pseudo-terminal, as a user runs it: rvrr and the gdb it starts share
the terminal, and the guest (tests/e2e/guests/line_reader.c) reads it with
fgets. Ctrl-C typed while the guest waits for a line must stop it (gdb prints
SIGINT) and leave the keystrokes that follow to gdb; a line typed while it
runs reaches the guest; SIGTERM to rvrr then ends rvrr and gdb (no kill -9),
with a complete trace, and the terminal's settings as they were before.
"""
import fcntl
import os
import re
import signal
import struct
import sys
import tempfile
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_interrupt_terminal")


class Terminal:
    """A process group running on a fresh pseudo-terminal, as its controlling terminal."""

    def __init__(self, argv, env):
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.initial = termios.tcgetattr(self.slave)
        self.pid = os.fork()
        if self.pid == 0:  # the child: new session, the pty as controlling terminal and stdio
            try:
                os.setsid()
                fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(self.slave, fd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.buf = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.status = None

    def _read(self):
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.buf += data

    def text(self):
        with self.lock:
            return self.buf.decode("utf-8", "replace")

    def send(self, data):
        os.write(self.master, data.encode() if isinstance(data, str) else data)

    def expect(self, pattern, timeout=20, start=0):
        """Waits until the output after offset `start` matches; returns the end offset of the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            m = rx.search(self.text(), start)
            if m:
                return m.end()
            time.sleep(0.02)
        raise g.TestFailure(f"no {pattern!r} on the terminal within {timeout}s; it shows:\n{self.text()[start:]}")

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.05)
        return None

    def group_alive(self):
        try:
            os.killpg(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def close(self):
        if self.status is None:
            for sig in (signal.SIGKILL,):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    pass
            self.wait(5)
        try:
            os.killpg(self.pid, signal.SIGKILL)  # anything left behind in the group (gdb)
        except ProcessLookupError:
            pass
        os.close(self.master)
        os.close(self.slave)


MODE_FLAGS = [(0, termios.ICRNL | termios.IXON), (1, termios.OPOST), (3, termios.ICANON | termios.ECHO | termios.ISIG)]


@g.scenario(ck, "Ctrl-C at the terminal while the guest waits in fgets; then SIGTERM to rvrr")
def terminal_session():
    elf = g.build_guest("line_reader")
    with tempfile.TemporaryDirectory(prefix="rvrr-terminal-") as tmp:
        trace = os.path.join(tmp, "term.rvrr")
        env = dict(os.environ, TERM="dumb")
        env.pop("DEBUGINFOD_URLS", None)
        term = Terminal([g.rvrr_binary(), "debug", "-o", trace, elf], env)
        try:
            pos = term.expect(r"\(gdb\) ", timeout=30)
            term.send("continue\n")
            pos = term.expect(r"line_reader: ready", start=pos)
            time.sleep(0.5)                      # the guest now waits for a line
            term.send("\x03")                    # Ctrl-C
            pos = term.expect(r"Program received signal SIGINT", timeout=15, start=pos)
            pos = term.expect(r"\(gdb\) ", start=pos)
            term.send("print 6*7\n")             # the keystrokes after Ctrl-C are gdb's
            pos = term.expect(r"\$1 = 42", start=pos)
            term.send("continue\n")
            pos = term.expect(r"Continuing\.", start=pos)
            time.sleep(0.3)
            term.send("typed line\n")            # while it runs, a line is the guest's
            pos = term.expect(r"line_reader: line 1: typed line", start=pos)
            time.sleep(0.3)
            term.send("\x03")
            pos = term.expect(r"Program received signal SIGINT", timeout=15, start=pos)
            pos = term.expect(r"\(gdb\) ", start=pos)
            term.send("print lines\n")
            pos = term.expect(r"\$2 = 1", start=pos)
            ck.check(term.text().count("line_reader: line 1:") == 1, f"the line was read twice:\n{term.text()}")

            os.kill(term.pid, signal.SIGTERM)
            status = term.wait(20)
            ck.check(status == 128 + signal.SIGTERM,
                     f"rvrr debug after SIGTERM: exit {status}, expected {128 + signal.SIGTERM}\n{term.text()}")
            deadline = time.monotonic() + 10
            while term.group_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            ck.check(not term.group_alive(), "gdb (or something else of rvrr's) outlived rvrr on the terminal")
            after = termios.tcgetattr(term.slave)
            for index, flags in MODE_FLAGS:
                ck.check(after[index] & flags == term.initial[index] & flags,
                         f"terminal mode field {index} not restored: {after[index]:#x} vs {term.initial[index]:#x}")
        finally:
            term.close()
        info = g.run_rvrr(["trace", "info", "--verify", trace], timeout=60)
        ck.check(info.returncode == 0, f"trace info --verify: exit {info.returncode}\n{info.stdout}{info.stderr}")
        ck.check("ended:         interrupted by SIGTERM" in info.stdout, f"trace end:\n{info.stdout}")
        ck.check("verified" in info.stdout, f"not verified:\n{info.stdout}")


if __name__ == "__main__":
    terminal_session()
    ck.finish()
