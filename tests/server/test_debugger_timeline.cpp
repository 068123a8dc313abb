// tests/server/test_debugger_timeline.cpp - the Debugger over a real Timeline
// running a tiny hand-assembled guest (no toolchain needed):
//
//   0x10000  00000513  li   a0, 0
//   0x10004  00150513  addi a0, a0, 1      <- loop
//   0x10008  00500293  li   t0, 5
//   0x1000c  fe554ce3  blt  a0, t0, 0x10004
//   0x10010  05d00893  li   a7, 93
//   0x10014  00000073  ecall               exit(a0 = 5) at icount 17 (1 + 5 x 3 + 1)
#include <doctest/doctest.h>

#include "protocol/command.hpp"
#include "protocol/hex.hpp"
#include "protocol/reply.hpp"
#include "server/debugger.hpp"
#include "tiny_elf.hpp"
#include "timeline/session_setup.hpp"

using namespace rvrr;
using namespace rvrr::server;

namespace {

struct RealConversation {
  timeline::SessionSetup setup;
  timeline::Timeline timeline;
  TimelineTarget target;
  Debugger debugger;

  static timeline::SessionSetup make_setup() {
    timeline::LiveOptions live;
    live.live = std::make_shared<vm::NullEnvironment>();
    live.epoch_ns = 0;
    live.output_to = [](int, std::span<const std::uint8_t>) {};
    return timeline::make_live_setup(
        test::tiny_elf({0x00000513, 0x00150513, 0x00500293, 0xfe554ce3, 0x05d00893, 0x00000073}), "tiny", live, "");
  }
  RealConversation()
      : setup(make_setup()),
        timeline(std::move(setup.initial), setup.env, timeline::TimelineOptions{}),
        target(timeline),
        debugger(target, DebuggerOptions{"tiny", {}}) {}

  std::vector<std::string> send(std::string_view packet) {
    Outcome o = debugger.handle(protocol::parse_command(packet));
    std::vector<std::string> out;
    for (const auto& r : o.replies) out.push_back(protocol::format_reply(r));
    if (o.work) {
      timeline::CancelToken cancel;
      timeline::StopEvent event = debugger.execute(*o.work, cancel);
      for (const auto& r : debugger.finish(*o.work, event).replies) out.push_back(protocol::format_reply(r));
    }
    return out;
  }
  std::string one(std::string_view packet) {
    auto replies = send(packet);
    INFO("packet: " << packet);
    REQUIRE(replies.size() == 1);
    return replies[0];
  }
  // The stop reply of a resume that also prints console output first.
  std::string stop_after_console(std::string_view packet, std::string& console) {
    auto replies = send(packet);
    INFO("packet: " << packet);
    REQUIRE(replies.size() == 2);
    REQUIRE(replies[0][0] == 'O');
    console = protocol::from_hex_string(std::string_view(replies[0]).substr(1)).value_or("?");
    return replies[1];
  }
};

}  // namespace

TEST_CASE("real timeline: breakpoints forward and backward, history edges, exit") {
  RealConversation c;
  CHECK(c.one("qSupported:swbreak+;multiprocess+").find("ReverseContinue+") != std::string::npos);
  CHECK(c.one("?").rfind("T05thread:p1.1;20:00000100;", 0) == 0);
  CHECK(c.one("m10000,4") == "13050000");
  CHECK(c.one("m0,4") == "E14");

  // Forward to a breakpoint after the loop: a0 = 5, icount 16.
  CHECK(c.one("Z0,10010,4") == "OK");
  CHECK(c.one("vCont;c:p1.1").rfind("T05swbreak:;thread:p1.1;20:10000100;", 0) == 0);
  CHECK(c.one("pa") == "05000000");
  CHECK(c.timeline.now() == 16);
  CHECK(c.one("z0,10010,4") == "OK");

  // One step back: the last blt, at icount 15.
  CHECK(c.one("bs").rfind("T05thread:p1.1;20:0c000100;", 0) == 0);
  CHECK(c.timeline.now() == 15);

  // Reverse-continue to the latest earlier hit of the loop head (icount 13): a0 = 4 there.
  CHECK(c.one("Z0,10004,4") == "OK");
  CHECK(c.one("bc").rfind("T05swbreak:;thread:p1.1;20:04000100;", 0) == 0);
  CHECK(c.one("pa") == "04000000");
  CHECK(c.timeline.now() == 13);
  CHECK(c.one("z0,10004,4") == "OK");

  // Nothing else behind us: the start of history.
  std::string console;
  CHECK(c.stop_after_console("bc", console).rfind("T05replaylog:begin;thread:p1.1;20:00000100;", 0) == 0);
  CHECK(c.timeline.now() == 0);

  // Forward to the exit: reported as the end of history, never W.
  CHECK(c.stop_after_console("c", console).rfind("T05replaylog:end;thread:p1.1;20:14000100;", 0) == 0);
  CHECK(console == "[rvrr] the program exited with status 5; reverse-step or reverse-continue to go back\n");
  CHECK(c.timeline.now() == 17);

  auto replies = c.send("qRcmd," + protocol::to_hex(std::string_view("when")));
  REQUIRE(replies.size() == 2);
  CHECK(protocol::from_hex_string(std::string_view(replies[0]).substr(1)) == "Current instruction: 17\n");

  // Still reversible after the exit.
  CHECK(c.one("bs").rfind("T05thread:p1.1;20:10000100;", 0) == 0);
  CHECK(c.timeline.now() == 16);
}

TEST_CASE("real timeline: monitor lines answers as Work without moving, and says why it cannot") {
  RealConversation c;
  std::string exit_console;
  CHECK(c.stop_after_console("c", exit_console).rfind("T05replaylog:end", 0) == 0);  // to the exit: history 0..17
  auto console_of = [&](std::string_view command) {
    auto replies = c.send("qRcmd," + protocol::to_hex(command));
    REQUIRE(replies.size() == 2);
    CHECK(replies[1] == "OK");
    return protocol::from_hex_string(std::string_view(replies[0]).substr(1)).value_or("?");
  };
  CHECK(console_of("lines").rfind("usage: monitor lines FILE[:LINE]", 0) == 0);
  // The program "tiny" is not a file here: no symbols, said in one line.
  CHECK(console_of("lines tiny.c:3") == "cannot count lines: tiny: cannot open the program's file\n");
  CHECK(c.timeline.now() == 17);
  CHECK(console_of("help").find("lines FILE[:LINE]") != std::string::npos);
}
