// tests/timeline/test_parallel_scan.cpp - reverse scans on several threads (timeline/parallel_scan.hpp).
//
// The random-program comparison against a plain scan is in
// test_index_random.cpp; these cover what a worker must take from the
// history instead of the live host: host-call replies, debugger writes, and
// output (shown once), plus cancellation.
#include <doctest/doctest.h>

#include <tuple>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

namespace {

using Stop = std::tuple<StopKind, std::uint64_t, std::uint64_t, std::uint32_t>;  // kind, count, registers, kData word

Stop stop_of(Rig& rig, const StopEvent& e) {
  return {e.kind(), e.icount(), rig.t().machine().register_hash(), read32(rig.t().machine(), kData)};
}

// A live session with host calls at the start and debugger writes in the
// middle, then reverse-continues to a breakpoint and to watchpoints back to
// the start, on `threads` threads.
std::vector<Stop> session(unsigned threads, std::string& output) {
  Guest g = make_guest(3000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  o.scan_threads = threads;
  Rig rig(g, o);
  REQUIRE(rig.seek(9000).kind() == StopKind::SeekDone);
  REQUIRE_FALSE(rig.t().write_register(s1, rig.t().machine().reg(s1) + 100).has_value());
  const std::uint8_t poke[4] = {0xef, 0xbe, 0xad, 0xde};
  REQUIRE_FALSE(rig.t().write_memory(kData + 200, poke).has_value());
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  REQUIRE(rig.t().stats().scan_threads == threads);

  std::vector<Stop> stops;
  rig.t().add_breakpoint(g.store_eighth);
  for (int i = 0; i < 4; ++i) stops.push_back(stop_of(rig, rig.cont(Direction::Backward)));
  // Back over the debugger writes with a watchpoint on the word they poked:
  // the guest never touches it, so back to the start.
  rig.t().clear_points();
  rig.t().add_watch(kData + 200, 4, vm::WatchKind::Access);
  stops.push_back(stop_of(rig, rig.cont(Direction::Backward)));
  // From the end, back to the host call that filled kData+64 (getrandom).
  rig.t().clear_points();
  stops.push_back(stop_of(rig, rig.cont()));
  rig.t().add_watch(kData + 64, 4, vm::WatchKind::Write);
  stops.push_back(stop_of(rig, rig.cont(Direction::Backward)));
  stops.push_back(stop_of(rig, rig.cont(Direction::Backward)));
  // And forward again to the end: the same state as the first time.
  rig.t().clear_points();
  stops.push_back(stop_of(rig, rig.cont()));
  output = rig.output;
  if (threads > 1) CHECK(rig.t().stats().parallel_scan_jobs > rig.t().stats().parallel_scan_batches);
  return stops;
}

}  // namespace

TEST_CASE("parallel reverse scans replay host calls and debugger writes from the history, output once") {
  std::string out1, out3;
  const std::vector<Stop> single = session(1, out1);
  const std::vector<Stop> parallel = session(3, out3);
  REQUIRE(single.size() == parallel.size());
  for (std::size_t i = 0; i < single.size(); ++i) {
    CAPTURE(i);
    CHECK(std::get<0>(single[i]) == std::get<0>(parallel[i]));
    CHECK(std::get<1>(single[i]) == std::get<1>(parallel[i]));
    CHECK(std::get<2>(single[i]) == std::get<2>(parallel[i]));
    CHECK(std::get<3>(single[i]) == std::get<3>(parallel[i]));
  }
  // The stops are the expected ones, not merely equal.
  CHECK(std::get<0>(single[0]) == StopKind::Breakpoint);
  CHECK(std::get<0>(single[4]) == StopKind::HistoryBegin);  // the debugger's poke is no guest access...
  CHECK(std::get<0>(single[5]) == StopKind::HistoryEnd);
  CHECK(std::get<0>(single[6]) == StopKind::Watchpoint);  // ...but getrandom's write is
  CHECK(std::get<1>(single[6]) < 20);
  // The watched access by the instruction just before now is reported without moving.
  CHECK(std::get<0>(single[7]) == StopKind::Watchpoint);
  CHECK(std::get<1>(single[7]) == std::get<1>(single[6]));
  CHECK(std::get<0>(single[8]) == StopKind::HistoryEnd);
  CHECK(std::get<1>(single[8]) == std::get<1>(single[5]));
  CHECK(out1 == "hi\n");
  CHECK(out3 == "hi\n");
}

TEST_CASE("a cancelled parallel reverse scan stops every worker and moves nothing") {
  Guest g = make_guest(20000);
  TimelineOptions o;
  o.checkpoint_interval = 1000;
  o.scan_threads = 3;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  rig.t().add_watch(kData + 64, 4, vm::WatchKind::Write);  // written only at the start
  CancelToken cancel;
  cancel.requested = true;
  StopEvent e = rig.t().resume(Direction::Backward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::Interrupted);
  CHECK(rig.t().now() == end);
  // Not cancelled, the same scan finds the host call's write.
  StopEvent found = rig.cont(Direction::Backward);
  CHECK(found.kind() == StopKind::Watchpoint);
  CHECK(found.icount() < 20);
}
