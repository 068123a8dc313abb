// tests/timeline/test_history.cpp - History lookups and HistoryEnvironment semantics.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "timeline/history_environment.hpp"
#include "trace/host_call_text.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;

namespace {

vm::HostRequest read_req(std::int64_t fd, std::int64_t count) {
  vm::HostRequest r;
  r.op = vm::HostOp::Read;
  r.handle = fd;
  r.arg0 = count;
  return r;
}

vm::HostRequest random_req(std::int64_t count) {
  vm::HostRequest r;
  r.op = vm::HostOp::Random;
  r.arg0 = count;
  return r;
}

vm::HostReply data_reply(std::vector<std::uint8_t> data) {
  vm::HostReply r;
  r.value = static_cast<std::int64_t>(data.size());
  r.data = std::move(data);
  return r;
}

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
  void on_event(const HostEvent& e) override { events.push_back(e.icount); }
  void on_write(const DebuggerWrite& w) override { writes.push_back(w.icount); }
  void on_truncate(std::uint64_t icount) override { truncates.push_back(icount); }
};

std::shared_ptr<History> sample_history() {
  auto h = std::make_shared<History>();
  h->events.push_back({10, read_req(0, 4), data_reply({'a', 'b', 'c', 'd'})});
  h->events.push_back({20, random_req(2), data_reply({7, 8})});
  h->events.push_back({1234, read_req(0, 16), data_reply({'x'})});
  h->writes.push_back({15, DebuggerWrite::Target::Register, 10, {1, 0, 0, 0}});
  h->writes.push_back({15, DebuggerWrite::Target::Memory, 0x20000, {9}});
  h->writes.push_back({30, DebuggerWrite::Target::Register, 32, {0, 0, 1, 0}});
  h->frontier = 2000;
  return h;
}

}  // namespace

TEST_CASE("history lookups by instruction count") {
  auto h = sample_history();
  REQUIRE(h->event_at(10) != nullptr);
  CHECK(h->event_at(10)->request.op == vm::HostOp::Read);
  CHECK(h->event_at(20)->reply.data == std::vector<std::uint8_t>{7, 8});
  CHECK(h->event_at(11) == nullptr);
  CHECK(h->event_at(0) == nullptr);
  CHECK(h->event_at(5000) == nullptr);

  CHECK(h->next_write_at_or_after(0) == 15u);
  CHECK(h->next_write_at_or_after(15) == 15u);
  CHECK(h->next_write_at_or_after(16) == 30u);
  CHECK_FALSE(h->next_write_at_or_after(31).has_value());
  CHECK(h->writes_at(15).size() == 2);
  CHECK(h->writes_at(15)[1]->where == 0x20000u);
  CHECK(h->writes_at(30).size() == 1);
  CHECK(h->writes_at(16).empty());
}

TEST_CASE("history truncate forgets everything at or after the count") {
  auto h = sample_history();
  h->halted_at_frontier = true;
  h->truncate(20);
  CHECK(h->frontier == 20);
  CHECK_FALSE(h->halted_at_frontier);
  CHECK(h->events.size() == 1);
  CHECK(h->event_at(20) == nullptr);
  CHECK(h->writes.size() == 2);
  h->truncate(15);
  CHECK(h->writes.empty());
  CHECK(h->events.size() == 1);
  h->truncate(0);
  CHECK(h->events.empty());
  CHECK(h->frontier == 0);
}

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

TEST_CASE("host call descriptions") {
  vm::HostRequest open;
  open.op = vm::HostOp::Open;
  open.path = "in\"put.txt";
  CHECK(describe_request(open) == "open(\"in\\\"put.txt\", flags 0x0)");
  vm::HostRequest seek;
  seek.op = vm::HostOp::Seek;
  seek.handle = 3;
  seek.arg0 = -4;
  seek.arg1 = 2;
  CHECK(describe_request(seek) == "lseek(host file 3, offset -4, SEEK_END)");
  CHECK(group_digits(0) == "0");
  CHECK(group_digits(999) == "999");
  CHECK(group_digits(1000) == "1,000");
  CHECK(group_digits(1234567) == "1,234,567");
}
