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
  CHECK(s.kind == StopKind::Breakpoint);
  CHECK(m.pc() == kCodeBase + 12);
  CHECK(m.icount() == 3);
  CHECK(m.reg(a0) == 1);
  CHECK(read32(m, kDataBase + 0x10) == 0);  // the store has not executed
  // Resuming without skip stops again at once.
  s = run(m, ~0ull, &pts);
  CHECK(s.kind == StopKind::Breakpoint);
  CHECK(m.icount() == 3);
  // With skip: one full loop iteration later.
  s = run(m, ~0ull, &pts, true);
  CHECK(s.kind == StopKind::Breakpoint);
  CHECK(m.icount() == 7);
  CHECK(m.reg(a0) == 2);
  CHECK(read32(m, kDataBase + 0x10) == 1);
  // step() skips by default; with a breakpoint elsewhere it just steps.
  NullEnvironment env;
  s = m.step(env, &pts);
  CHECK(s.kind == StopKind::Limit);
  CHECK(m.icount() == 8);
  // The limit still applies with points present.
  s = run(m, 9, &pts);
  CHECK(s.kind == StopKind::Limit);
  CHECK(m.icount() == 9);
}

TEST_CASE("debug points: watchpoints stop before the access with memory unchanged") {
  Machine m = make_machine(counting_loop());
  DebugPoints pts;
  pts.add_watch(kDataBase + 0x12, 1, WatchKind::Write);  // inside the stored word
  StopInfo s = run(m, ~0ull, &pts);
  CHECK(s.kind == StopKind::Watchpoint);
  CHECK(s.addr == kDataBase + 0x12);
  CHECK(s.watch == WatchKind::Write);
  CHECK(m.pc() == kCodeBase + 12);
  CHECK(m.icount() == 3);
  CHECK(read32(m, kDataBase + 0x10) == 0);
  s = run(m, ~0ull, &pts, true);  // step off: the store executes, next iteration stops
  CHECK(s.kind == StopKind::Watchpoint);
  CHECK(m.icount() == 7);
  CHECK(read32(m, kDataBase + 0x10) == 1);

  DebugPoints rd;
  rd.add_watch(kDataBase + 0x10, 4, WatchKind::Read);
  Machine r = make_machine(counting_loop());
  s = run(r, ~0ull, &rd);
  CHECK(s.kind == StopKind::Watchpoint);
  CHECK(s.watch == WatchKind::Read);
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
    CHECK(s.kind == StopKind::Watchpoint);
    CHECK(s.watch == kind);
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
