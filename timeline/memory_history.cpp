// timeline/memory_history.cpp - the accesses to an address range: the nearest write, every access.
//
// Both are watchpoint runs over history (see memory_history.hpp): a hit
// stops before the accessing instruction, which gives the "before" bytes;
// running that one instruction gives the "after" bytes.
#include <algorithm>

#include "timeline/timeline_impl.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::timeline {

namespace {

constexpr std::uint32_t kEcall = 0x00000073;
constexpr std::uint32_t kEbreak = 0x00100073;  // the middle of a semihosting sequence

std::vector<std::uint8_t> bytes_of(const vm::Machine& m, vm::Addr addr, std::uint32_t len) {
  std::vector<std::uint8_t> out(len, 0);
  // Unmapped (a brk page not mapped yet): all bytes read as zero, as a fresh page would.
  if (!m.memory().read_bytes(addr, out)) {
    for (std::uint32_t i = 0; i < len; ++i) {
      std::uint8_t b = 0;
      m.memory().read_bytes(addr + i, std::span<std::uint8_t>(&b, 1));
      out[i] = b;
    }
  }
  return out;
}

// The access by the instruction at `at` (the state before it), given the
// state after it. `hit` is the watchpoint kind that stopped there.
MemoryAccess describe_access(const vm::Machine& at, const vm::Machine& after, vm::Addr addr,
                                    std::uint32_t len, vm::WatchKind hit, const trace::History& history) {
  MemoryAccess a;
  a.icount = at.icount();
  a.pc = at.pc();
  a.before = bytes_of(at, addr, len);
  a.after = bytes_of(after, addr, len);
  std::uint32_t word = 0;
  std::uint8_t raw[4] = {};
  if (at.memory().read_bytes(a.pc, raw)) word = raw[0] | raw[1] << 8 | raw[2] << 16 | std::uint32_t{raw[3]} << 24;
  // A Read watch stops loads. An AMO (not lr, not sc) reads and then
  // writes, whichever watch stopped it and whether or not the bytes change.
  const bool amo = (word & 0x7f) == 0x2f && (word >> 27) != 0b00010 && (word >> 27) != 0b00011;
  a.write = amo || hit != vm::WatchKind::Read || a.before != a.after;
  a.read_too = amo;
  if (a.write && (word == kEcall || word == kEbreak)) {
    a.by_host_call = true;
    if (const trace::HostEvent* e = history.event_at(a.icount)) {
      a.host_call = trace::describe_request(e->request);
    } else {
      a.host_call = word == kEcall ? "system call" : "semihosting call";
    }
  }
  return a;
}

}  // namespace

WriteSearch Timeline::find_write(Direction direction, vm::Addr addr, std::uint32_t len, const CancelToken& cancel) {
  Impl& t = *impl_;
  t.begin_operation(0);
  const std::uint64_t here = t.now();
  WriteSearch out;
  out.event = StopEvent::seek_done(here);
  if (len == 0) len = 1;
  const vm::WatchRange range{addr, len, vm::WatchKind::Write};
  vm::Machine at = t.current;  // the state before the write, once found
  // The write by the instruction `at` is about to run, if it changes the
  // bytes (a store of the same bytes is skipped, as gdb's `watch` skips it).
  auto changes = [&](std::optional<MemoryAccess>& found) {
    vm::Machine after = at;
    t.advance(after, at.icount() + 1, nullptr, false, nullptr, false);
    MemoryAccess a = describe_access(at, after, addr, len, vm::WatchKind::Write, t.env->history());
    if (a.before == a.after) return false;
    found = std::move(a);
    return true;
  };
  if (direction == Direction::Backward) {
    std::uint64_t to = here;
    for (;;) {
      ScanResult r = t.latest_hit({}, {range}, to, cancel);
      if (r.failure) {
        out.event = failure_event(*r.failure, here);
        break;
      }
      if (!r.hit.found) break;
      // A watched access by j is reported at j + 1: the writer is j.
      to = r.hit.pos - 1;
      Advance a = t.reach(at, to, &cancel);
      if (a.outcome != Outcome::Reached) {
        out.event = failure_event(a, here);
        break;
      }
      if (changes(out.found)) break;
    }
  } else if (!t.current.halted()) {
    // Past the stretches the index says never wrote those pages (as
    // skip_ahead does for a continue), then runs with the watchpoint.
    std::uint64_t from = here;
    for (;;) {
      const IndexedStretch* s = t.index.find(from / t.index.span());
      if (s == nullptr || s->may_touch(range) || s->to >= t.frontier()) break;
      from = s->to;
    }
    Advance a{Outcome::Reached, {}};
    if (from > here) a = t.reach(at, from, &cancel);
    t.scan_points.clear();
    t.scan_points.add_watch(addr, len, vm::WatchKind::Write);
    // Known history only: a live session does not run its program on.
    const std::uint64_t end = t.live() ? t.frontier() : kNoLimit;
    bool skip = from == here;
    while (a.outcome == Outcome::Reached || a.outcome == Outcome::Point) {
      a = t.advance(at, end, &t.scan_points, skip, &cancel, true);
      if (a.outcome != Outcome::Point || changes(out.found)) break;
      skip = true;  // a write of the same bytes: go on past it
    }
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) out.event = failure_event(a, here);
  }
  if (out.found) {
    t.current = std::move(at);
    out.event = StopEvent::seek_done(t.now());
  }
  t.rebalance();
  t.end_operation();
  return out;
}

std::optional<StopEvent> Timeline::memory_accesses(vm::Addr addr, std::uint32_t len, bool reads,
                                                   const CancelToken& cancel,
                                                   const std::function<bool(const MemoryAccess&)>& each) {
  Impl& t = *impl_;
  if (len == 0) len = 1;
  vm::DebugPoints pts;
  pts.add_watch(addr, len, vm::WatchKind::Write);
  if (reads) pts.add_watch(addr, len, vm::WatchKind::Read);
  vm::Machine m = t.store.at_or_before(0)->machine;
  const std::uint64_t end = t.live() ? t.frontier() : kNoLimit;
  bool skip = false;
  for (;;) {
    Advance a = t.advance(m, end, &pts, skip, &cancel, false);
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) return failure_event(a, t.now());
    if (a.outcome != Outcome::Point) return std::nullopt;  // the end of history
    vm::Machine after = m;
    Advance b = t.advance(after, m.icount() + 1, nullptr, false, &cancel, false);
    if (b.outcome == Outcome::Cancelled || b.outcome == Outcome::Divergence) return failure_event(b, t.now());
    if (!each(describe_access(m, after, addr, len, a.info.watch(), t.env->history()))) return std::nullopt;
    skip = true;  // go on from the hit: its instruction runs without stopping again
  }
}

}  // namespace rvrr::timeline
