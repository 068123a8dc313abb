// tests/timeline/test_history_environment.cpp - HistoryEnvironment semantics.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "timeline/history_environment.hpp"
#include "trace/history_test_util.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

// A fake live host: counts calls and answers with a recognisable pattern.
struct FakeHost : vm::Environment {
  int calls = 0;
  vm::HostReply call(std::uint64_t icount, const vm::HostRequest& request) override {
    ++calls;
    std::vector<std::uint8_t> data(static_cast<std::size_t>(request.arg0),
                                   static_cast<std::uint8_t>(icount));
    return data_reply(data);
  }
  void output(std::uint64_t, int, std::span<const std::uint8_t>) override {}
};

struct RecordingSink : HistorySink {
  std::vector<std::uint64_t> events, writes, truncates;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> marks;
  void on_event(const HostEvent& e) override { events.push_back(e.icount); }
  void on_progress(std::uint64_t icount, std::uint64_t next) override { marks.emplace_back(icount, next); }
  void on_write(const DebuggerWrite& w) override { writes.push_back(w.icount); }
  void on_truncate(std::uint64_t icount) override { truncates.push_back(icount); }
};

}  // namespace

TEST_CASE("replay answers recorded calls that match") {
  auto h = sample_history();
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Replay, nullptr);
  auto r = env.call(10, read_req(0, 4));
  CHECK(r.ok);
  CHECK(r.value == 4);
  CHECK(r.data == std::vector<std::uint8_t>{'a', 'b', 'c', 'd'});
  // Answering again (after going back in time) gives the same reply.
  auto again = env.call(10, read_req(0, 4));
  CHECK(again.data == r.data);
}

TEST_CASE("replay divergence: a different call at a recorded point") {
  auto h = sample_history();
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Replay, nullptr);
  auto r = env.call(1234, random_req(8));
  CHECK_FALSE(r.ok);
  CHECK(r.error ==
        "divergence at instruction 1234: the trace has read(fd 0, 16 bytes) here, "
        "the program asked for getrandom(8 bytes)");
  // Same op, different argument is a divergence too.
  auto r2 = env.call(1234, read_req(0, 32));
  CHECK_FALSE(r2.ok);
  CHECK(r2.error.find("the trace has read(fd 0, 16 bytes) here") != std::string::npos);
  CHECK(r2.error.find("asked for read(fd 0, 32 bytes)") != std::string::npos);
}

TEST_CASE("replay divergence: a call where the trace has none") {
  auto h = sample_history();
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Replay, nullptr);
  auto r = env.call(500, read_req(0, 1));
  CHECK_FALSE(r.ok);
  CHECK(r.error ==
        "divergence at instruction 500: the trace has no host call here, "
        "the program asked for read(fd 0, 1 byte)");
}

TEST_CASE("replay refuses calls past the end of the recorded history") {
  auto h = sample_history();
  auto host = std::make_shared<FakeHost>();
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Replay, host);
  auto r = env.call(2000, random_req(4));
  CHECK_FALSE(r.ok);
  CHECK(r.error.find("end of the recorded history") != std::string::npos);
  CHECK(host->calls == 0);  // replay never touches the host
}

TEST_CASE("live mode asks the host past the frontier and appends") {
  auto h = std::make_shared<History>();
  auto host = std::make_shared<FakeHost>();
  RecordingSink sink;
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Live, host, &sink);
  auto r1 = env.call(5, random_req(3));
  CHECK(r1.ok);
  CHECK(r1.data == std::vector<std::uint8_t>{5, 5, 5});
  auto r2 = env.call(9, read_req(0, 2));
  CHECK(host->calls == 2);
  CHECK(h->events.size() == 2);
  CHECK(sink.events == std::vector<std::uint64_t>{5, 9});
  env.advance_frontier(100);
  CHECK(h->frontier == 100);
  env.advance_frontier(50);  // never moves back
  CHECK(h->frontier == 100);

  // Going back over the same range replays, without asking the host again.
  auto again = env.call(5, random_req(3));
  CHECK(again.ok);
  CHECK(again.data == r1.data);
  CHECK(host->calls == 2);
  // A different call behind the frontier diverges, even live.
  auto bad = env.call(9, random_req(2));
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("divergence at instruction 9") != std::string::npos);
  // An instruction that called the host and then stopped before retiring
  // (frontier not advanced past it) gets the same answer when re-executed.
  auto r3 = env.call(150, random_req(1));
  CHECK(host->calls == 3);
  auto r3b = env.call(150, random_req(1));
  CHECK(host->calls == 3);
  CHECK(r3b.data == r3.data);
  CHECK(sink.events.size() == 3);
}

TEST_CASE("debugger writes and truncation reach history and sink") {
  auto h = std::make_shared<History>();
  auto host = std::make_shared<FakeHost>();
  RecordingSink sink;
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Live, host, &sink);
  env.call(3, random_req(1));
  env.call(40, random_req(1));
  env.advance_frontier(60);
  env.record_write({0, DebuggerWrite::Target::Memory, 0x12000, {1, 2}});
  REQUIRE(h->writes.size() == 1);
  CHECK(h->writes[0].icount == 60);  // at the frontier
  CHECK(sink.writes == std::vector<std::uint64_t>{60});

  env.truncate(20);
  CHECK(h->frontier == 20);
  CHECK(h->events.size() == 1);
  CHECK(h->writes.empty());
  CHECK(sink.truncates == std::vector<std::uint64_t>{20});
  // Past the new frontier the host is asked again (a new future).
  env.call(40, random_req(1));
  CHECK(host->calls == 3);
}

TEST_CASE("guest output is printed once across back-and-forth") {
  auto h = std::make_shared<History>();
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Replay, nullptr);
  std::string shown;
  env.output_to = [&](int fd, std::span<const std::uint8_t> bytes) {
    shown += std::to_string(fd) + ":" + std::string(bytes.begin(), bytes.end()) + ";";
  };
  auto say = [&](std::uint64_t icount, int fd, const std::string& s) {
    env.output(icount, fd, std::span<const std::uint8_t>(
                               reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  say(10, 1, "hello");
  say(20, 2, "oops");
  // The machine goes back to 0 and replays the same range: nothing new.
  say(10, 1, "hello");
  say(20, 2, "oops");
  say(30, 1, "more");
  CHECK(shown == "1:hello;2:oops;1:more;");
  // After a truncation the discarded future's output is new output.
  env.truncate(25);
  say(30, 1, "other");
  CHECK(shown == "1:hello;2:oops;1:more;1:other;");
}

TEST_CASE("a live history marks its progress for the trace, half a period apart and after a truncation") {
  auto h = std::make_shared<History>();
  auto host = std::make_shared<FakeHost>();
  RecordingSink sink;
  HistoryEnvironment env(h, HistoryEnvironment::Mode::Live, host, &sink);
  using Marks = std::vector<std::pair<std::uint64_t, std::uint64_t>>;
  env.advance_frontier(30);
  CHECK(sink.marks.empty());  // off until asked for
  CHECK(env.frontier_step_limit() == UINT64_MAX);
  env.mark_progress_every(100);
  CHECK(env.frontier_step_limit() == 50);  // so no run can outrun a promise
  CHECK(sink.marks == Marks{{30, 130}});
  env.advance_frontier(79);
  CHECK(sink.marks.size() == 1);
  env.advance_frontier(80);
  CHECK(sink.marks == Marks{{30, 130}, {80, 180}});
  // A host call at the frontier itself: the mark waits for the next advance.
  env.call(140, random_req(1));
  env.advance_frontier(140);
  CHECK(sink.marks.size() == 2);
  env.advance_frontier(141);
  CHECK(sink.marks.back() == std::pair<std::uint64_t, std::uint64_t>{141, 241});
  // Going back voids the marks past the new end: the end is marked anew.
  env.truncate(100);
  CHECK(sink.truncates == std::vector<std::uint64_t>{100});
  CHECK(sink.marks.back() == std::pair<std::uint64_t, std::uint64_t>{100, 200});
  // A truncation past the last mark keeps its promise.
  env.advance_frontier(120);
  env.truncate(110);
  CHECK(sink.marks.size() == 4);
}
