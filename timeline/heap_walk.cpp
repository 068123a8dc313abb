// timeline/heap_walk.cpp - live allocations from the allocator calls. See heap_walk.hpp.
#include "timeline/heap_walk.hpp"

#include <map>

#include "timeline/timeline_impl.hpp"

namespace rvrr::timeline {

namespace {

enum class Call : std::uint8_t { Malloc, Calloc, Realloc, Free };
const char* call_name(Call c) {
  switch (c) {
    case Call::Malloc: return "malloc";
    case Call::Calloc: return "calloc";
    case Call::Realloc: return "realloc";
    case Call::Free: return "free";
  }
  return "?";
}

struct Pending {
  Call call;
  std::uint64_t a0, a1;  // full registers (RV64: 64-bit pointers and sizes)
  vm::Addr ra, sp;
  std::uint64_t icount;
};

// The call instruction before return address `ra`: jal/jalr (4 bytes) or c.jal/c.jalr (2).
vm::Addr call_site(const vm::Machine& m, vm::Addr ra) {
  std::uint8_t b[4] = {};
  if (ra >= 4 && m.memory().read_bytes(ra - 4, b)) {
    const std::uint32_t op = b[0] & 0x7f;
    if (op == 0x6f || op == 0x67) return ra - 4;
  }
  return ra - 2;
}

}  // namespace

AllocatorEntries allocator_entries(const vm::ElfImage& image) {
  AllocatorEntries e;
  e.malloc = image.symbol("malloc");
  e.calloc = image.symbol("calloc");
  e.realloc = image.symbol("realloc");
  e.free = image.symbol("free");
  return e;
}

HeapWalk Timeline::heap_walk(const AllocatorEntries& entries, const CancelToken& cancel) {
  Impl& t = *impl_;
  HeapWalk out;
  const std::uint64_t end = t.now();
  std::vector<std::pair<vm::Addr, Call>> at;
  if (entries.malloc) at.emplace_back(*entries.malloc, Call::Malloc);
  if (entries.calloc) at.emplace_back(*entries.calloc, Call::Calloc);
  if (entries.realloc) at.emplace_back(*entries.realloc, Call::Realloc);
  if (entries.free) at.emplace_back(*entries.free, Call::Free);
  if (at.empty() || end == 0) return out;
  vm::DebugPoints pts;
  for (const auto& [pc, call] : at) pts.add_breakpoint(pc);
  std::map<vm::Addr, Allocation> live;
  std::optional<Pending> pending;
  auto finish = [&](const Pending& p, vm::Addr result, const vm::Machine& m) {
    auto add = [&](std::uint64_t size) {
      if (result != 0)
        live[result] = Allocation{result, static_cast<std::uint32_t>(std::min<std::uint64_t>(size, 0xffffffffu)), p.icount,
                                  call_site(m, p.ra), call_name(p.call)};
    };
    switch (p.call) {
      case Call::Malloc: add(p.a0); break;
      case Call::Calloc: add(p.a0 * p.a1); break;
      case Call::Realloc:
        // realloc(p, n): p is gone when it returned a block, or when n was 0.
        if (p.a0 != 0 && (result != 0 || p.a1 == 0)) live.erase(p.a0);
        add(p.a1);
        break;
      case Call::Free: break;
    }
  };
  vm::Machine m = t.store.at_or_before(0)->machine;
  bool skip = false;
  for (;;) {
    Advance a = t.advance(m, end, &pts, skip, &cancel, false);
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) {
      out.failure = failure_event(a, t.now());
      return out;
    }
    if (a.outcome != Outcome::Point) break;  // arrived at now (or the program ended)
    skip = true;
    if (a.info.kind() != vm::StopKind::Breakpoint) continue;
    const vm::Addr pc = m.pc();
    if (pending) {
      // Inside a call: only its return counts (calls it makes itself are its business).
      if (pc == pending->ra && m.reg64(2) == pending->sp) {
        finish(*pending, m.reg64(10), m);
        pts.remove_breakpoint(pending->ra);
        pending.reset();
      }
      continue;
    }
    for (const auto& [entry, call] : at) {
      if (pc != entry) continue;
      ++out.calls;
      if (call == Call::Free) {
        live.erase(m.reg64(10));
      } else {
        pending = Pending{call, m.reg64(10), m.reg64(11), m.reg64(1), m.reg64(2), m.icount()};
        pts.add_breakpoint(pending->ra);
      }
      break;
    }
  }
  // A call that returned exactly here (as after gdb's `finish`): the run
  // ended before the breakpoint at its return address could report it.
  if (pending && m.icount() == end && !m.halted() && m.pc() == pending->ra && m.reg64(2) == pending->sp) {
    finish(*pending, m.reg64(10), m);
    pending.reset();
  }
  out.call_in_progress = pending.has_value();
  for (auto& [addr, block] : live) out.live.push_back(std::move(block));
  return out;
}

}  // namespace rvrr::timeline
