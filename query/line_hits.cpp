// query/line_hits.cpp - counting line entries per distinct run, expanded at the end.
#include "query/line_hits.hpp"

namespace rvrr::query {

void LineCounter::executed(std::span<const vm::ExecutedRun> runs) {
  // Hot path: the run that followed last time follows again: one compare and
  // one increment on the previous run's cache line. Whether a run's first
  // line was entered depends only on the run before it, and the entries
  // inside a run are the same every time, so both are multiplied out later.
  // The previous run lives in a local: as a member it would be stored and
  // reloaded around every increment (the compiler cannot tell they differ).
  std::size_t i = 0;
  if (prev_ == nullptr && !runs.empty()) {  // the first run (or the first after restart()): an entry
    RunInfo& info = map_.lookup(runs[0].start, runs[0].end);
    ++info.executions;
    ++info.entries;
    prev_ = first_ = &info;
    i = 1;
  }
  RunInfo* prev = prev_;
  for (; i < runs.size(); ++i) {
    const std::uint64_t key = RunMap::key_of(runs[i]);
    if (prev->next_key == key) {
      ++prev->next_count;
      prev = prev->next;
      continue;
    }
    if (prev->next2_key == key && prev->next2 != nullptr) {  // the other way of a branch
      ++prev->next2_count;
      prev = prev->next2;
      continue;
    }
    RunInfo& info = map_.lookup(runs[i].start, runs[i].end);
    RunMap::relink(*prev, info, key);
    ++info.executions;
    if (RunMap::enters(*prev, info)) ++info.entries;
    prev = &info;
  }
  prev_ = prev;
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
