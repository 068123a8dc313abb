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
# position: flush them and show the new frame.
define rvrr-refresh
  maintenance flush register-cache
  frame
end
document rvrr-refresh
Forget gdb's cached registers and frames and show the current frame.
Used after rvrr moves in time behind gdb's back (seek, restart).
end

define when
  monitor when
end
document when
Print the current point in time: the number of instructions the program
has executed (rvrr's clock). `seek N` comes back to it.
end

define seek
  if $argc != 1
    echo usage: seek N (an instruction count, as printed by `when`)\n
  else
    monitor seek $arg0
    rvrr-refresh
  end
end
document seek
seek N -- go to the point in time where the program has executed N
instructions (forwards or backwards), then show the frame there.
Breakpoints do not stop a seek.
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
restart ID -- go back (or forward) to the checkpoint ID made by `checkpoint`,
then show the frame there.
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
