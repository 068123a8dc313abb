// query/line_hits.cpp - counting line entries per distinct run, expanded at the end.
#include "query/line_hits.hpp"

namespace rvrr::query {

void LineCounter::executed(std::span<const vm::ExecutedRun> runs) {
  // Hot path: the run that followed last time follows again: one compare and
  // one increment on the previous run's cache line. Whether a run's first
  // line was entered depends only on the run before it, and the entries
  // inside a run are the same every time, so both are multiplied out later.
  for (const vm::ExecutedRun& r : runs) {
    const std::uint64_t key = RunMap::key_of(r);
    if (prev_ != nullptr && prev_->next_key == key) {
      ++prev_->next_count;
      prev_ = prev_->next;
      continue;
    }
    RunInfo& info = map_.lookup(r.start, r.end);
    if (prev_ != nullptr) RunMap::relink(*prev_, info, key);
    ++info.executions;
    if (prev_ == nullptr) first_ = &info;
    if (prev_ == nullptr || RunMap::enters(*prev_, info)) ++info.entries;
    prev_ = &info;
  }
}

LineReport LineCounter::finish() {
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
  for (debuginfo::LineId id : debug.lines_sorted()) {
    LineCount c = by_id[id];
    c.line = id;
    report.lines.push_back(c);
  }
  return report;
}

}  // namespace rvrr::query
