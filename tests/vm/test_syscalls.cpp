// tests/vm/test_syscalls.cpp - the Linux ecall ABI, driven directly.
#include <doctest/doctest.h>

#include "tests/vm/syscall_rig.hpp"

using namespace rvrr::vm;
using namespace rvrr::test;

namespace {
constexpr std::uint32_t kRead = 63, kWrite = 64, kWritev = 66, kOpenat = 56, kClose = 57, kLseek = 62,
                        kFstat = 80, kExit = 93, kExitGroup = 94, kBrk = 214, kClockGettime = 113,
                        kClockGettime64 = 403, kGettimeofday = 169, kGetrandom = 278, kIoctl = 29;
constexpr std::uint32_t kAtFdcwd = static_cast<std::uint32_t>(-100);
constexpr std::int32_t kEBADF = 9, kEACCES = 13, kEFAULT = 14, kEINVAL = 22, kENOTTY = 25, kESPIPE = 29,
                       kENAMETOOLONG = 36, kENOSYS = 38, kENOENT = 2;
}  // namespace

TEST_CASE("linux syscalls: write to stdout and stderr") {
  Rig r;
  r.poke(Rig::kRam, "hello\n");
  CHECK_FALSE(r.sys(kWrite, 1, Rig::kRam, 6));
  CHECK(r.a0() == 6);
  r.poke(Rig::kRom, "err");  // read-only memory is a fine source
  CHECK_FALSE(r.sys(kWrite, 2, Rig::kRom, 3));
  CHECK(r.a0() == 3);
  CHECK(r.env.out == "hello\nerr");
  CHECK(r.env.out_fds == std::vector<int>{1, 2});
  CHECK(r.env.calls.empty());  // output is not a host call

  CHECK_FALSE(r.sys(kWrite, 7, Rig::kRam, 6));
  CHECK(r.a0() == -kEBADF);
  CHECK_FALSE(r.sys(kWrite, 0, Rig::kRam, 6));  // stdin is not writable
  CHECK(r.a0() == -kEBADF);
  CHECK_FALSE(r.sys(kWrite, 1, Rig::kUnmapped, 6));
  CHECK(r.a0() == -kEFAULT);
  CHECK_FALSE(r.sys(kWrite, 1, 0xfffffffe, 6));  // wraps the address space
  CHECK(r.a0() == -kEFAULT);
  CHECK_FALSE(r.sys(kWrite, 1, Rig::kRom + 0xffe, 4));  // runs off mapped memory
  CHECK(r.a0() == -kEFAULT);
  CHECK(r.env.out == "hello\nerr");
  CHECK_FALSE(r.sys(kWrite, 1, Rig::kUnmapped, 0));
  CHECK(r.a0() == 0);
}

TEST_CASE("linux syscalls: writev gathers, and fails whole on a bad buffer") {
  Rig r;
  r.poke(Rig::kRam + 0x100, "ab");
  r.poke(Rig::kRam + 0x200, "cde");
  r.poke32(Rig::kRam, Rig::kRam + 0x100);
  r.poke32(Rig::kRam + 4, 2);
  r.poke32(Rig::kRam + 8, Rig::kRam + 0x200);
  r.poke32(Rig::kRam + 12, 3);
  CHECK_FALSE(r.sys(kWritev, 1, Rig::kRam, 2));
  CHECK(r.a0() == 5);
  CHECK(r.env.out == "abcde");
  r.poke32(Rig::kRam + 8, Rig::kUnmapped);
  CHECK_FALSE(r.sys(kWritev, 1, Rig::kRam, 2));
  CHECK(r.a0() == -kEFAULT);
  CHECK(r.env.out == "abcde");
  CHECK_FALSE(r.sys(kWritev, 1, Rig::kRam, 5000));
  CHECK(r.a0() == -kEINVAL);
}

TEST_CASE("linux syscalls: read from stdin goes through the environment") {
  Rig r;
  r.env.replies.push_back(reply_data("abc"));
  CHECK_FALSE(r.sys(kRead, 0, Rig::kRam, 100));
  CHECK(r.a0() == 3);
  CHECK(r.peek(Rig::kRam, 3) == "abc");
  REQUIRE(r.env.calls.size() == 1);
  CHECK(r.env.calls[0].op == HostOp::Read);
  CHECK(r.env.calls[0].handle == 0);
  CHECK(r.env.calls[0].arg0 == 100);

  // Bad buffers fail before the host is asked, so no input is consumed.
  CHECK_FALSE(r.sys(kRead, 0, Rig::kUnmapped, 10));
  CHECK(r.a0() == -kEFAULT);
  CHECK_FALSE(r.sys(kRead, 0, Rig::kRom, 10));  // not writable
  CHECK(r.a0() == -kEFAULT);
  CHECK(r.env.calls.size() == 1);
  CHECK_FALSE(r.sys(kRead, 1, Rig::kRam, 10));
  CHECK(r.a0() == -kEBADF);
  CHECK_FALSE(r.sys(kRead, 9, Rig::kRam, 10));
  CHECK(r.a0() == -kEBADF);

  // A host error is passed through; an environment that refuses stops the machine.
  r.env.replies.push_back(reply_value(-5));
  CHECK_FALSE(r.sys(kRead, 0, Rig::kRam, 10));
  CHECK(r.a0() == -5);
  HostReply refuse;
  refuse.ok = false;
  refuse.error = "divergence at 5000: expected write, got read";
  r.env.replies.push_back(refuse);
  auto stop = r.sys(kRead, 0, Rig::kRam, 10);
  REQUIRE(stop);
  CHECK(stop->kind() == StopKind::HostFailure);
  CHECK(stop->message() == "divergence at 5000: expected write, got read");
  // An environment that returns more than asked is a failure too, never an overflow.
  r.env.replies.push_back(reply_data("0123456789abc"));
  stop = r.sys(kRead, 0, Rig::kRam, 10);
  REQUIRE(stop);
  CHECK(stop->kind() == StopKind::HostFailure);
}

TEST_CASE("linux syscalls: openat is read-only, fds are deterministic") {
  Rig r;
  r.poke_cstr(Rig::kRam, "/etc/hostname");
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 1 /*O_WRONLY*/));
  CHECK(r.a0() == -kEACCES);
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 2 /*O_RDWR*/));
  CHECK(r.a0() == -kEACCES);
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 0100 /*O_RDONLY|O_CREAT*/));
  CHECK(r.a0() == -kEACCES);
  CHECK(r.env.calls.empty());

  r.env.replies.push_back(reply_value(77));  // host handle
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 0));
  CHECK(r.a0() == 3);
  REQUIRE(r.env.calls.size() == 1);
  CHECK(r.env.calls[0].op == HostOp::Open);
  CHECK(r.env.calls[0].path == "/etc/hostname");
  r.env.replies.push_back(reply_value(78));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 0));
  CHECK(r.a0() == 4);

  r.env.replies.push_back(reply_data("xy"));
  CHECK_FALSE(r.sys(kRead, 3, Rig::kRam + 0x100, 2));
  CHECK(r.a0() == 2);
  CHECK(r.env.calls.back().handle == 77);

  // llseek(fd, hi, lo, &result, whence)
  r.env.replies.push_back(reply_value(0x123456789ll));
  CHECK_FALSE(r.sys(kLseek, 4, 1, 0x23456789, Rig::kRam + 0x200, 0));
  CHECK(r.a0() == 0);
  CHECK(r.env.calls.back().op == HostOp::Seek);
  CHECK(r.env.calls.back().handle == 78);
  CHECK(r.env.calls.back().arg0 == 0x123456789ll);
  CHECK(r.peek64(Rig::kRam + 0x200) == 0x123456789ull);
  CHECK_FALSE(r.sys(kLseek, 0, 0, 0, Rig::kRam + 0x200, 0));
  CHECK(r.a0() == -kESPIPE);

  const std::size_t before = r.env.calls.size();
  CHECK_FALSE(r.sys(kClose, 3));
  CHECK(r.a0() == 0);
  CHECK(r.env.calls.size() == before + 1);
  CHECK(r.env.calls.back().op == HostOp::Close);
  CHECK(r.env.calls.back().handle == 77);
  CHECK_FALSE(r.sys(kClose, 3));
  CHECK(r.a0() == -kEBADF);
  r.env.replies.push_back(reply_value(90));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 0));
  CHECK(r.a0() == 3);  // lowest free fd is reused

  r.env.replies.push_back(reply_value(-kENOENT));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam, 0));
  CHECK(r.a0() == -kENOENT);

  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kUnmapped, 0));
  CHECK(r.a0() == -kEFAULT);
  r.poke(Rig::kRam + 0x1000, std::string(5000, 'a'));
  r.poke_cstr(Rig::kRam + 0x1000 + 5000, "");
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam + 0x1000, 0));
  CHECK(r.a0() == -kENAMETOOLONG);
  // A path running off the end of mapped memory.
  r.poke(Rig::kRom + 0xff0, std::string(16, 'b'));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRom + 0xff0, 0));
  CHECK(r.a0() == -kEFAULT);
}

TEST_CASE("linux syscalls: fstat") {
  Rig r;
  CHECK_FALSE(r.sys(kFstat, 1, Rig::kRam));
  CHECK(r.a0() == 0);
  CHECK((r.peek32(Rig::kRam + 16) & 0170000) == 0020000);  // st_mode: S_IFCHR
  CHECK(r.env.calls.empty());
  r.poke_cstr(Rig::kRam + 0x800, "/data");
  r.env.replies.push_back(reply_value(50));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam + 0x800, 0));
  REQUIRE(r.a0() == 3);
  r.env.replies.push_back(reply_value(12345));
  CHECK_FALSE(r.sys(kFstat, 3, Rig::kRam));
  CHECK(r.a0() == 0);
  CHECK(r.env.calls.back().op == HostOp::FileSize);
  CHECK((r.peek32(Rig::kRam + 16) & 0170000) == 0100000);  // S_IFREG
  CHECK(r.peek64(Rig::kRam + 48) == 12345);                 // st_size
  CHECK_FALSE(r.sys(kFstat, 1, Rig::kRom));
  CHECK(r.a0() == -kEFAULT);
  CHECK_FALSE(r.sys(kFstat, 9, Rig::kRam));
  CHECK(r.a0() == -kEBADF);
}

TEST_CASE("linux syscalls: statx on an open fd (AT_EMPTY_PATH)") {
  constexpr std::uint32_t kStatx = 291, kAtEmptyPath = 0x1000;
  Rig r;
  r.poke_cstr(Rig::kRam + 0x900, "");
  CHECK_FALSE(r.sys(kStatx, 1, Rig::kRam + 0x900, kAtEmptyPath, 0x7ff, Rig::kRam));
  CHECK(r.a0() == 0);
  CHECK((r.peek32(Rig::kRam + 0x1c) & 0170000) == 0020000);  // stx_mode: S_IFCHR
  r.poke_cstr(Rig::kRam + 0x800, "/data");
  r.env.replies.push_back(reply_value(50));
  CHECK_FALSE(r.sys(kOpenat, kAtFdcwd, Rig::kRam + 0x800, 0));
  REQUIRE(r.a0() == 3);
  r.env.replies.push_back(reply_value(777));
  CHECK_FALSE(r.sys(kStatx, 3, Rig::kRam + 0x900, kAtEmptyPath, 0x7ff, Rig::kRam));
  CHECK(r.a0() == 0);
  CHECK((r.peek32(Rig::kRam + 0x1c) & 0170000) == 0100000);  // S_IFREG
  CHECK(r.peek64(Rig::kRam + 0x28) == 777);                   // stx_size
  CHECK_FALSE(r.sys(kStatx, 3, Rig::kRam + 0x800, 0, 0x7ff, Rig::kRam));  // by path: not served
  CHECK(r.a0() == -kENOSYS);
  CHECK_FALSE(r.sys(kStatx, 1, Rig::kRam + 0x900, kAtEmptyPath, 0x7ff, Rig::kUnmapped));
  CHECK(r.a0() == -kEFAULT);
}

TEST_CASE("linux syscalls: brk grows with zeroed pages up to the limit") {
  Rig r;
  CHECK_FALSE(r.sys(kBrk, 0));
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x100000);
  CHECK_FALSE(r.mem.is_mapped(0x100000));
  CHECK_FALSE(r.sys(kBrk, 0x102345));
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x102345);
  CHECK(r.mem.is_mapped(0x100000));
  CHECK(r.mem.is_mapped(0x102fff));
  CHECK_FALSE(r.mem.is_mapped(0x103000));
  CHECK(r.mem.perms(0x101000) == (PermRead | PermWrite));
  CHECK(r.peek32(0x102000) == 0);
  CHECK_FALSE(r.sys(kBrk, 0x300000));  // past brk_limit: unchanged
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x102345);
  CHECK_FALSE(r.sys(kBrk, 0x1000));  // below the start: unchanged
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x102345);
  r.poke32(0x102000, 0xdeadbeef);
  CHECK_FALSE(r.sys(kBrk, 0x101000));  // shrink
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x101000);
  CHECK_FALSE(r.mem.is_mapped(0x102000));
  CHECK_FALSE(r.sys(kBrk, 0x103000));
  CHECK(r.peek32(0x102000) == 0);  // regrown pages are zero again
  // The memory limit bounds growth even below brk_limit.
  r.st.memory_limit = (r.mem.page_count() + 2) * kPageSize;
  CHECK_FALSE(r.sys(kBrk, 0x110000));
  CHECK(static_cast<std::uint32_t>(r.a0()) == 0x103000);
  CHECK(r.st.brk == 0x103000);
}

TEST_CASE("linux syscalls: clocks come from the instruction count") {
  Rig r;
  r.icount = 2'500'000'123ull;
  CHECK_FALSE(r.sys(kClockGettime64, 0 /*REALTIME*/, Rig::kRam));
  CHECK(r.a0() == 0);
  const std::uint64_t ns = r.st.epoch_ns + r.icount;
  CHECK(r.peek64(Rig::kRam) == ns / 1000000000ull);
  CHECK(r.peek64(Rig::kRam + 8) == ns % 1000000000ull);
  CHECK_FALSE(r.sys(kClockGettime64, 1 /*MONOTONIC*/, Rig::kRam));
  CHECK(r.peek64(Rig::kRam) == 2);
  CHECK(r.peek64(Rig::kRam + 8) == 500000123);
  CHECK_FALSE(r.sys(kClockGettime, 1, Rig::kRam + 0x40));
  CHECK(r.peek32(Rig::kRam + 0x40) == 2);
  CHECK(r.peek32(Rig::kRam + 0x44) == 500000123);
  CHECK_FALSE(r.sys(kClockGettime64, 99, Rig::kRam));
  CHECK(r.a0() == -kEINVAL);
  CHECK_FALSE(r.sys(kClockGettime64, 0, Rig::kRom));
  CHECK(r.a0() == -kEFAULT);
  CHECK_FALSE(r.sys(kGettimeofday, Rig::kRam + 0x80, 0));
  CHECK(r.a0() == 0);
  CHECK(r.peek32(Rig::kRam + 0x80) == static_cast<std::uint32_t>(ns / 1000000000ull));
  CHECK(r.peek32(Rig::kRam + 0x84) == (ns % 1000000000ull) / 1000);
  CHECK(r.env.calls.empty());  // time is never a host value
}

TEST_CASE("linux syscalls: getrandom asks the environment; NullEnvironment is deterministic") {
  Rig r;
  HostReply rnd;
  rnd.data = {1, 2, 3, 4, 5, 6, 7, 8};
  rnd.value = 8;
  r.env.replies.push_back(rnd);
  CHECK_FALSE(r.sys(kGetrandom, Rig::kRam, 8, 0));
  CHECK(r.a0() == 8);
  CHECK(r.peek(Rig::kRam, 8) == std::string("\1\2\3\4\5\6\7\10", 8));
  CHECK(r.env.calls.back().op == HostOp::Random);
  CHECK_FALSE(r.sys(kGetrandom, Rig::kUnmapped, 8, 0));
  CHECK(r.a0() == -kEFAULT);
  CHECK(r.env.calls.size() == 1);

  auto run = [] {
    Memory mem;
    mem.map(0x20000, 0x1000, PermRead | PermWrite);
    std::uint32_t regs[32] = {};
    NullEnvironment env;
    SyscallState st;
    regs[17] = kGetrandom;
    regs[10] = 0x20000;
    regs[11] = 32;
    SyscallContext ctx{regs, 0, 0, mem, env, st};
    CHECK_FALSE(linux_syscall(ctx));
    CHECK(regs[10] == 32);
    std::vector<std::uint8_t> out(32);
    CHECK(mem.read_bytes(0x20000, out));
    return out;
  };
  CHECK(run() == run());
}

TEST_CASE("linux syscalls: exit, ioctl and unknown numbers") {
  Rig r;
  auto stop = r.sys(kExit, 3);
  REQUIRE(stop);
  CHECK(stop->kind() == StopKind::Exited);
  CHECK(stop->exit_code() == 3);
  stop = r.sys(kExitGroup, 300);
  REQUIRE(stop);
  CHECK(stop->exit_code() == 44);  // 300 & 0xff, as a Linux parent sees it
  stop = r.sys(kExitGroup, static_cast<std::uint32_t>(-1));
  REQUIRE(stop);
  CHECK(stop->exit_code() == 255);

  CHECK_FALSE(r.sys(kIoctl, 1, 0x5401, Rig::kRam));
  CHECK(r.a0() == -kENOTTY);
  CHECK_FALSE(r.sys(kIoctl, 17, 0x5401, Rig::kRam));
  CHECK(r.a0() == -kEBADF);

  r.regs[10] = 0;
  CHECK_FALSE(r.sys(4242));
  CHECK(r.a0() == -kENOSYS);
  CHECK_FALSE(r.sys(4242));
  CHECK_FALSE(r.sys(999));
  CHECK(r.st.logged_unknown == std::vector<std::string>{"4242", "999"});
}

TEST_CASE("syscall state: hash is deterministic and sensitive") {
  Rig a, b;
  CHECK(a.st.hash() == b.st.hash());
  b.st.brk += 4096;
  CHECK(a.st.hash() != b.st.hash());
  Rig c;
  c.st.files.emplace_back(GuestFile{5, "/x", 0});
  CHECK(a.st.hash() != c.st.hash());
  SyscallState copy = c.st;
  CHECK(copy.hash() == c.st.hash());
}
