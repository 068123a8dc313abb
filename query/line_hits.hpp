// query/line_hits.hpp - how often execution entered each source line.
//
// A line is entered when one of its instructions executes right after an
// instruction of another line (or of no line), or right after a taken branch,
// jump, call or return, or as the first instruction traced. So a loop body
// on its own line counts once per iteration, a line that calls a function and
// then uses the result counts twice per pass (entered, then re-entered by the
// return), and a line whose code is spread over several places (a `for`
// header: init, test, increment) counts each time control arrives at one of
// them from elsewhere. Exact: every instruction of the history is seen.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "query/run_map.hpp"
#include "vm/exec_trace.hpp"
#include "vm/run_counters.hpp"

namespace rvrr::query {

struct LineCount {
  debuginfo::LineId line = 0;
  std::uint64_t hits = 0;          // entries, as defined above
  std::uint64_t instructions = 0;  // instructions of this line executed
};

struct LineReport {
  std::vector<LineCount> lines;    // every line with code, by file then line (never-run lines have hits 0)
  std::uint64_t instructions = 0;  // all instructions traced
  std::uint64_t without_line = 0;  // of them, in code without a source line (libc without -g, ...)
};

// A trace sink: give it to a traced run, then ask finish(). It takes counts
// (vm::ExecTraceSink::run_counters): a counted run was entered by a taken
// branch or jump, or is the first after a reported run (counted_after), so
// each of its executions is an entry of its first line but that one's, and
// so is a reported run that follows counted ones.
class LineCounter : public vm::ExecTraceSink {
 public:
  // `map` must be used by no other sink (its per-run accumulators are ours).
  explicit LineCounter(RunMap& map) : map_(map) { map_.count_jumps_in_functions(counters_); }
  void executed(std::span<const vm::ExecutedRun> runs) override;
  vm::RunCounters* run_counters() override { return &counters_; }
  void counted_until(std::uint64_t icount) override;
  // Credits the runs counted so far. Their descriptions read the traced
  // machine's code: call it while that machine lives (finish() does too).
  void take_counts();
  LineReport finish();
  // The runs that come next do not follow the last one seen (the next
  // interval of a parallel pass, query/interval_replay.hpp): the first of
  // them counts as an entry, as at the start. first_run()/last_run() (null
  // before any run) let the caller correct that with the run before it.
  void restart() {
    prev_ = nullptr;
    prev_next_ = 0;
    first_ = nullptr;
    ended_counted_ = false;
  }
  const RunInfo* first_run() const { return first_; }
  // Null too when counted runs came after it: the next run is then an entry anyway.
  const RunInfo* last_run() const { return ended_counted_ ? nullptr : prev_; }

 private:
  void counted_after(const RunInfo& p, vm::Addr to);
  RunMap& map_;
  RunInfo* prev_ = nullptr;
  vm::Addr prev_next_ = 0;     // where prev_'s run went on (vm::ExecutedRun::next)
  std::vector<std::uint64_t> not_entered_;  // per LineId: counted executions that were not entries
  RunInfo* first_ = nullptr;   // the first run since the start or restart()
  std::uint64_t icount_ = 0;   // prev_'s icount_after
  bool ended_counted_ = false; // the last run ended after prev_ (counted runs followed it)
  vm::RunCounters counters_;
};

}  // namespace rvrr::query
