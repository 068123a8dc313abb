// server/stop_signals.hpp - SIGINT and SIGTERM as requests to stop cleanly.
//
// Whatever rvrr is doing when told to stop (a guest busy computing, or
// blocked reading stdin), it must end cleanly: the trace finished with its
// footer and final state, the terminal handed back as it was. So the handler
// does only async-signal-safe things: it notes the signal and raises a
// HostInterrupt, which wakes a guest read waiting for input and which the
// owner polls (the recorder between slices, the server's io loop on its fd).
//
// When rvrr starts gdb on its own terminal, both are in the terminal's
// foreground process group and Ctrl-C sends SIGINT to both. That SIGINT is
// gdb's: gdb turns it into the protocol's interrupt byte, which stops the
// guest. So with `gdb_shares_terminal`, a SIGINT the terminal generated
// (si_code SI_KERNEL) is ignored; a SIGINT sent with kill(1) still stops rvrr.
#pragma once
#include <memory>
#include <string>

#include "vm/host_interrupt.hpp"

namespace rvrr::server {

class StopSignals {
 public:
  // Installs the handlers (one StopSignals at a time). Throws std::system_error
  // if sigaction fails.
  StopSignals(std::shared_ptr<vm::HostInterrupt> interrupt, bool gdb_shares_terminal);
  ~StopSignals();  // restores the previous dispositions
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Once SIGINT or SIGTERM arrived: that signal (the first one); else 0.
  int received() const;
  std::string name() const;  // "SIGTERM", or "" when nothing arrived
  const std::shared_ptr<vm::HostInterrupt>& interrupt() const { return interrupt_; }
  // Ignore (or, again, honour) SIGINT from the terminal, as above.
  void set_gdb_shares_terminal(bool shares);

 private:
  std::shared_ptr<vm::HostInterrupt> interrupt_;
};

}  // namespace rvrr::server
