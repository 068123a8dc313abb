// timeline/hit_cache.hpp - what reverse scans already learnt about stretches of history.
//
// A scan of [from, to) with a breakpoint at A (or a watch range R) finds every
// "event" e in that stretch: a state e (before instruction e runs) whose pc is
// A, or an instruction e that touches R. History behind the frontier never
// changes (except by truncation), so these are facts, valid whatever
// checkpoints exist later. gdb removes and re-inserts every breakpoint around
// every resume, so facts are keyed by address/range, never by a generation:
// the repeated reverse-continues of reverse-next and reverse-finish, and a
// reverse-continue walking back through a loop, answer from here instead of
// re-running the same history.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "vm/debug_points.hpp"

namespace rvrr::timeline {

struct PointKey {
  bool watch = false;  // false: breakpoint at addr; true: watch range
  vm::Addr addr = 0;
  std::uint32_t len = 0;
  vm::WatchKind kind = vm::WatchKind::Write;

  static PointKey breakpoint(vm::Addr pc) { return PointKey{false, pc, 0, vm::WatchKind::Write}; }
  static PointKey watchpoint(const vm::WatchRange& r) { return PointKey{true, r.addr, r.len, r.kind}; }
  auto tie() const { return std::make_tuple(watch, addr, len, static_cast<int>(kind)); }
  bool operator<(const PointKey& o) const { return tie() < o.tie(); }
};

class HitCache {
 public:
  // Caps that bound memory: events kept per stretch (the latest ones; the
  // stretch then starts at the first kept event), stretches per key, keys.
  static constexpr std::size_t kMaxEvents = 1u << 12;  // 32 KiB per stretch
  static constexpr std::size_t kMaxStretches = 64;
  static constexpr std::size_t kMaxKeys = 4096;

  struct Answer {
    bool known = false;                 // a stored stretch covers [from, to)
    std::optional<std::uint64_t> last;  // the latest event in [from, to), if any
  };
  // Cost: O(stretches of the key + log events).
  Answer lookup(const PointKey& key, std::uint64_t from, std::uint64_t to) const;
  // Record that the events of `key` in [from, to) are exactly `events`
  // (ascending, all inside the stretch).
  void store(const PointKey& key, std::uint64_t from, std::uint64_t to, std::vector<std::uint64_t> events);
  // History at and after `icount` was discarded: forget what was learnt there.
  void truncate(std::uint64_t icount);
  void clear() { keys_.clear(); }
  std::size_t stretches() const;

 private:
  struct Stretch {
    std::uint64_t from = 0, to = 0;
    std::vector<std::uint64_t> events;
  };
  std::map<PointKey, std::vector<Stretch>> keys_;
};

}  // namespace rvrr::timeline
