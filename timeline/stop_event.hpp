// timeline/stop_event.hpp - why a Timeline operation ended, as a closed set.
#pragma once
#include <cstdint>
#include <string>

#include "vm/types.hpp"

namespace rvrr::timeline {

enum class StopKind : std::uint8_t {
  Step,          // a single step completed (forward or backward)
  Breakpoint,    // at a breakpoint (forward: before it executes; backward: the latest hit strictly before now)
  Watchpoint,    // see watch_addr/watch_kind; forward: before the access, backward: just after it
  Signal,        // guest fault (signal) - also the end of history
  HistoryBegin,  // moved backward to icount 0 without another reason to stop (replaylog:begin)
  HistoryEnd,    // reached the end of history: exit, fatal fault or end of a replayed trace (replaylog:end)
  Interrupted,   // the CancelToken fired (gdb's Ctrl-C): report SIGINT
  Divergence,    // replay diverged from the trace; message says where/expected/actual
  SeekDone,      // a seek arrived at its target
};

struct StopEvent {
  StopKind kind = StopKind::Step;
  std::uint64_t icount = 0;           // where we are now
  vm::Signal signal = vm::Signal::None;  // Signal / HistoryEnd after a fault
  vm::Addr watch_addr = 0;
  vm::WatchKind watch_kind = vm::WatchKind::Write;
  bool exited = false;                // HistoryEnd because the guest exited
  std::int32_t exit_code = 0;
  std::string message;                // Divergence, faults, HistoryEnd detail
};

}  // namespace rvrr::timeline
