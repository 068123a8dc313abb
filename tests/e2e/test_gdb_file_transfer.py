#!/usr/bin/env python3
"""gdb reads the program from rvrr with the host I/O packets (vFile), so it
does not warn "remote target does not support file transfer" on every
session, and a gdb given no program finds it (and its symbols) through rvrr.
Only the program is served, read-only: any other file is refused."""
import os
import re
import shutil
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gdbtest as g  # noqa: E402

ck = g.Checker("test_gdb_file_transfer")
WARNING = "does not support file transfer"


@g.scenario(ck, "debug and replay: no file-transfer warning; the program comes through vFile; nothing else does")
def file_transfer():
    elf = g.build_guest("steps")
    tmp = tempfile.mkdtemp(prefix="rvrr-e2e-vfile-")
    try:
        secret = os.path.join(tmp, "secret.txt")
        with open(secret, "w") as f:
            f.write("not for gdb\n")
        copy = os.path.join(tmp, "copy.txt")
        cmds = [
            "info line main",                          # 0 symbols, from the program rvrr served
            "break add",                               # 1
            "continue",                                # 2
            f"remote get {secret} {copy}",             # 3 refused: not the program
            f"remote put {secret} /tmp/rvrr-e2e-put",  # 4 refused: read-only
            "kill",                                    # 5
        ]
        with g.Server.debug(elf) as srv:
            s = g.run_gdb(srv.port, None, cmds)        # no program: gdb must ask rvrr for it
            ck.begin("debug, no program given", s, srv)
            ck.check(WARNING not in s.text, f"gdb warned about file transfer:\n{s.prologue}")
            ck.contains(0, "Line ")
            ck.contains(2, "Breakpoint 1, add (a=2, b=3)")
            ck.error(3)
            ck.check(not os.path.exists(copy), "`remote get` of a file that is not the program was served")
            ck.error(4)
        with g.Server.debug(elf) as srv:
            s = g.run_gdb(srv.port, elf, ["break add", "continue", "kill"])
            ck.begin("debug, program given", s, srv)
            ck.check(WARNING not in s.text, f"gdb warned about file transfer:\n{s.prologue}")
            ck.contains(1, "Breakpoint 1, add (a=2, b=3)")
        trace = os.path.join(tmp, "steps.trace")
        r = g.run_rvrr(["record", "-o", trace, elf])
        ck.check(r.returncode == 0, f"record: {r.returncode}\n{r.stderr}")
        with g.Server.replay(trace) as srv:
            s = g.run_gdb(srv.port, None, ["break add", "continue", "kill"])
            ck.begin("replay, no program given", s, srv)
            ck.check(WARNING not in s.text, f"gdb warned about file transfer:\n{s.prologue}")
            ck.contains(1, "Breakpoint 1, add (a=2, b=3)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    file_transfer()
    ck.finish()
