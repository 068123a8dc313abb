// tests/vm/test_debug_points.cpp - breakpoints and watchpoints, alone and in the run loop.
#include <doctest/doctest.h>

#include "vm/debug_points.hpp"
#include "vm/machine.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;
namespace e = rvrr::vm::test::enc;

TEST_CASE("debug points: breakpoints are reference-counted") {
  DebugPoints p;
  CHECK(p.empty());
  p.add_breakpoint(0x10000);
  p.add_breakpoint(0x10000);
  p.add_breakpoint(0x10004);
  CHECK(p.has_breakpoint(0x10000));
  CHECK_FALSE(p.has_breakpoint(0x10002));
  CHECK(p.remove_breakpoint(0x10000));
  CHECK(p.has_breakpoint(0x10000));
  CHECK(p.remove_breakpoint(0x10000));
  CHECK_FALSE(p.has_breakpoint(0x10000));
  CHECK_FALSE(p.remove_breakpoint(0x10000));
  CHECK(p.has_breakpoint(0x10004));
  const auto g = p.generation();
  CHECK(p.remove_breakpoint(0x10004));
  CHECK(p.generation() != g);
  CHECK(p.empty());
}

TEST_CASE("debug points: watch kinds and overlap") {
  DebugPoints p;
  p.add_watch(0x40010, 4, WatchKind::Write);
  p.add_watch(0x40020, 8, WatchKind::Read);
  p.add_watch(0x40030, 1, WatchKind::Access);
  CHECK(p.check_access(0x40010, 4, true).has_value());
  CHECK_FALSE(p.check_access(0x40010, 4, false).has_value());
  CHECK(p.check_access(0x4000e, 4, true)->addr == 0x40010);   // partial overlap
  CHECK_FALSE(p.check_access(0x4000c, 4, true).has_value());  // adjacent
  CHECK_FALSE(p.check_access(0x40014, 1, true).has_value());
  CHECK(p.check_access(0x40027, 1, false)->kind == WatchKind::Read);
  CHECK_FALSE(p.check_access(0x40020, 4, true).has_value());
  CHECK(p.check_access(0x40030, 1, true)->kind == WatchKind::Access);
  CHECK(p.check_access(0x4002e, 4, false)->kind == WatchKind::Access);
  CHECK_FALSE(p.check_access(0x90000, 4, true).has_value());
  CHECK(p.remove_watch(0x40010, 4, WatchKind::Write));
  CHECK_FALSE(p.remove_watch(0x40010, 4, WatchKind::Write));
  CHECK_FALSE(p.check_access(0x40010, 4, true).has_value());
  CHECK(p.check_access(0x40020, 1, false).has_value());  // same page, still watched
  p.clear();
  CHECK(p.empty());
  CHECK_FALSE(p.check_access(0x40020, 1, false).has_value());
}

namespace {
// addi a0,a0,1 ; sw a0,0(s0) ; lw a1,0(s0) ; j start   (s0 = kDataBase + 0x10)
Program counting_loop() {
  Program p;
  p.li(s0, kDataBase + 0x10);
  p.w(e::addi(a0, a0, 1));            // +8:  addi a0, a0, 1
  p.w(e::sw(a0, s0, 0));              // +12: sw a0, 0(s0)
  p.w(e::lw(a1, s0, 0));              // +16: lw a1, 0(s0)
  p.w(e::jal(zero, -12));             // +20: j +8
  return p;
}
}  // namespace

TEST_CASE("debug points: breakpoint stops before the instruction; skip-at-start steps off it") {
  Machine m = make_machine(counting_loop());
  DebugPoints pts;
  pts.add_breakpoint(kCodeBase + 12);
  StopInfo s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == kCodeBase + 12);
  CHECK(m.icount() == 3);
  CHECK(m.reg(a0) == 1);
  CHECK(read32(m, kDataBase + 0x10) == 0);  // the store has not executed
  // Resuming without skip stops again at once.
  s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.icount() == 3);
  // With skip: one full loop iteration later.
  s = run(m, ~0ull, &pts, true);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.icount() == 7);
  CHECK(m.reg(a0) == 2);
  CHECK(read32(m, kDataBase + 0x10) == 1);
  // step() skips by default; with a breakpoint elsewhere it just steps.
  NullEnvironment env;
  s = m.step(env, &pts);
  CHECK(s.kind() == StopKind::Limit);
  CHECK(m.icount() == 8);
  // The limit still applies with points present.
  s = run(m, 9, &pts);
  CHECK(s.kind() == StopKind::Limit);
  CHECK(m.icount() == 9);
}

TEST_CASE("debug points: watchpoints stop before the access with memory unchanged") {
  Machine m = make_machine(counting_loop());
  DebugPoints pts;
  pts.add_watch(kDataBase + 0x12, 1, WatchKind::Write);  // inside the stored word
  StopInfo s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(s.addr() == kDataBase + 0x12);
  CHECK(s.watch() == WatchKind::Write);
  CHECK(m.pc() == kCodeBase + 12);
  CHECK(m.icount() == 3);
  CHECK(read32(m, kDataBase + 0x10) == 0);
  s = run(m, ~0ull, &pts, true);  // step off: the store executes, next iteration stops
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(m.icount() == 7);
  CHECK(read32(m, kDataBase + 0x10) == 1);

  DebugPoints rd;
  rd.add_watch(kDataBase + 0x10, 4, WatchKind::Read);
  Machine r = make_machine(counting_loop());
  s = run(r, ~0ull, &rd);
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(s.watch() == WatchKind::Read);
  CHECK(r.pc() == kCodeBase + 16);
  CHECK(r.reg(a1) == 0);
}

TEST_CASE("debug points: an AMO triggers write and read watchpoints") {
  Program p;
  p.li(a0, kDataBase);
  p.li(a1, 5);
  p.w((0x00u << 27) | (a1 << 20) | (a0 << 15) | (2u << 12) | (a2 << 7) | 0x2fu);  // amoadd.w a2, a1, (a0)
  p.h(e::kCEbreak);
  for (WatchKind kind : {WatchKind::Write, WatchKind::Read, WatchKind::Access}) {
    Machine m = make_machine(p);
    DebugPoints pts;
    pts.add_watch(kDataBase, 4, kind);
    StopInfo s = run(m, ~0ull, &pts);
    CHECK(s.kind() == StopKind::Watchpoint);
    CHECK(s.watch() == kind);
    CHECK(m.icount() == 4);
    CHECK(read32(m, kDataBase) == 0);
  }
}

TEST_CASE("debug points: empty set takes the fast path with identical results") {
  Machine a = make_machine(counting_loop()), b = make_machine(counting_loop());
  DebugPoints none;
  run(a, 100000);
  run(b, 100000, &none);
  CHECK(a.state_hash() == b.state_hash());
  DebugPoints far;
  far.add_breakpoint(0x30000);  // never reached: exact path, same result
  Machine c = make_machine(counting_loop());
  run(c, 100000, &far);
  CHECK(c.state_hash() == a.state_hash());
}

namespace {
struct Stop {
  StopKind kind;
  std::uint64_t icount;
  Addr pc;
  Addr addr;
  bool operator==(const Stop&) const = default;
};

// Continue after every breakpoint/watchpoint stop (stepping off it) until the
// program ends or `cap` instructions; `slice` > 0 bounds each run() to that
// many instructions, which keeps it on the per-instruction exact path.
std::vector<Stop> continue_through(Machine& m, const DebugPoints& pts, std::uint64_t cap, std::uint64_t slice) {
  std::vector<Stop> stops;
  bool skip = false;
  while (m.icount() < cap && !m.halted() && stops.size() < 3000) {
    const std::uint64_t to = slice ? std::min(cap, m.icount() + slice) : cap;
    StopInfo s = run(m, to, &pts, skip);
    if (s.kind() == StopKind::Limit) {
      skip = false;
      continue;
    }
    stops.push_back(Stop{s.kind(), m.icount(), m.pc(), s.addr()});
    skip = true;
  }
  return stops;
}
}  // namespace

TEST_CASE("debug points: page-entry breakpoint checks agree with per-instruction checks") {
  // Random programs spanning two pages, with breakpoints (also inside 32-bit
  // instructions and past the end) and watchpoints: one long run per resume
  // (patched page copies) must stop exactly where runs of at most kFastSlack
  // instructions (a lookup before every instruction) stop.
  Rng rnd{0xfeedbeef};
  std::size_t breakpoint_stops = 0, watch_stops = 0;
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    std::vector<Addr> starts;
    Program p = looping_program(rnd, 1200, 30, &starts);
    REQUIRE(p.bytes.size() > 4096);
    DebugPoints pts;
    const int nbp = static_cast<int>(rnd() % 4);
    for (int k = 0; k < nbp; ++k) pts.add_breakpoint(starts[rnd() % starts.size()]);
    pts.add_breakpoint(kCodeBase + 2 + 4 * (rnd() % 1000));  // maybe inside an instruction: never hit
    if (round % 2 == 0) {
      const WatchKind kinds[] = {WatchKind::Write, WatchKind::Read, WatchKind::Access};
      pts.add_watch(kDataBase + 0x100 + rnd() % 256, 1 + rnd() % 4, kinds[rnd() % 3]);
    }
    Machine base = make_machine(p);
    Machine a = base, b = base;
    const std::uint64_t cap = 1000000;
    std::vector<Stop> sa = continue_through(a, pts, cap, 0);
    std::vector<Stop> sb = continue_through(b, pts, cap, 1 + rnd() % 3000);
    CHECK(sa.size() == sb.size());
    CHECK(sa == sb);
    CHECK(a.icount() == b.icount());
    CHECK(a.state_hash() == b.state_hash());
    CHECK(a.halted());  // ran to its final c.ebreak
    for (const Stop& st : sa) {
      if (st.kind == StopKind::Breakpoint) ++breakpoint_stops;
      if (st.kind == StopKind::Watchpoint) ++watch_stops;
    }
  }
  MESSAGE("stops: " << breakpoint_stops << " breakpoint, " << watch_stops << " watch");
  CHECK(breakpoint_stops > 50);  // the comparison must not be vacuous
  CHECK(watch_stops > 5);
}

TEST_CASE("debug points: changing the points between runs takes effect at once") {
  Machine m = make_machine(counting_loop());
  DebugPoints pts;
  pts.add_breakpoint(kCodeBase + 12);
  StopInfo s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == kCodeBase + 12);
  // Move the breakpoint within the same page: the old patched copy must go.
  pts.remove_breakpoint(kCodeBase + 12);
  pts.add_breakpoint(kCodeBase + 16);
  s = run(m, ~0ull, &pts, true);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == kCodeBase + 16);
  CHECK(m.icount() == 4);
  // A copy of the set with an extra breakpoint, then the original again.
  DebugPoints more = pts;
  more.add_breakpoint(kCodeBase + 8);
  s = run(m, ~0ull, &more, true);
  CHECK(m.pc() == kCodeBase + 8);
  CHECK(m.icount() == 6);
  s = run(m, ~0ull, &pts, true);
  CHECK(m.pc() == kCodeBase + 16);
  CHECK(m.icount() == 8);
  // Only a watch left (a stale page bit or none): no breakpoint stop, the watch hits.
  pts.remove_breakpoint(kCodeBase + 16);
  pts.add_watch(kDataBase + 0x10, 4, WatchKind::Read);
  s = run(m, ~0ull, &pts, true);
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(m.pc() == kCodeBase + 16);
  CHECK(m.icount() == 12);
  // A snapshot taken here runs with the same points and stops in the same place.
  Machine snap = m;
  CHECK(run(snap, ~0ull, &pts, true).kind() == StopKind::Watchpoint);
  CHECK(run(m, ~0ull, &pts, true).kind() == StopKind::Watchpoint);
  CHECK(snap.icount() == 16);
  CHECK(snap.state_hash() == m.state_hash());
}

TEST_CASE("debug points: a breakpoint in a page rewritten by the guest still hits") {
  // The loop rewrites the instruction after the store each iteration (its
  // immediate grows). Breakpoints on it and on the next instruction: the
  // rewritten one must run in its new version between the two stops.
  Program p;
  p.li(t0, 0);                              // patched below: t0 = &target
  p.li(s1, 5);
  Addr loop = p.here();
  p.w(e::lw(t1, t0, 0));                    // loop: lw t1, 0(t0)
  p.w(e::lui(t2, 0x100));                   // lui t2, 0x100
  p.w(e::add(t1, t1, t2));                  // add t1, t1, t2
  p.w(e::sw(t1, t0, 0));                    // sw t1, 0(t0)
  Addr target = p.here();
  p.w(e::addi(a1, a1, 0));                  // target: addi a1, a1, 0 (rewritten)
  p.w(e::addi(s1, s1, -1));                 // addi s1, s1, -1
  p.w(e::bne(s1, zero, static_cast<std::int32_t>(loop - p.here())));
  p.h(e::kCEbreak);
  Program q;
  q.li(t0, target);
  std::copy(q.bytes.begin(), q.bytes.end(), p.bytes.begin());
  ElfImage img = make_image(p.bytes);
  img.segments[0].perms = PermRead | PermWrite | PermExec;
  MachineOptions o;
  o.argv = {"smc"};
  // A breakpoint on the rewritten instruction, then on the one after it (so
  // the rewritten one runs from the page copy, which must be the new one).
  for (Addr bp : {target, target + 4}) {
    CAPTURE(bp);
    Machine m(img, o);
    DebugPoints pts;
    pts.add_breakpoint(bp);
    std::vector<std::uint32_t> seen;
    bool skip = false;
    for (;;) {
      StopInfo s = run(m, ~0ull, &pts, skip);
      if (s.kind() != StopKind::Breakpoint) {
        CHECK(s.signal() == Signal::Trap);
        break;
      }
      CHECK(m.pc() == bp);
      seen.push_back(m.reg(a1));
      skip = true;
    }
    CHECK(seen == (bp == target ? std::vector<std::uint32_t>{0, 1, 3, 6, 10} : std::vector<std::uint32_t>{1, 3, 6, 10, 15}));
    CHECK(m.reg(a1) == 15);
  }
}

TEST_CASE("debug points: breakpoints in three pages that share a cache set all hit") {
  // main (page 0) calls fb (32 KiB on) and fc (64 KiB on) each iteration; the
  // patched-page cache holds two pages per set, so one is always rebuilt.
  Program p;
  p.li(s11, kDataBase);
  p.li(s10, 20);
  const Addr loop = p.here();
  p.w(e::addi(a0, a0, 1));                                 // loop: addi a0, a0, 1
  const Addr call_b = p.here();
  p.w(e::jal(ra, 0));                                      // jal ra, fb (patched)
  const Addr call_c = p.here();
  p.w(e::jal(ra, 0));                                      // jal ra, fc (patched)
  p.w(e::addi(s10, s10, -1));                              // addi s10, s10, -1
  p.w(e::bne(s10, zero, static_cast<std::int32_t>(loop - p.here())));  // bne s10, zero, loop
  p.h(e::kCEbreak);
  while (p.bytes.size() < 0x8000) p.h(e::kCEbreak);
  const Addr fb = p.here();
  p.w(e::addi(a1, a1, 1));                                 // fb: addi a1, a1, 1
  p.w(e::sw(a1, s11, 0));                                  // sw a1, 0(s11)
  p.w(e::jalr(zero, ra, 0));                               // ret
  while (p.bytes.size() < 0x10000) p.h(e::kCEbreak);
  const Addr fc = p.here();
  p.w(e::addi(a2, a2, 3));                                 // fc: addi a2, a2, 3
  p.w(e::jalr(zero, ra, 0));                               // ret
  for (auto [at, to] : {std::pair{call_b, fb}, std::pair{call_c, fc}}) {
    const std::uint32_t w = e::jal(ra, static_cast<std::int32_t>(to - at));
    for (int k = 0; k < 4; ++k) p.bytes[at - kCodeBase + k] = static_cast<std::uint8_t>(w >> (8 * k));
  }
  MachineOptions o;
  o.argv = {"sets"};
  const ElfImage img = make_image(p.bytes, 0x11000);
  DebugPoints pts;
  pts.add_breakpoint(loop);
  pts.add_breakpoint(fb + 4);
  pts.add_breakpoint(fc);
  Machine a(img, o), b(img, o);
  std::vector<Stop> sa = continue_through(a, pts, 1000000, 0);
  std::vector<Stop> sb = continue_through(b, pts, 1000000, 1);  // one instruction per run: exact
  CHECK(sa == sb);
  REQUIRE(sa.size() == 61);  // 20 x 3 breakpoints, then the final c.ebreak
  CHECK(sa.back().kind == StopKind::Fault);
  for (std::size_t k = 0; k < 60; ++k) {
    CAPTURE(k);
    CHECK(sa[k].pc == (k % 3 == 0 ? loop : k % 3 == 1 ? fb + 4 : fc));
  }
  CHECK(a.halted());
  CHECK(a.reg(a0) == 20);
  CHECK(a.reg(a1) == 20);
  CHECK(a.reg(a2) == 60);
  CHECK(read32(a, kDataBase) == 20);
}

TEST_CASE("debug points: a host call writing a watched range stops before the call, memory unchanged") {
  // getrandom(kDataBase + 0x20, 8, 0): the host writes the buffer, no store instruction does.
  Program p;
  p.li(a0, kDataBase + 0x20).li(a1, 8).li(a2, 0).li(a7, 278);
  const Addr ecall_pc = p.here();
  p.w(e::kEcall).h(e::kCEbreak);
  const std::uint64_t ecall_count = 8;  // four li pairs before it

  for (WatchKind kind : {WatchKind::Write, WatchKind::Access}) {
    CAPTURE(static_cast<int>(kind));
    Machine m = make_machine(p);
    DebugPoints pts;
    pts.add_watch(kDataBase + 0x24, 4, kind);
    StopInfo s = run(m, ~0ull, &pts);
    CHECK(s.kind() == StopKind::Watchpoint);
    CHECK(s.addr() == kDataBase + 0x24);
    CHECK(s.watch() == kind);
    CHECK(m.pc() == ecall_pc);
    CHECK(m.icount() == ecall_count);
    CHECK(read32(m, kDataBase + 0x20) == 0);  // not yet written
    CHECK(read32(m, kDataBase + 0x24) == 0);
    CHECK(m.reg(a0) == kDataBase + 0x20);     // the call's result is not in a0 yet
    // Stepping off the stop runs the call.
    s = run(m, ~0ull, &pts, true);
    CHECK(s.kind() == StopKind::Fault);  // the c.ebreak after it
    CHECK(m.icount() == ecall_count + 1);
    CHECK(m.reg(a0) == 8);
    CHECK((read32(m, kDataBase + 0x20) | read32(m, kDataBase + 0x24)) != 0);
  }
  // Read watchpoints, and watches elsewhere, do not see the call's write;
  // a fast run with points gives the same machine as one without.
  for (auto [addr, kind] : {std::pair{kDataBase + 0x24, WatchKind::Read}, std::pair{kDataBase + 0x28, WatchKind::Write},
                            std::pair{kDataBase + 0x1c, WatchKind::Access}}) {
    Machine m = make_machine(p);
    DebugPoints pts;
    pts.add_watch(addr, 4, kind);
    StopInfo s = run(m, ~0ull, &pts);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(m.icount() == ecall_count + 1);
  }
}
