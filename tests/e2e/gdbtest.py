"""Shared helpers for the gdb-driven integration tests (tests/e2e/test_gdb_*.py).

A test starts an rvrr gdb server (`rvrr debug|replay --port 0 ...`), drives the
real gdb-multiarch against it in batch mode and checks what gdb printed. The
commands run inside gdb through a small generated Python driver, which prints
a marker before and after each command, so every command's own output (stop
lines, "Old value"/"New value", errors) can be checked on its own while the
whole transcript is still printed when a check fails.

Every process started here runs in its own process group and is killed in a
finally block; every wait has a timeout, so a hung rvrr or gdb fails the test
instead of hanging CI.

Environment (set by ctest): RVRR (the rvrr binary), RVRR_EXAMPLES_DIR (built
guest examples), RVRR_SOURCE_DIR (the source tree, for gdbinit and sources).
"""
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

GDB = os.environ.get("RVRR_GDB", "gdb-multiarch")

# `rvrr debug` records every session into the trace store; keep the tests'
# traces out of the user's store (~/.local/share/rvrr) and delete them after.
if "RVRR_TRACE_DIR" not in os.environ:
    import atexit as _atexit
    os.environ["RVRR_TRACE_DIR"] = tempfile.mkdtemp(prefix="rvrr-e2e-traces-")
    _atexit.register(shutil.rmtree, os.environ["RVRR_TRACE_DIR"], True)

# A SIGTERM (ctest's timeout, a CI runner) unwinds through the finally blocks
# that kill every process group started here.
def _terminate(signum, frame):
    raise SystemExit(f"terminated by signal {signum}")


signal.signal(signal.SIGTERM, _terminate)

# rvrr prints "connect with: gdb-multiarch PROGRAM -ex 'target remote HOST:PORT'".
PORT_RE = re.compile(r"target remote [^:'\s]+:(\d+)")


def env_path(name, default=None):
    value = os.environ.get(name, default)
    if not value:
        sys.exit(f"FAIL: environment variable {name} is not set (run through ctest)")
    return value


@contextlib.contextmanager
def environment(**values):
    """Sets environment variables for the servers started inside, e.g.
    RVRR_BACKGROUND_INDEX="0" where a scenario is about what a scan does."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def rvrr_binary():
    return env_path("RVRR")


def source_dir():
    return env_path("RVRR_SOURCE_DIR",
                    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def examples_dir():
    return env_path("RVRR_EXAMPLES_DIR")


def example(name):
    """Path of a built example ELF; fails the test clearly when it is missing."""
    path = os.path.join(examples_dir(), name + ".elf")
    if not os.path.exists(path):
        raise TestFailure(f"example {name!r} not built: {path} does not exist")
    return path


def example_source(name):
    """Path of an example's C source (examples/NAME.c)."""
    return os.path.join(source_dir(), "examples", name + ".c")


def line_of(path, needle, nth=1):
    """1-based line number of the nth line of `path` containing `needle`.

    Tests name lines by their text, not by number, so editing an example does
    not silently break them (a missing needle fails loudly)."""
    seen = 0
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if needle in text:
                seen += 1
                if seen == nth:
                    return number
    raise TestFailure(f"{path}: no line containing {needle!r} (occurrence {nth})")


class TestFailure(Exception):
    pass


def _kill_group(proc, grace=2.0):
    """Terminate a process started with start_new_session=True, and its children."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class _Reader(threading.Thread):
    """Drains a pipe into a string so the child never blocks on a full pipe."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.chunks = []
        self.lock = threading.Lock()

    def run(self):
        for raw in iter(lambda: self.stream.read1(4096) if hasattr(self.stream, "read1")
                        else self.stream.read(4096), b""):
            with self.lock:
                self.chunks.append(raw.decode("utf-8", "replace"))

    def text(self):
        with self.lock:
            return "".join(self.chunks)


class Server:
    """An rvrr (or qemu) gdb server process. Use as a context manager."""

    def __init__(self, argv, name="rvrr", timeout=20.0, cwd=None, stdin=None):
        self.argv = argv
        self.name = name
        self.proc = None
        self.port = None
        self.timeout = timeout
        self.cwd = cwd
        # The server's stdin: None for /dev/null, a path to read from, or what
        # subprocess takes (subprocess.PIPE: self.proc.stdin, open, no data yet).
        self.stdin = stdin

    @classmethod
    def debug(cls, program, *args, options=(), stdin=None):
        return cls([rvrr_binary(), "debug", "--port", "0", *options, program, *args], stdin=stdin)

    @classmethod
    def replay(cls, trace, options=()):
        return cls([rvrr_binary(), "replay", "--port", "0", *options, trace])

    @classmethod
    def qemu(cls, program, *args, port=None):
        port = port or free_port()
        s = cls(["qemu-riscv32", "-g", str(port), program, *args], name="qemu")
        s.port = port
        return s

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        is_path = isinstance(self.stdin, (str, bytes, os.PathLike))
        stdin = open(self.stdin, "rb") if is_path else (subprocess.DEVNULL if self.stdin is None else self.stdin)
        try:
            self.proc = subprocess.Popen(self.argv, stdin=stdin, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, start_new_session=True, cwd=self.cwd)
        finally:
            if is_path:
                stdin.close()
        self.out = _Reader(self.proc.stdout)
        self.err = _Reader(self.proc.stderr)
        self.out.start()
        self.err.start()
        if self.port is not None:          # qemu: the port is ours; wait until it listens
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                if _port_open(self.port):
                    return
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            raise TestFailure(f"{self.name} did not listen on {self.port}:\n{self.transcript()}")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            m = PORT_RE.search(self.err.text()) or PORT_RE.search(self.out.text())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                time.sleep(0.1)   # let the readers drain
                raise TestFailure(f"{' '.join(self.argv)} exited with {self.proc.returncode} "
                                  f"before printing 'target remote HOST:PORT':\n{self.transcript()}")
            time.sleep(0.02)
        raise TestFailure(f"{' '.join(self.argv)} printed no 'target remote HOST:PORT' line "
                          f"within {self.timeout}s:\n{self.transcript()}")

    def stdout(self):
        return self.out.text() if self.proc else ""

    def stderr(self):
        return self.err.text() if self.proc else ""

    def transcript(self):
        return (f"--- {self.name} command: {' '.join(self.argv)}\n"
                f"--- {self.name} stdout:\n{self.stdout()}\n--- {self.name} stderr:\n{self.stderr()}")

    def wait(self, timeout=10.0):
        """Exit status, or None if it is still running after `timeout`. Once
        it has exited, stdout() and stderr() hold everything it wrote (the
        reader threads have drained the pipes)."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        for r in (getattr(self, "out", None), getattr(self, "err", None)):
            if r is not None:
                r.join(timeout=5)
        return status

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        _kill_group(self.proc)
        for r in (getattr(self, "out", None), getattr(self, "err", None)):
            if r is not None:
                r.join(timeout=2)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port):
    """Whether something listens on `port` (read from /proc: connecting would
    use up qemu's single gdb connection)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for row in f:
                    cols = row.split()
                    if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                        return True
        except OSError:
            continue
    return False


# The driver runs inside gdb. Each command prints "@@@BEGIN i" before and
# "@@@END i seconds error" after, on gdb's own stdout, so the stop lines gdb
# prints asynchronously for execution commands land between the right markers.
# Commands run with from_tty=True so gdb prints what it prints for a user
# ("Run till exit from ...", "Continuing."). A command "!interrupt S CMD" runs
# CMD and delivers SIGINT to gdb after S seconds, as Ctrl-C at a terminal;
# "!py CODE" runs Python inside gdb (for commands built from gdb's own output).
_DRIVER = r'''
import gdb, json, os, signal, threading, time
_cmds = json.load(open(%(cmds)r))
for _i, _c in enumerate(_cmds):
    gdb.write("\n@@@BEGIN %%d %%s\n" %% (_i, _c))
    gdb.flush()
    _err = ""
    _timer = None
    if _c.startswith("!interrupt "):
        _, _delay, _c = _c.split(" ", 2)
        _timer = threading.Timer(float(_delay), lambda: os.kill(os.getpid(), signal.SIGINT))
        _timer.start()
    _t0 = time.perf_counter()
    try:
        if _c.startswith("!py "):
            exec(_c[4:])
        else:
            gdb.execute(_c, from_tty=True)
    except KeyboardInterrupt:
        _err = "KeyboardInterrupt"
    except Exception as _e:
        _err = (type(_e).__name__ + ": " + str(_e)).replace("\n", " | ")
    _dt = time.perf_counter() - _t0
    if _timer is not None:
        _timer.cancel()
    gdb.flush()
    gdb.write("\n@@@END %%d %%.6f %%s\n" %% (_i, _dt, _err))
    gdb.flush()
gdb.write("\n@@@DONE\n")
gdb.flush()
'''


class Step:
    """One command's outcome: its text output, error (empty if none), seconds."""

    def __init__(self, index, command, output, error, seconds):
        self.index, self.command, self.output, self.error, self.seconds = \
            index, command, output, error, seconds

    def __repr__(self):
        return f"Step({self.index}, {self.command!r}, err={self.error!r})"


class Session:
    """The transcript of one gdb run: `steps[i]` per command, `text` as a whole."""

    def __init__(self, commands, text, returncode, timed_out):
        self.commands = commands
        self.text = text
        self.returncode = returncode
        self.timed_out = timed_out
        self.steps = []
        self.done = "@@@DONE" in text
        pattern = re.compile(r"\n@@@BEGIN (\d+) [^\n]*\n(.*?)\n@@@END \1 ([0-9.]+) ([^\n]*)\n", re.S)
        for m in pattern.finditer(text):
            i = int(m.group(1))
            self.steps.append(Step(i, commands[i], m.group(2), m.group(4).strip(), float(m.group(3))))
        self.prologue = text.split("\n@@@BEGIN 0 ", 1)[0]

    def __getitem__(self, i):
        if i >= len(self.steps) or i < -len(self.steps):
            raise TestFailure(f"command #{i} has no complete output (gdb stopped early?)")
        return self.steps[i]


def run_gdb(port, program, commands, timeout=60.0, preamble=(), gdb_args=(), cwd=None, target="remote"):
    """Run gdb-multiarch in batch mode against 127.0.0.1:port.

    `commands` run through the driver (see _DRIVER). `preamble` are plain -ex
    commands run before `target remote` (settings); `target` may be
    "extended-remote". Returns a Session."""
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-")
    proc = None
    try:
        cmd_file = os.path.join(tmp, "cmds.json")
        with open(cmd_file, "w") as f:
            import json
            json.dump(list(commands), f)
        driver = os.path.join(tmp, "driver.py")
        with open(driver, "w") as f:
            f.write(_DRIVER % {"cmds": cmd_file})
        argv = [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off",
                "-ex", "set width 0", "-ex", "set height 0"]
        for p in preamble:
            argv += ["-ex", p]
        argv += ["-ex", f"target {target} 127.0.0.1:{port}", "-x", driver, *gdb_args]
        if program:
            argv.append(program)
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=cwd or tmp)
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc, grace=1.0)
            out, _ = proc.communicate(timeout=10)
        return Session(list(commands), out.decode("utf-8", "replace"), proc.returncode, timed_out)
    finally:
        _kill_group(proc, grace=1.0)
        shutil.rmtree(tmp, ignore_errors=True)


class Checker:
    """Collects failed checks of one test file; each failure shows the whole
    gdb transcript and the server's output so the scenario can be replayed."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passes = 0
        self.scenario = "?"
        self.session = None
        self.server = None

    def begin(self, scenario, session=None, server=None):
        self.scenario = scenario
        self.session = session
        self.server = server
        self.context_shown = False

    def _context(self):
        parts = []
        if self.session is not None:
            s = self.session
            parts.append(f"--- gdb commands: {s.commands!r}")
            parts.append(f"--- gdb exit {s.returncode}{' (TIMED OUT)' if s.timed_out else ''}; "
                         f"output:\n{s.text}")
        if self.server is not None:
            parts.append(self.server.transcript())
        return "\n".join(parts)

    def fail(self, message, context=True):
        text = f"[{self.scenario}] {message}"
        self.failures.append(text)
        print(f"FAIL {text}", flush=True)
        if context and not getattr(self, "context_shown", False):
            # The whole transcript once per session; later failures refer to it.
            print(self._context(), flush=True)
            self.context_shown = True

    def check(self, condition, message):
        if condition:
            self.passes += 1
        else:
            self.fail(message)
        return condition

    def step(self, i):
        """The output of command #i of the current session, or None (and a failure)."""
        try:
            return self.session[i]
        except TestFailure as e:
            self.fail(str(e))
            return None

    def contains(self, i, needle, what=None):
        """Command #i printed `needle` (a str, or a compiled regex)."""
        st = self.step(i)
        if st is None:
            return False
        if isinstance(needle, re.Pattern):
            ok = needle.search(st.output) is not None
        else:
            ok = needle in st.output
        return self.check(ok, f"{what or ''} command #{i} {st.command!r}: expected "
                          f"{needle.pattern if isinstance(needle, re.Pattern) else needle!r} in:\n"
                          f"{st.output}\n(error: {st.error!r})")

    def lacks(self, i, needle, what=None):
        st = self.step(i)
        if st is None:
            return False
        ok = (needle.search(st.output) is None) if isinstance(needle, re.Pattern) else needle not in st.output
        return self.check(ok, f"{what or ''} command #{i} {st.command!r}: did not expect "
                          f"{needle.pattern if isinstance(needle, re.Pattern) else needle!r} in:\n{st.output}")

    def ok(self, i):
        """Command #i raised no gdb error."""
        st = self.step(i)
        return st is not None and self.check(st.error == "", f"command #{i} {st.command!r} "
                                             f"failed: {st.error}")

    def error(self, i, needle=""):
        st = self.step(i)
        return st is not None and self.check(st.error != "" and needle in st.error,
                                             f"command #{i} {st.command!r}: expected an error "
                                             f"containing {needle!r}, got {st.error!r}")

    def at_line(self, i, src_line, what=None):
        """After command #i gdb printed `src_line` as the current line: either
        'LINE\\t...' or 'at FILE:LINE'."""
        st = self.step(i)
        if st is None:
            return False
        ok = re.search(rf"(^|\n){src_line}\t|:{src_line}\n", st.output) is not None
        return self.check(ok, f"{what or ''} command #{i} {st.command!r}: expected to stop at "
                          f"line {src_line}; output:\n{st.output}\n(error: {st.error!r})")

    def value(self, i, expected, what=None):
        """Command #i was a `print`; its value is `expected` (text after ' = ')."""
        st = self.step(i)
        if st is None:
            return False
        m = re.search(r"\$\d+ = (.*)", st.output)
        got = m.group(1).strip() if m else None
        return self.check(got == str(expected), f"{what or ''} command #{i} {st.command!r}: "
                          f"expected value {expected!r}, got {got!r}; output:\n{st.output}"
                          f"\n(error: {st.error!r})")

    def finish(self):
        total = self.passes + len(self.failures)
        if self.failures:
            print(f"\n{self.name}: {len(self.failures)} of {total} checks FAILED:")
            for f in self.failures:
                print("  - " + f.splitlines()[0][:300])
            sys.exit(1)
        print(f"{self.name}: all {total} checks passed")
        sys.exit(0)


WHEN = re.compile(r"Current instruction: (\d+)")


def when(session, i):
    """The instruction count `monitor when` printed at step i of a Session
    (None when there is no such step or it printed none)."""
    if i >= len(session.steps):
        return None
    m = WHEN.search(session[i].output)
    return int(m.group(1)) if m else None


def scenario(checker, title):
    """Decorator: run a scenario function, turning exceptions into failures so
    one broken scenario does not hide the others."""
    def wrap(fn):
        def run(*a, **kw):
            checker.begin(title)
            t0 = time.monotonic()
            try:
                fn(*a, **kw)
            except TestFailure as e:
                checker.fail(f"setup: {e}")
            except Exception as e:  # a bug in the test itself: still report, keep going
                import traceback
                checker.fail(f"exception: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            print(f"scenario {title!r}: {time.monotonic() - t0:.1f}s", flush=True)
        run.__name__ = fn.__name__
        return run
    return wrap


# ---------------------------------------------------------------------------
# Guests of our own (tests/e2e/guests/*.c): built at test time with -O0, with
# the same toolchain and flags users (and examples/) use, so every variable is
# visible and every line is a stepping point. -gno-column-info: with column
# info gcc gives one line several is_stmt entries (`x = f();` is one for the
# call, one for the store), and gdb's reverse-next then stops twice on a line.

_GUEST_DIR = None
GUEST_FLAGS = ["-march=rv32imac", "-mabi=ilp32", "--specs=picolibc.specs", "--oslib=semihost",
               "--crt0=semihost", "-g", "-gno-column-info", "-O0", "-Wall", "-Wl,--defsym=__flash_size=0x100000",
               "-Wl,--defsym=__ram_size=0x100000", "-Wl,--defsym=__stack_size=0x10000",
               "-Wl,--defsym=__heap_end=__stack-__stack_size"]


def guest_source(name):
    return os.path.join(source_dir(), "tests", "e2e", "guests", name + ".c")


LINUX_GUEST_FLAGS = ["-march=rv32imac", "-mabi=ilp32", "-nostdlib", "-ffreestanding", "-static", "-g", "-gno-column-info", "-O0",
                     "-Wall", "-DRVRR_LINUX_RT", "-Wl,-Ttext-segment=0x10000"]


RV64_GUEST_FLAGS = ["-static", "-g", "-gno-column-info", "-O0", "-Wall"]


def guest_abi():
    """RVRR_E2E_GUEST_ABI: "" (picolibc, RV32), "linux" (RV32, our crt0), "rv64" or "rv64-high"."""
    return os.environ.get("RVRR_E2E_GUEST_ABI", "")


def build_guest(name):
    """Compile tests/e2e/guests/NAME.c; returns the ELF path (cached per process).

    RVRR_E2E_GUEST_ABI=linux builds it with examples/linux's runtime instead
    of picolibc (Linux ecalls instead of semihosting; it then runs under
    qemu-riscv32 too, which helps to tell gdb's behaviour from rvrr's).
    RVRR_E2E_GUEST_ABI=rv64 builds it as an RV64 static glibc program with
    Debian's riscv64-linux-gnu-gcc (stack near 256 GiB, lp64d);
    RVRR_E2E_GUEST_ABI=rv64-high links that program at 8 GiB, so its code
    and globals lie above 4 GiB too (glibc's crtbeginT.o cannot be linked
    there: medlow; the start files are named without it, as
    tests/CMakeLists.txt does for rv64_queries_high)."""
    global _GUEST_DIR
    if _GUEST_DIR is None:
        import atexit
        _GUEST_DIR = tempfile.mkdtemp(prefix="rvrr-e2e-guests-")
        atexit.register(shutil.rmtree, _GUEST_DIR, True)
    out = os.path.join(_GUEST_DIR, name + ".elf")
    if not os.path.exists(out):
        cc = os.environ.get("RVRR_RISCV_GCC", "riscv64-unknown-elf-gcc")
        if guest_abi() == "rv64":
            argv = ["riscv64-linux-gnu-gcc", *RV64_GUEST_FLAGS, guest_source(name), "-o", out]
        elif guest_abi() == "rv64-high":
            crt = lambda f: subprocess.run(["riscv64-linux-gnu-gcc", "-print-file-name=" + f], capture_output=True,
                                           text=True, timeout=60).stdout.strip()
            argv = ["riscv64-linux-gnu-gcc", *RV64_GUEST_FLAGS, "-mcmodel=medany", "-nostartfiles",
                    "-Wl,-Ttext-segment=0x200000000", crt("crt1.o"), crt("crti.o"), guest_source(name), crt("crtn.o"),
                    "-o", out]
        elif guest_abi() == "linux":
            rt = os.path.join(source_dir(), "examples", "linux")
            argv = [cc, *LINUX_GUEST_FLAGS, "-I" + rt, os.path.join(rt, "crt0.S"), os.path.join(rt, "rt.c"),
                    guest_source(name), "-lgcc", "-o", out]
        else:
            argv = [cc, *GUEST_FLAGS, guest_source(name), "-o", out]
        r = subprocess.run(argv,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise TestFailure(f"building guest {name} failed:\n{r.stdout}{r.stderr}")
    return out


def marker_line(path, name):
    """Line of the `// LINE name` marker in a guest source."""
    pattern = re.compile(rf"LINE {re.escape(name)}\b")
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            if pattern.search(text):
                return number
    raise TestFailure(f"{path}: no 'LINE {name}' marker")


def run_rvrr(args, timeout=120):
    """Run rvrr to completion (record, run, trace info); returns CompletedProcess."""
    proc = subprocess.Popen([rvrr_binary(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate(timeout=10)
        raise TestFailure(f"rvrr {' '.join(args)} timed out after {timeout}s:\n{out}{err}")
    finally:
        _kill_group(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out.decode("utf-8", "replace"),
                                       err.decode("utf-8", "replace"))


NO_HISTORY = "No more reverse-execution history."

_UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
_TIMELINE_MEM = re.compile(r"checkpoints: (\d+), holding ([\d.]+) (bytes|KiB|MiB|GiB|TiB) "
                           r"\(peak ([\d.]+) (bytes|KiB|MiB|GiB|TiB), budget ([\d.]+) (bytes|KiB|MiB|GiB|TiB)\)")


def timeline_memory(text):
    """From `monitor info timeline`: (checkpoints, holding, peak, budget) in bytes, or None."""
    m = _TIMELINE_MEM.search(text)
    if not m:
        return None
    b = lambda v, u: float(v) * _UNITS[u]
    return int(m.group(1)), b(m.group(2), m.group(3)), b(m.group(4), m.group(5)), b(m.group(6), m.group(7))


def check_timeline_memory(checker, i):
    """`monitor info timeline` (command #i) shows checkpoint memory within the budget."""
    st = checker.step(i)
    if st is None:
        return
    mem = timeline_memory(st.output)
    if checker.check(mem is not None, f"command #{i}: no 'checkpoints: N, holding X (peak Y, budget Z)' "
                                      f"in:\n{st.output}"):
        n, holding, peak, budget = mem
        checker.check(0 <= holding <= budget and 0 <= peak <= budget and budget > 0,
                      f"checkpoint memory within the budget: holding {holding:.0f} bytes, peak {peak:.0f}, "
                      f"budget {budget:.0f} ({st.output.strip()!r})")
