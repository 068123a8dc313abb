// server/main.cpp - the rvrr executable: parse the command line, dispatch.
// Exceptions from the layers below are caught only here.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "server/cli.hpp"
#include "server/commands.hpp"
#include "server/log.hpp"
#include "vm/jit.hpp"

int main(int argc, char** argv) {
  using namespace rvrr::server;
  std::vector<std::string> args(argv, argv + argc);
  CliRequest request;
  try {
    request = parse_cli(args);
  } catch (const CliError& e) {
    std::fprintf(stderr, "rvrr: %s\n\n%s", e.what(), e.usage().c_str());
    return kExitUsage;
  }
  if (request.help) {
    std::fputs(request.help_text.c_str(), stdout);
    return 0;
  }
  // A gdb that disconnects must not kill us with SIGPIPE; writes report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  if (!request.options.tier.empty()) rvrr::vm::set_tier(*rvrr::vm::parse_tier(request.options.tier));
  try {
    setup_logging(request.options.log_level);
    switch (request.command) {
      case Subcommand::Run: return run_command(request);
      case Subcommand::Record: return record_command(request);
      case Subcommand::Replay: return replay_command(request);
      case Subcommand::Debug: return debug_command(request);
      case Subcommand::TraceInfo: return trace_info_command(request);
      case Subcommand::TraceLines: return trace_lines_command(request);
      case Subcommand::TraceProfile: return trace_profile_command(request);
      case Subcommand::TraceDump: return trace_dump_command(request);
      case Subcommand::TraceWrites: return trace_writes_command(request);
      case Subcommand::TraceDiff: return trace_diff_command(request);
      case Subcommand::TraceMemory: return trace_memory_command(request);
      case Subcommand::TraceCalls: return trace_calls_command(request);
      case Subcommand::Help: break;
    }
    std::fputs(top_level_usage().c_str(), stderr);
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return 1;
  }
}
