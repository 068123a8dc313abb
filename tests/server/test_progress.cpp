// tests/server/test_progress.cpp - progress of long operations (the Timeline's
// and the recorder's callbacks, the in-place meter), and the people-readable
// numbers of `monitor stats` / `trace info`.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "protocol/command.hpp"
#include "protocol/hex.hpp"
#include "protocol/reply.hpp"
#include "server/debugger.hpp"
#include "server/progress_meter.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "tiny_elf.hpp"
#include "trace/host_call_text.hpp"

using namespace rvrr;
using namespace rvrr::server;
using namespace std::chrono_literals;

namespace {

// 0x10000: j .   (runs forever; live history grows as far as we ask)
timeline::SessionSetup spin_setup() {
  timeline::LiveOptions live;
  live.live = std::make_shared<vm::NullEnvironment>();
  live.epoch_ns = 0;
  live.output_to = [](int, std::span<const std::uint8_t>) {};
  return timeline::make_live_setup(test::tiny_elf({0x0000006f}), "spin", live, "");
}

// What the meter wrote, from a tmpfile.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_CASE("Timeline progress: a seek reports done/total between slices, then finished once") {
  timeline::SessionSetup setup = spin_setup();
  std::vector<timeline::Progress> seen;
  timeline::TimelineOptions o;
  o.progress = [&](const timeline::Progress& p) { seen.push_back(p); };
  timeline::Timeline tl(std::move(setup.initial), setup.env, o);
  timeline::CancelToken cancel;

  timeline::StopEvent e = tl.seek(5'000'000, cancel);
  CHECK(e.kind() == timeline::StopKind::SeekDone);
  CHECK(tl.now() == 5'000'000);
  REQUIRE(seen.size() >= 3);  // sliced at least every ~1M instructions
  for (std::size_t i = 0; i + 1 < seen.size(); ++i) {
    CHECK_FALSE(seen[i].finished);
    CHECK(seen[i].total == 5'000'000);
    if (i > 0) CHECK(seen[i].done >= seen[i - 1].done);
  }
  CHECK(seen.back().finished);
  CHECK(seen.back().done == 5'000'000);

  // A continue has no known total; it too ends with one `finished`.
  seen.clear();
  timeline::TimelineOptions limited;
  limited.max_instructions = 3'000'000;
  limited.progress = [&](const timeline::Progress& p) { seen.push_back(p); };
  timeline::SessionSetup setup2 = spin_setup();
  timeline::Timeline tl2(std::move(setup2.initial), setup2.env, limited);
  e = tl2.resume(timeline::Direction::Forward, timeline::ResumeKind::Continue, cancel);
  CHECK(e.kind() == timeline::StopKind::HistoryEnd);
  REQUIRE(seen.size() >= 2);
  CHECK(seen.front().total == 0);
  int finished = 0;
  for (const auto& p : seen) finished += p.finished ? 1 : 0;
  CHECK(finished == 1);
  CHECK(seen.back().finished);
  CHECK(seen.back().done == 3'000'000);

  // Without a callback nothing is reported (and nothing breaks).
  timeline::SessionSetup setup3 = spin_setup();
  timeline::Timeline quiet(std::move(setup3.initial), setup3.env, timeline::TimelineOptions{});
  CHECK(quiet.seek(2'000'000, cancel).kind() == timeline::StopKind::SeekDone);
}

TEST_CASE("ProgressMeter: silent for short work, in place with \\r, at most 5 a second, erased at the end") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  ProgressMeter meter("recording", f);
  auto t0 = ProgressMeter::Clock::time_point{} + 1000s;

  // A short operation never shows.
  meter.update({1'000'000, 0, false}, t0);
  meter.update({2'000'000, 0, false}, t0 + 100ms);
  meter.update({2'000'000, 0, true}, t0 + 150ms);
  CHECK(contents(f).empty());

  // A long one: shown after the delay, refreshed no faster than kRefresh.
  meter.update({1'000'000, 0, false}, t0);
  meter.update({300'000'000, 0, false}, t0 + 600ms);
  CHECK(meter.showing());
  std::string shown = contents(f);
  CHECK(shown == "\r" + ProgressMeter::format("recording", 300'000'000, 0, 299'000'000 / 0.6 / 1e6));
  CHECK(shown.find("300,000,000 instructions") != std::string::npos);
  meter.update({310'000'000, 0, false}, t0 + 650ms);  // too soon: not redrawn
  CHECK(contents(f) == shown);
  meter.update({400'000'000, 0, false}, t0 + 900ms);
  CHECK(contents(f).size() > shown.size());
  // Guest output erases the line first; the next callback redraws it at once.
  meter.clear();
  CHECK_FALSE(meter.showing());
  CHECK(contents(f).back() == '\r');
  meter.update({410'000'000, 0, false}, t0 + 910ms);
  CHECK(meter.showing());
  meter.update({500'000'000, 0, true}, t0 + 1000ms);
  CHECK_FALSE(meter.showing());
  std::string all = contents(f);
  CHECK(all.back() == '\r');  // the line is blanked and the cursor back at its start
  CHECK(all.find('\n') == std::string::npos);
  std::fclose(f);

  CHECK(ProgressMeter::format("running", 1'500'000, 3'000'000, 512.4) ==
        "rvrr: running: 1,500,000 of 3,000,000 instructions (50%), 512 MIPS");
  // A disabled meter (stderr not a terminal) never writes.
  ProgressMeter off("x", nullptr);
  CHECK_FALSE(off.enabled());
  off.update({1, 0, false}, t0);
  off.update({1'000'000'000, 0, false}, t0 + 10s);
  CHECK_FALSE(off.showing());
}

TEST_CASE("people-readable numbers: bytes, durations, monitor stats") {
  CHECK(trace::human_bytes(12) == "12 bytes");
  CHECK(trace::human_bytes(512 * 1024) == "512.0 KiB");
  CHECK(trace::human_bytes(3'565'158) == "3.4 MiB");
  CHECK(trace::human_bytes(3ull << 30) == "3.0 GiB");
  CHECK(trace::human_duration(0.0000042) == "4 us");
  CHECK(trace::human_duration(0.0042) == "4.2 ms");
  CHECK(trace::human_duration(12.26) == "12.3 s");
  CHECK(trace::human_duration(125) == "2 min 5 s");
  CHECK(trace::human_duration(7384) == "2 h 3 min");
  CHECK(trace::human_duration(-1) == "0 us");

  CHECK(format_execution_stats(0, {}) ==
        "instructions executed: 0 (including re-execution for reverse steps)\nexecution time: none yet\n");
  CHECK(format_execution_stats(2'000'000'000, std::chrono::seconds(4)) ==
        "instructions executed: 2,000,000,000 (including re-execution for reverse steps)\n"
        "execution time: 4.0 s (500.0 MIPS)\n");
}

TEST_CASE("monitor stats over a real Timeline: the time is this session's execution, not a clock reading") {
  timeline::SessionSetup setup = spin_setup();
  timeline::Timeline tl(std::move(setup.initial), setup.env, timeline::TimelineOptions{});
  TimelineTarget target(tl);
  Debugger debugger(target, DebuggerOptions{"spin", {}});
  auto monitor = [&](std::string_view text) {
    Outcome o = debugger.handle(protocol::parse_command("qRcmd," + protocol::to_hex(text)));
    if (o.work) {
      timeline::CancelToken cancel;
      o = debugger.finish(*o.work, debugger.execute(*o.work, cancel));
    }
    REQUIRE(o.replies.size() == 2);
    std::string hex = protocol::format_reply(o.replies[0]);
    REQUIRE(hex[0] == 'O');
    return protocol::from_hex_string(std::string_view(hex).substr(1)).value_or("?");
  };
  std::string before = monitor("stats");
  INFO(before);
  CHECK(before.find("execution time: none yet") != std::string::npos);

  auto t0 = std::chrono::steady_clock::now();
  monitor("seek 20000000");
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string after = monitor("stats");
  INFO(after);
  CHECK(after.find("instructions executed: 20,000,000") != std::string::npos);
  // "execution time: X unit (Y MIPS)": X no more than the wall time of the seek.
  auto at = after.find("execution time: ");
  REQUIRE(at != std::string::npos);
  double value = std::stod(after.substr(at + 16));
  std::string unit = after.substr(after.find(' ', at + 16) + 1, 2);
  double seconds = unit == "ms" ? value / 1e3 : unit == "us" ? value / 1e6 : unit == "s " ? value : 1e9;
  CHECK(seconds <= wall + 0.01);
  CHECK(seconds > 0);
}
