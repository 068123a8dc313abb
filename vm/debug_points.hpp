// vm/debug_points.hpp - breakpoints and watchpoints as a filter the run loop consults.
//
// They are never written into guest memory, so snapshots stay clean and memory
// reads show the original bytes. The owner (the Timeline) keeps one set and
// passes it to Machine::run; a run with no set (or an empty one) takes the fast
// path and pays nothing for them. Insert/remove are O(1) amortised: gdb removes
// and re-inserts every breakpoint around every resume.
#pragma once
#include <algorithm>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "vm/types.hpp"

namespace rvrr::vm {

struct WatchRange {
  Addr addr;
  std::uint32_t len;
  WatchKind kind;
};

struct WatchHit {
  Addr addr;       // start of the matching watch range (what gdb reports as watch:ADDR)
  WatchKind kind;  // the matching watchpoint's kind
};

class DebugPoints {
 public:
  // Breakpoints are reference-counted per address (gdb may insert Z0 and Z1 at one pc).
  void add_breakpoint(Addr pc);
  bool remove_breakpoint(Addr pc);  // false if none was there
  bool has_breakpoint(Addr pc) const {
    const std::uint32_t bit = page_bit(pc);
    if (!(bp_pages_[bit >> 6] >> (bit & 63) & 1)) return false;
    return breakpoints_.count(pc) != 0;
  }
  bool has_breakpoints() const { return !breakpoints_.empty(); }
  // Every breakpoint address, ascending (added for the timeline's per-address
  // hit cache; sorted so no unordered iteration leaks out).
  std::vector<Addr> breakpoint_addresses() const {
    std::vector<Addr> out;
    out.reserve(breakpoints_.size());
    for (const auto& entry : breakpoints_) out.push_back(entry.first);
    std::sort(out.begin(), out.end());
    return out;
  }

  void add_watch(Addr addr, std::uint32_t len, WatchKind kind);
  bool remove_watch(Addr addr, std::uint32_t len, WatchKind kind);
  bool has_watches() const { return !watches_.empty(); }
  const std::vector<WatchRange>& watches() const { return watches_; }
  // Does an access of `size` bytes at `addr` trigger a watchpoint? Write
  // watchpoints match writes, Read ones reads, Access ones both. Cheap when
  // the page holds no watch (one bitmap test).
  std::optional<WatchHit> check_access(Addr addr, std::uint32_t size, bool is_write) const {
    Addr last = addr + size - 1;
    if (!watch_page(page_bit(addr)) && !watch_page(page_bit(last))) return std::nullopt;
    return check_access_slow(addr, size, is_write);
  }

  bool empty() const { return breakpoints_.empty() && watches_.empty(); }
  void clear();
  // Changes on every add/remove; lets callers cache per-interval results.
  // Values are unique across all DebugPoints objects of the process (each
  // mutation draws a fresh one), so (generation) alone identifies the content:
  // two sets with equal generations are copies of one another.
  std::uint64_t generation() const { return generation_; }

  // ---- for the run loop (vm/interpreter.cpp) ----
  // Bit per 4 KiB page (page >> 6 words, page & 63 bits) of the low 4 GiB;
  // a page above 4 GiB (RV64) shares the bit of its page number modulo 2^20
  // (page_bit), which can only make a clear bit set. A set bit means the
  // page may hold a breakpoint / may be touched by a watch (a stale breakpoint
  // bit can remain after removals); a clear bit means certainly not.
  static std::uint32_t page_bit(Addr addr) { return static_cast<std::uint32_t>(addr >> 12) & ((1u << 20) - 1); }
  const std::uint64_t* breakpoint_page_bits() const { return bp_pages_.data(); }
  const std::uint64_t* watch_page_bits() const { return watch_pages_.data(); }
  // The breakpoint addresses within page number `page` (any order).
  // Cost: O(breakpoints).
  void breakpoints_in_page(std::uint64_t page, std::vector<Addr>& out) const;

 private:
  bool watch_page(std::uint32_t page) const { return watch_pages_[page >> 6] >> (page & 63) & 1; }
  std::optional<WatchHit> check_access_slow(Addr addr, std::uint32_t size, bool is_write) const;
  void rebuild_watch_pages();

  std::unordered_map<Addr, std::uint32_t> breakpoints_;  // pc -> insert count (only looked up, never iterated into guest state)
  std::vector<std::uint64_t> bp_pages_ = std::vector<std::uint64_t>(1u << 14);     // bit per 4 KiB page holding a breakpoint
  std::vector<std::uint64_t> watch_pages_ = std::vector<std::uint64_t>(1u << 14);  // bit per page touched by a watch
  std::vector<WatchRange> watches_;
  std::uint64_t generation_ = 0;
};

}  // namespace rvrr::vm
