// timeline/session_setup.hpp - the starting point of a Timeline: machine at
// icount 0 plus the HistoryEnvironment serving it, for live or replay.
//
// The server builds a Timeline from a SessionSetup:
//   auto setup = make_replay_setup(read_trace_file(path));
//   Timeline timeline(std::move(setup.initial), setup.env, options);
// For live debugging, keep `setup.writer` alive as long as the environment
// (the environment streams every event to it) and call
// setup.writer->finish(...) when the session ends (see finish_live_trace).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "timeline/history_environment.hpp"
#include "trace/format.hpp"
#include "vm/host_interrupt.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

// How to run a program live (recording or debugging).
struct LiveOptions {
  std::vector<std::string> args;       // argv[1..]; argv[0] is the program name
  std::vector<std::string> envp;       // "NAME=value"
  std::uint64_t memory_limit = 512ull << 20;
  std::uint32_t stack_size = 8u << 20;
  std::optional<std::uint64_t> epoch_ns;   // default: the host wall clock now (stored in the trace)
  bool allow_host_files = true;
  // The live host; default vm::HostEnvironment(allow_host_files, interrupt). Tests pass a NullEnvironment.
  std::shared_ptr<vm::Environment> live;
  // Raised to make a host read that waits for input give up (Ctrl-C, SIGTERM):
  // the guest stops inside its read, which runs again when it goes on.
  std::shared_ptr<vm::HostInterrupt> interrupt;
  // Where guest output goes; default: the host's stdout/stderr.
  std::function<void(int fd, std::span<const std::uint8_t>)> output_to;
};

struct SessionSetup {
  vm::Machine initial;                      // icount 0
  std::shared_ptr<HistoryEnvironment> env;  // Live or Replay
  std::shared_ptr<trace::TraceWriter> writer;  // live: the trace being written (the env's sink); replay: null
  trace::TraceHeader header;                // what the trace says (or will say) about the program
};

// Reads an ELF file; throws std::runtime_error("PATH: reason") if it cannot be used.
std::vector<std::uint8_t> read_program_file(const std::string& path);
// The program name stored in traces and used as argv[0]: the file's base name.
std::string program_name_of(const std::string& path);

// A live session: the machine from `program` (ELF bytes), a HistoryEnvironment
// in Live mode over the host, streaming to a new trace at `trace_path`
// (empty: no trace file, history kept in memory only). Throws
// std::runtime_error (bad ELF, layout) or TraceError (cannot create the trace)
// before creating anything on disk when the program is unusable.
SessionSetup make_live_setup(std::vector<std::uint8_t> program, const std::string& program_name,
                             const LiveOptions& options, const std::string& trace_path);

// A replay session: the machine rebuilt from the trace's embedded program and
// options; a HistoryEnvironment in Replay mode over the trace's history
// (frontier = end of the recording). Throws TraceError when the embedded
// program does not load. `output_to` null: the host's stdout/stderr.
SessionSetup make_replay_setup(const trace::TraceData& trace,
                               std::function<void(int fd, std::span<const std::uint8_t>)> output_to = {});

// Apply a recorded debugger write to a machine (register 0..31, 32 = pc,
// little-endian value; or memory bytes). Returns an error message if it
// cannot be applied (bad register number, unmapped memory).
// Register numbers of recorded register writes: 0-31 x0-x31 and 32 pc
// (4 bytes), 33-64 f0-f31 (8 bytes, raw), 65 fcsr (4 bytes).
inline constexpr std::uint32_t kFirstFloatWrite = 33, kFcsrWrite = 65;
std::optional<std::string> apply_debugger_write(vm::Machine& machine, const trace::DebuggerWrite& write);

// Ends a live trace: a footer from `machine` (when it is at the end of history)
// or a bare "stopped at `frontier`" footer without a state hash otherwise.
// A non-empty `interrupted_by` ("SIGTERM") marks a still-running end as
// TraceEnd::Interrupted (an exit or fault stays what it is).
void finish_live_trace(trace::TraceWriter& writer, const vm::Machine& machine, std::uint64_t frontier,
                       const std::string& interrupted_by = {});

}  // namespace rvrr::timeline
