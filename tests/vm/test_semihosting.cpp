// tests/vm/test_semihosting.cpp - RISC-V semihosting calls, driven directly.
#include <doctest/doctest.h>

#include "tests/vm/syscall_rig.hpp"

using namespace rvrr::vm;
using namespace rvrr::test;

namespace {
constexpr std::uint32_t kOpen = 1, kClose = 2, kWriteC = 3, kWrite0 = 4, kWrite = 5, kRead = 6, kReadC = 7,
                        kIsTty = 9, kSeek = 10, kFlen = 12, kClock = 0x10, kTime = 0x11, kErrno = 0x13,
                        kGetCmdline = 0x15, kHeapInfo = 0x16, kExit = 0x18, kExitExtended = 0x20,
                        kElapsed = 0x30, kTickFreq = 0x31;
constexpr Addr kBlock = Rig::kRam + 0x800;
constexpr Addr kName = Rig::kRam + 0x900;
constexpr Addr kBuf = Rig::kRam + 0xa00;

// OPEN {name, mode, len}; returns the handle.
std::int32_t open(Rig& r, const std::string& name, std::uint32_t mode) {
  r.poke_cstr(kName, name);
  r.poke32(kBlock, kName);
  r.poke32(kBlock + 4, mode);
  r.poke32(kBlock + 8, static_cast<std::uint32_t>(name.size()));
  CHECK_FALSE(r.semihost(kOpen, kBlock));
  return r.a0();
}
void block3(Rig& r, std::uint32_t a, std::uint32_t b, std::uint32_t c) {
  r.poke32(kBlock, a);
  r.poke32(kBlock + 4, b);
  r.poke32(kBlock + 8, c);
}
}  // namespace

TEST_CASE("semihosting: WRITEC and WRITE0") {
  Rig r;
  r.poke(kBuf, "X");
  CHECK_FALSE(r.semihost(kWriteC, kBuf));
  r.poke_cstr(kBuf, "hello, world\n");
  CHECK_FALSE(r.semihost(kWrite0, kBuf));
  CHECK(r.env.out == "Xhello, world\n");
  CHECK(r.env.out_fds == std::vector<int>{1, 1});
  CHECK_FALSE(r.semihost(kWrite0, Rig::kUnmapped));
  CHECK(r.a0() == -1);
  CHECK(r.env.out == "Xhello, world\n");
}

TEST_CASE("semihosting: OPEN :tt and WRITE returns the bytes not written") {
  Rig r;
  const std::int32_t out = open(r, ":tt", 4);  // "w" -> stdout
  const std::int32_t err = open(r, ":tt", 8);  // "a" -> stderr
  const std::int32_t in = open(r, ":tt", 0);   // "r" -> stdin
  CHECK(out >= 3);
  CHECK(err >= 3);
  CHECK(in >= 3);
  CHECK(out != err);
  r.poke(kBuf, "to out");
  block3(r, out, kBuf, 6);
  CHECK_FALSE(r.semihost(kWrite, kBlock));
  CHECK(r.a0() == 0);
  block3(r, err, kBuf, 2);
  CHECK_FALSE(r.semihost(kWrite, kBlock));
  CHECK(r.a0() == 0);
  CHECK(r.env.out == "to outto");
  CHECK(r.env.out_fds == std::vector<int>{1, 2});
  block3(r, in, kBuf, 6);
  CHECK_FALSE(r.semihost(kWrite, kBlock));
  CHECK(r.a0() == 6);  // nothing written to stdin
  block3(r, out, Rig::kUnmapped, 6);
  CHECK_FALSE(r.semihost(kWrite, kBlock));
  CHECK(r.a0() == 6);

  r.env.replies.push_back(reply_data("hey"));
  block3(r, in, kBuf, 10);
  CHECK_FALSE(r.semihost(kRead, kBlock));
  CHECK(r.a0() == 7);  // bytes NOT read
  CHECK(r.peek(kBuf, 3) == "hey");
  CHECK(r.env.calls.back().handle == 0);

  r.env.replies.push_back(reply_value(1));
  r.poke32(kBlock, out);
  CHECK_FALSE(r.semihost(kIsTty, kBlock));
  CHECK(r.a0() == 1);
  CHECK(r.env.calls.back().op == HostOp::IsTty);
  CHECK(r.env.calls.back().handle == 1);

  r.poke32(kBlock, out);
  CHECK_FALSE(r.semihost(kClose, kBlock));
  CHECK(r.a0() == 0);
  CHECK(r.env.calls.size() == 2);  // closing a :tt handle is not a host call
  r.poke32(kBlock, out);
  CHECK_FALSE(r.semihost(kClose, kBlock));
  CHECK(r.a0() == -1);
}

TEST_CASE("semihosting: READC") {
  Rig r;
  r.env.replies.push_back(reply_data("q"));
  CHECK_FALSE(r.semihost(kReadC, 0));
  CHECK(r.a0() == 'q');
  CHECK_FALSE(r.semihost(kReadC, 0));  // default reply: no data = EOF
  CHECK(r.a0() == -1);
}

TEST_CASE("semihosting: READC at end of input reaches picolibc's getc as EOF") {
  // picolibc's sys_semihost_getc: `call sys_semihost; andi a0,a0,255; ...`.
  // The truncation would turn -1 into the character 0xff; rvrr returns past it
  // with _FDEV_EOF (-2) instead.
  Rig r;
  const Addr ra = Rig::kRam + 0x40;
  r.poke32(ra, 0x0ff57513);  // andi a0, a0, 255
  r.regs[1] = ra;
  r.env.replies.push_back(reply_data("z"));
  CHECK_FALSE(r.semihost(kReadC, 0));
  CHECK(r.a0() == 'z');
  CHECK(r.regs[1] == ra);  // a character: the truncation runs as usual
  CHECK_FALSE(r.semihost(kReadC, 0));  // end of input
  CHECK(r.a0() == -2);
  CHECK(r.regs[1] == ra + 4);  // returns past the truncation
  // Any other caller gets the plain -1 and its return address untouched.
  r.poke32(ra, 0x00000013);  // nop
  r.regs[1] = ra;
  CHECK_FALSE(r.semihost(kReadC, 0));
  CHECK(r.a0() == -1);
  CHECK(r.regs[1] == ra);
}

TEST_CASE("semihosting: the features file announces EXIT_EXTENDED and stderr") {
  Rig r;
  const std::int32_t h = open(r, ":semihosting-features", 0);
  REQUIRE(h >= 3);
  r.poke32(kBlock, h);
  CHECK_FALSE(r.semihost(kFlen, kBlock));
  CHECK(r.a0() == 5);
  block3(r, h, kBuf, 5);
  CHECK_FALSE(r.semihost(kRead, kBlock));
  CHECK(r.a0() == 0);
  CHECK(r.peek(kBuf, 5) == std::string("SHFB\x03", 5));
  block3(r, h, kBuf, 5);
  CHECK_FALSE(r.semihost(kRead, kBlock));
  CHECK(r.a0() == 5);  // at EOF
  r.poke32(kBlock, h);
  r.poke32(kBlock + 4, 4);
  CHECK_FALSE(r.semihost(kSeek, kBlock));
  CHECK(r.a0() == 0);
  block3(r, h, kBuf, 5);
  CHECK_FALSE(r.semihost(kRead, kBlock));
  CHECK(r.a0() == 4);
  CHECK(r.peek(kBuf, 1) == "\x03");
  CHECK(r.env.calls.empty());
  CHECK(open(r, ":semihosting-features", 4) == -1);  // not writable
}

TEST_CASE("semihosting: host files are read-only and go through the environment") {
  Rig r;
  CHECK(open(r, "/tmp/x", 4) == -1);
  CHECK_FALSE(r.semihost(kErrno, 0));
  CHECK(r.a0() == 13);  // EACCES
  CHECK(r.env.calls.empty());
  r.env.replies.push_back(reply_value(40));
  const std::int32_t h = open(r, "/tmp/x", 1);
  CHECK(h >= 3);
  CHECK(r.env.calls.back().op == HostOp::Open);
  CHECK(r.env.calls.back().path == "/tmp/x");
  r.env.replies.push_back(reply_value(1234));
  r.poke32(kBlock, h);
  CHECK_FALSE(r.semihost(kFlen, kBlock));
  CHECK(r.a0() == 1234);
  r.env.replies.push_back(reply_value(-2));
  CHECK(open(r, "/tmp/missing", 0) == -1);
  CHECK_FALSE(r.semihost(kErrno, 0));
  CHECK(r.a0() == 2);
}

TEST_CASE("semihosting: EXIT and EXIT_EXTENDED") {
  Rig r;
  r.poke32(kBlock, 0x20026);
  r.poke32(kBlock + 4, 42);
  auto stop = r.semihost(kExitExtended, kBlock);
  REQUIRE(stop);
  CHECK(stop->kind() == StopKind::Exited);
  CHECK(stop->exit_code() == 42);
  stop = r.semihost(kExit, 0x20026);  // RV32: the reason is a1 itself
  REQUIRE(stop);
  CHECK(stop->exit_code() == 0);
  stop = r.semihost(kExit, 0x20023);  // ADP_Stopped_RunTimeErrorUnknown
  REQUIRE(stop);
  CHECK(stop->exit_code() == 1);
}

TEST_CASE("semihosting: HEAPINFO, GET_CMDLINE, clocks, unknown ops") {
  Rig r;
  r.st.heap_start = 0x21000;
  r.st.heap_end = 0x27000;
  r.st.stack_top = 0x28000;
  r.st.stack_base = 0x27000;
  r.poke32(kBlock, kBuf);
  CHECK_FALSE(r.semihost(kHeapInfo, kBlock));
  CHECK(r.a0() == 0);
  CHECK(r.peek32(kBuf) == 0x21000);
  CHECK(r.peek32(kBuf + 4) == 0x27000);
  CHECK(r.peek32(kBuf + 8) == 0x28000);
  CHECK(r.peek32(kBuf + 12) == 0x27000);

  r.st.cmdline = "prog a b";
  r.poke32(kBlock, kBuf);
  r.poke32(kBlock + 4, 64);
  CHECK_FALSE(r.semihost(kGetCmdline, kBlock));
  CHECK(r.a0() == 0);
  CHECK(r.peek(kBuf, 9) == std::string("prog a b\0", 9));
  CHECK(r.peek32(kBlock + 4) == 8);
  r.poke32(kBlock + 4, 4);  // too small
  CHECK_FALSE(r.semihost(kGetCmdline, kBlock));
  CHECK(r.a0() == -1);

  r.icount = 3'000'000'000ull;
  CHECK_FALSE(r.semihost(kClock, 0));
  CHECK(r.a0() == 300);
  CHECK_FALSE(r.semihost(kTime, 0));
  CHECK(static_cast<std::uint32_t>(r.a0()) == (r.st.epoch_ns + r.icount) / 1000000000ull);
  CHECK_FALSE(r.semihost(kElapsed, kBuf));
  CHECK(r.a0() == 0);
  CHECK(r.peek64(kBuf) == 3'000'000'000ull);
  CHECK_FALSE(r.semihost(kTickFreq, 0));
  CHECK(r.a0() == 1000000000);

  CHECK_FALSE(r.semihost(0x77, 0));
  CHECK(r.a0() == -1);
  CHECK_FALSE(r.semihost(kErrno, 0));
  CHECK(r.a0() == 38);  // ENOSYS
  CHECK_FALSE(r.semihost(kHeapInfo, Rig::kUnmapped));
  CHECK(r.a0() == -1);
  CHECK_FALSE(r.semihost(kErrno, 0));
  CHECK(r.a0() == 14);  // EFAULT
}
