// protocol/gdb_signal.cpp - Linux -> gdb signal numbers. See gdb_signal.hpp.
#include "protocol/gdb_signal.hpp"

#include <array>

namespace rvrr::protocol {

std::uint8_t gdb_signal_from_linux(int linux_signo) noexcept {
  // Index: the Linux number (asm-generic/signal.h); value: GDB_SIGNAL_*.
  static constexpr std::array<std::uint8_t, 32> kTable = {
      0,                      // 0: no signal
      1,                      // SIGHUP
      2,                      // SIGINT
      3,                      // SIGQUIT
      4,                      // SIGILL
      5,                      // SIGTRAP
      6,                      // SIGABRT
      10,                     // SIGBUS    (gdb 7 is SIGEMT)
      8,                      // SIGFPE
      9,                      // SIGKILL
      30,                     // SIGUSR1
      11,                     // SIGSEGV
      31,                     // SIGUSR2
      13,                     // SIGPIPE
      14,                     // SIGALRM
      15,                     // SIGTERM
      gdb_signal::kUnknown,   // SIGSTKFLT: gdb has no name for it
      20,                     // SIGCHLD
      19,                     // SIGCONT
      17,                     // SIGSTOP
      18,                     // SIGTSTP
      21,                     // SIGTTIN
      22,                     // SIGTTOU
      16,                     // SIGURG
      24,                     // SIGXCPU
      25,                     // SIGXFSZ
      26,                     // SIGVTALRM
      27,                     // SIGPROF
      28,                     // SIGWINCH
      23,                     // SIGIO
      32,                     // SIGPWR
      12,                     // SIGSYS
  };
  if (linux_signo < 0 || linux_signo >= static_cast<int>(kTable.size())) return gdb_signal::kUnknown;
  return kTable[static_cast<std::size_t>(linux_signo)];
}

}  // namespace rvrr::protocol
