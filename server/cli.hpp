// server/cli.hpp - the `rvrr` command line: subcommands and their options.
//
//   rvrr run    [options] PROGRAM [ARGS...]   execute, no recording
//   rvrr record [options] [-o TRACE] PROGRAM [ARGS...]
//   rvrr replay [options] [TRACE]             default: the latest trace
//   rvrr debug  [options] PROGRAM [ARGS...]   live, recording while debugged
//   rvrr trace info [--verify] TRACE
//   rvrr trace lines [--annotate FILE] [--json] TRACE
//   rvrr trace profile [--folded] [--from N] [--to M] [--top K] [--json] TRACE
//   rvrr trace dump [--json] TRACE
//   rvrr trace writes [--reads] [--json] TRACE ADDR[,LEN]
//   rvrr trace diff [--json] TRACE_A TRACE_B
//   rvrr trace memory [--at N] [--json] TRACE
//   rvrr trace calls [--json] TRACE FUNC
//
// Option parsing stops at PROGRAM, so guest arguments such as `-x` reach the
// guest untouched (as with `env`, `rr record`, `timeout`). `--` also ends the
// options. Parsing is pure (no I/O): main() prints the help or the error.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rvrr::server {

enum class Subcommand {
  Run, Record, Replay, Debug, TraceInfo, TraceLines, TraceProfile, TraceDump,
  TraceCalls, TraceWrites, TraceDiff, TraceMemory, Help
};

// Every option any subcommand accepts, with its default. A subcommand that does
// not offer an option leaves it at the default.
struct CliOptions {
  // Guest limits.
  std::uint64_t max_instructions = 0;         // 0 = unlimited
  std::uint64_t memory_limit_mib = 512;       // guest memory the program may map
  bool no_host_files = false;                 // refuse guest opens of host files
  bool stats = false;                         // run/record: print figures at the end
  std::string tier;                           // run/record/debug/replay: --tier interp|auto (empty: RVRR_TIER, else auto)
  bool verify = false;                        // trace info: replay to the end and compare with the footer
  // Questions asked of a trace (trace lines/profile/dump/writes/diff/memory).
  bool json = false;                          // machine-readable output
  bool folded = false;                        // profile: folded stacks for flame graphs
  std::string annotate;                       // lines: print this source file with counts
  std::uint64_t from = 0;                     // profile: window start (instruction count)
  std::uint64_t to = UINT64_MAX;              // profile: window end (exclusive)
  std::uint64_t top = 20;                     // profile: functions and lines listed
  bool reads = false;                         // trace writes: list reads too
  std::optional<std::uint64_t> at;            // trace memory: at this instruction count (default: the end)
  // Server.
  std::string host = "127.0.0.1";
  std::optional<std::uint16_t> port;          // set: serve only (0 = ephemeral); unset: start gdb
  std::uint64_t checkpoint_memory_mib = 256;  // Timeline checkpoint budget
  std::uint64_t checkpoint_interval = 0;      // 0 = automatic
  std::string log_level = "warn";             // trace/debug/info/warn/error/off
  std::string gdb = "gdb-multiarch";          // the debugger started without --port
  // Files.
  std::string output;                         // record/debug: -o TRACE (empty = the trace store)
};

struct CliRequest {
  Subcommand command = Subcommand::Help;
  CliOptions options;
  std::string program;             // run/record/debug
  std::vector<std::string> args;   // guest arguments after PROGRAM
  std::string trace;               // replay (may be empty = latest), trace info/writes/diff/memory
  std::vector<std::string> operands;  // trace writes: ADDR[,LEN]; trace diff: TRACE_B
  std::string function;            // trace calls: FUNC
  bool help = false;               // --help given: print help_text to stdout, exit 0
  std::string help_text;           // the subcommand's usage and options
};

// Bad usage: an unknown subcommand, an unknown or ill-typed option, a missing
// PROGRAM. what() is one line; usage() is the relevant usage text.
class CliError : public std::runtime_error {
 public:
  CliError(const std::string& message, std::string usage)
      : std::runtime_error(message), usage_(std::move(usage)) {}
  const std::string& usage() const { return usage_; }
 private:
  std::string usage_;
};

// Parses argv (argv[0] is rvrr itself). Throws CliError on bad usage.
CliRequest parse_cli(const std::vector<std::string>& argv);

// "rvrr 0.1.0\n": the CMake project version (`rvrr --version`, `rvrr version`).
std::string version_text();

// The top-level usage (subcommand list).
std::string top_level_usage();

}  // namespace rvrr::server
