// tests/server/test_debugger.cpp - scripted gdb conversations through the
// Debugger (no sockets): payload in, exact reply payloads out.
#include <doctest/doctest.h>

#include "fake_target.hpp"
#include "protocol/command.hpp"
#include "protocol/hex.hpp"
#include "protocol/reply.hpp"
#include "server/debugger.hpp"

#include <unistd.h>

#include <cstdlib>

using namespace rvrr;
using namespace rvrr::server;
using rvrr::server::test::FakeTarget;

namespace {

struct Conversation {
  FakeTarget target;
  Debugger debugger{target, DebuggerOptions{"/tmp/prog.elf", {}}};
  SessionAction action = SessionAction::Continue;

  // Sends one packet payload; returns every reply payload, running any Work
  // to completion as the session would.
  std::vector<std::string> send(std::string_view packet) {
    INFO("packet: " << packet);
    Outcome o = debugger.handle(protocol::parse_command(packet));
    action = o.action;
    std::vector<std::string> out;
    for (const auto& r : o.replies) out.push_back(protocol::format_reply(r));
    if (o.work) {
      timeline::CancelToken cancel;
      timeline::StopEvent event = debugger.execute(*o.work, cancel);
      Outcome f = debugger.finish(*o.work, event);
      for (const auto& r : f.replies) out.push_back(protocol::format_reply(r));
    }
    return out;
  }
  std::string one(std::string_view packet) {
    auto replies = send(packet);
    INFO("packet: " << packet);
    REQUIRE(replies.size() == 1);
    return replies[0];
  }
  void negotiate(std::string_view offers = "multiprocess+;swbreak+;hwbreak+;vContSupported+") {
    send(offers.empty() ? std::string("qSupported") : "qSupported:" + std::string(offers));
  }
};

// The text of an O packet.
std::string console(const std::string& reply) {
  REQUIRE(reply.size() >= 1);
  REQUIRE(reply[0] == 'O');
  auto text = protocol::from_hex_string(std::string_view(reply).substr(1));
  REQUIRE(text.has_value());
  return *text;
}

// The events of the kinds that carry nothing but where they happened.
timeline::StopEvent event_of(timeline::StopKind kind, std::uint64_t icount) {
  switch (kind) {
    case timeline::StopKind::Step: return timeline::StopEvent::step(icount);
    case timeline::StopKind::Breakpoint: return timeline::StopEvent::breakpoint(icount);
    case timeline::StopKind::HistoryBegin: return timeline::StopEvent::history_begin();
    case timeline::StopKind::HistoryEnd: return timeline::StopEvent::history_end(icount);
    case timeline::StopKind::Interrupted: return timeline::StopEvent::interrupted(icount);
    case timeline::StopKind::SeekDone: return timeline::StopEvent::seek_done(icount);
    default: break;
  }
  FAIL("event_of: this kind carries more than a count");
  return {};
}

}  // namespace

TEST_CASE("qSupported advertises reverse execution and negotiates only what gdb offered") {
  Conversation c;
  CHECK(c.one("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vContSupported+") ==
        "PacketSize=4000;qXfer:features:read+;qXfer:exec-file:read+;qXfer:siginfo:read+;QStartNoAckMode+;ReverseStep+;"
        "ReverseContinue+;vContSupported+;swbreak+;hwbreak+;multiprocess+");
  CHECK(c.one("qC") == "QCp1.1");
  CHECK(c.one("qfThreadInfo") == "mp1.1");
  CHECK(c.one("qsThreadInfo") == "l");

  Conversation plain;
  CHECK(plain.one("qSupported") ==
        "PacketSize=4000;qXfer:features:read+;qXfer:exec-file:read+;qXfer:siginfo:read+;QStartNoAckMode+;ReverseStep+;"
        "ReverseContinue+;vContSupported+");
  CHECK(plain.one("qC") == "QC1");
}

TEST_CASE("session queries: no-ack, attached, offsets, threads, vCont?") {
  Conversation c;
  c.negotiate();
  CHECK_FALSE(c.debugger.no_ack());
  CHECK(c.one("QStartNoAckMode") == "OK");
  CHECK(c.debugger.no_ack());
  CHECK(c.one("vMustReplyEmpty") == "");
  CHECK(c.one("qAttached:1") == "1");
  CHECK(c.one("qOffsets") == "");
  CHECK(c.one("qTStatus") == "");
  CHECK(c.one("Hgp1.1") == "OK");
  CHECK(c.one("Hc-1") == "OK");
  CHECK(c.one("Hgp2.1") == "E01");
  CHECK(c.one("Tp1.1") == "OK");
  CHECK(c.one("vCont?") == "vCont;c;C;s;S");
  CHECK(c.one("?") == "T05thread:p1.1;20:74000100;2:00000000;8:00000000;");
}

TEST_CASE("target.xml and the exec file are served in chunks") {
  Conversation c;
  c.negotiate();
  std::string first = c.one("qXfer:features:read:target.xml:0,a");
  CHECK(first == "m<?xml vers");
  std::string all = c.one("qXfer:features:read:target.xml:0,4000");
  REQUIRE(all.size() > 1);
  CHECK(all[0] == 'l');
  CHECK(all.find("riscv:rv32") != std::string::npos);
  CHECK(c.one("qXfer:features:read:other.xml:0,100") == "E00");
  CHECK(c.one("qXfer:exec-file:read::0,100") == "l/tmp/prog.elf");
  CHECK(c.one("qXfer:exec-file:read::5,4") == "mprog");
}

TEST_CASE("g reads x0..x31 then pc, 4 bytes little-endian each - p by regnum") {
  Conversation c;
  c.negotiate();
  c.target.regs[1] = 0x12345678;
  c.target.regs[31] = 0xdeadbeef;
  std::string g = c.one("g");
  REQUIRE(g.size() == 33 * 8);
  CHECK(g.substr(0, 8) == "00000000");
  CHECK(g.substr(8, 8) == "78563412");
  CHECK(g.substr(31 * 8, 8) == "efbeadde");
  CHECK(g.substr(32 * 8, 8) == "74000100");
  CHECK(c.one("p1") == "78563412");
  CHECK(c.one("p20") == "74000100");
  CHECK(c.one("p21") == "E00");  // not in target.xml
  CHECK(c.one("p") == "E03");    // malformed
}

TEST_CASE("register writes go to the target, and are refused in a replay") {
  Conversation c;
  c.negotiate();
  CHECK(c.one("P5=efbeadde") == "OK");
  CHECK(c.target.regs[5] == 0xdeadbeef);
  CHECK(c.one("P5=efbe") == "E03");
  CHECK(c.one("P21=00000000") == "E03");  // ft0 (regnum 33) takes 8 bytes
  std::string g = c.one("g");
  g.replace(6 * 8, 8, "01000000");
  CHECK(c.one("G" + g) == "OK");
  CHECK(c.target.regs[6] == 1);
  CHECK(c.one("G00") == "E03");

  c.target.replay = true;
  // gdb prints an E.message reply to a register write: the reason reaches the user.
  CHECK(c.one("P5=00000000") == "E.rvrr: a replay cannot change the past");
  CHECK(c.one("P5=efbeadde") == "OK");  // unchanged: not a write
  CHECK(c.one("G" + g) == "OK");        // unchanged: no write attempted
}

TEST_CASE("m reads memory - unmapped -> E14 - a read running off the end is short") {
  Conversation c;
  c.negotiate();
  c.target.mem[0] = 0x13;
  c.target.mem[1] = 0x05;
  c.target.mem[2] = 0x10;
  c.target.mem[3] = 0x00;
  CHECK(c.one("m10000,4") == "13051000");
  CHECK(c.one("m0,4") == "E14");
  CHECK(c.one("mffffffff,4") == "E14");
  CHECK(c.one("m11ffe,4") == "0000");  // only two bytes are mapped
  CHECK(c.one("m10000,0") == "");
  CHECK(c.one("m10000") == "E03");
  CHECK(c.one("m10000,zz") == "E03");
}

TEST_CASE("M and X write memory - X with no data is gdb's probe") {
  Conversation c;
  c.negotiate();
  CHECK(c.one("M10010,2:abcd") == "OK");
  CHECK(c.target.mem[0x10] == 0xab);
  CHECK(c.target.mem[0x11] == 0xcd);
  CHECK(c.one("X10010,0:") == "OK");
  CHECK(c.one("M0,1:00") == "E.rvrr: unmapped");
  CHECK(c.one("M10010,2:ab") == "E03");  // length mismatch
  c.target.replay = true;
  CHECK(c.one("M10010,1:00") == "E.rvrr: a replay cannot change the past");
  CHECK(c.one("M10010,2:abcd") == "OK");  // unchanged
}

TEST_CASE("Z/z insert and remove breakpoints and watchpoints without touching memory") {
  Conversation c;
  c.negotiate();
  c.target.mem[0x74] = 0x93;
  CHECK(c.one("Z0,10074,4") == "OK");
  CHECK(c.target.points().has_breakpoint(0x10074));
  CHECK(c.target.mem[0x74] == 0x93);
  CHECK(c.one("m10074,1") == "93");
  CHECK(c.one("Z0,10076,2") == "OK");
  CHECK(c.one("Z0,10078,3") == "E03");
  CHECK(c.one("z0,10074,4") == "OK");
  CHECK_FALSE(c.target.points().has_breakpoint(0x10074));
  CHECK(c.one("z0,10074,4") == "OK");  // removing twice is harmless
  CHECK(c.one("Z2,10100,4") == "OK");
  CHECK(c.target.points().has_watches());
  CHECK(c.target.points().check_access(0x10102, 1, true).has_value());
  CHECK_FALSE(c.target.points().check_access(0x10102, 1, false).has_value());
  CHECK(c.one("z2,10100,4") == "OK");
  CHECK_FALSE(c.target.points().has_watches());
  CHECK(c.one("Z3,10100,4") == "OK");
  CHECK(c.target.points().check_access(0x10100, 4, false).has_value());
  CHECK(c.one("Z2,10100,0") == "E03");
}

TEST_CASE("vCont c to a breakpoint -> T05 swbreak (only when negotiated)") {
  Conversation c;
  c.negotiate();
  c.target.regs[2] = 0x7ffffff0;
  c.target.regs[8] = 0x7ffffff8;
  c.target.on_resume = [&](timeline::Direction d, timeline::ResumeKind k, const timeline::CancelToken&) {
    CHECK(d == timeline::Direction::Forward);
    CHECK(k == timeline::ResumeKind::Continue);
    c.target.regs[32] = 0x10080;
    return event_of(timeline::StopKind::Breakpoint, 17);
  };
  CHECK(c.one("Z0,10080,4") == "OK");
  CHECK(c.one("vCont;c:p1.1") == "T05swbreak:;thread:p1.1;20:80000100;2:f0ffff7f;8:f8ffff7f;");
  CHECK(c.one("?") == "T05swbreak:;thread:p1.1;20:80000100;2:f0ffff7f;8:f8ffff7f;");

  Conversation plain;
  plain.negotiate("");
  plain.target.on_resume = [&](timeline::Direction, timeline::ResumeKind,
                                                    const timeline::CancelToken&) {
    return event_of(timeline::StopKind::Breakpoint, 17);
  };
  CHECK(plain.one("c") == "T05thread:1;20:74000100;2:00000000;8:00000000;");
  CHECK(plain.one("vCont;c:p2.1") == "E01");  // not our process
}

TEST_CASE("a Z1 breakpoint reports hwbreak") {
  Conversation c;
  c.negotiate();
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) {
    return event_of(timeline::StopKind::Breakpoint, 3);
  };
  CHECK(c.one("Z1,10074,4") == "OK");
  CHECK(c.one("c").rfind("T05hwbreak:;thread:p1.1;", 0) == 0);
  CHECK(c.one("z1,10074,4") == "OK");
  CHECK(c.one("c").rfind("T05swbreak:;thread:p1.1;", 0) == 0);
}

TEST_CASE("watchpoint stops name the kind and the watched address") {
  Conversation c;
  c.negotiate();
  timeline::StopEvent e = timeline::StopEvent::watchpoint(9, 0x10100, vm::WatchKind::Write);
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) { return e; };
  CHECK(c.one("c").rfind("T05watch:10100;thread:p1.1;", 0) == 0);
  e = timeline::StopEvent::watchpoint(9, 0x10100, vm::WatchKind::Read);
  CHECK(c.one("bc").rfind("T05rwatch:10100;thread:p1.1;", 0) == 0);
  e = timeline::StopEvent::watchpoint(9, 0x10100, vm::WatchKind::Access);
  CHECK(c.one("c").rfind("T05awatch:10100;thread:p1.1;", 0) == 0);
}

TEST_CASE("bs at instruction 0 -> replaylog:begin") {
  Conversation c;
  c.negotiate();
  c.target.on_resume = [&](timeline::Direction d, timeline::ResumeKind k, const timeline::CancelToken&) {
    CHECK(d == timeline::Direction::Backward);
    CHECK(k == timeline::ResumeKind::Step);
    return event_of(timeline::StopKind::HistoryBegin, 0);
  };
  auto replies = c.send("bs");
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "[rvrr] reached the start of history\n");
  CHECK(replies[1] == "T05replaylog:begin;thread:p1.1;20:74000100;2:00000000;8:00000000;");
}

TEST_CASE("the guest's exit: console output, then T05 replaylog:end (never W)") {
  Conversation c;
  c.negotiate();
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) {
    return timeline::StopEvent::exited(500, 3);
  };
  auto replies = c.send("vCont;c:p1.-1");
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) ==
        "[rvrr] the program exited with status 3; reverse-step or reverse-continue to go back\n");
  CHECK(replies[1].rfind("T05replaylog:end;thread:p1.1;", 0) == 0);
}

TEST_CASE("faults report their signal - interrupts T02 - divergence is explained") {
  Conversation c;
  c.negotiate();
  timeline::StopEvent e = timeline::StopEvent::fault(40, vm::Signal::Segv, "");
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) { return e; };
  CHECK(c.one("c").rfind("T0bthread:p1.1;", 0) == 0);
  e = timeline::StopEvent::fault(40, vm::Signal::Ill, "");
  CHECK(c.one("vCont;C0b:p1.1").rfind("T04thread:p1.1;", 0) == 0);
  e = event_of(timeline::StopKind::Interrupted, 41);
  CHECK(c.one("c").rfind("T02thread:p1.1;", 0) == 0);
  e = timeline::StopEvent::divergence(42, "divergence at instruction 42: the trace has read(fd 0, 16 bytes) here");
  auto replies = c.send("c");
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "[rvrr] replay diverged: " + e.message() + "\n");
  CHECK(replies[1].rfind("T05thread:p1.1;", 0) == 0);
  e = event_of(timeline::StopKind::Step, 43);
  CHECK(c.one("vCont;s:p1.1").rfind("T05thread:p1.1;", 0) == 0);
}

TEST_CASE("monitor commands: help, when, checkpoint, seek, restart, info timeline, stats") {
  Conversation c;
  c.negotiate();
  auto hex = [](std::string_view text) { return "qRcmd," + protocol::to_hex(text); };

  auto replies = c.send(hex("help"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).find("seek N") != std::string::npos);
  CHECK(replies[1] == "OK");

  c.target.icount = 42;
  replies = c.send(hex("when"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "Current instruction: 42\n");
  CHECK(replies[1] == "OK");

  replies = c.send(hex("checkpoint"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "Checkpoint 1 at instruction 42\n");

  replies = c.send(hex("seek 7"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "Now at instruction 7\n");
  CHECK(replies[1] == "OK");
  CHECK(c.target.icount == 7);

  replies = c.send(hex("restart 1"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "Now at instruction 42\n");
  CHECK(c.target.icount == 42);

  replies = c.send(hex("restart 9"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "no checkpoint 9 (see monitor checkpoints)\n");

  replies = c.send(hex("seek x"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).rfind("usage: monitor seek N", 0) == 0);

  replies = c.send(hex("info timeline"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).find("history: 1,000 instructions") != std::string::npos);
  CHECK(console(replies[0]).find("3.0 MiB") != std::string::npos);

  replies = c.send(hex("stats"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).find("instructions executed: 123,456") != std::string::npos);

  replies = c.send(hex("frobnicate"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).find("unknown monitor command 'frobnicate'") != std::string::npos);
}

TEST_CASE("monitor seek P% and seek-next: a percentage of history; an armed seek is the next resume") {
  Conversation c;
  c.negotiate();
  auto hex = [](std::string_view text) { return "qRcmd," + protocol::to_hex(text); };
  c.target.end = 1001;
  auto replies = c.send(hex("seek 50%"));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "Now at instruction 500\n");  // rounded down
  replies = c.send(hex("seek 12.5%"));
  CHECK(console(replies[0]) == "Now at instruction 125\n");
  replies = c.send(hex("seek 100%"));
  CHECK(console(replies[0]) == "Now at instruction 1001\n");
  replies = c.send(hex("seek 0%"));
  CHECK(console(replies[0]) == "Now at instruction 0\n");
  for (const char* bad : {"seek 100.5%", "seek 150%", "seek -1%", "seek %", "seek 1.2.3%", "seek .%", "seek 5%%",
                          "seek 1.0000000001%", "seek 99999999999999999999999%"}) {
    CAPTURE(bad);
    replies = c.send(hex(bad));
    REQUIRE(replies.size() == 2);
    CHECK(console(replies[0]).rfind("usage: monitor seek N|P%", 0) == 0);
    CHECK(c.target.icount == 0);
  }

  // Armed: the monitor command itself moves nothing and says nothing ...
  replies = c.send(hex("seek-next 700"));
  REQUIRE(replies.size() == 1);
  CHECK(replies[0] == "OK");
  CHECK(c.target.icount == 0);
  // ... and the next resume, whatever it asks, is that seek, with a stop reply.
  CHECK(c.one("vCont;s:p1.1").rfind("T05thread:p1.1;", 0) == 0);
  CHECK(c.target.icount == 700);
  // Used once: the resume after it is a plain step again.
  c.one("vCont;s:p1.1");
  CHECK(c.target.icount == 701);
  // Any other monitor command disarms it; so does a new gdb.
  c.send(hex("seek-next 10%"));
  c.send(hex("when"));
  c.one("vCont;s:p1.1");
  CHECK(c.target.icount == 702);
  c.send(hex("seek-next 5"));
  c.debugger.start_session();
  c.negotiate();
  c.one("vCont;s:p1.1");
  CHECK(c.target.icount == 703);
  // A bad argument arms nothing.
  replies = c.send(hex("seek-next 12x"));
  CHECK(console(replies[0]).rfind("usage: monitor seek-next N|P%", 0) == 0);
  c.one("vCont;s:p1.1");
  CHECK(c.target.icount == 704);
}

TEST_CASE("malformed packets -> E03, unknown ones -> empty") {
  Conversation c;
  c.negotiate();
  CHECK(c.one("Z0,zz,4") == "E03");
  CHECK(c.one("M10000,1") == "E03");
  CHECK(c.one("qRcmd,zz") == "E03");
  CHECK(c.one("qTfV") == "");
  // vFile is served, but only for the program: /etc/passwd is refused (EACCES).
  CHECK(c.one("vFile:open:2f6574632f706173737764,0,0") == "F-1,d");
  CHECK(c.one("R00") == "");
}

TEST_CASE("D detaches, k and vKill end the server") {
  Conversation c;
  c.negotiate();
  CHECK(c.one("D") == "OK");
  CHECK(c.action == SessionAction::Detach);
  CHECK(c.send("k").empty());
  CHECK(c.action == SessionAction::Kill);
  CHECK(c.one("vKill;1") == "OK");
  CHECK(c.action == SessionAction::Kill);
}

TEST_CASE("extended-remote: kill keeps the server, vRun goes back to the first instruction") {
  Conversation c;
  c.negotiate();
  CHECK(c.one("!") == "OK");
  c.target.icount = 500;
  CHECK(c.one("vKill;1") == "OK");
  CHECK(c.action == SessionAction::Continue);
  CHECK(c.debugger.process_killed());
  CHECK(c.send("k").empty());
  CHECK(c.action == SessionAction::Continue);
  // `run`: a stop reply for the process at its start (a seek to 0).
  CHECK(c.one("vRun;;").rfind("T05thread:p1.1;", 0) == 0);
  CHECK(c.target.icount == 0);
  CHECK_FALSE(c.debugger.process_killed());
  // Arguments cannot change a recorded run: it starts again as recorded.
  c.target.icount = 7;
  CHECK(c.one("vRun;;6f74686572").rfind("T05", 0) == 0);
  CHECK(c.target.icount == 0);
  // A new gdb starts in plain remote mode again: there a kill ends the server.
  c.debugger.start_session();
  c.negotiate();
  CHECK(c.one("vKill;1") == "OK");
  CHECK(c.action == SessionAction::Kill);
}

TEST_CASE("a new session forgets the old one's features, acks and breakpoints") {
  Conversation c;
  c.negotiate();
  c.send("QStartNoAckMode");
  c.send("Z0,10074,4");
  c.debugger.start_session();
  CHECK_FALSE(c.debugger.no_ack());
  CHECK_FALSE(c.target.points().has_breakpoint(0x10074));
  CHECK(c.one("qC") == "QC1");
}

TEST_CASE("arriving at the fatal fault again reports the signal - resuming from it is the end") {
  Conversation c;
  c.negotiate();
  c.target.icount = 10;
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) {
    // What the Timeline reports (its tests hold the rule): the signal when a
    // run arrives at the fault, the end of history when it starts there.
    const bool began_there = c.target.icount == 12;
    c.target.icount = 12;
    return began_there ? timeline::StopEvent::history_end(12, vm::Signal::Segv, "store to 0x00000000")
                       : timeline::StopEvent::fault(12, vm::Signal::Segv, "store to 0x00000000");
  };
  CHECK(c.one("c").rfind("T0bthread:p1.1;", 0) == 0);  // from 10 to the fault at 12
  auto replies = c.send("c");                           // from the fault: nowhere to go
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).rfind("[rvrr] end of history: the program was stopped by SIGSEGV", 0) == 0);
  CHECK(replies[1].rfind("T05replaylog:end;thread:p1.1;", 0) == 0);
}

TEST_CASE("hostile input: random and mutated packets never crash the Debugger") {
  Conversation c;
  c.negotiate();
  const std::vector<std::string> seeds = {
      "m10000,4", "M10000,2:abcd", "X10000,1:a", "Z0,10074,4", "z2,10100,4", "p20", "P20=74000100",
      "g", "vCont;c:p1.1", "bs", "qXfer:features:read:target.xml:0,ffff", "qRcmd,7365656b2031",
      "qXfer:exec-file:read::0,fffffff", "Hgp1.1", "qSupported:swbreak+", "m0,ffffffff", "Z4,ffffffff,2"};
  std::uint64_t rng = 0x243F6A8885A308D3ull;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  for (int i = 0; i < 20000; ++i) {
    std::string p = seeds[next() % seeds.size()];
    int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits && !p.empty(); ++e) {
      std::size_t at = next() % p.size();
      switch (next() % 3) {
        case 0: p[at] = static_cast<char>(next() & 0xff); break;
        case 1: p.erase(at, 1); break;
        default: p.insert(at, 1, static_cast<char>(next() & 0xff)); break;
      }
    }
    if (p == "D" || p == "k" || p.rfind("vKill", 0) == 0) continue;
    CAPTURE(p);
    CHECK_NOTHROW(c.send(p));
  }
  c.negotiate();  // a mutated qSupported may have renegotiated
  CHECK(c.one("qC") == "QCp1.1");  // still answering sensibly
  CHECK(c.one("m10000,2").size() == 4);  // (mutated M/X packets may have written there)
}

TEST_CASE("signals in stop replies use gdb's numbering: SIGBUS is 10, never Linux's 7 (gdb's SIGEMT)") {
  Conversation c;
  c.negotiate();
  timeline::StopEvent e;
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) { return e; };
  const std::pair<vm::Signal, const char*> expected[] = {
      {vm::Signal::Bus, "T0athread:"}, {vm::Signal::Segv, "T0bthread:"}, {vm::Signal::Ill, "T04thread:"},
      {vm::Signal::Trap, "T05thread:"}, {vm::Signal::Int, "T02thread:"}};
  for (auto [signal, prefix] : expected) {
    CAPTURE(vm::signal_name(signal));
    e = timeline::StopEvent::fault(40, signal, "");
    CHECK(c.one("c").rfind(prefix, 0) == 0);
    CHECK(c.one("?").rfind(prefix, 0) == 0);
  }
}

TEST_CASE("$_siginfo: qXfer:siginfo:read gives the Linux ILP32 siginfo of the last stop") {
  Conversation c;
  c.negotiate();
  auto siginfo = [&] {
    std::string r = c.one("qXfer:siginfo:read::0,200");
    REQUIRE(r.size() == 1 + 128);
    CHECK(r[0] == 'l');
    return r.substr(1);
  };
  auto le32 = [](const std::string& b, std::size_t at) {
    return std::uint32_t(std::uint8_t(b[at])) | std::uint32_t(std::uint8_t(b[at + 1])) << 8 |
           std::uint32_t(std::uint8_t(b[at + 2])) << 16 | std::uint32_t(std::uint8_t(b[at + 3])) << 24;
  };
  // Before any stop: the SIGTRAP the first '?' reports.
  CHECK(c.one("qXfer:siginfo:read::0,4") == std::string("m\x05\x00\x00\x00", 5));
  timeline::StopEvent e;
  c.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&) { return e; };

  e = timeline::StopEvent::fault(40, vm::Signal::Bus, "");  // a misaligned atomic at 0x10003
  c.target.fault = 0x10003;
  c.send("c");
  std::string b = siginfo();
  CHECK(le32(b, 0) == 7);        // si_signo: Linux SIGBUS
  CHECK(le32(b, 8) == 1);        // si_code: BUS_ADRALN
  CHECK(le32(b, 12) == 0x10003); // si_addr

  e = timeline::StopEvent::fault(40, vm::Signal::Segv, "");   // unmapped
  c.target.fault = 0x4;
  c.send("c");
  b = siginfo();
  CHECK(le32(b, 0) == 11);
  CHECK(le32(b, 8) == 1);        // SEGV_MAPERR
  CHECK(le32(b, 12) == 0x4);
  c.target.fault = 0x10000;      // mapped (a store to code): SEGV_ACCERR
  c.send("c");
  CHECK(le32(siginfo(), 8) == 2);

  e = event_of(timeline::StopKind::Step, 41);  // a plain stop: SIGTRAP at pc
  c.send("c");
  b = siginfo();
  CHECK(le32(b, 0) == 5);
  CHECK(le32(b, 12) == c.target.regs[32]);
  // Chunked reads, as for any qXfer object.
  CHECK(c.one("qXfer:siginfo:read::0,4") == std::string("m\x05\x00\x00\x00", 5));
  CHECK(c.one("qXfer:siginfo:read::80,10") == "l");
}

TEST_CASE("a write behind the end of a live history says how much recorded future it discarded") {
  Conversation c;
  c.negotiate();
  c.target.icount = 5782;
  c.target.end = 9247;
  CHECK(c.one("M10010,2:abcd") == "OK");  // no output now: gdb ignores O packets here
  // The note goes out with the next monitor command (gdbinit asks with `monitor notes`) ...
  auto replies = c.send(std::string("qRcmd,") + protocol::to_hex(std::string_view("notes")));
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) ==
        "[rvrr] warning: this write changed the past at instruction 5,782: the recorded future after it "
        "(3,465 instructions, up to instruction 9,247) is discarded; history now ends here\n");
  CHECK(replies[1] == "OK");
  CHECK(c.send(std::string("qRcmd,") + protocol::to_hex(std::string_view("notes"))) ==
        std::vector<std::string>{"OK"});  // once
  // ... or with the next stop (an inferior call resumes right after its writes).
  c.target.end = 9000;
  CHECK(c.one("P5=01000000") == "OK");
  replies = c.send("c");
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]).find("3,218 instructions") != std::string::npos);
  CHECK(replies[1].rfind("T05", 0) == 0);
  // At the end of history nothing is discarded, and nothing is said.
  CHECK(c.one("M10010,2:0102") == "OK");
  CHECK(c.send(std::string("qRcmd,") + protocol::to_hex(std::string_view("notes"))) ==
        std::vector<std::string>{"OK"});
  // A refused memory write (gdb only prints "Cannot access memory") is explained at the next stop.
  c.target.replay = true;
  CHECK(c.one("M10010,2:abcd") == "E.rvrr: a replay cannot change the past");
  replies = c.send("c");
  REQUIRE(replies.size() == 2);
  CHECK(console(replies[0]) == "[rvrr] memory write at 0x10010 refused: a replay cannot change the past\n");
}

TEST_CASE("vFile serves the program read-only, and nothing else") {
  char path[] = "/tmp/rvrr-vfile-XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string content = std::string("\x7f" "ELF", 4) + std::string(5000, 'x') + "#$}*end";
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
  FakeTarget target;
  Debugger d{target, DebuggerOptions{path, {}}};
  auto send = [&](const std::string& packet) {
    Outcome o = d.handle(protocol::parse_command(packet));
    REQUIRE(o.replies.size() == 1);
    return protocol::format_reply(o.replies[0]);
  };
  auto hex = [](std::string_view s) { return protocol::to_hex(s); };
  CHECK(send("vFile:setfs:0") == "F0");
  CHECK(send("vFile:open:" + hex("/etc/passwd") + ",0,1c0") == "F-1,d");        // EACCES
  CHECK(send("vFile:open:" + hex(path) + ",1,1c0") == "F-1,1e");                // O_WRONLY: EROFS
  CHECK(send("vFile:open:" + hex(path) + ",200,1a4") == "F-1,1e");              // O_CREAT: EROFS
  std::string opened = send("vFile:open:" + hex(path) + ",0,1c0");
  REQUIRE(opened.rfind("F", 0) == 0);
  std::string gfd = opened.substr(1);
  CHECK(gfd != "-1,d");
  std::string first = send("vFile:pread:" + gfd + ",4,0");
  CHECK(first == std::string("F4;\x7f" "ELF", 7));
  std::string tail = send("vFile:pread:" + gfd + ",100," + protocol::format_hex(content.size() - 7));
  CHECK(tail == "F7;#$}*end");  // format_reply is unescaped: encode_packet escapes
  // At the end: an empty attachment, which gdb requires (without it, gdb's
  // pread fails with EINVAL and `info proc mappings` says it cannot open the file).
  CHECK(send("vFile:pread:" + gfd + ",10," + protocol::format_hex(content.size())) == "F0;");
  std::string st = send("vFile:fstat:" + gfd);
  REQUIRE(st.size() == 4 + 64);
  CHECK(st.substr(0, 4) == "F40;");  // the result is the size of struct stat (gdb checks it)
  std::uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size = size << 8 | std::uint8_t(st[4 + 28 + i]);  // st_size, big-endian
  CHECK(size == content.size());
  CHECK(send("vFile:close:" + gfd) == "F0");
  CHECK(send("vFile:close:" + gfd) == "F-1,9");                                 // EBADF
  CHECK(send("vFile:pread:" + gfd + ",4,0") == "F-1,9");
  CHECK(send("vFile:unlink:" + hex(path)) == "F-1,58");                        // ENOSYS
  CHECK(send("vFile:open:zz,0,0") == "E03");
  ::unlink(path);
}

TEST_CASE("float registers: p serves f0..f31 (64 bits) and fflags/frm/fcsr; P writes them") {
  Conversation c;
  c.negotiate();
  c.target.fregs.assign(33, 0);
  c.target.fregs[0] = 0x3ff8000000000000ull;   // ft0 = 1.5
  c.target.fregs[10] = 0xffffffff40490fdbull;  // fa0 = (float) pi, NaN-boxed
  c.target.fregs[32] = 0x61;                   // fcsr: frm = 3, NX
  CHECK(c.one("g").size() == 33 * 8);          // the 'g' block stays x0..x31, pc
  CHECK(c.one("p21") == "000000000000f83f");    // ft0 (regnum 33)
  CHECK(c.one("p2b") == "db0f4940ffffffff");    // fa0 (regnum 43)
  CHECK(c.one("p40") == "0000000000000000");    // ft11 (regnum 64)
  CHECK(c.one("p41") == "E00");                 // 65: not in target.xml
  CHECK(c.one("p42") == "01000000");            // fflags (66)
  CHECK(c.one("p43") == "03000000");            // frm (67)
  CHECK(c.one("p44") == "61000000");            // fcsr (68)
  CHECK(c.one("p45") == "E00");
  CHECK(c.one("P21=000000000000f03f") == "OK");  // ft0 = 1.0: written (inferior calls restore them)
  CHECK(c.target.fregs[0] == 0x3ff0000000000000ull);
  CHECK(c.one("P21=0000f03f") == "E03");          // a float register takes 8 bytes
  CHECK(c.one("P42=1f000000") == "OK");            // fflags: only fcsr's low 5 bits change
  CHECK(c.target.fregs[32] == 0x7f);
  CHECK(c.one("P43=01000000") == "OK");            // frm = 1
  CHECK(c.target.fregs[32] == 0x3f);
  c.target.replay = true;
  CHECK(c.one("P21=0000000000000000").rfind("E.rvrr", 0) == 0);  // a replay refuses, saying why
}
