// query/line_hits.cpp - counting line entries per distinct run, expanded at the end.
#include "query/line_hits.hpp"

#include <utility>

namespace rvrr::query {

void LineCounter::executed(std::span<const vm::ExecutedRun> runs) {
  // Hot path: the run that followed last time follows again: one compare and
  // one increment on the previous run's cache line. Whether a run's first
  // line was entered depends only on the run before it, and the entries
  // inside a run are the same every time, so both are multiplied out later.
  // The previous run lives in a local: as a member it would be stored and
  // reloaded around every increment (the compiler cannot tell they differ).
  // A run whose count advanced by more than its own instructions followed
  // counted runs (vm::ExecTraceSink::run_counters): an entry, and not an
  // edge from the run before.
  if (runs.empty()) return;
  // Counted runs that ended the last run were seen by counted_until().
  bool seen_counted = std::exchange(ended_counted_, false);
  std::size_t i = 0;
  if (prev_ == nullptr) {  // the first run (or the first after restart()): an entry
    RunInfo& info = map_.lookup(runs[0].start, runs[0].end);
    ++info.executions;
    ++info.entries;
    prev_ = first_ = &info;
    icount_ = runs[0].icount_after;
    prev_next_ = runs[0].next;
    i = 1;
  }
  RunInfo* prev = prev_;
  std::uint64_t icount = icount_;
  vm::Addr next = prev_next_;
  for (; i < runs.size(); ++i) {
    const vm::Addr next_before = std::exchange(next, runs[i].next);
    const std::uint64_t key = RunMap::key_of(runs[i]);
    const std::uint64_t n = runs[i].icount_after - icount;
    icount = runs[i].icount_after;
    if (prev->next_key == key && n == prev->next_insns) {
      ++prev->next_count;
      prev = prev->next;
      continue;
    }
    if (prev->next2_key == key && prev->next2 != nullptr && n == prev->next2->insns) {  // the other way of a branch
      ++prev->next2_count;
      prev = prev->next2;
      continue;
    }
    RunInfo& info = map_.lookup(runs[i].start, runs[i].end);
    if (n > info.insns) {  // after counted runs: an entry
      ++info.executions;
      ++info.entries;
      if (!seen_counted) counted_after(*prev, next_before);
    } else {
      RunMap::relink(*prev, info, key);
      ++info.executions;
      if (RunMap::enters(*prev, info)) ++info.entries;
    }
    prev = &info;
    seen_counted = false;
  }
  prev_ = prev;
  icount_ = icount;
  prev_next_ = next;
}

void LineCounter::counted_until(std::uint64_t icount) {
  if (prev_ != nullptr && icount > icount_ && !ended_counted_) {
    ended_counted_ = true;
    counted_after(*prev_, prev_next_);
  }
}

// Counted runs followed the reported run `p`, from `to`: each counted run
// was counted as an entry of its first line, which the first of them is not
// when `p` fell through to it on the same line (a page's end).
void LineCounter::counted_after(const RunInfo& p, vm::Addr to) {
  if (map_.enters_at(p, to)) return;
  const std::uint32_t line = map_.line_of(to);
  if (line == kNoLine) return;
  if (not_entered_.empty()) not_entered_.assign(map_.debug().lines().size(), 0);
  ++not_entered_[line];
}

void LineCounter::take_counts() {
  counters_.drain([&](const vm::CountedExit& e, std::uint64_t count) {
    RunInfo& info = map_.lookup(e.start, e.end);
    info.executions += count;
    info.entries += count;  // entered by a taken branch or jump, or see counted_after
  });
}

LineReport LineCounter::finish() {
  take_counts();
  map_.credit_all();
  const debuginfo::DebugInfo& debug = map_.debug();
  std::vector<LineCount> by_id(debug.lines().size());
  LineReport report;
  map_.for_each([&](const RunInfo& info) {
    if (info.executions == 0) return;
    if (info.first_line != kNoLine) by_id[info.first_line].hits += info.entries;
    for (std::uint32_t line : info.inner_entries) by_id[line].hits += info.executions;
    for (const Segment& s : info.segs) {
      const std::uint64_t n = std::uint64_t{s.count} * info.executions;
      report.instructions += n;
      if (s.line == kNoLine) {
        report.without_line += n;
      } else {
        by_id[s.line].instructions += n;
      }
    }
  });
  for (std::size_t id = 0; id < not_entered_.size(); ++id) by_id[id].hits -= not_entered_[id];
  for (debuginfo::LineId id : debug.lines_sorted()) {
    LineCount c = by_id[id];
    c.line = id;
    report.lines.push_back(c);
  }
  return report;
}

}  // namespace rvrr::query
