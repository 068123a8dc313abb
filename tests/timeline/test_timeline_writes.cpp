// tests/timeline/test_timeline_writes.cpp - debugger writes (live and replay)
// and the checkpoint budget.
#include <doctest/doctest.h>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

TEST_CASE("writes at the end of history are re-applied when replaying through them") {
  Guest g = make_guest(2000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  rig.seek(3000);  // live: executes, the frontier is now 3000
  REQUIRE(rig.t().stats().history_end == 3000);
  const std::uint32_t s1_before = rig.t().machine().reg(s1);
  REQUIRE_FALSE(rig.t().write_register(s1, s1_before + 100).has_value());
  const std::uint8_t poke[4] = {0xef, 0xbe, 0xad, 0xde};
  REQUIRE_FALSE(rig.t().write_memory(kData + 200, poke).has_value());
  CHECK(rig.t().machine().reg(s1) == s1_before + 100);
  REQUIRE(rig.seek(6000).kind() == StopKind::SeekDone);
  const vm::Machine at6000 = rig.t().machine();
  CHECK(read32(at6000, kData + 200) == 0xdeadbeef);
  // Back before the write and forward again: identical state.
  REQUIRE(rig.seek(100).kind() == StopKind::SeekDone);
  CHECK(read32(rig.t().machine(), kData + 200) == 0);
  REQUIRE(rig.seek(6000).kind() == StopKind::SeekDone);
  CHECK(rig.t().machine().state_hash() == at6000.state_hash());
  CHECK(rig.t().machine().register_hash() == at6000.register_hash());
  // Exactly at the write's count the state includes it.
  rig.seek(2000);
  rig.seek(3000);
  CHECK(rig.t().machine().reg(s1) == s1_before + 100);
  CHECK(read32(rig.t().machine(), kData + 200) == 0xdeadbeef);
  // Reverse-stepping onto the write's count sees it too, one before does not.
  rig.seek(3002);
  rig.step(Direction::Backward);
  rig.step(Direction::Backward);
  CHECK(rig.t().now() == 3000);
  CHECK(read32(rig.t().machine(), kData + 200) == 0xdeadbeef);
  rig.step(Direction::Backward);
  CHECK(read32(rig.t().machine(), kData + 200) == 0);
  // The program finishes 100 iterations earlier than it would have.
  StopEvent e = rig.cont();
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(read32(rig.t().machine(), kData) == 2000);
}

TEST_CASE("a write behind the end discards the future") {
  Guest g = make_guest(2000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t old_end = rig.t().now();
  rig.seek(4000);
  REQUIRE_FALSE(rig.t().write_register(s2, 1000).has_value());  // stop the loop early
  CHECK(rig.t().stats().history_end == 4000);
  CHECK_FALSE(rig.t().stats().history_complete);
  CHECK(rig.env->history().frontier == 4000);
  for (const CheckpointInfo& c : rig.t().checkpoints()) CHECK(c.icount <= 4000);
  StopEvent e = rig.cont();
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(e.exited());
  CHECK(rig.t().now() < old_end);
  CHECK(read32(rig.t().machine(), kData) == 1000);
  // The new history is consistent both ways.
  const vm::Machine end = rig.t().machine();
  rig.seek(10);
  rig.seek(end.icount());
  // (Not state_hash: the machine that ran the exit is halted, the re-run one stops just before.)
  CHECK(rig.t().machine().register_hash() == end.register_hash());
  CHECK(rig.t().machine().memory().hash() == end.memory().hash());
}

TEST_CASE("replay mode refuses writes; bad writes are refused with a message") {
  Guest g = make_guest(500);
  Rig rig(g);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  Rig replay(g, {}, HistoryEnvironment::Mode::Replay, rig.history);
  replay.seek(100);
  auto r = replay.t().write_register(s1, 5);
  REQUIRE(r.has_value());
  CHECK(*r == "this is a replay, and replays are read-only: the recorded history cannot be changed");
  const std::uint8_t b[1] = {1};
  CHECK(replay.t().write_memory(kData, b).has_value());
  CHECK(replay.env->history().frontier == rig.t().now());

  rig.seek(100);
  CHECK(rig.t().write_register(33, 1).has_value());
  CHECK(rig.t().write_memory(0x10, b).has_value());        // unmapped guard page
  CHECK(rig.env->history().frontier == rig.t().stats().history_end);
  CHECK(rig.t().stats().history_end > 100);              // refused writes changed nothing
}

TEST_CASE("writing pc at the frontier redirects execution and is replayed") {
  Guest g = make_guest(1000);
  Rig rig(g);
  rig.t().add_breakpoint(g.store_eighth);
  StopEvent e = rig.cont();
  REQUIRE(e.kind() == StopKind::Breakpoint);
  const std::uint64_t at = e.icount();
  rig.t().remove_breakpoint(g.store_eighth);
  REQUIRE_FALSE(rig.t().write_register(32, g.after_eighth).has_value());  // skip the store
  rig.step();
  CHECK(read32(rig.t().machine(), kData + 4) == 0);
  rig.seek(0);
  rig.seek(at + 1);
  CHECK(rig.t().machine().pc() == g.loop);
  CHECK(read32(rig.t().machine(), kData + 4) == 0);
}

TEST_CASE("the checkpoint budget is never exceeded on a long run with a tiny budget") {
  Guest g = make_guest(400000, true);  // dirties 64 pages round-robin
  TimelineOptions o;
  o.checkpoint_interval = 20000;
  // The checkpoint at 0 alone keeps ~66 pages the guest later rewrites; allow
  // that plus room for a handful more.
  o.checkpoint_memory = 1200 * 1024;
  Rig rig(g, o);
  CancelToken cancel;
  for (std::uint64_t n = 100000; n < 3'600'000; n += 100000) {
    rig.seek(n);
    TimelineStats s = rig.t().stats();
    CHECK(s.checkpoint_bytes <= s.budget_bytes);
  }
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  // Back and forth a little: reverse steps, reverse continues, seeks.
  rig.t().add_breakpoint(g.store_eighth);
  for (int k = 0; k < 5; ++k) REQUIRE(rig.cont(Direction::Backward).kind() == StopKind::Breakpoint);
  rig.t().remove_breakpoint(g.store_eighth);
  for (int k = 0; k < 50; ++k) rig.step(Direction::Backward);
  rig.seek(1'234'567);
  TimelineStats s = rig.t().stats();
  CHECK(s.checkpoints >= 2);
  CHECK(s.peak_checkpoint_bytes <= s.budget_bytes);
  CHECK(s.checkpoint_bytes <= s.budget_bytes);
  // Whatever was evicted, seeks are still exact.
  for (std::uint64_t n : {std::uint64_t{5}, std::uint64_t{777777}, std::uint64_t{2'000'001}}) {
    rig.seek(n);
    vm::Machine fresh = straight_run(g, n);
    CHECK(rig.t().machine().state_hash() == fresh.state_hash());
  }
}

TEST_CASE("float register and fcsr writes are recorded and re-applied like the integer ones") {
  Guest g = make_guest(2000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  rig.seek(3000);
  REQUIRE_FALSE(rig.t().write_float_register(5, 0x400921fb54442d18ull).has_value());  // f5 = pi
  REQUIRE_FALSE(rig.t().write_float_register(32, 0x61).has_value());                 // fcsr: frm 3, NX
  CHECK(rig.t().machine().freg(5) == 0x400921fb54442d18ull);
  CHECK(rig.t().machine().fcsr() == 0x61);
  CHECK(rig.t().write_float_register(33, 0).has_value());  // no such register
  REQUIRE(rig.seek(5000).kind() == StopKind::SeekDone);
  const vm::Machine at5000 = rig.t().machine();
  REQUIRE(rig.seek(100).kind() == StopKind::SeekDone);
  CHECK(rig.t().machine().freg(5) == 0);
  REQUIRE(rig.seek(5000).kind() == StopKind::SeekDone);  // through the write again
  CHECK(rig.t().machine().freg(5) == 0x400921fb54442d18ull);
  CHECK(rig.t().machine().fcsr() == 0x61);
  CHECK(rig.t().machine().state_hash() == at5000.state_hash());
}
