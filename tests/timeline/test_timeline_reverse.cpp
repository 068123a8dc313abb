// tests/timeline/test_timeline_reverse.cpp - reverse-continue to breakpoints and
// watchpoints, exactly where gdb expects the stops.
#include <doctest/doctest.h>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

TEST_CASE("reverse-continue finds the LAST breakpoint hit and then the ones before it") {
  Guest g = make_guest(3000);
  TimelineOptions o;
  o.checkpoint_interval = 1500;  // several intervals to scan
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  const std::vector<std::uint64_t> hits = counts_at_pc(g, g.store_eighth, end);
  REQUIRE(hits.size() == 375);
  rig.t().add_breakpoint(g.store_eighth);
  // Walk back through the last 40 hits; the breakpoint at the current pc never counts.
  for (std::size_t k = 0; k < 40; ++k) {
    StopEvent e = rig.cont(Direction::Backward);
    REQUIRE(e.kind() == StopKind::Breakpoint);
    CHECK(e.icount() == hits[hits.size() - 1 - k]);
    CHECK(rig.t().machine().pc() == g.store_eighth);
  }
  // Forward from here stops at the same breakpoint at once (gdb inserted it).
  const std::uint64_t here = rig.t().now();
  CHECK(rig.cont().icount() == here);
}

TEST_CASE("reverse-continue with the first hit near the start, then HistoryBegin") {
  Guest g = make_guest(3000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::vector<std::uint64_t> hits = counts_at_pc(g, g.loop, rig.t().now());
  rig.seek(hits[2] + 1);
  rig.t().add_breakpoint(g.loop);
  CHECK(rig.cont(Direction::Backward).icount() == hits[2]);
  CHECK(rig.cont(Direction::Backward).icount() == hits[1]);
  CHECK(rig.cont(Direction::Backward).icount() == hits[0]);
  StopEvent e = rig.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::HistoryBegin);
  CHECK(rig.t().now() == 0);
}

TEST_CASE("a watchpoint in reverse lands just after the last writer, memory as written") {
  Guest g = make_guest(3000);
  TimelineOptions o;
  o.checkpoint_interval = 2000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  const std::vector<std::uint64_t> writers = counts_at_pc(g, g.store_eighth, end);
  rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
  for (std::size_t k = 0; k < 5; ++k) {
    const std::uint64_t j = writers[writers.size() - 1 - k];
    StopEvent e = rig.cont(Direction::Backward);
    REQUIRE(e.kind() == StopKind::Watchpoint);
    CHECK(e.watch_addr() == kData + 4);
    CHECK(e.icount() == j + 1);
    CHECK(rig.t().machine().pc() == g.after_eighth);
    CHECK(read32(rig.t().machine(), kData + 4) == 3000 - 8 * k);
    // gdb now removes the watchpoint and steps back once onto the writer.
    rig.t().remove_watch(kData + 4, 4, vm::WatchKind::Write);
    StopEvent bs = rig.step(Direction::Backward);
    CHECK(bs.kind() == StopKind::Step);
    CHECK(rig.t().now() == j);
    CHECK(rig.t().machine().pc() == g.store_eighth);
    rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
  }
}

TEST_CASE("a watched access by the instruction just before now is reported without moving") {
  Guest g = make_guest(100);
  Rig rig(g);
  const std::vector<std::uint64_t> writers = counts_at_pc(g, g.store_eighth, 100000);
  const std::uint64_t j = writers[3];
  rig.seek(j + 1);
  rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
  StopEvent bc = rig.cont(Direction::Backward);
  CHECK(bc.kind() == StopKind::Watchpoint);
  CHECK(rig.t().now() == j + 1);
  StopEvent bs = rig.step(Direction::Backward);
  CHECK(bs.kind() == StopKind::Watchpoint);
  CHECK(bs.watch_addr() == kData + 4);
  CHECK(rig.t().now() == j + 1);
  // A read watchpoint on the same word is not touched by the store.
  rig.t().remove_watch(kData + 4, 4, vm::WatchKind::Write);
  rig.t().add_watch(kData + 4, 4, vm::WatchKind::Read);
  CHECK(rig.step(Direction::Backward).kind() == StopKind::Step);
  CHECK(rig.t().now() == j);
}

TEST_CASE("at equal positions the breakpoint wins, then the access is reported there; later positions win") {
  // store_every at j writes data[0]; the next instruction (andi) is at j+1.
  // Going back, execution reaches the andi (a breakpoint) before it undoes
  // the store: gdb's record-full and rr report the breakpoint first.
  Guest g = make_guest(200);
  TimelineOptions o;
  o.checkpoint_interval = 64;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const vm::Addr andi_pc = g.store_every + 4;
  const std::vector<std::uint64_t> writers = counts_at_pc(g, g.store_every, rig.t().now());
  rig.t().add_breakpoint(andi_pc);
  rig.t().add_watch(kData, 4, vm::WatchKind::Write);
  for (int k = 0; k < 30; ++k) {
    const std::uint64_t j = writers[writers.size() - 1 - k];
    CAPTURE(j);
    StopEvent bp = rig.cont(Direction::Backward);
    REQUIRE(bp.kind() == StopKind::Breakpoint);
    CHECK(bp.icount() == j + 1);
    CHECK(read32(rig.t().machine(), kData) == static_cast<std::uint32_t>(writers.size() - k));  // not undone yet
    StopEvent w = rig.cont(Direction::Backward);
    REQUIRE(w.kind() == StopKind::Watchpoint);
    CHECK(w.icount() == j + 1);  // instruction j's access, reported without moving
    CHECK(w.watch_addr() == kData);
    // gdb now removes the watchpoint and steps back once onto the store:
    // going back again must not report this position again.
    rig.t().remove_watch(kData, 4, vm::WatchKind::Write);
    REQUIRE(rig.step(Direction::Backward).kind() == StopKind::Step);
    CHECK(rig.t().now() == j);
    rig.t().add_watch(kData, 4, vm::WatchKind::Write);
  }
}

TEST_CASE("repeated reverse-continues reuse cached scans") {
  Guest g = make_guest(60000);
  TimelineOptions o;
  o.checkpoint_interval = 100000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  rig.t().add_breakpoint(g.store_eighth);
  const std::vector<std::uint64_t> hits = counts_at_pc(g, g.store_eighth, end);
  StopEvent first = rig.cont(Direction::Backward);
  REQUIRE(first.icount() == hits.back());
  // gdb's reverse-next pattern: remove and re-insert everything, bc again.
  const std::uint64_t before = rig.t().stats().instructions_executed;
  for (int k = 2; k <= 20; ++k) {
    rig.t().remove_breakpoint(g.store_eighth);
    rig.t().add_breakpoint(g.store_eighth);
    StopEvent e = rig.cont(Direction::Backward);
    REQUIRE(e.kind() == StopKind::Breakpoint);
    CHECK(e.icount() == hits[hits.size() - k]);
  }
  // 19 more stops; each re-executes only the short stretch to its landing
  // point, never the whole history again.
  const std::uint64_t cost = rig.t().stats().instructions_executed - before;
  CHECK(cost < 19 * 8192);
}

TEST_CASE("write watchpoints skip intervals whose pages were not written") {
  Guest g = make_guest(200000);
  TimelineOptions o;
  o.checkpoint_interval = 50000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  // Data+256 is on the written page but never written: every interval must be
  // scanned (the page changed), and nothing is found: HistoryBegin.
  rig.t().add_watch(kData + 256, 4, vm::WatchKind::Write);
  StopEvent e = rig.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::HistoryBegin);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  rig.t().remove_watch(kData + 256, 4, vm::WatchKind::Write);
  // A page nobody writes after the start: skipped without re-running anything.
  const vm::Addr untouched = kBig + 10 * 4096;
  rig.t().add_watch(untouched, 4, vm::WatchKind::Write);
  const std::uint64_t before = rig.t().stats().instructions_executed;
  StopEvent e2 = rig.cont(Direction::Backward);
  CHECK(e2.kind() == StopKind::HistoryBegin);
  const std::uint64_t cost = rig.t().stats().instructions_executed - before;
  CHECK(cost == 0);  // seeking to 0 restores the checkpoint there: nothing re-runs
}
