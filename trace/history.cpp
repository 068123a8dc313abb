// trace/history.cpp - History lookups and truncation.
#include "trace/history.hpp"

#include <algorithm>

namespace rvrr::trace {

const HostEvent* History::event_at(std::uint64_t icount) const {
  auto it = std::lower_bound(events.begin(), events.end(), icount,
                             [](const HostEvent& e, std::uint64_t n) { return e.icount < n; });
  if (it == events.end() || it->icount != icount) return nullptr;
  return &*it;
}

std::optional<std::uint64_t> History::next_write_at_or_after(std::uint64_t icount) const {
  auto it = std::lower_bound(writes.begin(), writes.end(), icount,
                             [](const DebuggerWrite& w, std::uint64_t n) { return w.icount < n; });
  if (it == writes.end()) return std::nullopt;
  return it->icount;
}

std::vector<const DebuggerWrite*> History::writes_at(std::uint64_t icount) const {
  std::vector<const DebuggerWrite*> out;
  auto it = std::lower_bound(writes.begin(), writes.end(), icount,
                             [](const DebuggerWrite& w, std::uint64_t n) { return w.icount < n; });
  for (; it != writes.end() && it->icount == icount; ++it) out.push_back(&*it);
  return out;
}

void History::truncate(std::uint64_t icount) {
  auto ev = std::lower_bound(events.begin(), events.end(), icount,
                             [](const HostEvent& e, std::uint64_t n) { return e.icount < n; });
  events.erase(ev, events.end());
  auto wr = std::lower_bound(writes.begin(), writes.end(), icount,
                             [](const DebuggerWrite& w, std::uint64_t n) { return w.icount < n; });
  writes.erase(wr, writes.end());
  frontier = icount;
  halted_at_frontier = false;
  open_ended = false;
  recorded_end.reset();
}

}  // namespace rvrr::trace
