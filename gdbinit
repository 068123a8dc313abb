# gdbinit - gdb commands for debugging with rvrr.
#
# `rvrr debug` and `rvrr replay` load this file into the gdb they start.
# With `--port`, load it yourself:
#     gdb-multiarch -x /path/to/rvrr/gdbinit PROGRAM -ex 'target remote 127.0.0.1:PORT'
# or add `source /path/to/rvrr/gdbinit` to your ~/.gdbinit.
#
# The architecture comes from rvrr's target description (riscv:rv32), so no
# `set architecture` is needed here.

# A remote reverse target: long sessions, no pager interrupting output.
set pagination off
# rvrr never loses the program: `kill`, `run` and friends need no confirmation.
set confirm off
# Show the next source line and instruction at every stop, as for stepping in reverse.
set disassemble-next-line auto
# The guest is a single hart; thread events are noise.
set print thread-events off

# After a `monitor` command moves in time, gdb's caches describe the old
# position: registers and frames (register-cache) and memory, the stack
# included (dcache: gdb keeps what it read of the stack until the program
# runs, and a monitor command is not a run). Flush both, show the new frame.
# Watchpoints too: gdb keeps each one's last value and compares the next hit
# against it, so after a jump in time a write of the bytes already there
# would be reported as a change from the old position's value.
define rvrr-refresh
  maintenance flush register-cache
  maintenance flush dcache
  python _rvrr_rearm_watchpoints()
  frame
end
document rvrr-refresh
Forget gdb's cached registers, frames and memory and show the current frame.
Used after rvrr moves in time behind gdb's back (seek, restart).
end

define when
  monitor when
end
document when
Print the current point in time: the number of instructions the program
has executed (rvrr's clock). `seek N` comes back to it.
end

# `seek` arms the seek (`monitor seek-next`) and then resumes with `stepi`:
# rvrr performs the seek as that resume. gdb sends Ctrl-C to the target only
# while it waits for a resume, never during a monitor command, so this is what
# makes a long seek interruptible; the stop is gdb's own, so its caches and
# frame are fresh. A bad argument arms nothing and resumes nothing.
python
import gdb as _rvrr_gdb

def _rvrr_rearm_watchpoints():
    # Re-enabling a watchpoint makes gdb read its value again, at the new position.
    kinds = (_rvrr_gdb.BP_WATCHPOINT, _rvrr_gdb.BP_HARDWARE_WATCHPOINT, _rvrr_gdb.BP_READ_WATCHPOINT,
             _rvrr_gdb.BP_ACCESS_WATCHPOINT)
    for b in _rvrr_gdb.breakpoints() or ():
        if b.type in kinds and b.enabled:
            b.enabled = False
            b.enabled = True

def _rvrr_seek(where):
    out = _rvrr_gdb.execute("monitor seek-next " + where, to_string=True)
    _rvrr_gdb.write(out)  # nothing, or pending [rvrr] notes, or the usage
    if "usage: monitor seek-next" not in out:
        _rvrr_gdb.execute("stepi", from_tty=True)
        _rvrr_rearm_watchpoints()
end

define seek
  if $argc != 1
    echo usage: seek N|P% (an instruction count, as printed by `when`, or a percentage of the history)\n
  else
    python _rvrr_seek("$arg0")
  end
end
document seek
seek N -- go to the point in time where the program has executed N
instructions (forwards or backwards), then show where it is.
seek P% -- go to P percent of the history (0% the start, 100% the end; 12.5% too).
Breakpoints do not stop a seek; Ctrl-C does (the program then stops with SIGINT).
end

define checkpoint
  monitor checkpoint
end
document checkpoint
Pin a checkpoint at the current point in time and print its id.
`restart ID` returns to it; `info-checkpoints` lists them.
end

define restart
  if $argc != 1
    echo usage: restart ID (see info-checkpoints)\n
  else
    monitor restart $arg0
    rvrr-refresh
  end
end
document restart
restart ID -- go back (or forward) to checkpoint ID (one made by `checkpoint`,
or any automatic one `info-checkpoints` lists), then show the frame there.
end

define info-checkpoints
  monitor checkpoints
end
document info-checkpoints
List rvrr's checkpoints (pinned by `checkpoint` and automatic ones).
end

define info-timeline
  monitor info timeline
end
document info-timeline
Show the length of the recorded history, the current position, and the
checkpoints with the memory they use.
end

# `lines` asks rvrr how often source lines were entered so far; without an
# argument, the line of the selected frame.
python
import gdb as _rvrr_gdb_lines

class _RvrrLines(_rvrr_gdb_lines.Command):
    """lines [FILE[:LINE]] -- how often each line of FILE (or just LINE) was entered
in the history so far (rvrr re-runs it up to now; the position does not move).
A line is entered when one of its instructions runs right after another line's,
or after a taken branch, jump, call or return. Without an argument: the line of
the selected frame."""

    def __init__(self):
        super().__init__("lines", _rvrr_gdb_lines.COMMAND_USER)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if not arg:
            sal = _rvrr_gdb_lines.selected_frame().find_sal()
            if sal.symtab is None or sal.line == 0:
                raise _rvrr_gdb_lines.GdbError("no source line here: give FILE[:LINE]")
            arg = "%s:%d" % (sal.symtab.filename, sal.line)
        _rvrr_gdb_lines.execute("monitor lines " + arg)

_RvrrLines()
end

# last-write EXPR / next-write EXPR: go to the write that gave EXPR its
# current value (or the next one that changes it), as Undo's `last` does: one
# command instead of a watchpoint and a reverse-continue. The range is
# &(EXPR) for sizeof(EXPR) bytes; rvrr prints the write (instruction count,
# pc, old -> new bytes) and stops at the writing instruction, before it runs.
python
import gdb as _rvrr_gdb

class _RvrrWriteSearch(_rvrr_gdb.Command):
    def __init__(self, name, doc):
        self.__doc__ = doc
        super().__init__(name, _rvrr_gdb.COMMAND_RUNNING, _rvrr_gdb.COMPLETE_EXPRESSION)
        self._name = name

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise _rvrr_gdb.GdbError("usage: %s EXPR (a variable, buf[3], *p, s->field, ...)" % self._name)
        value = _rvrr_gdb.parse_and_eval(arg)
        if value.address is None:
            raise _rvrr_gdb.GdbError("%s: '%s' is not in memory (give an lvalue: a variable, buf[3], *p)"
                                     % (self._name, arg))
        # As an unsigned number of the target's pointer width (RV64: 64 bits;
        # the stack lies near 256 GiB, programs may be linked above 4 GiB).
        address = int(value.address) & ((1 << (8 * value.address.type.sizeof)) - 1)
        size = max(int(value.type.sizeof), 1)
        text = _rvrr_gdb.execute("monitor %s 0x%x %d" % (self._name, address, size), to_string=True)
        _rvrr_gdb.write(text)
        if "Now at instruction" in text:
            _rvrr_gdb.execute("rvrr-refresh")

_RvrrWriteSearch("last-write", """last-write EXPR -- go back to the last write to EXPR before now.
The range is &(EXPR) for sizeof(EXPR) bytes. Prints the write (instruction
count, pc, old -> new bytes) and stops at the writing instruction, before it
runs (stepi shows the new value); a repeated last-write walks further back.
Writes by host calls (read() into a buffer) count, named as such. If there
is none, says so and does not move.""")
_RvrrWriteSearch("next-write", """next-write EXPR -- go forward to the next write to EXPR after now.
Like last-write, forwards, within the recorded history (a live session's
program is not run on); the instruction at the current point is not "next".""")
end

# `calls FUNC` lists every call of FUNC so far (`monitor calls`), numbered;
# `call-seek K` goes to the entry of the K-th call of that list (`seek`).
python
import re as _rvrr_re_calls
import gdb as _rvrr_gdb_calls

_rvrr_call_entries = []

class _RvrrCalls(_rvrr_gdb_calls.Command):
    """calls FUNC -- every call of FUNC in the history so far: its number, the
instruction count at its entry, its arguments, the caller's line, and its return
value with the count of the return. `call-seek K` (or `seek N`) goes there."""

    def __init__(self):
        super().__init__("calls", _rvrr_gdb_calls.COMMAND_USER)

    def invoke(self, arg, from_tty):
        global _rvrr_call_entries
        if not arg.strip():
            raise _rvrr_gdb_calls.GdbError("usage: calls FUNC")
        out = _rvrr_gdb_calls.execute("monitor calls " + arg.strip(), to_string=True)
        _rvrr_gdb_calls.write(out)
        # The last list, even an empty one: call-seek never goes to another function's call.
        _rvrr_call_entries = [int(m.group(1)) for m in _rvrr_re_calls.finditer(r"^#\d+ (\d+) ", out, _rvrr_re_calls.M)]

class _RvrrCallSeek(_rvrr_gdb_calls.Command):
    """call-seek K -- go to the entry of the K-th call listed by the last `calls`."""

    def __init__(self):
        super().__init__("call-seek", _rvrr_gdb_calls.COMMAND_USER)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if not arg.isdigit() or not 1 <= int(arg) <= len(_rvrr_call_entries):
            raise _rvrr_gdb_calls.GdbError("usage: call-seek K (1 to %d, from the last `calls FUNC`)" %
                                           len(_rvrr_call_entries) if _rvrr_call_entries else
                                           "call-seek K: list the calls first with `calls FUNC`")
        _rvrr_seek(str(_rvrr_call_entries[int(arg) - 1]))

_RvrrCalls()
_RvrrCallSeek()
end

# A write (`set var`, `print x = 1`, an inferior call) behind the end of a
# live session's history discards the recorded future; rvrr says so, but gdb
# reads rvrr's messages only at a stop or a monitor command. Ask for them right
# after each write gdb makes on the user's behalf. Output that is not rvrr's
# (another kind of remote target) is dropped, and so are errors.
python
import gdb as _rvrr_gdb

def _rvrr_notes_of(command):
    try:
        text = _rvrr_gdb.execute(command, to_string=True)
    except _rvrr_gdb.error:
        return
    if text.startswith("[rvrr]"):
        _rvrr_gdb.write(text)

def _rvrr_notes(_event):
    _rvrr_notes_of("monitor notes")

_rvrr_gdb.events.memory_changed.connect(_rvrr_notes)
_rvrr_gdb.events.register_changed.connect(_rvrr_notes)

# Before gdb writes for the user, in a replay: rvrr says the write will be
# refused (gdb 13 shows a refused memory write only as "Cannot access memory").
def _rvrr_before_write(kind):
    _rvrr_notes_of("monitor notes " + kind)

def _rvrr_before_call(event):
    if isinstance(event, _rvrr_gdb.InferiorCallPreEvent):
        _rvrr_before_write("call")

_rvrr_gdb.events.inferior_call.connect(_rvrr_before_call)
end

# `set x = 1` and `set var x = 1` (not `set pagination` and friends).
define hook-set
  python _rvrr_before_write("write")
end
define set hook-variable
  python _rvrr_before_write("write")
end
