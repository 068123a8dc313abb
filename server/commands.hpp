// server/commands.hpp - one function per `rvrr` subcommand.
//
// Each returns the process exit status and reports problems itself as one
// line "rvrr: ..." on stderr. Exit statuses:
//   guest status  run/record: the program exited with that status
//   128+signal    run/record: the program faulted (SIGSEGV -> 139, ...)
//   124           run/record: --max-instructions reached (as timeout(1) does)
//   1             an internal failure (the host refused something; record: the
//                 trace could not be written completely)
//   2             bad usage, an unloadable program or an unreadable trace
//   0             debug/replay/trace info: success
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "server/cli.hpp"
#include "timeline/session_setup.hpp"
#include "vm/elf_loader.hpp"
#include "vm/types.hpp"

namespace rvrr::vm {
class Memory;
struct StopInfo;
}

namespace rvrr::server {

inline constexpr int kExitUsage = 2;
inline constexpr int kExitInstructionLimit = 124;

int run_command(const CliRequest& request);
int record_command(const CliRequest& request);
int trace_info_command(const CliRequest& request);
// Questions asked of a trace (server/query_commands.cpp).
int trace_lines_command(const CliRequest& request);
int trace_profile_command(const CliRequest& request);
int trace_dump_command(const CliRequest& request);
int trace_writes_command(const CliRequest& request);   // server/history_commands.cpp
int trace_diff_command(const CliRequest& request);
int trace_memory_command(const CliRequest& request);
int trace_calls_command(const CliRequest& request);
int debug_command(const CliRequest& request);   // live, recording
int replay_command(const CliRequest& request);  // a recorded trace

// "program received SIGSEGV at pc 0x00010074: sw a0, 0(zero) (address 0x00000000)"
std::string describe_fault(const vm::StopInfo& stop, vm::Addr pc, const vm::Memory& memory, unsigned xlen = 32);
// Reports how a run ended (one line on stderr unless it exited) and returns
// the exit status documented above.
int report_stop(const vm::StopInfo& stop, vm::Addr pc, const vm::Memory& memory, std::uint64_t icount,
                unsigned xlen = 32);
// "instructions: N", "wall time: X s", "MIPS: Y" on stderr.
// `translated`: of `instructions`, those the translating tier ran (rvrr run; record does not say).
void print_run_stats(std::uint64_t instructions, double seconds,
                     std::optional<std::uint64_t> translated = std::nullopt);
// Where a new trace goes: -o PATH, or the next free name in the trace store
// (reserved on disk). Throws on failure (one-line what()).
struct TraceTarget {
  std::filesystem::path path;
  std::optional<std::filesystem::path> store_dir;  // set when the store reserved the name
};
TraceTarget choose_trace_path(const CliOptions& options, const std::string& program);
// What `record` and `debug` need before running: the program's bytes (checked
// to load, so no trace name is reserved for a bad program) and the trace path.
struct RecordingPlan {
  std::vector<std::uint8_t> program;
  vm::ElfImage image;  // `program` loaded, for naming a faulting instruction afterwards
  TraceTarget target;
};
// Prints one line on stderr and returns nullopt when the program or the trace
// path is unusable (the caller exits with kExitUsage).
std::optional<RecordingPlan> plan_recording(const CliRequest& request);
// The live-run options (guest args, limits, host files) from the command line.
timeline::LiveOptions live_options(const CliRequest& request);
// How many instructions apart a trace's progress marks are (2^30, or
// RVRR_PROGRESS_MARKS for tests; a bad value is named on stderr and ignored).
std::uint64_t progress_marks_setting();
// vm::load_warnings for the program about to run with `args`: one line
// "rvrr: warning: PROGRAM: ..." each on stderr, before the program starts.
void print_load_warnings(const vm::ElfImage& image, const std::string& program, const std::vector<std::string>& args);
// Guest wall-clock time at icount 0: the host's clock now, in ns since the epoch.
std::uint64_t host_epoch_ns();

}  // namespace rvrr::server
