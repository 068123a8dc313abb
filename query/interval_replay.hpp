// query/interval_replay.hpp - one whole-recording question on several threads.
//
// A question about every instruction of a recording (line hits) is answered
// interval by interval: the calling thread replays the trace untraced (full
// interpreter speed) and leaves a copy-on-write copy of the machine at every
// interval boundary (or rebuilds it from states a question before kept,
// IntervalPlan::states: then no thread waits for that pass); worker threads take the intervals in any order and run
// each from its copy with their own trace sink; the caller merges what they
// found in interval order, fixing up what only the interval before knows (the
// run that precedes an interval's first run). With T threads the untraced
// pass costs one plain replay on one thread and the traced work is spread
// over all T (the caller joins in when it has queued enough, and when it is
// done), so the answer takes about max(1, (1 + traced cost) / T) plain
// replays instead of the traced cost on one thread.
//
// Thread safety follows timeline/parallel_scan.hpp: every job has its own
// Machine copy (made on the calling thread, which owns the source), its own
// HistoryReader over the trace's History (which nothing changes), and a
// worker's sink is used by that worker's thread only.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "timeline/state_sidecar.hpp"
#include "trace/format.hpp"
#include "vm/debug_points.hpp"
#include "vm/exec_trace.hpp"
#include "vm/machine.hpp"

namespace rvrr::query {

// What one thread does with the intervals it is given (never two at once).
class IntervalWorker {
 public:
  virtual ~IntervalWorker() = default;
  // Interval `index` starts at machine `m` (valid until end()).
  virtual void begin(std::size_t index, const vm::Machine& m) = 0;
  virtual vm::ExecTraceSink& sink() = 0;
  // Breakpoints the interval's run stops at (null: none); stopped() is told
  // of each stop (the sink has seen every instruction before it), then the
  // run goes on. Both may change between stops.
  virtual const vm::DebugPoints* points() { return nullptr; }
  virtual void stopped(const vm::Machine&) {}
  // The interval's runs are all delivered.
  virtual void end(std::size_t index) = 0;
};

struct IntervalPlan {
  unsigned threads = 1;
  std::uint64_t interval = 4'000'000;  // instructions: ~6 ms of execution, a few MiB of copies at most queued
  // Intervals per job: a thread's share is cut at interval ends (where
  // `states` are kept) but handed out this many at a time, since each job
  // costs a machine copy and a cold start (~0.1 ms).
  std::uint64_t job_intervals = 1;
  // What the commands ask with (tests cut finer): 16M instructions a job.
  static IntervalPlan for_questions(unsigned threads) {
    IntervalPlan p;
    p.threads = threads;
    p.job_intervals = 4;
    return p;
  }
  // Polled between intervals (gdb's Ctrl-C in a session): once true, no
  // interval is started and replay_intervals throws Interrupted.
  const std::atomic<bool>* cancel = nullptr;
  // States at the boundaries kept across runs (timeline/state_sidecar.hpp;
  // its interval must be `interval`), or null. The cutting pass rebuilds
  // the boundaries kept there instead of executing up to them, and keeps
  // those it executes to. Used on the calling thread only.
  timeline::StoredStates* states = nullptr;
};

// Thrown by replay_intervals when IntervalPlan::cancel was set.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// Replays [0, to) of `trace` (capped at its end) on plan.threads threads with
// one worker each (made by `make`, returned in thread order; the calling
// thread's is first). Throws std::runtime_error when a replay diverges from
// the trace. Traces with recorded debugger writes are not split (the caller
// should run them in one piece).
struct IntervalRun {
  std::vector<std::unique_ptr<IntervalWorker>> workers;
  std::size_t intervals = 0;  // numbered 0.. in execution order
};
IntervalRun replay_intervals(
    const trace::TraceData& trace, std::uint64_t to, const IntervalPlan& plan,
    const std::function<std::unique_ptr<IntervalWorker>()>& make);

// A recorded execution to split: the state at instruction 0 and the host
// calls recorded since (a trace's, or a debugging session's history so
// far). Its debugger writes are not applied: the caller splits only a
// history without any. Neither may change while it is replayed.
struct RecordedRun {
  const vm::Machine& start;
  const trace::History& history;
  // The state of this execution at exactly a count, when its owner keeps
  // one there (a debugging session's checkpoints), or null; called on the
  // calling thread only. The pass that cuts intervals starts a job from it
  // instead of executing up to it.
  std::function<const vm::Machine*(std::uint64_t icount)> state_at = {};
};
IntervalRun replay_intervals(
    const RecordedRun& recorded, std::uint64_t to, const IntervalPlan& plan,
    const std::function<std::unique_ptr<IntervalWorker>()>& make);

// Threads for whole-recording questions: RVRR_SCAN_THREADS or the hardware's (timeline/parallel_scan.hpp).
unsigned query_threads();

}  // namespace rvrr::query
