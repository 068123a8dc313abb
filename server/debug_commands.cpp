// server/debug_commands.cpp - `rvrr debug` (live, recording) and `rvrr replay` (a trace).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <spdlog/spdlog.h>

#include "server/commands.hpp"
#include "server/progress_meter.hpp"
#include "server/serve.hpp"
#include "server/stop_signals.hpp"
#include "timeline/index_builder.hpp"
#include "timeline/index_sidecar.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "trace/checksums.hpp"
#include "trace/format.hpp"
#include "trace/store.hpp"
#include "vm/host_io.hpp"

namespace rvrr::server {

namespace fs = std::filesystem;

namespace {

// `meter` (if enabled) shows long seeks and continues; it must outlive the Timeline.
timeline::TimelineOptions timeline_options(const CliOptions& o, ProgressMeter& meter) {
  timeline::TimelineOptions t;
  if (meter.enabled()) t.progress = meter.callback();
  t.checkpoint_memory = o.checkpoint_memory_mib << 20;
  t.checkpoint_interval = o.checkpoint_interval;
  t.max_instructions = o.max_instructions;
  // Index history on the other hardware thread as it grows (live) or from the
  // start (replay): the first far reverse-continue then finds it indexed. One
  // hardware thread: it would only slow the session down.
  const timeline::BackgroundIndexChoice background = timeline::default_index_in_background();
  t.index_in_background = background.on;
  t.index_at_idle_priority = background.idle_priority;
  return t;
}

ServeOptions serve_options(const CliOptions& o, const std::string& program) {
  ServeOptions s;
  s.host = o.host;
  s.port = o.port;
  s.program = program;
  s.gdb = o.gdb;
  return s;
}

// A replayed trace carries its program; gdb needs it as a file for symbols.
// It goes to <tmp>/rvrr-programs/<sha256 prefix>/<name>: the same program
// always lands in the same place (written once, atomically, and kept), so a
// replay killed with SIGKILL leaves nothing new behind and replays share it.
fs::path extract_program(const trace::TraceHeader& header) {
  std::string hash = trace::to_hex(header.program_sha256).substr(0, 16);
  fs::path dir = fs::temp_directory_path() / "rvrr-programs" / hash;
  std::string name = fs::path(header.program_name).filename().string();
  fs::path path = dir / (name.empty() ? std::string("program") : name);
  std::error_code ec;
  if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == header.program.size()) return path;
  fs::create_directories(dir);
  fs::path tmp = dir / (".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(header.program.data()),
              static_cast<std::streamsize>(header.program.size()));
    if (!out) throw std::runtime_error("cannot write the program to " + tmp.string());
  }
  fs::rename(tmp, path);  // atomic: a concurrent replay sees the old or the new file, both complete
  return path;
}

// Keeps a replayed trace's recording index in its sidecar (TRACE.idx, see
// timeline/index_sidecar.hpp): loads it if it matches the trace, and saves
// what the session learnt whenever the index grew. A sidecar that cannot be
// written (read-only directory) costs a warning, once: the session goes on.
class SidecarKeeper {
 public:
  SidecarKeeper(timeline::Timeline& timeline, const std::string& trace_path, const trace::Sha256Digest& hash)
      : timeline_(timeline),
        path_(timeline::sidecar_path(trace_path)),
        key_(timeline::sidecar_key(hash, timeline.index().span())) {
    auto loaded = timeline::read_index_sidecar(path_, key_);
    if (auto* stretches = std::get_if<std::vector<timeline::IndexedStretch>>(&loaded)) {
      const std::size_t n = stretches->size();
      if (timeline_.adopt_index(std::move(*stretches))) {
        spdlog::info("recording index: {} stretches loaded from {}", n, path_);
      } else {
        spdlog::info("recording index: ignoring {}: it does not fit this history; rebuilding it", path_);
      }
    } else if (std::get<std::string>(loaded) != "none") {
      spdlog::info("recording index: ignoring {} ({}); rebuilding it", path_, std::get<std::string>(loaded));
    }
    saved_ = timeline_.index().stretches();
  }
  // Writes the sidecar if the index grew since it was loaded or last saved.
  void save() {
    const std::size_t n = timeline_.index().stretches();
    if (n <= saved_ || failed_) return;
    if (auto error = timeline::write_index_sidecar(path_, key_, timeline_.index())) {
      std::fprintf(stderr, "rvrr: warning: the recording index is not saved (%s); the next session on this "
                           "trace rebuilds it\n", error->c_str());
      failed_ = true;
      return;
    }
    spdlog::debug("recording index: {} stretches saved to {}", n, path_);
    saved_ = n;
  }

 private:
  timeline::Timeline& timeline_;
  std::string path_;
  timeline::IndexSidecarKey key_;
  std::size_t saved_ = 0;
  bool failed_ = false;
};

// A live session's index describes the history its finished trace holds:
// keep it next to the trace, so the first replay starts with it.
void save_live_index(const timeline::Timeline& timeline, const std::string& trace_path) {
  if (auto failed = timeline::save_index_for_trace(trace_path, timeline.index()))
    std::fprintf(stderr, "rvrr: warning: the recording index is not saved (%s)\n", failed->c_str());
}

}  // namespace

int debug_command(const CliRequest& request) {
  const CliOptions& o = request.options;
  std::optional<RecordingPlan> plan = plan_recording(request);
  if (!plan) return kExitUsage;
  std::vector<std::uint8_t>& program = plan->program;
  TraceTarget& target = plan->target;

  // SIGINT/SIGTERM from here on end the session cleanly, trace finished.
  StopSignals stop_signals(nullptr, false);
  // Progress of long seeks and continues (a terminal only); it outlives the Timeline.
  ProgressMeter meter = ProgressMeter::for_stderr("running");
  timeline::LiveOptions live = live_options(request);
  live.interrupt = std::make_shared<vm::HostInterrupt>();
  if (meter.enabled()) live.output_to = meter.guest_output();
  std::optional<timeline::SessionSetup> setup;
  try {
    setup.emplace(timeline::make_live_setup(std::move(program), timeline::program_name_of(request.program),
                                            live, target.path.string()));
  } catch (const std::exception& e) {
    std::error_code ec;
    if (target.store_dir) fs::remove(target.path, ec);
    std::fprintf(stderr, "rvrr: %s: %s\n", request.program.c_str(), e.what());
    return kExitUsage;
  }
  std::shared_ptr<trace::TraceWriter> writer = setup->writer;
  // Marks as the session goes, so a session killed while its program spins
  // still leaves a trace whose replay ends.
  setup->env->mark_progress_every(progress_marks_setting());
  int status;
  std::uint64_t length = 0;
  std::string stopped_by;
  {
    timeline::Timeline timeline(std::move(setup->initial), setup->env, timeline_options(o, meter));
    ServeOptions so = serve_options(o, request.program);
    so.host_interrupt = live.interrupt;
    ServeResult served = serve(timeline, so, stop_signals);
    status = served.status;
    stopped_by = served.stopped_by;
    timeline::TimelineStats stats = timeline.stats();
    length = stats.history_end;
    spdlog::info("session over at instruction {} of {}", stats.now, stats.history_end);
    // The footer describes the end of history (its state hash, and the exit
    // or fault that ended it), not wherever gdb left us.
    if (writer) timeline.finish_trace(*writer, stopped_by);
    // What the indexer behind the run has finished is saved, as `rvrr record`
    // does; it is not waited for (yielding to a busy machine, it could take
    // long), and the replay indexes the rest in the background.
    if (writer && !writer->error()) save_live_index(timeline, target.path.string());
  }
  if (status != 0 && length == 0) {
    // The server never ran (port in use, gdb missing): no trace worth keeping.
    std::error_code ec;
    fs::remove(target.path, ec);
    return status;
  }
  if (target.store_dir) {
    try {
      trace::update_latest_link(*target.store_dir, target.path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "rvrr: warning: %s\n", e.what());
    }
  }
  if (writer && writer->error())
    std::fprintf(stderr, "rvrr: warning: the trace is incomplete: %s\n", writer->error()->c_str());
  std::string replay = target.store_dir ? "rvrr replay" : "rvrr replay " + target.path.string();
  if (!stopped_by.empty()) std::fprintf(stderr, "rvrr: stopped by %s at instruction %llu\n", stopped_by.c_str(),
                                        static_cast<unsigned long long>(length));
  std::fprintf(stderr, "rvrr: trace written to %s; replay it with: %s\n", target.path.c_str(), replay.c_str());
  // As a shell expects of a program ended by a signal it handled.
  if (status == 0 && !stopped_by.empty()) return 128 + stop_signals.received();
  return status;
}

int replay_command(const CliRequest& request) {
  const CliOptions& o = request.options;
  fs::path path;
  std::optional<trace::TraceData> data;
  try {
    path = trace::resolve_trace(request.trace);
    data.emplace(trace::read_trace_file(path.string()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
  if (!data->complete)
    std::fprintf(stderr, "rvrr: warning: %s: %s; replaying what it holds\n", path.c_str(),
                 data->completeness().c_str());

  ProgressMeter meter = ProgressMeter::for_stderr("replaying");
  std::optional<timeline::SessionSetup> setup;
  fs::path program;
  try {
    setup.emplace(timeline::make_replay_setup(*data, meter.enabled() ? meter.guest_output() : nullptr));
    program = extract_program(data->header);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", path.c_str(), e.what());
    return kExitUsage;
  }
  spdlog::info("replaying {} ({} instructions)", path.string(), data->history.frontier);
  StopSignals stop_signals(nullptr, false);
  timeline::Timeline timeline(std::move(setup->initial), setup->env, timeline_options(o, meter));
  SidecarKeeper sidecar(timeline, path.string(), data->file_sha256);
  ServeOptions so = serve_options(o, program.string());
  so.after_work = [&] { sidecar.save(); };
  const int status = serve(timeline, so, stop_signals).status;
  sidecar.save();
  return status;
}

}  // namespace rvrr::server
