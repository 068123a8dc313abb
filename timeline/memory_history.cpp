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

// The state after the instruction at `m` alone: a debugger write made at
// the next count is an access of its own, not that instruction's. Null when
// the step needs what history does not hold (the caller's own run reports that).
std::optional<vm::Machine> after_one(const vm::Machine& m, vm::Environment& env) {
  vm::Machine after = m;
  if (after.step(env, nullptr, true).kind() == vm::StopKind::HostFailure) return std::nullopt;
  return after;
}

bool touches(const trace::DebuggerWrite& w, vm::Addr addr, std::uint32_t len) {
  return w.target == trace::DebuggerWrite::Target::Memory && !w.bytes.empty() && w.where < addr + std::uint64_t{len} &&
         addr < w.where + w.bytes.size();
}

}  // namespace

std::vector<MemoryAccess> Timeline::Impl::debugger_accesses(vm::Addr addr, std::uint32_t len, std::uint64_t from,
                                                            std::uint64_t to, const CancelToken* cancel,
                                                            std::optional<StopEvent>& failure) {
  std::vector<MemoryAccess> out;
  std::vector<std::uint64_t> counts;
  for (const trace::DebuggerWrite& w : env->history().writes)
    if (w.icount >= from && w.icount < to && touches(w, addr, len) && (counts.empty() || counts.back() != w.icount))
      counts.push_back(w.icount);
  for (const std::uint64_t c : counts) {
    // Before: the instruction before c alone, from the state at c - 1 (at 0: the initial state).
    vm::Machine after = store.at_or_before(0)->machine;
    std::optional<vm::Machine> before;
    if (c == 0) {
      before = after;
    } else {
      const Advance a = reach(after, c - 1, cancel);
      if (a.outcome != Outcome::Reached) {
        failure = failure_event(a, now());
        return out;
      }
      before = after_one(after, *env);
    }
    // After: one instruction on from there, the writes made at c applied.
    const Advance b = reach(after, c, cancel);
    if (!before || b.outcome != Outcome::Reached) {
      failure = failure_event(b, now());
      return out;
    }
    MemoryAccess a;
    a.icount = c;
    a.pc = after.pc();
    a.write = true;
    a.by_debugger = true;
    a.before = bytes_of(*before, addr, len);
    a.after = bytes_of(after, addr, len);
    out.push_back(std::move(a));
  }
  return out;
}

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
    std::optional<vm::Machine> after = after_one(at, *t.env);
    if (!after) return false;
    MemoryAccess a = describe_access(at, *after, addr, len, vm::WatchKind::Write, t.env->history());
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
  // A debugger write between here and the guest's write found (or the end
  // searched) that changed the bytes is nearer: it is the answer, and the
  // search lands at its count, just after it (the state before it is not a
  // point of the history).
  if (out.event.kind() == StopKind::SeekDone) {
    const bool back = direction == Direction::Backward;
    const std::uint64_t from = back ? (out.found ? out.found->icount + 1 : 0) : here + 1;
    // (Backward, one made at `here` itself is where a search lands, as the
    // guest's writer is: not before now.)
    const std::uint64_t to = back ? here : (out.found ? out.found->icount + 1 : kNoLimit);
    std::optional<StopEvent> failure;
    std::vector<MemoryAccess> writes = t.debugger_accesses(addr, len, from, to, &cancel, failure);
    std::erase_if(writes, [](const MemoryAccess& w) { return w.before == w.after; });
    if (failure) {
      out.found.reset();
      out.event = *failure;
    } else if (!writes.empty()) {
      MemoryAccess w = back ? std::move(writes.back()) : std::move(writes.front());
      if (t.reach(at, w.icount, &cancel).outcome == Outcome::Reached) out.found = std::move(w);
    }
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
  // The debugger's writes first (few), each given out in its place among the guest's.
  std::optional<StopEvent> failure;
  const std::vector<MemoryAccess> debugger = t.debugger_accesses(addr, len, 0, kNoLimit, &cancel, failure);
  if (failure) return failure;
  std::size_t next_debugger = 0;
  // Those made at or before count `upto` (a write at c comes before the instruction numbered c).
  auto debugger_until = [&](std::uint64_t upto) {
    for (; next_debugger < debugger.size() && debugger[next_debugger].icount <= upto; ++next_debugger)
      if (!each(debugger[next_debugger])) return false;
    return true;
  };
  vm::Machine m = t.store.at_or_before(0)->machine;
  const std::uint64_t end = t.live() ? t.frontier() : kNoLimit;
  bool skip = false;
  for (;;) {
    Advance a = t.advance(m, end, &pts, skip, &cancel, false);
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) return failure_event(a, t.now());
    if (a.outcome != Outcome::Point) {  // the end of history
      debugger_until(kNoLimit);
      return std::nullopt;
    }
    std::optional<vm::Machine> after = after_one(m, *t.env);
    if (!after) {  // the replay reports why
      vm::Machine again = m;
      Advance b = t.advance(again, m.icount() + 1, nullptr, false, &cancel, false);
      return failure_event(b, t.now());
    }
    if (!debugger_until(m.icount())) return std::nullopt;
    if (!each(describe_access(m, *after, addr, len, a.info.watch(), t.env->history()))) return std::nullopt;
    skip = true;  // go on from the hit: its instruction runs without stopping again
  }
}

}  // namespace rvrr::timeline
