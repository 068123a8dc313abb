// tests/timeline/test_index_builder.cpp - the recording index built behind the run (index_builder.hpp).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "timeline/index_builder.hpp"
#include "timeline/index_sidecar.hpp"
#include "timeline/state_sidecar.hpp"
#include "vm/machine_delta.hpp"
#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::timeline::test;

namespace {

constexpr std::uint64_t kSpan = 50000;

TimelineOptions options(bool background, unsigned threads = 1) {
  TimelineOptions o;
  o.checkpoint_interval = kSpan;
  o.index_in_background = background;
  o.scan_threads = threads;
  return o;
}

std::vector<IndexedStretch> stretches_of(const RecordingIndex& index) {
  std::vector<IndexedStretch> out;
  index.for_each([&](const IndexedStretch& s) { out.push_back(s); });
  return out;
}

void require_same(const std::vector<IndexedStretch>& a, const std::vector<IndexedStretch>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].from == b[i].from);
    CHECK(a[i].to == b[i].to);
    CHECK(a[i].code == b[i].code);
    CHECK(a[i].written == b[i].written);
    CHECK(a[i].read == b[i].read);
    CHECK(a[i].unmapped == b[i].unmapped);
    CHECK(a[i].host_calls == b[i].host_calls);
  }
}

// The same live session on either rig: history grows in legs, with debugger
// writes at the frontier in between (one of them on a stretch boundary),
// then runs to the exit.
void grow_history(Rig& rig) {
  REQUIRE(rig.seek(333'333).kind() == StopKind::SeekDone);
  const std::uint8_t bytes[4] = {1, 2, 3, 4};
  REQUIRE_FALSE(rig.t().write_memory(kData + 200, bytes).has_value());
  REQUIRE(rig.seek(8 * kSpan).kind() == StopKind::SeekDone);
  REQUIRE_FALSE(rig.t().write_memory(kBig + 5 * 0x1000 + 8, bytes).has_value());
  REQUIRE_FALSE(rig.t().write_register(a5, 99).has_value());
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
}

// A reverse-continue to the set-up code (run once, at the start) from the
// end: a full scan, which indexes every stretch.
void scan_everything(Rig& rig) {
  rig.t().add_breakpoint(kCode + 8);
  REQUIRE(rig.cont(Direction::Backward).kind() == StopKind::Breakpoint);
  rig.t().remove_breakpoint(kCode + 8);
}

}  // namespace

TEST_CASE("the index built behind a live run equals the one a full scan builds, and re-runs nothing") {
  const Guest g = make_guest(200000, true);
  Rig scanned(g, options(false));
  grow_history(scanned);
  scan_everything(scanned);
  const std::uint64_t end = scanned.t().stats().history_end;
  REQUIRE(scanned.t().stats().indexed_stretches == (end + kSpan - 1) / kSpan);

  Rig live(g, options(true));
  grow_history(live);
  REQUIRE(live.t().wait_for_index());
  const TimelineStats s = live.t().stats();
  CHECK(s.indexing == TimelineStats::Indexing::Done);
  CHECK(s.background_stretches == s.indexed_stretches);
  // The session itself ran history once: the indexer's re-run is its own.
  CHECK(s.instructions_executed == s.history_end);
  require_same(stretches_of(live.t().index()), stretches_of(scanned.t().index()));

  // A far reverse-continue now re-runs only the first stretch (the one that can hit).
  live.t().add_breakpoint(kCode + 8);
  StopEvent e = live.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == 2);
  CHECK(live.t().stats().instructions_executed - s.instructions_executed <= 2 * kSpan);
}

TEST_CASE("a debugger write behind the live frontier restarts the indexer on the new history") {
  const Guest g = make_guest(120000, true);
  Rig live(g, options(true));
  REQUIRE(live.seek(500'000).kind() == StopKind::SeekDone);
  REQUIRE(live.t().wait_for_index());
  // Back to the middle of a stretch and change history there: the future is discarded.
  REQUIRE(live.seek(275'000).kind() == StopKind::SeekDone);
  REQUIRE_FALSE(live.t().write_register(a5, 1234).has_value());
  REQUIRE(live.cont().kind() == StopKind::HistoryEnd);
  REQUIRE(live.t().wait_for_index());

  Rig ref(g, options(false));
  REQUIRE(ref.seek(275'000).kind() == StopKind::SeekDone);
  REQUIRE_FALSE(ref.t().write_register(a5, 1234).has_value());
  REQUIRE(ref.cont().kind() == StopKind::HistoryEnd);
  scan_everything(ref);
  require_same(stretches_of(live.t().index()), stretches_of(ref.t().index()));
}

TEST_CASE("a history whose tail is not indexed yet gives exactly the hits of a plain run") {
  const Guest g = make_guest(150000, true);
  Rig built(g, options(true));
  REQUIRE(built.cont().kind() == StopKind::HistoryEnd);
  REQUIRE(built.t().wait_for_index());
  const std::uint64_t end = built.t().now();
  std::vector<IndexedStretch> head;
  for (const IndexedStretch& s : stretches_of(built.t().index()))
    if (s.to <= end / 2) head.push_back(s);
  REQUIRE(head.size() >= 5);

  const std::vector<std::uint64_t> eighth = counts_at_pc(g, g.store_eighth, end);
  const std::vector<std::uint64_t> setup = counts_at_pc(g, kCode + 8, end);
  REQUIRE(setup.size() == 1);
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    // What the indexer had done when the scans below run: the first half only.
    Rig rig(g, options(false, threads));
    REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
    REQUIRE(rig.t().adopt_index(head));
    // The latest hit before the end, in the tail nobody indexed.
    rig.t().add_breakpoint(g.store_eighth);
    StopEvent e = rig.cont(Direction::Backward);
    CHECK(e.kind() == StopKind::Breakpoint);
    CHECK(e.icount() == eighth.back());
    rig.t().clear_points();
    // A watched write: the last store_eighth's, landing just after it.
    rig.seek(end);
    rig.t().add_watch(kData + 4, 4, vm::WatchKind::Write);
    e = rig.cont(Direction::Backward);
    CHECK(e.kind() == StopKind::Watchpoint);
    CHECK(e.icount() == eighth.back() + 1);
    rig.t().clear_points();
    // The start, across the tail (scanned) and the head (answered by the index).
    rig.seek(end);
    rig.t().add_breakpoint(kCode + 8);
    e = rig.cont(Direction::Backward);
    CHECK(e.kind() == StopKind::Breakpoint);
    CHECK(e.icount() == setup.front());
    // And forward again to the first store_eighth after a point in the head.
    rig.t().clear_points();
    rig.t().add_breakpoint(g.store_eighth);
    rig.seek(end / 4);
    e = rig.cont();
    CHECK(e.kind() == StopKind::Breakpoint);
    CHECK(e.icount() == *std::lower_bound(eighth.begin(), eighth.end(), end / 4));
  }
}

TEST_CASE("a tampered sidecar is ignored and the replay's background indexer rebuilds the same index") {
  const Guest g = make_guest(150000, true);
  Rig live(g, options(true));
  REQUIRE(live.cont().kind() == StopKind::HistoryEnd);
  REQUIRE(live.t().wait_for_index());
  const std::vector<IndexedStretch> want = stretches_of(live.t().index());

  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "rvrr-test-index-builder";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.rvrr.idx").string();
  Sha256Digest hash{};
  hash[0] = 7;
  const IndexSidecarKey key = sidecar_key(hash, kSpan);
  REQUIRE_FALSE(write_index_sidecar(path, key, live.t().index()).has_value());
  {
    // One bit of one code range changed: the checksum no longer matches.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(200);
    char byte = 0;
    f.get(byte);
    f.seekp(200);
    f.put(static_cast<char>(byte ^ 0x10));
  }
  auto loaded = read_index_sidecar(path, key);
  REQUIRE(std::holds_alternative<std::string>(loaded));

  // The replay starts with nothing and indexes all of history in the background.
  Rig replay(g, options(true), HistoryEnvironment::Mode::Replay, live.history);
  REQUIRE(replay.t().wait_for_index());
  require_same(stretches_of(replay.t().index()), want);
  CHECK(replay.t().stats().instructions_executed == 0);
  REQUIRE_FALSE(write_index_sidecar(path, key, replay.t().index()).has_value());
  loaded = read_index_sidecar(path, key);
  REQUIRE(std::holds_alternative<std::vector<IndexedStretch>>(loaded));
  require_same(std::get<std::vector<IndexedStretch>>(loaded), want);

  // And it answers: a far reverse-continue from the end re-runs one stretch.
  const std::uint64_t end = live.t().stats().history_end;
  replay.seek(end);
  const std::uint64_t before = replay.t().stats().instructions_executed;
  replay.t().add_breakpoint(kCode + 8);
  StopEvent e = replay.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == 2);
  CHECK(replay.t().stats().instructions_executed - before <= 2 * kSpan);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the indexer keeps the state at every whole stretch's end, each rebuilt exactly from the one before") {
  const Guest g = make_guest(200000, true);  // its loop dirties 64 pages as it goes
  Rig rig(g, options(false));
  REQUIRE(rig.seek(20 * kSpan + 123).kind() == StopKind::SeekDone);  // the guest runs on past it: history ends there
  const trace::History& history = *rig.history;
  IndexBuilder builder(g.machine(), kSpan, {}, &history, false, true);
  REQUIRE(builder.wait_done([] { return false; }));
  INFO(builder.failure().value_or(""));
  REQUIRE_FALSE(builder.failure());
  const std::vector<std::vector<std::uint8_t>> states = builder.take_states();
  REQUIRE(states.size() == 20);  // the last stretch, [20 * kSpan, frontier), is not whole
  CHECK(builder.take_states().empty());
  vm::Machine rebuilt = g.machine();
  for (std::size_t k = 0; k < states.size(); ++k) {
    CAPTURE(k);
    const std::optional<vm::MachineDelta> d = decode_state(states[k], (k + 1) * kSpan);
    REQUIRE(d);
    REQUIRE(vm::apply_delta(rebuilt, *d));
    CHECK(rebuilt.state_hash() == straight_run(g, (k + 1) * kSpan).state_hash());
  }
  // Started anywhere but at 0 (a session's indexer behind a checkpoint), it keeps none.
  IndexBuilder later(straight_run(g, 2 * kSpan), kSpan, {}, &history, false, true);
  REQUIRE(later.wait_done([] { return false; }));
  CHECK(later.take_states().empty());
}
