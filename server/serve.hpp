// server/serve.hpp - serve one Timeline to gdb (`rvrr debug` and `rvrr replay`).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "timeline/timeline.hpp"
#include "vm/host_interrupt.hpp"

namespace rvrr::server {

struct ServeOptions {
  std::string host = "127.0.0.1";
  // Set: serve only, on this port (0 = any free port), and print one line
  // "rvrr: listening on HOST:PORT; connect with: gdb-multiarch PROGRAM -ex 'target remote HOST:PORT'".
  // Unset: start `gdb` attached to the terminal on an ephemeral port, as rr
  // does, and return when it exits.
  std::optional<std::uint16_t> port;
  std::string program;  // the ELF gdb should load (a path on this machine)
  std::string gdb = "gdb-multiarch";
  // Live sessions: the interrupt of the live host environment (see
  // LiveOptions::interrupt), raised to stop a guest waiting in a host read.
  std::shared_ptr<vm::HostInterrupt> host_interrupt;
  // Called between operations (no Work running), after gdb got its replies.
  std::function<void()> after_work;
};

class StopSignals;

struct ServeResult {
  int status = 0;           // the process exit status: 0, or 1 if the port cannot be bound or gdb cannot be started
  std::string stopped_by;   // "SIGTERM"/"SIGINT" when a signal ended the session, else empty
};

// Serves until gdb kills the program (k / vKill), the started gdb exits, or
// rvrr gets SIGTERM or SIGINT (`signals`, installed by the caller so that it
// covers the trace's finishing too). With gdb started on rvrr's terminal, a
// Ctrl-C at the terminal is gdb's (it interrupts the guest through the
// protocol); a signal ends gdb too (SIGTERM, then SIGKILL if it lingers), and
// the terminal's settings are restored as they were when serve() began.
ServeResult serve(timeline::Timeline& timeline, const ServeOptions& options, StopSignals& signals);

// The gdbinit shipped with rvrr: $RVRR_GDBINIT if it names a file (an
// explicit choice), else <exe dir>/../share/rvrr/gdbinit (installed), else
// next to a build directory inside the source tree, else the source tree the
// binary was built from. nullopt if none exists.
std::optional<std::string> find_gdbinit();

}  // namespace rvrr::server
