// timeline/recorder.cpp - recording a whole run.
#include "timeline/recorder.hpp"

#include <algorithm>

namespace rvrr::timeline {

namespace {
// Instructions per slice: big enough that the per-slice work (frontier
// update) is invisible next to 2^26 instructions, small enough to bound the
// time between progress points.
constexpr std::uint64_t kSlice = 1ull << 26;
// With a progress callback: ~20-50 ms per slice, so a display can refresh ~5 times a second.
constexpr std::uint64_t kProgressSlice = 1ull << 24;
}  // namespace

RecordResult record_program(const std::string& program_path, const RecordOptions& options,
                            const std::string& trace_path) {
  return record_program(read_program_file(program_path), program_name_of(program_path), options, trace_path);
}

RecordResult record_program(std::vector<std::uint8_t> program, const std::string& program_name,
                            const RecordOptions& options, const std::string& trace_path) {
  SessionSetup setup = make_live_setup(std::move(program), program_name, options.live, trace_path);
  vm::Machine& machine = setup.initial;
  HistoryEnvironment& env = *setup.env;
  const std::uint64_t limit = options.max_instructions ? options.max_instructions : UINT64_MAX;

  const std::uint64_t slice = options.progress ? kProgressSlice : kSlice;
  const std::uint64_t total = options.max_instructions;

  vm::StopInfo stop;
  for (;;) {
    vm::RunOptions run;
    run.stop_at = std::min(limit, machine.icount() + slice);
    stop = machine.run(run, env);
    env.advance_frontier(machine.icount());
    if (stop.kind != vm::StopKind::Limit || machine.icount() >= limit) break;
    if (options.progress) options.progress(Progress{machine.icount(), total, false});
  }
  if (options.progress) options.progress(Progress{machine.icount(), total, true});

  RecordResult result;
  result.trace_path = trace_path;
  result.stop = stop;
  result.footer = footer_for(machine, stop);
  result.instructions = machine.icount();
  result.events = env.history().events.size();
  if (setup.writer) {
    setup.writer->finish(result.footer);
    result.trace_bytes = setup.writer->bytes_written();
    result.trace_error = setup.writer->error();
  }
  return result;
}

}  // namespace rvrr::timeline
