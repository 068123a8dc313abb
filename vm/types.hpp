// vm/types.hpp - the small vocabulary shared by every part of the machine.
#pragma once
#include <cstdint>
#include <string>

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

struct StopInfo {
  StopKind kind = StopKind::Limit;
  Signal signal = Signal::None;        // Fault: the signal to report
  Addr addr = 0;                       // Fault: faulting address; Watchpoint: start of the matching watch range
  WatchKind watch = WatchKind::Write;  // Watchpoint: the kind of the watchpoint that matched
  std::int32_t exit_code = 0;          // Exited: the guest's exit status
  std::string message;                 // HostFailure / Fault: human-readable detail
};

}  // namespace rvrr::vm
