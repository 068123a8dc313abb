// vm/debug_points.cpp - breakpoint and watchpoint bookkeeping.
#include "vm/debug_points.hpp"

#include <algorithm>
#include <atomic>

namespace rvrr::vm {

namespace {
// Process-wide, so a generation names one content of one set (see generation()).
std::atomic<std::uint64_t> g_generation{0};
std::uint64_t next_generation() { return g_generation.fetch_add(1, std::memory_order_relaxed) + 1; }
// f(bit) for the page bit (DebugPoints::page_bit) of every page `w` touches.
template <typename F>
void for_each_watch_bit(const WatchRange& w, F f) {
  const std::uint64_t last = w.len - 1 > ~w.addr ? ~std::uint64_t{0} : w.addr + (w.len - 1);
  for (std::uint64_t p = w.addr >> 12; p <= (last >> 12); ++p) f(DebugPoints::page_bit(p << 12));
}
}  // namespace

void DebugPoints::breakpoints_in_page(std::uint64_t page, std::vector<Addr>& out) const {
  out.clear();
  for (const auto& entry : breakpoints_)
    if ((entry.first >> 12) == page) out.push_back(entry.first);
}

void DebugPoints::add_breakpoint(Addr pc) {
  ++breakpoints_[pc];
  bp_pages_[page_bit(pc) >> 6] |= 1ull << (page_bit(pc) & 63);
  generation_ = next_generation();
}

bool DebugPoints::remove_breakpoint(Addr pc) {
  auto it = breakpoints_.find(pc);
  if (it == breakpoints_.end()) return false;
  generation_ = next_generation();
  if (--it->second != 0) return true;
  breakpoints_.erase(it);
  // Clear the page bit when no other breakpoint shares the page. With many
  // breakpoints a stale bit is left instead (it only costs a hash lookup), so
  // removal stays O(1) amortised.
  const std::uint32_t page = page_bit(pc);
  if (breakpoints_.size() <= 64) {
    bool other = false;
    for (const auto& [addr, count] : breakpoints_) other |= page_bit(addr) == page;
    if (!other) bp_pages_[page >> 6] &= ~(1ull << (page & 63));
  }
  return true;
}

void DebugPoints::add_watch(Addr addr, std::uint32_t len, WatchKind kind) {
  if (len == 0) len = 1;
  watches_.push_back(WatchRange{addr, len, kind});
  rebuild_watch_pages();
  generation_ = next_generation();
}

bool DebugPoints::remove_watch(Addr addr, std::uint32_t len, WatchKind kind) {
  if (len == 0) len = 1;
  auto it = std::find_if(watches_.begin(), watches_.end(), [&](const WatchRange& w) {
    return w.addr == addr && w.len == len && w.kind == kind;
  });
  if (it == watches_.end()) return false;
  WatchRange gone = *it;
  watches_.erase(it);
  for_each_watch_bit(gone, [&](std::uint32_t p) { watch_pages_[p >> 6] &= ~(1ull << (p & 63)); });
  rebuild_watch_pages();
  generation_ = next_generation();
  return true;
}

void DebugPoints::rebuild_watch_pages() {
  for (const WatchRange& w : watches_)
    for_each_watch_bit(w, [&](std::uint32_t p) { watch_pages_[p >> 6] |= 1ull << (p & 63); });
}

std::optional<WatchHit> DebugPoints::check_access_slow(Addr addr, std::uint32_t size, bool is_write) const {
  const std::uint64_t a0 = addr, a1 = static_cast<std::uint64_t>(addr) + size;
  for (const WatchRange& w : watches_) {
    const bool kind_ok = w.kind == WatchKind::Access || (is_write ? w.kind == WatchKind::Write : w.kind == WatchKind::Read);
    if (!kind_ok) continue;
    const std::uint64_t w0 = w.addr, w1 = static_cast<std::uint64_t>(w.addr) + w.len;
    if (a0 < w1 && w0 < a1) return WatchHit{w.addr, w.kind};
  }
  return std::nullopt;
}

void DebugPoints::clear() {
  if (!breakpoints_.empty() || !watches_.empty()) {
    std::fill(bp_pages_.begin(), bp_pages_.end(), 0);
    std::fill(watch_pages_.begin(), watch_pages_.end(), 0);
  }
  breakpoints_.clear();
  watches_.clear();
  generation_ = next_generation();
}

}  // namespace rvrr::vm
