// tests/timeline/test_restart_automatic.cpp - restart accepts every checkpoint
// that checkpoints() lists, automatic ones included.
#include <doctest/doctest.h>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

TEST_CASE("restart goes to any listed checkpoint, automatic ones too, and to the same state as a straight run") {
  Guest g = make_guest(20000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  // As a user does: list, then restart one of the listed ids. (Moving may
  // thin out automatic checkpoints far from the new position, so the list is
  // read again before each restart.)
  int automatic = 0;
  for (int round = 0; round < 6; ++round) {
    std::vector<CheckpointInfo> listed;
    for (const CheckpointInfo& c : rig.t().checkpoints())
      if (!c.pinned) listed.push_back(c);
    REQUIRE(listed.size() >= 2);
    const CheckpointInfo c = listed[static_cast<std::size_t>(round * 7) % listed.size()];
    CAPTURE(c.id);
    CAPTURE(c.icount);
    ++automatic;
    auto r = rig.t().restart(c.id);
    REQUIRE(r.has_value());
    CHECK(r->kind() == StopKind::SeekDone);
    CHECK(r->icount() == c.icount);
    CHECK(rig.t().now() == c.icount);
    vm::Machine straight = straight_run(g, c.icount);
    CHECK(rig.t().machine().state_hash() == straight.state_hash());
  }
  CHECK(automatic >= 2);
  CHECK_FALSE(rig.t().restart(999999).has_value());
}
