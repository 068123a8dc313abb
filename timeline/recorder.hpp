// timeline/recorder.hpp - `rvrr record`: run a program at full speed, streaming its trace.
//
// Cost over a plain run: nothing per instruction. The machine runs in big
// slices on the fast path; only host calls (rare) go through the
// HistoryEnvironment, which appends them to memory and writes one record each.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "timeline/progress.hpp"
#include "timeline/session_setup.hpp"
#include "trace/format.hpp"
#include "vm/types.hpp"

namespace rvrr::timeline {

struct RecordOptions {
  LiveOptions live;                    // args, envp, limits, epoch, host, output
  std::uint64_t max_instructions = 0;  // 0 = unlimited; otherwise stop (footer: stopped) there
  // Optional: told the instructions run so far after each slice (~16M
  // instructions), then once with finished = true.
  ProgressFn progress;
  // Optional: what stopped the recording when live.interrupt was raised
  // ("SIGTERM"), for the footer (TraceEnd::Interrupted).
  std::function<std::string()> interrupted_by;
  // Index the history on a worker thread as it is recorded
  // (timeline/index_builder.hpp) and save it next to the trace (TRACE.idx),
  // so the first replay starts with it. At the end it saves what the worker
  // has indexed, without waiting for the rest (a replay indexes that in the
  // background). For machines with a hardware thread to spare.
  bool index = false;
  bool index_at_idle_priority = true;  // ... taking only CPU time nobody else wants
  // Instructions between the trace's progress marks (trace/format.hpp,
  // RecordType::Progress): how far past the last one a replay of the trace
  // may go should the recorder be killed (~0.4 s of replay). Tests use less.
  std::uint64_t progress_marks = std::uint64_t{1} << 30;
};

struct RecordResult {
  std::string trace_path;
  vm::StopInfo stop;                   // how the run ended (Limit = max_instructions reached)
  bool interrupted = false;            // live.interrupt was raised: the footer says Interrupted
  trace::TraceFooter footer;           // as written
  std::uint64_t instructions = 0;
  std::uint64_t events = 0;            // host calls recorded
  std::uint64_t trace_bytes = 0;
  std::optional<std::string> trace_error;  // an I/O error while writing: the trace is incomplete
  std::uint64_t indexed_stretches = 0;     // RecordOptions::index: stretches saved in the sidecar
  std::optional<std::string> index_error;  // ... or why the sidecar is not there
};

// Records `program_path` into `trace_path`. Throws std::runtime_error (program
// unusable: nothing is written) or TraceError (cannot create the trace).
RecordResult record_program(const std::string& program_path, const RecordOptions& options,
                            const std::string& trace_path);
RecordResult record_program(std::vector<std::uint8_t> program, const std::string& program_name,
                            const RecordOptions& options, const std::string& trace_path);

}  // namespace rvrr::timeline
