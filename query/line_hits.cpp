// query/line_hits.cpp - counting line entries per distinct run, expanded at the end.
#include "query/line_hits.hpp"

namespace rvrr::query {

void LineCounter::executed(std::span<const vm::ExecutedRun> runs) {
  // Hot path: one cache probe and two increments per run. Whether the run's
  // first line was entered depends on the run before it; the entries inside
  // a run are the same every time, so they are multiplied out in finish().
  for (const vm::ExecutedRun& r : runs) {
    RunInfo& info = map_.follow(prev_, r.start, r.end);
    ++info.executions;
    if (!prev_ || RunMap::enters(*prev_, info)) ++info.entries;
    prev_ = &info;
  }
}

LineReport LineCounter::finish() const {
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
