// timeline/recorder.cpp - recording a whole run.
#include "timeline/recorder.hpp"

#include <algorithm>
#include <memory>

#include "timeline/index_builder.hpp"
#include "timeline/index_sidecar.hpp"
#include "timeline/state_sidecar.hpp"
#include "timeline/timeline_impl.hpp"
#include "trace/checksums.hpp"

namespace rvrr::timeline {

namespace {
// Instructions per slice: big enough that the per-slice work (frontier
// update) is invisible next to 2^26 instructions, small enough to bound the
// time between progress points.
constexpr std::uint64_t kSlice = 1ull << 26;
// With a progress callback: ~20-50 ms per slice, so a display can refresh ~5 times a second.
constexpr std::uint64_t kProgressSlice = 1ull << 24;
// With an interrupt: ~5-10 ms per slice, so SIGINT/SIGTERM end a busy guest at once
// (a guest waiting in a read is woken by the interrupt itself).
constexpr std::uint64_t kInterruptSlice = 1ull << 22;
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

  const vm::HostInterrupt* interrupt = options.live.interrupt.get();
  const std::uint64_t slice = interrupt ? kInterruptSlice : options.progress ? kProgressSlice : kSlice;
  const std::uint64_t total = options.max_instructions;

  // The indexer follows the recording from the start, on its own copy.
  std::unique_ptr<IndexBuilder> builder;
  // It also keeps the states at its stretch ends for split questions (TRACE.states).
  if (options.index) builder = std::make_unique<IndexBuilder>(machine, kAutoInterval, std::vector<std::uint64_t>{}, nullptr,
                                                               options.index_at_idle_priority, true);

  vm::StopInfo stop;
  bool interrupted = false;
  // Progress marks at multiples of options.progress_marks, reached exactly
  // (so two recordings of one run write the same trace, whatever their
  // slices): a replay of a trace whose recorder was killed goes no further
  // than the next mark due, where the program might have spun without a
  // host call for ever.
  const std::uint64_t marks = std::max<std::uint64_t>(options.progress_marks, 1);
  std::uint64_t next_mark = 0;
  auto mark = [&] {
    if (!setup.writer || machine.icount() != next_mark) return;
    next_mark += marks;
    setup.writer->on_progress(machine.icount(), next_mark);
  };
  mark();
  for (;;) {
    if (interrupt && interrupt->raised()) {
      interrupted = true;
      break;
    }
    vm::RunOptions run;
    run.stop_at = std::min({limit, machine.icount() + slice, next_mark});
    // A slice's end is only a pause point; --max-instructions and marks are
    // exact: a slice ending closer to them than a soft stop may overshoot stops exactly.
    run.soft_stop = limit - run.stop_at >= vm::RunOptions::kMaxOvershoot &&
                    next_mark - run.stop_at >= vm::RunOptions::kMaxOvershoot;
    stop = machine.run(run, env);
    env.advance_frontier(machine.icount());
    if (stop.kind() == vm::StopKind::Limit) mark();
    if (builder) builder->publish(env.history(), false);
    if (stop.kind() == vm::StopKind::Interrupted) {
      interrupted = true;  // inside a read: it did not happen and is not recorded
      break;
    }
    if (stop.kind() != vm::StopKind::Limit || machine.icount() >= limit) break;
    if (options.progress) options.progress(Progress{machine.icount(), total, false});
  }
  if (options.progress) options.progress(Progress{machine.icount(), total, true});

  RecordResult result;
  result.trace_path = trace_path;
  result.stop = stop;
  result.interrupted = interrupted;
  result.footer = trace::footer_for(machine, stop);
  if (interrupted) {
    result.footer.end = trace::TraceEnd::Interrupted;
    result.footer.message = options.interrupted_by ? options.interrupted_by() : std::string();
  }
  result.instructions = machine.icount();
  result.events = env.history().events.size();
  if (setup.writer) {
    setup.writer->finish(result.footer);
    result.trace_bytes = setup.writer->bytes_written();
    result.trace_error = setup.writer->error();
  }
  if (builder && !result.trace_error) {
    // What the indexer finished by now is saved; it is not waited for (it
    // runs ~10-20% slower than the recording, and the recording's time is
    // what `record` is about). A replay indexes the rest in the background.
    RecordingIndex index(kAutoInterval);
    for (IndexedStretch& s : builder->take()) index.add(std::move(s));
    const std::vector<std::vector<std::uint8_t>> states = builder->take_states();
    builder.reset();
    result.indexed_stretches = index.stretches();
    if (index.stretches() > 0 || !states.empty()) {
      if (const std::optional<trace::Sha256Digest> sha = trace::sha256_of_file(trace_path)) {
        result.index_error = save_index_for_trace(trace_path, *sha, index);
        // Like TRACE.answers, states that cannot be written just are not kept.
        (void)save_states_for_trace(trace_path, *sha, kAutoInterval, states);
      } else {
        result.index_error = "cannot read " + trace_path;
      }
    }
  }
  return result;
}

}  // namespace rvrr::timeline
