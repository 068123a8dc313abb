// tests/timeline/test_timeline.cpp - Timeline semantics on the VM alone (no gdb):
// seeks, steps both ways, forward stops, edges of history.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::timeline::test;

namespace {

void check_same_state(const vm::Machine& a, const vm::Machine& b) {
  CHECK(a.icount() == b.icount());
  CHECK(a.pc() == b.pc());
  CHECK(a.register_hash() == b.register_hash());
  CHECK(a.state_hash() == b.state_hash());
}

}  // namespace

TEST_CASE("exit reports HistoryEnd with the exit code and stays there") {
  Guest g = make_guest(100);
  Rig rig(g);
  StopEvent e = rig.cont();
  REQUIRE(e.kind() == StopKind::HistoryEnd);
  CHECK(e.exited());
  CHECK(e.exit_code() == 7);
  CHECK(rig.t().machine().pc() == g.exit_ecall);
  const std::uint64_t end = rig.t().now();
  CHECK(end == straight_run(g, ~0ull).icount());
  CHECK(rig.t().stats().history_complete);
  CHECK(rig.t().stats().history_end == end);
  // Continuing again: still the end, nothing moves.
  StopEvent again = rig.cont();
  CHECK(again.kind() == StopKind::HistoryEnd);
  CHECK(again.exited());
  CHECK(rig.t().now() == end);
  StopEvent step = rig.step();
  CHECK(step.kind() == StopKind::HistoryEnd);
  CHECK(rig.t().now() == end);
  CHECK(rig.output == "hi\n");
}

TEST_CASE("seek to random counts equals a straight run to that count") {
  Guest g = make_guest(20000);
  TimelineOptions o;
  o.checkpoint_interval = 7919;  // many intervals, none aligned with the loop
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  std::mt19937_64 rng(12345);
  for (int k = 0; k < 40; ++k) {
    std::uint64_t n = rng() % (end + 1);
    CAPTURE(n);
    StopEvent e = rig.seek(n);
    CHECK(e.kind() == StopKind::SeekDone);
    CHECK(e.icount() == n);
    check_same_state(rig.t().machine(), straight_run(g, n));
  }
  // The output was printed once, however often execution passed it again.
  CHECK(rig.output == "hi\n");
}

TEST_CASE("seek past the end of a live history executes; in replay it stops at the end") {
  Guest g = make_guest(1000);
  Rig rig(g);
  StopEvent e = rig.seek(500);
  CHECK(e.kind() == StopKind::SeekDone);
  CHECK(rig.t().stats().history_end == 500);
  check_same_state(rig.t().machine(), straight_run(g, 500));
  StopEvent far = rig.seek(1'000'000);
  CHECK(far.kind() == StopKind::HistoryEnd);
  CHECK(far.exited());
  const std::uint64_t end = rig.t().now();

  Rig replay(g, {}, HistoryEnvironment::Mode::Replay, rig.history);
  StopEvent r = replay.seek(1'000'000);
  CHECK(r.kind() == StopKind::HistoryEnd);
  CHECK(replay.t().now() == end);
  StopEvent rc = replay.cont();
  CHECK(rc.kind() == StopKind::HistoryEnd);
  CHECK(rc.exited());
  CHECK(rc.exit_code() == 7);
  CHECK(replay.t().now() == end);
  check_same_state(replay.t().machine(), straight_run(g, ~0ull));  // halted by the exit, as in the live run
}

TEST_CASE("forward N then backward N returns to the identical state") {
  Guest g = make_guest(5000);
  Rig rig(g);
  rig.seek(3000);
  const vm::Machine before = rig.t().machine();
  for (int k = 0; k < 300; ++k) REQUIRE(rig.step().kind() == StopKind::Step);
  CHECK(rig.t().now() == 3300);
  for (int k = 0; k < 300; ++k) REQUIRE(rig.step(Direction::Backward).kind() == StopKind::Step);
  check_same_state(rig.t().machine(), before);
}

TEST_CASE("reverse-step from k repeatedly equals fresh runs to k-1, k-2, ...") {
  Guest g = make_guest(30000);
  TimelineOptions o;
  o.checkpoint_interval = 100'000;  // the nearest checkpoint is far: short-range ones must appear
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t k = rig.t().now() - 10;
  rig.seek(k);
  for (std::uint64_t n = 1; n <= 3000; ++n) {
    StopEvent e = rig.step(Direction::Backward);
    REQUIRE(e.kind() == StopKind::Step);
    REQUIRE(e.icount() == k - n);
    if (n % 97 == 1) {
      CAPTURE(n);
      check_same_state(rig.t().machine(), straight_run(g, k - n));
    }
  }
}

TEST_CASE("reverse-step is cheap: after the first, each re-executes at most a few thousand instructions") {
  Guest g = make_guest(200000);
  Rig rig(g);  // automatic spacing (millions): without short-range checkpoints each bs would re-run ~1M
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  rig.step(Direction::Backward);
  std::uint64_t worst = 0;
  std::uint64_t total = 0;
  for (int n = 0; n < 1000; ++n) {
    const std::uint64_t before = rig.t().stats().instructions_executed;
    REQUIRE(rig.step(Direction::Backward).kind() == StopKind::Step);
    const std::uint64_t cost = rig.t().stats().instructions_executed - before;
    worst = std::max(worst, cost);
    total += cost;
  }
  CHECK(worst <= 4096);
  CHECK(total / 1000 <= 2048);
}

TEST_CASE("backward at icount 0 reports HistoryBegin without moving") {
  Guest g = make_guest(10);
  Rig rig(g);
  StopEvent e = rig.step(Direction::Backward);
  CHECK(e.kind() == StopKind::HistoryBegin);
  CHECK(e.icount() == 0);
  StopEvent c = rig.cont(Direction::Backward);
  CHECK(c.kind() == StopKind::HistoryBegin);
  CHECK(rig.t().now() == 0);
  rig.seek(5);
  rig.t().add_breakpoint(0x12345678);  // never reached
  StopEvent back = rig.cont(Direction::Backward);
  CHECK(back.kind() == StopKind::HistoryBegin);
  CHECK(rig.t().now() == 0);
  check_same_state(rig.t().machine(), straight_run(g, 0));
}

TEST_CASE("forward continue stops at a breakpoint, including one at the current pc") {
  Guest g = make_guest(100);
  Rig rig(g);
  rig.t().add_breakpoint(g.store_eighth);
  StopEvent e = rig.cont();
  REQUIRE(e.kind() == StopKind::Breakpoint);
  CHECK(rig.t().machine().pc() == g.store_eighth);
  const std::uint64_t first = e.icount();
  CHECK(first == counts_at_pc(g, g.store_eighth, ~0ull).front());
  // gdb left it inserted: it fires again without moving.
  StopEvent same = rig.cont();
  CHECK(same.kind() == StopKind::Breakpoint);
  CHECK(same.icount() == first);
  // gdb removes it to step off, re-inserts, continues: the next hit.
  rig.t().remove_breakpoint(g.store_eighth);
  REQUIRE(rig.step().kind() == StopKind::Step);
  rig.t().add_breakpoint(g.store_eighth);
  StopEvent next = rig.cont();
  CHECK(next.kind() == StopKind::Breakpoint);
  CHECK(next.icount() == counts_at_pc(g, g.store_eighth, ~0ull)[1]);
}

TEST_CASE("forward watchpoint reports before the access: pc at the store, memory unchanged") {
  Guest g = make_guest(100);
  Rig rig(g);
  rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
  StopEvent e = rig.cont();
  REQUIRE(e.kind() == StopKind::Watchpoint);
  CHECK(e.watch_addr() == kData + 4);
  CHECK(e.watch_kind() == vm::WatchKind::Write);
  CHECK(rig.t().machine().pc() == g.store_eighth);
  CHECK(read32(rig.t().machine(), kData + 4) == 0);
  // A forward step over the watched store also reports it, without executing.
  StopEvent s = rig.step();
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(rig.t().now() == e.icount());
  rig.t().remove_watch(kData + 4, 4, vm::WatchKind::Write);
  CHECK(rig.step().kind() == StopKind::Step);
  CHECK(read32(rig.t().machine(), kData + 4) == 8);
}

TEST_CASE("a fault reports the signal, ends history, and can be reversed from") {
  Guest g = make_guest(50, false, true);
  Rig rig(g);
  StopEvent e = rig.cont();
  REQUIRE(e.kind() == StopKind::Signal);
  CHECK(e.signal() == vm::Signal::Segv);
  const std::uint64_t end = rig.t().now();
  CHECK(rig.t().stats().history_complete);
  StopEvent again = rig.cont();
  CHECK(again.kind() == StopKind::HistoryEnd);
  CHECK(again.signal() == vm::Signal::Segv);
  CHECK(rig.t().now() == end);
  REQUIRE(rig.step(Direction::Backward).kind() == StopKind::Step);
  CHECK(rig.t().now() == end - 1);
  // Forward again arrives at the fault again.
  CHECK(rig.step().kind() == StopKind::Step);
  CHECK(rig.step().kind() == StopKind::Signal);
  CHECK(rig.t().now() == end);
  // So does a seek past it from behind (the gdbinit's seek is a resume to
  // gdb); a seek that starts at the fault is the end of history.
  CancelToken never;
  REQUIRE(rig.t().seek(end / 2, never).kind() == StopKind::SeekDone);
  StopEvent arrive = rig.t().seek(end + 10, never);
  CHECK(arrive.kind() == StopKind::Signal);
  CHECK(arrive.signal() == vm::Signal::Segv);
  CHECK(rig.t().now() == end);
  StopEvent from_fault = rig.t().seek(end + 10, never);
  CHECK(from_fault.kind() == StopKind::HistoryEnd);
  CHECK(from_fault.signal() == vm::Signal::Segv);
  CHECK(rig.t().now() == end);
}

TEST_CASE("cancel interrupts a long forward continue") {
  Guest g = make_guest(50'000'000);
  Rig rig(g);
  CancelToken cancel;
  cancel.requested = true;
  StopEvent e = rig.t().resume(Direction::Forward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::Interrupted);
  CHECK(e.signal() == vm::Signal::Int);
}

TEST_CASE("a continue interrupted while it replays towards the end keeps the ground it covered") {
  // With no breakpoints, a continue in the past jumps to the end of history
  // from the checkpoint nearest it. Ctrl-C on the way must leave the
  // position where that run got to (past where the user was), not undo it.
  Guest g = make_guest(5'000'000);
  TimelineOptions o;
  o.checkpoint_interval = 8'000'000;
  CancelToken cancel;
  bool armed = false;
  o.progress = [&](const Progress& p) {
    if (armed && !p.finished) cancel.requested = true;  // after the first slice of the continue
  };
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  REQUIRE(end > 3 * o.checkpoint_interval / 2);
  REQUIRE(rig.seek(100).kind() == StopKind::SeekDone);
  armed = true;
  StopEvent e = rig.t().resume(Direction::Forward, ResumeKind::Continue, cancel);
  armed = false;
  CHECK(e.kind() == StopKind::Interrupted);
  CHECK(e.icount() == rig.t().now());
  CHECK(rig.t().now() > o.checkpoint_interval);  // ran on from the checkpoint past 100
  CHECK(rig.t().now() < end);
  check_same_state(rig.t().machine(), straight_run(g, rig.t().now()));
  CHECK(rig.cont().kind() == StopKind::HistoryEnd);
  CHECK(rig.t().now() == end);
}

TEST_CASE("pinned checkpoints survive and restart returns to them") {
  Guest g = make_guest(20000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  rig.seek(4321);
  const std::uint64_t id = rig.t().pin_checkpoint();
  const vm::Machine pinned = rig.t().machine();
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  bool found = false;
  for (const CheckpointInfo& c : rig.t().checkpoints()) {
    if (c.id == id) {
      found = true;
      CHECK(c.pinned);
      CHECK(c.icount == 4321);
    }
  }
  CHECK(found);
  auto r = rig.t().restart(id);
  REQUIRE(r.has_value());
  CHECK(r->icount() == 4321);
  check_same_state(rig.t().machine(), pinned);
  CHECK_FALSE(rig.t().restart(999999).has_value());
}

TEST_CASE("max_instructions ends a live history there") {
  Guest g = make_guest(100000);
  TimelineOptions o;
  o.max_instructions = 5000;
  Rig rig(g, o);
  StopEvent e = rig.cont();
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK_FALSE(e.exited());
  CHECK(rig.t().now() == 5000);
  CHECK(rig.step().kind() == StopKind::HistoryEnd);
  CHECK(rig.step(Direction::Backward).kind() == StopKind::Step);
  CHECK(rig.t().now() == 4999);
}

TEST_CASE("a replay whose trace lacks a host call reports a divergence") {
  Guest g = make_guest(100);
  Rig rig(g);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  auto broken = std::make_shared<History>(*rig.history);
  REQUIRE(broken->events.size() == 1);  // the getrandom
  const std::uint64_t at = broken->events[0].icount;
  broken->events.clear();
  Rig replay(g, {}, HistoryEnvironment::Mode::Replay, broken);
  StopEvent e = replay.cont();
  CHECK(e.kind() == StopKind::Divergence);
  CHECK(e.icount() == at);
  CHECK(e.message().find(std::to_string(at)) != std::string::npos);
}

TEST_CASE("cancel stops a reverse continue without moving") {
  Guest g = make_guest(3'000'000);
  Rig rig(g);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  rig.t().add_breakpoint(kCode);  // only at icount 0: a full scan
  CancelToken cancel;
  cancel.requested = true;
  StopEvent e = rig.t().resume(Direction::Backward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::Interrupted);
  CHECK(rig.t().now() == end);
  StopEvent full = rig.cont(Direction::Backward);
  CHECK(full.kind() == StopKind::Breakpoint);
  CHECK(full.icount() == 0);
}

TEST_CASE("trace_history with points stops at every hit, sees every instruction, and leaves the position alone") {
  Guest g = make_guest(100);
  Rig rig(g);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  REQUIRE(rig.seek(end / 2).kind() == StopKind::SeekDone);
  struct Count : vm::ExecTraceSink {
    std::uint64_t instructions = 0;
    void executed(std::span<const vm::ExecutedRun> runs) override {
      for (const vm::ExecutedRun& r : runs) instructions = r.icount_after;  // the count once the run retired
    }
  } sink;
  vm::DebugPoints points;
  points.add_breakpoint(g.store_eighth);
  std::vector<std::uint64_t> hits;
  CancelToken never;
  // The first hit adds a second point, as `monitor calls` adds return addresses.
  REQUIRE(rig.t().trace_history(end, sink, never, &points, [&](const vm::Machine& m) {
    hits.push_back(m.icount());
    CHECK(sink.instructions == m.icount());  // everything before the stop, nothing after
    if (m.pc() == g.store_eighth && !points.has_breakpoint(g.after_eighth)) points.add_breakpoint(g.after_eighth);
  }));
  std::vector<std::uint64_t> want = counts_at_pc(g, g.store_eighth, end);
  REQUIRE(want.size() > 2);
  for (std::uint64_t n : counts_at_pc(g, g.after_eighth, end))
    if (n > want.front()) want.push_back(n);  // once the point is there
  std::sort(want.begin(), want.end());
  CHECK(hits == want);
  CHECK(sink.instructions == end);
  CHECK(rig.t().now() == end / 2);
}
