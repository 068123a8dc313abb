// tests/protocol/test_gdb_session.cpp - the packets gdb-multiarch 13 really
// sends, captured from a session against a throwaway stub built on this
// library (target remote, info registers, set $a0, x/2xw, a memory write,
// stepi, reverse-stepi, monitor). Each one must frame and parse as expected.
#include <doctest/doctest.h>

#include "protocol/command.hpp"
#include "protocol/packet_reader.hpp"
#include "protocol/packet_writer.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;
using rvrr::protocol::test::printable;

TEST_CASE("gdb session: captured gdb 13 packets frame and parse") {
  struct Row { std::string payload; std::string_view command; };
  const Row rows[] = {
      {"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
       "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386",
       "QuerySupported"},
      {"vMustReplyEmpty", "MustReplyEmpty"},
      {"QStartNoAckMode", "StartNoAckMode"},
      {"Hgp0.0", "SetThread"},
      {"qXfer:features:read:target.xml:0,1000", "XferFeaturesRead"},
      {"qTStatus", "QueryTStatus"},
      {"?", "QueryHalt"},
      {"qfThreadInfo", "ThreadInfoFirst"},
      {"qsThreadInfo", "ThreadInfoNext"},
      {"qAttached:1", "QueryAttached"},
      {"qXfer:exec-file:read:1:0,1000", "XferExecFileRead"},
      {"Hc-1", "SetThread"},
      {"g", "ReadRegisters"},
      {"m1000,4", "ReadMemory"},
      {"Pa=34120000", "WriteRegister"},
      {"X2000,0:", "WriteMemory"},
      {"X2000,4:\x88\x77\x66\x55", "WriteMemory"},
      {"m1000,40", "ReadMemory"},
      {"Z0,1004,4", "Breakpoint"},
      {"vCont?", "VContQuery"},
      {"vCont;c:p1.-1", "Resume"},
      {"z0,1004,4", "Breakpoint"},
      {"Hcp1.0", "SetThread"},
      {"bs", "Resume"},
      {"bc", "Resume"},
      {"qRcmd,68656c6c6f207468657265", "MonitorCommand"},
      {"D;1", "Detach"},
  };
  // One stream, as gdb writes it in ack mode: each packet followed by the
  // '+' with which gdb acknowledges our reply.
  std::string wire;
  for (const Row& row : rows) {
    append_packet(wire, row.payload);
    wire += "+";
  }
  PacketReader reader;
  auto frames = reader.feed(wire);
  REQUIRE(frames.size() == 2 * std::size(rows));
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    std::string payload = printable(rows[i].payload);
    CAPTURE(payload);
    REQUIRE(frames[2 * i].kind == FrameKind::Packet);
    CHECK(frames[2 * i].payload == rows[i].payload);
    CHECK(frames[2 * i + 1].kind == FrameKind::Ack);
    CHECK(command_name(parse_command(frames[2 * i].payload)) == rows[i].command);
  }
}

TEST_CASE("gdb session: specific values of the captured packets") {
  CHECK(parse_command("Hgp0.0") == Command{SetThread{'g', ThreadId{0, 0}}});
  CHECK(refers_to(ThreadId{0, 0}, 1, 1));
  CHECK(parse_command("Pa=34120000") == Command{WriteRegister{10, {0x34, 0x12, 0, 0}}});
  CHECK(parse_command("X2000,4:\x88\x77\x66\x55") ==
        Command{WriteMemory{0x2000, {0x88, 0x77, 0x66, 0x55}, true}});
  CHECK(parse_command("vCont;c:p1.-1") ==
        Command{Resume{Direction::Forward, ResumeKind::Continue, {}, {}, ThreadId{1, -1}}});
  CHECK(parse_command("qRcmd,68656c6c6f207468657265") == Command{MonitorCommand{"hello there"}});
}
