// trace/history.hpp - what came from outside during one execution.
//
// History is the in-memory form of a trace's event stream: every host call
// the guest made (with its result) and every write the debugger made, each at
// the instruction count where it happened, plus the frontier: how far the
// execution has been run. The trace reader fills one, the trace writer is a
// HistorySink that streams one to disk. Serving a Machine from a History
// (time travel) is timeline/history_environment.hpp's job.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/environment.hpp"
#include "vm/types.hpp"

namespace rvrr::trace {

struct HostEvent {
  std::uint64_t icount = 0;
  vm::HostRequest request;
  vm::HostReply reply;
};

// A state change made by the debugger (gdb `set var`, `set $reg`) at the end
// of history. It applies after `icount` instructions, before the next one runs.
struct DebuggerWrite {
  enum class Target : std::uint8_t { Register = 1, Memory = 2 };
  std::uint64_t icount = 0;
  Target target = Target::Memory;
  std::uint64_t where = 0;            // register number (0..31, 32 = pc) or guest address
  std::vector<std::uint8_t> bytes;    // little-endian value / memory bytes
};

// Observer for everything appended (so a TraceWriter can stream it to disk).
class HistorySink {
 public:
  virtual ~HistorySink() = default;
  virtual void on_event(const HostEvent& event) = 0;
  virtual void on_write(const DebuggerWrite& write) = 0;
  virtual void on_truncate(std::uint64_t icount) = 0;
  // The history reached `icount` and will reach `next` only after another
  // mark (RecordType::Progress): what bounds the replay of a trace whose
  // writer was killed.
  virtual void on_progress(std::uint64_t icount, std::uint64_t next) = 0;
};

// How a recorded execution ended (from its trace's footer): a replay that
// reaches the end of history checks its own end against this.
struct RecordedEnd {
  enum class Kind : std::uint8_t { Exited, Fault, Running } kind = Kind::Running;
  std::int32_t exit_code = 0;                // Exited
  vm::Signal signal = vm::Signal::None;      // Fault
  std::optional<std::uint64_t> state_hash;   // vm::Machine::state_hash() at the end, when recorded
  std::string description;                   // "exited with status 0", for messages
};

class History {
 public:
  std::vector<HostEvent> events;        // ascending icount, at most one per icount
  std::vector<DebuggerWrite> writes;    // ascending icount (several may share one)
  std::uint64_t frontier = 0;           // instructions executed so far (end of known history)
  // The execution ended (exit or fatal fault) at the instruction numbered
  // `frontier`, which stops the machine without retiring. A replay must run
  // that one instruction to reach the recorded end (it makes no host call).
  // Set from a trace's footer by make_replay_setup; reset by truncate().
  bool halted_at_frontier = false;
  // A trace cut short (no footer: the recorder was killed) proves execution
  // reached `frontier`, but it went on deterministically until the next host
  // call the trace lost. A replay may run past `frontier` until the program
  // asks for a host call the trace does not hold; that point becomes the end
  // (frontier, open_ended = false). Reset by truncate().
  bool open_ended = false;
  // An open-ended history goes no further than this count: the last
  // progress mark of a cut-short trace says the recording stopped short of
  // it (RecordType::Progress). Unbounded without marks (a trace made
  // before format 4).
  std::uint64_t open_end_bound = UINT64_MAX;
  // Set from a trace's footer (read_trace); reset by truncate().
  std::optional<RecordedEnd> recorded_end;

  const HostEvent* event_at(std::uint64_t icount) const;  // binary search
  // Writes with icount in [from, to): the points where a forward run must pause to apply them.
  std::optional<std::uint64_t> next_write_at_or_after(std::uint64_t icount) const;
  std::vector<const DebuggerWrite*> writes_at(std::uint64_t icount) const;
  // Forget everything at or after `icount` (events, writes); frontier = icount.
  void truncate(std::uint64_t icount);
  // An open-ended history ends at `icount` (a lost host call, or the bound).
  void close_open_end(std::uint64_t icount) {
    open_ended = false;
    frontier = std::max(frontier, icount);
  }
};

}  // namespace rvrr::trace
