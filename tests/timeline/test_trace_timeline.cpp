// tests/timeline/test_trace_timeline.cpp - traces written by a live Timeline
// session (as `rvrr debug` does) and Timelines built from traces (`rvrr replay`).
#include <doctest/doctest.h>

#include <string>

#include "timeline/replay_session.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "trace/format.hpp"
#include "trace/trace_test_util.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

TEST_CASE("a live Timeline session writes a trace that replays to the same end") {
  fs::path path = temp_path("live-timeline.rvrr");
  std::string live_output;
  LiveOptions o;
  o.epoch_ns = 99;
  o.live = std::make_shared<ScriptedHost>("typed input\n");
  o.output_to = [&](int fd, std::span<const std::uint8_t> b) { live_output += std::string(b.begin(), b.end()); };
  SessionSetup setup = make_live_setup(slurp(guest_path()), "trace_guest.elf", o, path.string());
  std::shared_ptr<TraceWriter> writer = setup.writer;
  std::uint64_t end = 0, end_hash = 0;
  std::int32_t exit_code = -1;
  {
    Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
    CancelToken cancel;
    StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    REQUIRE(e.kind() == StopKind::HistoryEnd);
    REQUIRE(e.exited());
    exit_code = e.exit_code();
    end = t.now();
    end_hash = t.machine().state_hash();
    // Back and forth over the whole run: nothing printed twice, no new events.
    CHECK(t.seek(10, cancel).kind() == StopKind::SeekDone);
    t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    CHECK(t.now() == end);
    CHECK(t.environment().history().events.size() == 3);
    finish_live_trace(*writer, t.machine(), t.stats().history_end);
  }
  REQUIRE_FALSE(writer->error().has_value());
  CHECK(live_output.find("trace_guest: hash") != std::string::npos);
  CHECK(live_output.find("trace_guest: hash") == live_output.rfind("trace_guest: hash"));

  TraceData trace = read_trace_file(path.string());
  CHECK(trace.complete);
  REQUIRE(trace.footer.has_value());
  CHECK(trace.footer->end == TraceEnd::Exited);
  CHECK(trace.footer->exit_code == exit_code);
  CHECK(trace.footer->final_icount == end);
  CHECK(trace.footer->state_hash == end_hash);

  std::string replay_output;
  ReplaySession session(trace, [&](int, std::span<const std::uint8_t> b) {
    replay_output += std::string(b.begin(), b.end());
  });
  ReplayResult r = session.run_to_end();
  CHECK(r.diagnostic == "");
  CHECK(r.matches);
  CHECK(replay_output == live_output);

  // And a Timeline over the trace (as `rvrr replay` builds it) ends the same way.
  SessionSetup replay = make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
  Timeline t(std::move(replay.initial), replay.env, TimelineOptions{});
  CancelToken cancel;
  StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(e.exited());
  CHECK(e.exit_code() == exit_code);
  CHECK(t.now() == end);
  CHECK(t.machine().state_hash() == end_hash);
}

TEST_CASE("rewriting the past in a live session: the trace replays the new future") {
  fs::path path = temp_path("live-rewrite.rvrr");
  LiveOptions o;
  o.epoch_ns = 5;
  o.live = std::make_shared<ScriptedHost>("abc");
  o.output_to = [](int, std::span<const std::uint8_t>) {};
  SessionSetup setup = make_live_setup(slurp(guest_path()), "trace_guest.elf", o, path.string());
  vm::ElfLoadResult elf = vm::load_elf(setup.header.program);
  REQUIRE(elf.image);
  const vm::Addr table = *elf.image->symbol("table");
  std::shared_ptr<TraceWriter> writer = setup.writer;
  std::uint64_t first_end = 0, end = 0, end_hash = 0;
  {
    Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
    CancelToken cancel;
    REQUIRE(t.resume(Direction::Forward, ResumeKind::Continue, cancel).kind() == StopKind::HistoryEnd);
    first_end = t.now();
    const std::uint64_t first_hash = t.machine().state_hash();
    // Go back into the loop and change a value: the future is discarded.
    REQUIRE(t.seek(30000, cancel).kind() == StopKind::SeekDone);
    const std::uint8_t poke[4] = {1, 2, 3, 4};
    REQUIRE_FALSE(t.write_memory(table + 40, poke).has_value());
    CHECK(t.stats().history_end == 30000);
    StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    REQUIRE(e.kind() == StopKind::HistoryEnd);
    end = t.now();
    end_hash = t.machine().state_hash();
    CHECK(end_hash != first_hash);
    finish_live_trace(*writer, t.machine(), t.stats().history_end);
  }
  TraceData trace = read_trace_file(path.string());
  CHECK(trace.complete);
  CHECK(trace.truncations == 1);
  CHECK(trace.history.writes.size() == 1);
  CHECK(trace.history.events.size() == 3);  // the last getrandom was re-recorded after the rewrite
  CHECK(trace.events_recorded == 4);
  CHECK(trace.footer->final_icount == end);
  (void)first_end;
  ReplaySession session(trace, [](int, std::span<const std::uint8_t>) {});
  ReplayResult r = session.run_to_end();
  CHECK(r.diagnostic == "");
  CHECK(r.matches);
  CHECK(r.state_hash == end_hash);
}
