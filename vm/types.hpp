// vm/types.hpp - the small vocabulary shared by every part of the machine.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace rvrr::vm {

// A guest address. 64 bits wide so RV64 guests reach their whole address
// space (the stack near the top of sv39's 256 GiB); the RV32 run loop keeps
// its own 32-bit arithmetic (vm/interpreter.cpp), so an RV32 address never
// exceeds 4 GiB.
using Addr = std::uint64_t;

// POSIX signal numbers as gdb expects them in stop replies (T05, T0b, ...).
enum class Signal : std::uint8_t {
  None = 0,
  Int = 2,    // SIGINT: interrupted by the debugger (Ctrl-C)
  Ill = 4,    // SIGILL: illegal or unsupported instruction
  Trap = 5,   // SIGTRAP: ebreak outside a semihosting sequence, breakpoints
  Bus = 7,    // SIGBUS: misaligned LR/SC/AMO
  Segv = 11,  // SIGSEGV: access to an unmapped or protected page
};

// "SIGSEGV", ...: for messages and trace summaries.
inline const char* signal_name(Signal signal) {
  switch (signal) {
    case Signal::None: return "no signal";
    case Signal::Int: return "SIGINT";
    case Signal::Ill: return "SIGILL";
    case Signal::Trap: return "SIGTRAP";
    case Signal::Bus: return "SIGBUS";
    case Signal::Segv: return "SIGSEGV";
  }
  return "an unknown signal";  // a value read from a damaged trace
}

enum class WatchKind : std::uint8_t { Write = 1, Read = 2, Access = 3 };

// Why Machine::run returned. A closed set: every stop is data, never an exception.
enum class StopKind : std::uint8_t {
  Limit,        // icount reached RunOptions::stop_at (nothing else happened)
  Breakpoint,   // pc is at a breakpoint; the instruction there has NOT executed
  Watchpoint,   // the instruction at pc would access a watched range; NOT executed
  Exited,       // the guest exited (exit/exit_group/semihosting EXIT); final state
  Fault,        // the instruction at pc faulted; NOT retired; see signal/addr
  HostFailure,  // the Environment refused a host call (replay divergence); see message
  Interrupted,  // a host call gave up waiting (HostInterrupt raised); NOT retired: running again retries it
};

// Made only by one named constructor per kind, each taking what that kind
// carries, and read through accessors: a breakpoint with an exit status or a
// fault without a signal cannot be built. Fields a kind does not carry read
// as their defaults.
class StopInfo {
 public:
  StopInfo() = default;  // Limit
  static StopInfo limit() { return {}; }
  static StopInfo breakpoint() { return StopInfo(StopKind::Breakpoint); }
  static StopInfo watchpoint(Addr addr, WatchKind kind) {
    StopInfo s(StopKind::Watchpoint);
    s.addr_ = addr;
    s.watch_ = kind;
    return s;
  }
  static StopInfo exited(std::int32_t code) {
    StopInfo s(StopKind::Exited);
    s.exit_code_ = code;
    return s;
  }
  static StopInfo fault(Signal signal, Addr addr, std::string message) {
    StopInfo s(StopKind::Fault, std::move(message));
    s.signal_ = signal;
    s.addr_ = addr;
    return s;
  }
  static StopInfo host_failure(std::string message) { return StopInfo(StopKind::HostFailure, std::move(message)); }
  static StopInfo interrupted(std::string message) { return StopInfo(StopKind::Interrupted, std::move(message)); }

  StopKind kind() const { return kind_; }
  Signal signal() const { return signal_; }          // Fault: the signal to report
  Addr addr() const { return addr_; }                // Fault: faulting address; Watchpoint: start of the matching watch range
  WatchKind watch() const { return watch_; }         // Watchpoint: the kind of the watchpoint that matched
  std::int32_t exit_code() const { return exit_code_; }  // Exited: the guest's exit status
  const std::string& message() const { return message_; }  // HostFailure / Fault / Interrupted: human-readable detail

 private:
  explicit StopInfo(StopKind kind, std::string message = {}) : kind_(kind), message_(std::move(message)) {}

  StopKind kind_ = StopKind::Limit;
  Signal signal_ = Signal::None;
  Addr addr_ = 0;
  WatchKind watch_ = WatchKind::Write;
  std::int32_t exit_code_ = 0;
  std::string message_;
};

}  // namespace rvrr::vm
