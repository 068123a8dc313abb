// tests/timeline/test_timeline_random.cpp - random walks through history checked
// against a reference model (the pc at every count of one straight run).
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

namespace {

void random_walks(const Guest& g) {
  // pcs[i] = pc in the state after i instructions, up to the exit.
  std::vector<vm::Addr> pcs;
  {
    vm::Machine m = g.machine();
    vm::NullEnvironment env;
    for (;;) {
      pcs.push_back(m.pc());
      if (m.step(env).kind() != vm::StopKind::Limit) break;
    }
  }
  const std::uint64_t end = pcs.size() - 1;
  const std::vector<vm::Addr> candidates = {g.loop, g.store_eighth, g.after_eighth, kCode + 8, g.exit_ecall};

  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    TimelineOptions o;
    o.checkpoint_interval = 500 + rng() % 3000;
    o.checkpoint_memory = seed == 2 ? 600 * 1024 : 64ull << 20;  // seed 2: constant eviction
    Rig rig(g, o);
    std::set<vm::Addr> bps;
    bool watching = false;  // a write watch on data[1], written only by store_eighth
    auto writes = [&](std::uint64_t i) { return watching && pcs[i] == g.store_eighth; };
    for (int op = 0; op < 250; ++op) {
      const std::uint64_t n = rig.t().now();
      CAPTURE(op);
      CAPTURE(n);
      switch (rng() % 7) {
        case 6:
          if (watching) {
            rig.t().remove_watch(kData + 4, 4, vm::WatchKind::Write);
          } else {
            rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
          }
          watching = !watching;
          continue;
        case 0: {  // toggle a breakpoint
          vm::Addr a = candidates[rng() % candidates.size()];
          if (bps.count(a)) {
            rig.t().remove_breakpoint(a);
            bps.erase(a);
          } else {
            rig.t().add_breakpoint(a);
            bps.insert(a);
          }
          continue;
        }
        case 1: {
          std::uint64_t target = rng() % (end + 1);
          StopEvent e = rig.seek(target);
          REQUIRE(e.icount() == target);
          break;
        }
        case 2: {
          StopEvent e = rig.step(Direction::Backward);
          if (n > 0 && writes(n - 1)) {
            REQUIRE(e.kind() == StopKind::Watchpoint);
            REQUIRE(e.icount() == n);
          } else {
            REQUIRE(e.icount() == (n == 0 ? 0 : n - 1));
          }
          break;
        }
        case 3: {
          StopEvent e = rig.step();
          REQUIRE(e.icount() == (writes(n) ? n : std::min(n + 1, end)));
          REQUIRE(e.kind() == (writes(n) ? StopKind::Watchpoint : n >= end ? StopKind::HistoryEnd : StopKind::Step));
          break;
        }
        case 4: {  // reverse continue: latest i < n with a breakpoint at pcs[i]
          // (or a watched write by j < n, reported at j+1; a breakpoint wins a tie).
          std::uint64_t want = 0;
          StopKind kind = StopKind::HistoryBegin;
          for (std::uint64_t p = n + 1; p-- > 0;) {
            if (p < n && bps.count(pcs[p])) {
              want = p;
              kind = StopKind::Breakpoint;
              break;
            }
            if (p >= 1 && writes(p - 1)) {
              want = p;
              kind = StopKind::Watchpoint;
              break;
            }
          }
          StopEvent e = rig.cont(Direction::Backward);
          REQUIRE(e.kind() == kind);
          REQUIRE(e.icount() == want);
          break;
        }
        case 5: {  // forward continue: earliest i >= n with a breakpoint, else the exit
          if (n == end && bps.count(pcs[end])) {
            // At the exit with a breakpoint on it: hit before the exit
            // instruction runs, but not once the machine has halted there,
            // where a run cannot move (timeline_run.cpp).
            const bool halted = rig.t().machine().halted();
            StopEvent e = rig.cont();
            REQUIRE(e.kind() == (halted ? StopKind::HistoryEnd : StopKind::Breakpoint));
            REQUIRE(e.icount() == end);
            break;
          }
          std::uint64_t want = end;
          StopKind kind = StopKind::HistoryEnd;
          for (std::uint64_t i = n; i <= end; ++i) {
            if (bps.count(pcs[i]) || writes(i)) {
              want = i;
              kind = bps.count(pcs[i]) ? StopKind::Breakpoint : StopKind::Watchpoint;
              break;
            }
          }
          StopEvent e = rig.cont();
          REQUIRE(e.kind() == kind);
          REQUIRE(e.icount() == want);
          break;
        }
      }
      const vm::Machine& m = rig.t().machine();
      REQUIRE(m.pc() == pcs[m.icount()]);
      if (op % 10 == 0) {
        vm::Machine fresh = straight_run(g, m.icount());
        CHECK(m.register_hash() == fresh.register_hash());
        CHECK(m.memory().hash() == fresh.memory().hash());
      }
    }
    TimelineStats s = rig.t().stats();
    CHECK(s.peak_checkpoint_bytes <= s.budget_bytes);
  }
}

}  // namespace

TEST_CASE("random walks: every stop matches the reference run, state included") {
  random_walks(make_guest(4000, true));
}

// The same guest as an RV64 program (its encodings and syscalls mean the same
// there): the timeline is width-agnostic over the RV64 run loop.
TEST_CASE("random walks on RV64: every stop matches the reference run, state included") {
  Guest g = make_guest(4000, true);
  g.image.xlen = 64;
  REQUIRE(g.machine().xlen() == 64);
  random_walks(g);
}
