#!/usr/bin/env python3
"""Programs built with the README's picolibc recipe (the recommended build),
as a new user builds them: the compile command is taken from README.md
itself ("picolibc with semihosting"), so the recipe and this test cannot
drift apart.

- stdin at end of input reaches getchar as EOF (tests/e2e/guests/stdin_eof.c)
  under `rvrr run`, `rvrr record` and a replay through gdb; it used to loop
  forever (READC has no EOF and picolibc truncates its result to a byte).
- malloc until failure gets NULL, not stack memory (guests/malloc_all.c);
  a program linked with the old recipe (no __heap_end) gets a load warning
  that its heap overlaps its stack.
- arguments with spaces, or empty ones, cannot pass through picolibc's
  crt0 (it splits one command line at spaces), nor more than 62 of them,
  nor a command line over 1023 bytes: rvrr warns, once.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_picolibc_recipe")
TMP = tempfile.mkdtemp(prefix="rvrr-recipe-")
HANG = 30  # seconds: a hang guard, never a timing assertion


def readme_recipe():
    """The compile command of README's "picolibc with semihosting" section, as argv."""
    text = open(os.path.join(g.source_dir(), "README.md"), encoding="utf-8").read()
    section = text.split("### picolibc with semihosting", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    command = block.replace("\\\n", " ").strip().splitlines()[0]
    argv = shlex.split(command)
    if argv[0] != "riscv64-unknown-elf-gcc" or "prog.c" not in argv or "prog.elf" not in argv:
        raise g.TestFailure(f"README's picolibc recipe is not a gcc command on prog.c: {command!r}")
    return argv


def build(guest, out_name, drop=()):
    """Builds tests/e2e/guests/GUEST.c with the README recipe (minus flags in `drop`)."""
    argv = [a for a in readme_recipe() if a not in drop]
    out = os.path.join(TMP, out_name + ".elf")
    argv = [g.guest_source(guest) if a == "prog.c" else out if a == "prog.elf" else a for a in argv]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise g.TestFailure(f"building {guest} failed:\n{' '.join(argv)}\n{r.stdout}{r.stderr}")
    return out


def rvrr(args, stdin=b""):
    """Runs rvrr with `stdin` as its input (bytes, or None for /dev/null)."""
    try:
        p = subprocess.run([g.rvrr_binary(), *args], input=stdin if stdin is not None else None,
                           stdin=subprocess.DEVNULL if stdin is None else None,
                           capture_output=True, timeout=HANG)
    except subprocess.TimeoutExpired:
        raise g.TestFailure(f"rvrr {' '.join(args)} did not finish within {HANG} s (a read that never sees EOF?)")
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


@g.scenario(ck, "stdin EOF reaches getchar: run, record, replay")
def stdin_eof():
    prog = build("stdin_eof", "stdin_eof")
    cases = [(None, "read 0 characters"), (b"", "read 0 characters"), (b"hello\nworld\n", "read 12 characters")]
    for data, expect in cases:
        what = "/dev/null" if data is None else repr(data)
        rc, out, err = rvrr(["run", prog], data)
        ck.check(rc == 0 and expect in out and "feof 1" in out,
                 f"run with stdin {what}: exit {rc}, stdout {out!r}, stderr {err!r}; expected {expect!r}, feof 1")
    rc, out, err = rvrr(["record", "-o", os.path.join(TMP, "devnull.trace"), prog], None)
    ck.check(rc == 0 and "read 0 characters" in out and "feof 1" in out,
             f"record with stdin /dev/null: exit {rc}, stdout {out!r}, stderr {err!r}")
    trace = os.path.join(TMP, "stdin_eof.trace")
    rc, out, err = rvrr(["record", "-o", trace, prog], b"abc")
    ck.check(rc == 0 and "read 3 characters" in out and "feof 1" in out,
             f"record: exit {rc}, stdout {out!r}, stderr {err!r}")
    if not os.path.exists(trace):
        ck.fail("record wrote no trace", context=False)
        return
    with g.Server.replay(trace) as server:
        session = g.run_gdb(server.port, prog, ["continue"], timeout=HANG)
        ck.begin("stdin EOF reaches getchar: replay", session, server)
        ck.check(not session.timed_out and session.done, "the replay reached the end within the hang guard")
        ck.contains(0, g.NO_HISTORY, "the replay stops at the end of history")
        ck.check("read 3 characters" in server.stdout() and "feof 1" in server.stdout(),
                 f"the replayed program printed what the recording did; rvrr stdout: {server.stdout()!r}")


@g.scenario(ck, "malloc until failure: NULL with the recipe, a warning without __heap_end")
def malloc_all():
    prog = build("malloc_all", "malloc_all")
    rc, out, err = rvrr(["run", prog], None)
    ck.check(rc == 0 and "malloc returned NULL after" in out and "stack ok" in out,
             f"recipe build: exit {rc}, stdout {out!r}, stderr {err!r}")
    ck.check("overlaps the stack" not in err, f"no heap warning for the recipe build: {err!r}")
    m = re.search(r"after (\d+) KiB", out)
    ck.check(m is not None and 800 <= int(m.group(1)) < 960,
             f"the heap is the RAM between .bss and the 64 KiB stack (~950 KiB): {out!r}")
    old = build("malloc_all", "malloc_all_old_recipe", drop=("-Wl,--defsym=__heap_end=__stack-__stack_size",))
    rc, out, err = rvrr(["run", old], None)
    warning = [l for l in err.splitlines() if "overlaps the stack" in l]
    ck.check(len(warning) == 1 and warning[0].startswith("rvrr: warning:") and "__heap_end" in warning[0],
             f"old recipe: one load warning naming __heap_end; stderr {err!r}")
    # record warns the same way, before the program's output
    rc, out, err = rvrr(["record", "-o", os.path.join(TMP, "old.trace"), old], None)
    ck.check("overlaps the stack" in err, f"record warns too: {err!r}")


@g.scenario(ck, "semihosting arguments that picolibc's crt0 re-splits: one warning")
def arguments():
    prog = build("stdin_eof", "args_guest")  # any picolibc semihosting program
    for args in (["a b", ""], ["x", "two words", "three more words"], [""]):
        rc, out, err = rvrr(["run", prog, *args], None)
        lines = [l for l in err.splitlines() if "cannot reach the program intact" in l]
        ck.check(len(lines) == 1 and lines[0].startswith("rvrr: warning:"),
                 f"args {args!r}: expected exactly one warning line, stderr {err!r}")
    rc, out, err = rvrr(["run", prog, *[str(i) for i in range(63)]], None)
    ck.check(err.count("only the first 62 of 63 arguments") == 1, f"63 arguments: one warning; stderr {err!r}")
    rc, out, err = rvrr(["run", prog, "a" * 1100], None)
    ck.check(err.count("the program gets no arguments at all") == 1, f"a 1100-byte argument: one warning; {err!r}")
    rc, out, err = rvrr(["run", prog, "plain", "words", "--x=1"], None)
    ck.check("intact" not in err, f"ordinary arguments: no warning; stderr {err!r}")
    # A Linux-ABI program gets its argv exactly: no warning.
    linux_echo = g.example("linux_echo")
    rc, out, err = rvrr(["run", linux_echo, "a b", ""], None)
    ck.check("intact" not in err, f"Linux-ABI program: no warning; stderr {err!r}")


try:
    stdin_eof()
    malloc_all()
    arguments()
finally:
    import shutil
    shutil.rmtree(TMP, ignore_errors=True)
ck.finish()
