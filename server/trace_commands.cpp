// server/trace_commands.cpp - `rvrr record` and `rvrr trace info`.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "server/commands.hpp"
#include "server/progress_meter.hpp"
#include "timeline/host_call_text.hpp"
#include "timeline/recorder.hpp"
#include "timeline/trace_format.hpp"
#include "timeline/trace_store.hpp"
#include "timeline/trace_summary.hpp"
#include "vm/machine.hpp"

namespace rvrr::server {

namespace fs = std::filesystem;

TraceTarget choose_trace_path(const CliOptions& o, const std::string& program) {
  if (!o.output.empty()) return {fs::path(o.output), std::nullopt};
  fs::path dir = timeline::default_trace_dir();
  return {timeline::reserve_trace_path(dir, program), dir};
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

int record_command(const CliRequest& request) {
  const CliOptions& o = request.options;
  std::optional<RecordingPlan> plan = plan_recording(request);
  if (!plan) return kExitUsage;
  std::vector<std::uint8_t>& program = plan->program;
  TraceTarget& target = plan->target;

  timeline::RecordOptions ro;
  ro.live = live_options(request);
  ro.max_instructions = o.max_instructions;
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
    return kExitUsage;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  if (target.store_dir) {
    try {
      timeline::update_latest_link(*target.store_dir, target.path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rvrr: warning: %s\n", e.what());
    }
  }

  // The fault line names the instruction: disassemble it from the program
  // as loaded (code does not change in these programs; if it did, the pc is still right).
  int status;
  try {
    vm::MachineOptions mo;
    mo.argv.push_back(timeline::program_name_of(request.program));
    mo.memory_limit = o.memory_limit_mib << 20;
    vm::Machine fresh(plan->image, mo);
    status = report_stop(result.stop, result.footer.pc, fresh.memory(), result.instructions);
  } catch (const std::exception&) {
    status = 1;
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
  std::string replay = target.store_dir ? "rvrr replay" : "rvrr replay " + target.path.string();
  std::fprintf(stderr, "rvrr: trace written to %s (%s instructions, %s host events, %s); replay it with: %s\n",
               target.path.c_str(), timeline::group_digits(result.instructions).c_str(),
               timeline::group_digits(result.events).c_str(), timeline::human_bytes(result.trace_bytes).c_str(),
               replay.c_str());
  if (o.stats) print_run_stats(result.instructions, seconds);
  return status;
}

int trace_info_command(const CliRequest& request) {
  try {
    fs::path path = timeline::resolve_trace(request.trace);
    timeline::TraceData data = timeline::read_trace_file(path.string());
    timeline::TraceSummary summary = timeline::summarize_trace(data, path.string());
    std::fputs(timeline::format_trace_summary(summary).c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
}

}  // namespace rvrr::server
