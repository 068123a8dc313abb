// server/serve.hpp - serve one Timeline to gdb (`rvrr debug` and `rvrr replay`).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "timeline/timeline.hpp"

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
};

// Serves until gdb kills the program (k / vKill), the started gdb exits, or
// SIGINT/SIGTERM (serve-only mode). Returns the process exit status: 0, or 1
// if the port cannot be bound or gdb cannot be started (after one line on stderr).
int serve(timeline::Timeline& timeline, const ServeOptions& options);

// The gdbinit shipped with rvrr: $RVRR_GDBINIT if it names a file (an
// explicit choice), else <exe dir>/../share/rvrr/gdbinit (installed), else
// next to a build directory inside the source tree, else the source tree the
// binary was built from. nullopt if none exists.
std::optional<std::string> find_gdbinit();

}  // namespace rvrr::server
