// server/trace_commands.cpp - `rvrr record` and `rvrr trace info`.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "query/interval_replay.hpp"
#include "server/commands.hpp"
#include "server/cut_short.hpp"
#include "server/progress_meter.hpp"
#include "server/stop_signals.hpp"
#include "timeline/index_builder.hpp"
#include "timeline/index_sidecar.hpp"
#include "timeline/state_sidecar.hpp"
#include "timeline/recorder.hpp"
#include "timeline/replay_session.hpp"
#include "trace/format.hpp"
#include "trace/host_call_text.hpp"
#include "trace/store.hpp"
#include "trace/summary.hpp"
#include "vm/host_io.hpp"
#include "vm/machine.hpp"

namespace rvrr::server {

namespace fs = std::filesystem;

TraceTarget choose_trace_path(const CliOptions& o, const std::string& program) {
  if (!o.output.empty()) return {fs::path(o.output), std::nullopt};
  fs::path dir = trace::default_trace_dir();
  return {trace::reserve_trace_path(dir, program), dir};
}

std::optional<RecordingPlan> plan_recording(const CliRequest& request) {
  RecordingPlan plan;
  try {
    plan.program = timeline::read_program_file(request.program);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return std::nullopt;
  }
  vm::ElfLoadResult image = vm::load_elf(plan.program);
  if (!image.image) {
    std::fprintf(stderr, "rvrr: %s: %s\n", request.program.c_str(), image.error.c_str());
    return std::nullopt;
  }
  plan.image = std::move(*image.image);
  print_load_warnings(plan.image, request.program, request.args);
  try {
    plan.target = choose_trace_path(request.options, request.program);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return std::nullopt;
  }
  return plan;
}

timeline::LiveOptions live_options(const CliRequest& request) {
  const CliOptions& o = request.options;
  timeline::LiveOptions live;
  live.args = request.args;
  live.memory_limit = o.memory_limit_mib << 20;
  live.allow_host_files = !o.no_host_files;
  return live;
}

std::uint64_t progress_marks_setting() {
  // RVRR_PROGRESS_MARKS=N: a progress mark every N instructions (2^12-2^40)
  // instead of every 2^30, so a test of a killed recording replays little.
  if (const char* env = std::getenv("RVRR_PROGRESS_MARKS")) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0' && n >= (1ull << 12) && n <= (1ull << 40)) return n;
    std::fprintf(stderr, "rvrr: ignoring RVRR_PROGRESS_MARKS='%s' (expected 4096-2^40)\n", env);
  }
  return timeline::RecordOptions{}.progress_marks;
}

int record_command(const CliRequest& request) {
  const CliOptions& o = request.options;
  std::optional<RecordingPlan> plan = plan_recording(request);
  if (!plan) return kExitUsage;
  std::vector<std::uint8_t>& program = plan->program;
  TraceTarget& target = plan->target;

  // Ctrl-C or SIGTERM end the recording cleanly: the guest stops (inside a
  // read if it waits for one) and the trace gets its footer, marked interrupted.
  StopSignals stop_signals(nullptr, false);
  timeline::RecordOptions ro;
  ro.live = live_options(request);
  ro.live.interrupt = stop_signals.interrupt();
  ro.interrupted_by = [&stop_signals] { return stop_signals.name(); };
  ro.max_instructions = o.max_instructions;
  ro.progress_marks = progress_marks_setting();
  // Index the history on the other hardware thread while recording, for the
  // replays (TRACE.idx); with one hardware thread it would slow the recording.
  const timeline::BackgroundIndexChoice background = timeline::default_index_in_background();
  ro.index = background.on;
  ro.index_at_idle_priority = background.idle_priority;
  ProgressMeter meter = ProgressMeter::for_stderr("recording");
  if (meter.enabled()) {
    ro.progress = meter.callback();
    ro.live.output_to = meter.guest_output();
  }
  timeline::RecordResult result;
  auto t0 = std::chrono::steady_clock::now();
  try {
    result = timeline::record_program(std::move(program), timeline::program_name_of(request.program), ro,
                                      target.path.string());
  } catch (const std::exception& e) {
    std::error_code ec;
    if (target.store_dir) fs::remove(target.path, ec);  // the reserved, still empty name
    std::fprintf(stderr, "rvrr: %s: %s\n", request.program.c_str(), e.what());
    // The trace could not be created or written (a full disk, a missing
    // directory): 1, as for a trace cut short by a full disk; anything else is the program's.
    return dynamic_cast<const trace::TraceError*>(&e) != nullptr ? 1 : kExitUsage;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  if (target.store_dir) {
    try {
      trace::update_latest_link(*target.store_dir, target.path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rvrr: warning: %s\n", e.what());
    }
  }

  // The fault line names the instruction: disassemble it from the program
  // as loaded (code does not change in these programs; if it did, the pc is still right).
  int status;
  if (result.interrupted) {
    std::fprintf(stderr, "rvrr: recording interrupted by %s at instruction %s (pc 0x%08llx)\n",
                 stop_signals.name().c_str(), trace::group_digits(result.instructions).c_str(),
                 static_cast<unsigned long long>(result.footer.pc));
    // As a shell expects of a program ended by a signal it handled: 130, 143.
    status = 128 + (stop_signals.received() != 0 ? stop_signals.received() : 2);
  } else {
    try {
      vm::MachineOptions mo;
      mo.argv.push_back(timeline::program_name_of(request.program));
      mo.memory_limit = o.memory_limit_mib << 20;
      vm::Machine fresh(plan->image, mo);
      status = report_stop(result.stop, result.footer.pc, fresh.memory(), result.instructions, fresh.xlen());
    } catch (const std::exception&) {
      status = 1;
    }
  }
  if (result.trace_error) {
    // The recording is what `record` is for: a program that succeeded with a
    // trace that failed is a failed record (1), whatever the program returned.
    std::fprintf(stderr, "rvrr: cannot write the trace %s: %s; it holds only the start of the run "
                         "(`rvrr trace info` shows how much)\n",
                 target.path.c_str(), result.trace_error->c_str());
    if (o.stats) print_run_stats(result.instructions, seconds);
    return 1;
  }
  if (result.index_error)
    std::fprintf(stderr, "rvrr: warning: the recording index is not saved (%s); replays rebuild it\n",
                 result.index_error->c_str());
  std::string replay = target.store_dir ? "rvrr replay" : "rvrr replay " + target.path.string();
  std::fprintf(stderr, "rvrr: trace written to %s (%s instructions, %s host events, %s); replay it with: %s\n",
               target.path.c_str(), trace::group_digits(result.instructions).c_str(),
               trace::group_digits(result.events).c_str(), trace::human_bytes(result.trace_bytes).c_str(),
               replay.c_str());
  if (o.stats) print_run_stats(result.instructions, seconds);
  return status;
}

namespace {

// `trace info`'s line about the recording index sidecar (TRACE.idx).
std::string index_line(const fs::path& trace, const trace::Sha256Digest& hash) {
  const std::string idx = timeline::sidecar_path(trace.string());
  const std::string name = fs::path(idx).filename().string();
  std::error_code ec;
  if (!fs::exists(idx, ec))
    return "index:         none (" + name + " is written by the first replay that scans history)\n";
  std::vector<std::uint8_t> bytes;
  vm::FileReadError error;
  int error_number;
  if (!vm::read_file_bytes(idx, bytes, error, error_number))
    return "index:         " + name + " unreadable (the next replay rebuilds it)\n";
  auto summary = timeline::summarize_index_sidecar(bytes, hash);
  if (auto* why = std::get_if<std::string>(&summary))
    return "index:         " + name + " unusable: " + *why + " (the next replay rebuilds it)\n";
  const auto& s = std::get<timeline::SidecarSummary>(summary);
  std::string line = "index:         " + name + ", " + trace::human_bytes(s.file_size) + ": " +
                     trace::group_digits(s.stretches) + " stretches of " + trace::group_digits(s.span) +
                     " instructions";
  if (!s.matches_trace) line += " (stale: built for another trace; the next replay rebuilds it)";
  return line + "\n";
}

// `trace info`'s line about the states kept for split questions (TRACE.states).
std::string states_line(const fs::path& trace, const trace::Sha256Digest& hash) {
  const std::uint64_t interval = query::IntervalPlan{}.interval;
  const timeline::StoredStates states(trace.string(), hash, interval);
  const std::string name = fs::path(timeline::StoredStates::path_for(trace.string())).filename().string();
  if (states.status() == "none" || states.status() == "disabled")
    return "states:        " + states.status() + " (" + name +
           " is written by `rvrr record` and the first split question)\n";
  if (states.count() == 0) return "states:        " + name + " unusable: " + states.status() + " (the next split question rewrites it)\n";
  std::error_code ec;
  const std::uint64_t size = fs::file_size(timeline::StoredStates::path_for(trace.string()), ec);
  return "states:        " + name + ", " + trace::human_bytes(ec ? 0 : size) + ": " + trace::group_digits(states.count()) +
         " states, every " + trace::group_digits(interval) + " instructions (split questions start there)\n";
}

// `trace info --verify`: replay the whole trace (guest output discarded) and
// compare its end with the footer. 0 and "verified: ..." when they agree; 1
// and the divergence (where, expected, actual) when they do not.
int verify_trace(trace::TraceData data, const std::string& path) {
  const bool had_footer = data.footer.has_value();
  close_cut_short(data, path);
  const std::uint64_t length = data.history.frontier;
  timeline::ReplaySession session(std::move(data), [](int, std::span<const std::uint8_t>) {});
  timeline::ReplayResult r = session.run_to_end();
  std::fflush(stdout);
  if (!r.matches) {
    std::fprintf(stderr, "rvrr: %s: replay diverged: %s\n", path.c_str(), r.diagnostic.c_str());
    std::printf("verify:        FAILED (%s)\n", r.diagnostic.c_str());
    return 1;
  }
  if (had_footer) {
    std::printf("verify:        verified: the replay ends at instruction %s as recorded (same end, same final "
                "state)\n", trace::group_digits(r.icount).c_str());
  } else {
    std::printf("verify:        verified up to instruction %s (the trace was cut short: no recorded end to "
                "compare with)\n", trace::group_digits(std::max(r.icount, length)).c_str());
  }
  return 0;
}

}  // namespace

int trace_info_command(const CliRequest& request) {
  trace::TraceData data;
  fs::path path;
  try {
    path = trace::resolve_trace(request.trace);
    data = trace::read_trace_file(path.string());
    trace::TraceSummary summary = trace::summarize_trace(data, path.string());
    std::fputs(trace::format_trace_summary(summary).c_str(), stdout);
    std::fputs(index_line(path, data.file_sha256).c_str(), stdout);
    std::fputs(states_line(path, data.file_sha256).c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
  if (!request.options.verify) return 0;
  try {
    return verify_trace(std::move(data), path.string());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", path.c_str(), e.what());
    return kExitUsage;
  }
}

}  // namespace rvrr::server
