// tests/server/test_debugger_history.cpp - `monitor last-write/next-write`,
// `monitor info memory` and the guest's /proc/PID/maps over vFile, through the
// Debugger over a real Timeline running a tiny hand-assembled guest:
//
//   0x10000  00000513  li   a0, 0
//   0x10004  00150513  addi a0, a0, 1      <- loop
//   0x10008  fea12e23  sw   a0, -4(sp)     stores 1..5 at counts 2, 6, 10, 14, 18
//   0x1000c  00500293  li   t0, 5
//   0x10010  fe554ae3  blt  a0, t0, 0x10004
//   0x10014  05d00893  li   a7, 93
//   0x10018  00000073  ecall               exit(5) at count 22
#include <doctest/doctest.h>

#include <cstdio>

#include "protocol/command.hpp"
#include "protocol/hex.hpp"
#include "protocol/reply.hpp"
#include "server/debugger.hpp"
#include "tiny_elf.hpp"
#include "timeline/session_setup.hpp"

using namespace rvrr;
using namespace rvrr::server;

namespace {

struct Conversation {
  timeline::SessionSetup setup;
  timeline::Timeline timeline;
  TimelineTarget target;
  Debugger debugger;

  static timeline::SessionSetup make_setup() {
    timeline::LiveOptions live;
    live.live = std::make_shared<vm::NullEnvironment>();
    live.epoch_ns = 0;
    live.output_to = [](int, std::span<const std::uint8_t>) {};
    return timeline::make_live_setup(test::tiny_elf({0x00000513, 0x00150513, 0xfea12e23, 0x00500293, 0xfe554ae3,
                                                     0x05d00893, 0x00000073}),
                                     "tiny", live, "");
  }
  Conversation()
      : setup(make_setup()),
        timeline(std::move(setup.initial), setup.env, timeline::TimelineOptions{}),
        target(timeline),
        debugger(target, DebuggerOptions{"tiny", {}}) {
    vm::ElfLoadResult elf = vm::load_elf(setup.header.program);
    REQUIRE(elf.image);
    target.set_program(*elf.image, "tiny");
  }

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
  // A monitor command's console text (then OK).
  std::string monitor(const std::string& command) {
    auto replies = send("qRcmd," + protocol::to_hex(std::string_view(command)));
    INFO("monitor " << command);
    REQUIRE(replies.size() == 2);
    CHECK(replies[1] == "OK");
    return protocol::from_hex_string(std::string_view(replies[0]).substr(1)).value_or("?");
  }
};

std::string hex_addr(std::uint32_t a) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%x", a);
  return b;
}

}  // namespace

TEST_CASE("monitor last-write / next-write: the nearest store, old -> new, and no move when there is none") {
  Conversation c;
  const std::uint32_t slot = c.timeline.machine().reg(2) - 4;  // sw a0, -4(sp)
  c.send("vCont;c:p1.1");  // to the exit, count 22
  REQUIRE(c.timeline.now() == 22);

  std::string text = c.monitor("last-write " + hex_addr(slot) + " 4");
  CHECK(text.rfind("Last write to 0x", 0) == 0);
  CHECK(text.find("before instruction 22: instruction 18 at pc 0x00010008\n") != std::string::npos);
  CHECK(text.find("old: 04 00 00 00\n  new: 05 00 00 00\n") != std::string::npos);
  CHECK(text.find("Now at instruction 18") != std::string::npos);
  CHECK(c.timeline.now() == 18);
  // gdb asks '?' after a monitor move only through the gdbinit's refresh; the pc is the store's.
  CHECK(c.timeline.machine().pc() == 0x10008);

  CHECK(c.monitor("last-write " + hex_addr(slot) + " 4").find("instruction 14 at pc") != std::string::npos);
  CHECK(c.timeline.now() == 14);
  // One byte of the word (LEN defaults to 1): the stores change it too.
  CHECK(c.monitor("last-write " + hex_addr(slot)).find("instruction 10 at pc") != std::string::npos);
  // Its high byte: the stores write 0 over 0, which does not count (as for gdb's `watch`).
  CHECK(c.monitor("last-write " + hex_addr(slot + 3)).find("No write to") == 0);
  CHECK(c.timeline.now() == 10);
  CHECK(c.monitor("next-write " + hex_addr(slot) + " 4").find("instruction 14 at pc") != std::string::npos);
  CHECK(c.timeline.now() == 14);

  c.monitor("seek 2");
  text = c.monitor("last-write " + hex_addr(slot) + " 4");
  CHECK(text.find("No write to") == 0);
  CHECK(text.find("before instruction 2; not moved") != std::string::npos);
  CHECK(c.timeline.now() == 2);
  c.monitor("seek 18");
  text = c.monitor("next-write " + hex_addr(slot) + " 4");
  CHECK(text.find("after instruction 18 in the recorded history; not moved") != std::string::npos);
  CHECK(c.timeline.now() == 18);

  CHECK(c.monitor("last-write").rfind("usage: monitor last-write ADDR [LEN]", 0) == 0);
  CHECK(c.monitor("next-write 0x100 0").rfind("usage: monitor next-write", 0) == 0);
  CHECK(c.monitor("last-write zz").rfind("usage:", 0) == 0);
  CHECK(c.monitor("last-write 0xffffffff 2").rfind("usage:", 0) == 0);  // past 4 GiB
}

TEST_CASE("monitor info memory and /proc/PID/maps over vFile show the guest's map") {
  Conversation c;
  c.send("vCont;c:p1.1");
  std::string text = c.monitor("info memory");
  CHECK(text.rfind("Memory map at instruction 22:\n", 0) == 0);
  CHECK(text.find("0x00010000  0x00011000  r-x") != std::string::npos);
  CHECK(text.find("tiny (ELF segment)") != std::string::npos);
  CHECK(text.find("[stack]") != std::string::npos);

  auto one = [&](const std::string& packet) {
    auto r = c.send(packet);
    REQUIRE(r.size() == 1);
    return r[0];
  };
  std::string opened = one("vFile:open:" + protocol::to_hex(std::string_view("/proc/42000/maps")) + ",0,1c0");
  REQUIRE(opened.rfind("F", 0) == 0);
  REQUIRE(opened != "F-1,d");
  const std::string fd = opened.substr(1);
  std::string data = one("vFile:pread:" + fd + ",1000,0");
  CHECK(data.find(";00010000-00011000 r-xp 00000000 00:00 0        tiny\n") != std::string::npos);
  CHECK(data.find("rw-p 00000000 00:00 0        [stack]\n") != std::string::npos);
  CHECK(one("vFile:pread:" + fd + ",1000," + protocol::format_hex(data.size() - data.find(';') - 1)) == "F0;");  // EOF
  CHECK(one("vFile:close:" + fd) == "F0");
  // Other /proc files, and other paths, stay refused.
  CHECK(one("vFile:open:" + protocol::to_hex(std::string_view("/proc/42000/mem")) + ",0,1c0") == "F-1,d");
  CHECK(one("vFile:open:" + protocol::to_hex(std::string_view("/proc/../etc/maps")) + ",0,1c0") == "F-1,d");
}
