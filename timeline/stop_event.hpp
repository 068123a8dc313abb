// timeline/stop_event.hpp - why a Timeline operation ended, as a closed set.
//
// A StopEvent is made only by its named constructors, one per kind, each
// taking exactly what that kind carries (a watchpoint its range and kind, an
// exit its status, a divergence its message), and is read through accessors:
// a breakpoint with an exit status or a watchpoint without an address cannot
// be built. Fields a kind does not carry read as their defaults.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

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

class StopEvent {
 public:
  StopEvent() = default;  // a step at instruction 0: a placeholder until an operation's event is assigned

  static StopEvent step(std::uint64_t icount) { return {StopKind::Step, icount}; }
  static StopEvent seek_done(std::uint64_t icount) { return {StopKind::SeekDone, icount}; }
  static StopEvent history_begin() { return {StopKind::HistoryBegin, 0}; }
  static StopEvent interrupted(std::uint64_t icount) {
    StopEvent e{StopKind::Interrupted, icount};
    e.signal_ = vm::Signal::Int;
    return e;
  }
  static StopEvent breakpoint(std::uint64_t icount) {
    StopEvent e{StopKind::Breakpoint, icount};
    e.signal_ = vm::Signal::Trap;
    return e;
  }
  static StopEvent watchpoint(std::uint64_t icount, vm::Addr addr, vm::WatchKind kind) {
    StopEvent e{StopKind::Watchpoint, icount};
    e.watch_addr_ = addr;
    e.watch_kind_ = kind;
    return e;
  }
  // The guest faulted here (first arrival: history goes on being explorable).
  static StopEvent fault(std::uint64_t icount, vm::Signal signal, std::string message) {
    StopEvent e{StopKind::Signal, icount, std::move(message)};
    e.signal_ = signal;
    return e;
  }
  // The end of history: the guest exited with `code`.
  static StopEvent exited(std::uint64_t icount, std::int32_t code, std::string message = {}) {
    StopEvent e{StopKind::HistoryEnd, icount, std::move(message)};
    e.exited_ = true;
    e.exit_code_ = code;
    return e;
  }
  // The end of history without an exit: a fatal fault (`signal`) already
  // reported, or the end of a replayed trace (Signal::None).
  static StopEvent history_end(std::uint64_t icount, vm::Signal signal = vm::Signal::None, std::string message = {}) {
    StopEvent e{StopKind::HistoryEnd, icount, std::move(message)};
    e.signal_ = signal;
    return e;
  }
  static StopEvent divergence(std::uint64_t icount, std::string message) {
    return {StopKind::Divergence, icount, std::move(message)};
  }

  StopKind kind() const { return kind_; }
  std::uint64_t icount() const { return icount_; }         // where we are now
  vm::Signal signal() const { return signal_; }            // Breakpoint (Trap), Interrupted (Int), Signal, HistoryEnd after a fault
  vm::Addr watch_addr() const { return watch_addr_; }      // Watchpoint
  vm::WatchKind watch_kind() const { return watch_kind_; } // Watchpoint
  bool exited() const { return exited_; }                  // HistoryEnd because the guest exited
  std::int32_t exit_code() const { return exit_code_; }
  const std::string& message() const { return message_; }  // Divergence, faults, HistoryEnd detail

 private:
  StopEvent(StopKind kind, std::uint64_t icount, std::string message = {})
      : kind_(kind), icount_(icount), message_(std::move(message)) {}

  StopKind kind_ = StopKind::Step;
  std::uint64_t icount_ = 0;
  vm::Signal signal_ = vm::Signal::None;
  vm::Addr watch_addr_ = 0;
  vm::WatchKind watch_kind_ = vm::WatchKind::Write;
  bool exited_ = false;
  std::int32_t exit_code_ = 0;
  std::string message_;
};

}  // namespace rvrr::timeline
