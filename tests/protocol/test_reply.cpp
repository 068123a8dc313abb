// tests/protocol/test_reply.cpp - reply encoding tables.
#include <doctest/doctest.h>

#include "protocol/packet_writer.hpp"
#include "protocol/reply.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;
using rvrr::protocol::test::printable;

namespace {
StopReply stop(StopReason reason, std::uint64_t watch_addr = 0, bool multiprocess = true) {
  StopReply s;
  s.reason = reason;
  s.watch_addr = watch_addr;
  s.multiprocess = multiprocess;
  return s;
}
}  // namespace

TEST_CASE("reply: simple replies") {
  struct Row { const char* label; Reply reply; std::string text; };
  const Row rows[] = {
      {"empty", Empty{}, ""},
      {"ok", Ok{}, "OK"},
      {"malformed", Error{kErrorMalformed}, "E03"},
      {"memory", Error{kErrorMemory}, "E14"},
      {"error ff", Error{0xff}, "Eff"},
      {"hex", Hex{{0x78, 0x56, 0x34, 0x12}}, "78563412"},
      {"hex empty", Hex{}, ""},
      {"raw", Raw{"QCp1.1"}, "QCp1.1"},
      {"console", ConsoleOutput{"hi\n"}, "O68690a"},
      {"xfer last", XferChunk{true, "<target/>"}, "l<target/>"},
      {"xfer more", XferChunk{false, "<tar"}, "m<tar"},
      {"xfer empty last", XferChunk{true, ""}, "l"},
      {"exited", Exited{0, std::nullopt}, "W00"},
      {"exited with pid", Exited{0x2a, 1}, "W2a;process:1"},
      {"terminated", Terminated{0x0b, std::nullopt}, "X0b"},
      {"terminated with pid", Terminated{9, 1}, "X09;process:1"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.label);
    CHECK(format_reply(row.reply) == row.text);
  }
}

TEST_CASE("reply: stop replies") {
  struct Row { const char* label; StopReply stop; std::string text; };
  StopReply with_regs = stop(StopReason::SwBreak);
  with_regs.registers = {{32, 0x80000010}, {2, 0x12345678}};
  StopReply with_regs64 = stop(StopReason::SwBreak);
  with_regs64.registers = {{32, 0x10640, 8}, {2, 0x123456789abcdef0ull, 8}};
  StopReply interrupted = stop(StopReason::Signal, 0, false);
  interrupted.signal = 2;
  StopReply fault = stop(StopReason::Signal);
  fault.signal = 11;
  StopReply other_thread = stop(StopReason::Signal);
  other_thread.pid = 0x2a;
  other_thread.tid = 0x2b;
  const Row rows[] = {
      {"plain trap", stop(StopReason::Signal), "T05thread:p1.1;"},
      {"plain trap, no multiprocess", stop(StopReason::Signal, 0, false), "T05thread:1;"},
      {"interrupt", interrupted, "T02thread:1;"},
      {"fault", fault, "T0bthread:p1.1;"},
      {"swbreak", stop(StopReason::SwBreak), "T05swbreak:;thread:p1.1;"},
      {"hwbreak", stop(StopReason::HwBreak), "T05hwbreak:;thread:p1.1;"},
      {"watch", stop(StopReason::Watch, 0x80001000), "T05watch:80001000;thread:p1.1;"},
      {"watch above 4 GiB (RV64)", stop(StopReason::Watch, 0x2000000008), "T05watch:2000000008;thread:p1.1;"},
      {"rwatch", stop(StopReason::ReadWatch, 0x10), "T05rwatch:10;thread:p1.1;"},
      {"awatch", stop(StopReason::AccessWatch, 0), "T05awatch:0;thread:p1.1;"},
      {"history begin", stop(StopReason::HistoryBegin), "T05replaylog:begin;thread:p1.1;"},
      {"history end", stop(StopReason::HistoryEnd, 0, false), "T05replaylog:end;thread:1;"},
      {"expedited registers", with_regs, "T05swbreak:;thread:p1.1;20:10000080;2:78563412;"},
      {"expedited 64-bit registers (RV64)", with_regs64,
       "T05swbreak:;thread:p1.1;20:4006010000000000;2:f0debc9a78563412;"},
      {"hex pid and tid", other_thread, "T05thread:p2a.2b;"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.label);
    CHECK(format_reply(row.stop) == row.text);
  }
}

TEST_CASE("reply: binary xfer data is escaped by the writer, once") {
  std::string payload = format_reply(XferChunk{false, "a*b#c"});
  CHECK(payload == "ma*b#c");  // format_reply does not escape
  CHECK(printable(encode_packet(payload)) == printable("$ma}\x0a" "b}\x03" "c#9a"));
}
