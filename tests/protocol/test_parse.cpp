// tests/protocol/test_parse.cpp - parse tables {payload -> expected command}.
#include <doctest/doctest.h>

#include "protocol/command.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;
using rvrr::protocol::test::printable;

namespace {

struct Row {
  std::string payload;
  Command expected;
};

std::vector<std::uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<std::uint8_t> out;
  for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

const ThreadId kP1T1{1, 1};
const ThreadId kP1All{1, -1};
const ThreadId kT1{std::nullopt, 1};
const ThreadId kAll{std::nullopt, -1};
const ThreadId kAny{std::nullopt, 0};

Resume fwd(ResumeKind k, std::optional<std::uint8_t> sig = {}, std::optional<std::uint32_t> addr = {},
           std::optional<ThreadId> thread = {}) {
  return Resume{Direction::Forward, k, sig, addr, thread};
}

void check_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    std::string payload = printable(row.payload);
    CAPTURE(payload);
    CHECK(parse_command(row.payload) == row.expected);
  }
}

}  // namespace

TEST_CASE("parse: session and query packets") {
  QuerySupported gdb13;
  gdb13.multiprocess = gdb13.swbreak = gdb13.hwbreak = gdb13.vcont_supported = true;
  gdb13.offered = {"multiprocess+", "swbreak+", "hwbreak+", "qRelocInsn+", "fork-events+",
                   "vfork-events+", "exec-events+", "vContSupported+", "QThreadEvents+",
                   "no-resumed+", "memory-tagging+", "xmlRegisters=i386"};
  QuerySupported minimal;
  minimal.offered = {"swbreak-", "multiprocess"};
  check_rows({
      {"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
       "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386",
       gdb13},
      {"qSupported", QuerySupported{}},
      {"qSupported:", QuerySupported{}},
      {"qSupported:swbreak-;;multiprocess", minimal},  // '-' and no sign mean "not offered"
      {"qSupportedX", Unsupported{"qSupportedX"}},
      {"vMustReplyEmpty", MustReplyEmpty{}},
      {"QStartNoAckMode", StartNoAckMode{}},
      {"?", QueryHalt{}},
      {"qAttached", QueryAttached{}},
      {"qAttached:1", QueryAttached{1}},
      {"qAttached:a", QueryAttached{10}},
      {"qC", QueryCurrentThread{}},
      {"qfThreadInfo", ThreadInfoFirst{}},
      {"qsThreadInfo", ThreadInfoNext{}},
      {"qOffsets", QueryOffsets{}},
      {"qTStatus", QueryTStatus{}},
      {"qSymbol::", QuerySymbol{}},
      {"qSymbol:6d61696e", QuerySymbol{}},
      {"vCont?", VContQuery{}},
      {"qXfer:features:read:target.xml:0,ffb", XferFeaturesRead{"target.xml", 0, 0xffb}},
      {"qXfer:features:read:target.xml:7fb,ffb", XferFeaturesRead{"target.xml", 0x7fb, 0xffb}},
      {"qXfer:features:read:riscv-32bit-cpu.xml:0,1000", XferFeaturesRead{"riscv-32bit-cpu.xml", 0, 0x1000}},
      {"qXfer:exec-file:read:1:0,ffb", XferExecFileRead{"1", 0, 0xffb}},
      {"qXfer:exec-file:read::0,ffb", XferExecFileRead{"", 0, 0xffb}},
      {"qRcmd,68656c70", MonitorCommand{"help"}},
      {"qRcmd,7365656b20313030", MonitorCommand{"seek 100"}},
      {"qRcmd,", MonitorCommand{""}},
      {"Hg0", SetThread{'g', kAny}},
      {"Hc-1", SetThread{'c', kAll}},
      {"Hgp1.1", SetThread{'g', kP1T1}},
      {"Hcp1.-1", SetThread{'c', kP1All}},
      {"Hgp1", SetThread{'g', kP1All}},
      {"T1", ThreadAlive{kT1}},
      {"Tp1.1", ThreadAlive{kP1T1}},
      {"D", Detach{}},
      {"D;1", Detach{1}},
      {"k", Kill{}},
      {"vKill;1", VKill{1}},
      {"vKill", VKill{}},
      {"!", ExtendedMode{}},
      {"vRun;", VRun{}},
      {"vRun;2f746d702f70", VRun{"/tmp/p", {}}},
      {"vRun;;6131;", VRun{"", {"a1", ""}}},
  });
}

TEST_CASE("parse: registers and memory") {
  check_rows({
      {"g", ReadRegisters{}},
      {"G", WriteRegisters{}},
      {"G0011aaFF", WriteRegisters{bytes({0x00, 0x11, 0xaa, 0xff})}},
      {"p20", ReadRegister{32}},
      {"p0", ReadRegister{0}},
      {"P20=00000080", WriteRegister{32, bytes({0, 0, 0, 0x80})}},
      {"P1f=78563412", WriteRegister{31, bytes({0x78, 0x56, 0x34, 0x12})}},
      {"m80000000,4", ReadMemory{0x80000000, 4}},
      {"mffffffff,1", ReadMemory{0xffffffff, 1}},
      {"m3fffffff00,8", ReadMemory{0x3fffffff00, 8}},  // RV64: addresses are 64-bit
      {"mffffffffffffffff,1", ReadMemory{0xffffffffffffffff, 1}},
      {"m0,0", ReadMemory{0, 0}},
      {"M1000,2:abcd", WriteMemory{0x1000, bytes({0xab, 0xcd}), false}},
      {"M1000,0:", WriteMemory{0x1000, {}, false}},
      {"X1000,0:", WriteMemory{0x1000, {}, true}},  // gdb's probe for X support
      {"X1000,3:a:b", WriteMemory{0x1000, bytes({'a', ':', 'b'}), true}},
      {std::string("X10,4:#$\0\x03", 10), WriteMemory{0x10, bytes({'#', '$', 0, 3}), true}},
  });
}

TEST_CASE("parse: breakpoints and watchpoints") {
  check_rows({
      {"Z0,80000010,4", Breakpoint{BreakpointType::Software, 0x80000010, 4, true}},
      {"Z0,80000012,2", Breakpoint{BreakpointType::Software, 0x80000012, 2, true}},
      {"z0,80000010,4", Breakpoint{BreakpointType::Software, 0x80000010, 4, false}},
      {"Z1,100,2", Breakpoint{BreakpointType::Hardware, 0x100, 2, true}},
      {"Z2,2000,4", Breakpoint{BreakpointType::WriteWatch, 0x2000, 4, true}},
      {"Z3,2000,1", Breakpoint{BreakpointType::ReadWatch, 0x2000, 1, true}},
      {"z4,2000,8", Breakpoint{BreakpointType::AccessWatch, 0x2000, 8, false}},
      {"Z2,2000,100", Breakpoint{BreakpointType::WriteWatch, 0x2000, 0x100, true}},
      {"Z2,3fffffef00,8", Breakpoint{BreakpointType::WriteWatch, 0x3fffffef00, 8, true}},  // RV64 stack
  });
}

TEST_CASE("parse: resume packets") {
  check_rows({
      {"c", fwd(ResumeKind::Continue)},
      {"s", fwd(ResumeKind::Step)},
      {"c80000000", fwd(ResumeKind::Continue, {}, 0x80000000)},
      {"s10", fwd(ResumeKind::Step, {}, 0x10)},
      {"C05", fwd(ResumeKind::Continue, 5)},
      {"S0b", fwd(ResumeKind::Step, 11)},
      {"C02;1000", fwd(ResumeKind::Continue, 2, 0x1000)},
      {"bc", Resume{Direction::Backward, ResumeKind::Continue, {}, {}, {}}},
      {"bs", Resume{Direction::Backward, ResumeKind::Step, {}, {}, {}}},
      {"vCont;c", fwd(ResumeKind::Continue)},
      {"vCont;s", fwd(ResumeKind::Step)},
      {"vCont;c:p1.1", fwd(ResumeKind::Continue, {}, {}, kP1T1)},
      {"vCont;c:p1.-1", fwd(ResumeKind::Continue, {}, {}, kP1All)},
      {"vCont;s:1", fwd(ResumeKind::Step, {}, {}, kT1)},
      {"vCont;c:-1", fwd(ResumeKind::Continue, {}, {}, kAll)},
      {"vCont;c:0", fwd(ResumeKind::Continue, {}, {}, kAny)},
      {"vCont;C05:p1.1", fwd(ResumeKind::Continue, 5, {}, kP1T1)},
      {"vCont;S0b", fwd(ResumeKind::Step, 11)},
      {"vCont;s:p1.1;c", fwd(ResumeKind::Step, {}, {}, kP1T1)},  // leftmost applies
      {"vCont;c:p1.1;r10,20", fwd(ResumeKind::Continue, {}, {}, kP1T1)},
      {"vCont;t", VContStop{}},
      {"vCont;t:p1.1", VContStop{kP1T1}},
  });
}

TEST_CASE("parse: unsupported packets get their name") {
  check_rows({
      {"qTfV", Unsupported{"qTfV"}},
      {"qTfP", Unsupported{"qTfP"}},
      {"qThreadExtraInfo,p1.1", Unsupported{"qThreadExtraInfo"}},
      {"qL1200", Unsupported{"qL1200"}},
      {"QThreadEvents:1", Unsupported{"QThreadEvents"}},
      {"QPassSignals:e;10", Unsupported{"QPassSignals"}},
      {"QNonStop:0", Unsupported{"QNonStop"}},
      {"vAttach;1", Unsupported{"vAttach"}},
      {"vCtrlC", Unsupported{"vCtrlC"}},
      {"qXfer:auxv:read::0,1000", Unsupported{"qXfer:auxv:read"}},
      {"qXfer:libraries-svr4:read::0,fff", Unsupported{"qXfer:libraries-svr4:read"}},
      {"qXfer:features:write:target.xml:0:abc", Unsupported{"qXfer:features:write"}},
      {"qXfer", Unsupported{"qXfer"}},
      {"qXfer:memory-map", Unsupported{"qXfer:memory-map"}},
      {"R00", Unsupported{"R"}},
      {"i", Unsupported{"i"}},
      {"b9600", Unsupported{"b"}},
      {"Hm1", Unsupported{"H"}},
      {"x", Unsupported{"x"}},
      {"qAttachedx", Unsupported{"qAttachedx"}},
      {"qRcmdx", Unsupported{"qRcmdx"}},
      {std::string(200, 'q'), Unsupported{std::string(64, 'q')}},  // name capped at 64
  });
}

TEST_CASE("parse: every malformed shape is Malformed, never a crash") {
  // The reason text is not part of the contract; only the alternative is.
  const char* rows[] = {
      "",
      "?x",
      "gx",
      "kk",
      "!x",
      "vRun;zz",       // not hex
      "vRun;61;6",     // odd hex length
      "Gabc",          // odd hex length
      "G0g",           // bad hex digit
      "p",             // missing register number
      "px",
      "p100000000",    // overflows 32 bits
      "P20",           // missing '='
      "P=00",          // missing register number
      "P20=",          // missing value
      "P20=0",         // odd hex
      "P20=zz",
      "m",
      "m1000",         // missing comma
      "m,4",
      "m1000,",
      "m1000,x",
      "m10000000000000000,4",  // address overflows 64 bits
      "m0,100000000",  // length overflows
      "m-1,4",
      "M1000,2",       // missing colon
      "M1000,2:ab",    // too little data
      "M1000,1:abcd",  // too much data
      "M1000,2:abcx",  // bad hex
      "M1000,2:abc",   // odd hex
      "Mx,2:abcd",
      "X1000,2",       // missing colon
      "X1000,2:a",     // length mismatch
      "X1000,0:a",
      "X,0:",
      "Z",
      "Z0",
      "Z0,",
      "Z0,1000",
      "Z0,1000,",
      "Z5,1000,4",     // unknown type
      "Zx,1000,4",
      "Z01000,4",      // missing comma after type
      "Z0,1000,3",     // breakpoint kind must be 2 or 4
      "Z1,1000,8",
      "Z2,1000,0",     // empty watch range
      "Z0,1000,4;X1,ff",       // conditions not offered
      "Z0,10000000000000000,4",
      "cx",
      "c10000000000000000",
      "sq",
      "C",
      "Cxx",
      "C100",          // signal above 255
      "C05;",
      "C05;zz",
      "S05;1;2",
      "vCont",
      "vCont;",
      "vCont;;c",
      "vCont;x",
      "vCont;cc",
      "vCont;c:",
      "vCont;c:p",
      "vCont;c:p1.",
      "vCont;c:px.1",
      "vCont;c:-2",
      "vCont;c:p1.1:2",
      "vCont;C",
      "vCont;Cxx",
      "vCont;C100",
      "vCont;s1",
      "vCont;tt",
      "vCont;r10,20",  // range stepping not supported
      "vCont;r10",     // and badly formed
      "vCont;c;x",     // a bad later action spoils the packet
      "Hg",
      "Hgx",
      "Hgp1.x",
      "Hg10000000000000000",  // thread id overflows
      "Hg8000000000000000",   // above INT64_MAX
      "T",
      "Tz",
      "D1",
      "D;",
      "D;x",
      "vKill;",
      "vKill;x",
      "qAttached:",
      "qAttached:x",
      "qRcmd",
      "qRcmd,6",       // odd hex
      "qRcmd,zz",
      "qXfer:features:read",
      "qXfer:features:read:target.xml",
      "qXfer:features:read:target.xml:",
      "qXfer:features:read:target.xml:0",
      "qXfer:features:read:target.xml:0,",
      "qXfer:features:read:target.xml:x,1",
      "qXfer:features:read:target.xml:0,100000000",
      "qXfer:exec-file:read:1:0",
      "qXfer:siginfo:read::80",
      "vFile:open:zz,0,0",
      "vFile:open:2f,0",
      "vFile:pread:3,4",
      "vFile:close:",
      "vFile:setfs",
  };
  for (const char* payload : rows) {
    CAPTURE(payload);
    Command c = parse_command(payload);
    CHECK(std::holds_alternative<Malformed>(c));
    if (auto* m = std::get_if<Malformed>(&c)) CHECK_FALSE(m->reason.empty());
  }
}

TEST_CASE("parse: thread ids") {
  struct Row { const char* text; std::optional<ThreadId> id; };
  const Row rows[] = {
      {"p1.1", kP1T1}, {"p1.-1", kP1All}, {"p1", kP1All}, {"1", kT1}, {"-1", kAll}, {"0", kAny},
      {"p-1.-1", ThreadId{-1, -1}}, {"pa.b", ThreadId{10, 11}}, {"7fffffffffffffff", ThreadId{std::nullopt, 0x7fffffffffffffff}},
      {"", std::nullopt}, {"p", std::nullopt}, {"p.1", std::nullopt}, {"p1.", std::nullopt},
      {"-2", std::nullopt}, {"--1", std::nullopt}, {"1.1", std::nullopt}, {"8000000000000000", std::nullopt},
      {"p1.1.1", std::nullopt}, {"q1", std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(parse_thread_id(row.text) == row.id);
  }
}

TEST_CASE("parse: which ids refer to the one thread (pid 1, tid 1)") {
  struct Row { ThreadId id; bool refers; };
  const Row rows[] = {
      {kP1T1, true}, {kP1All, true}, {kT1, true}, {kAll, true}, {kAny, true},
      {ThreadId{0, 0}, true}, {ThreadId{-1, 1}, true},
      {ThreadId{2, 1}, false}, {ThreadId{1, 2}, false}, {ThreadId{std::nullopt, 2}, false},
  };
  for (const Row& row : rows) {
    CAPTURE(format_thread_id(row.id.pid.value_or(1), row.id.tid, row.id.pid.has_value()));
    CHECK(refers_to(row.id, 1, 1) == row.refers);
  }
  CHECK(format_thread_id(1, 1, true) == "p1.1");
  CHECK(format_thread_id(1, 1, false) == "1");
  CHECK(format_thread_id(0x2a, -1, true) == "p2a.-1");
}

TEST_CASE("parse: command_name names every alternative") {
  CHECK(command_name(parse_command("g")) == "ReadRegisters");
  CHECK(command_name(parse_command("")) == "Malformed");
  CHECK(command_name(Command{Interrupt{}}) == "Interrupt");
  CHECK(command_name(parse_command("qTfV")) == "Unsupported");
}

TEST_CASE("parse: qXfer:siginfo:read and vFile host I/O") {
  auto file = [](FileIo::Op op) {
    FileIo f;
    f.op = op;
    return f;
  };
  FileIo setfs = file(FileIo::Op::SetFs);
  FileIo setfs7 = setfs;
  setfs7.pid = 7;
  FileIo open = file(FileIo::Op::Open);
  open.path = "/tmp/a b";
  open.mode = 0x1c0;
  FileIo pread = file(FileIo::Op::Pread);
  pread.fd = 3;
  pread.count = 0x3fff;
  pread.offset = 0x100000000;
  FileIo close = file(FileIo::Op::Close);
  close.fd = 3;
  FileIo fstat = file(FileIo::Op::Fstat);
  fstat.fd = 4;
  FileIo unlink = file(FileIo::Op::Other);
  unlink.name = "unlink";
  check_rows({
      {"qXfer:siginfo:read::0,fff", XferSigInfoRead{0, 0xfff}},
      {"qXfer:siginfo:read::80,10", XferSigInfoRead{0x80, 0x10}},
      {"qXfer:siginfo:write::0:abcd", Unsupported{"qXfer:siginfo:write"}},
      {"vFile:setfs:0", setfs},
      {"vFile:setfs:7", setfs7},
      {"vFile:open:2f746d702f612062,0,1c0", open},
      {"vFile:pread:3,3fff,100000000", pread},
      {"vFile:close:3", close},
      {"vFile:fstat:4", fstat},
      {"vFile:unlink:2f746d70", unlink},
      {"vFile", Unsupported{"vFile"}},
  });
}
