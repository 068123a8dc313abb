// tests/protocol/test_gdb_signal.cpp - Linux -> gdb signal numbers, siginfo
// bytes, E.message and vFile replies.
#include <doctest/doctest.h>

#include "protocol/gdb_signal.hpp"
#include "protocol/reply.hpp"
#include "protocol/siginfo.hpp"

using namespace rvrr::protocol;

TEST_CASE("gdb_signal_from_linux: gdb's own numbers (GDB_SIGNAL_*), not Linux's") {
  struct Row { int linux_signo; int gdb; const char* name; };
  const Row rows[] = {
      {0, 0, "none"},     {1, 1, "SIGHUP"},    {2, 2, "SIGINT"},    {3, 3, "SIGQUIT"},
      {4, 4, "SIGILL"},   {5, 5, "SIGTRAP"},   {6, 6, "SIGABRT"},   {7, 10, "SIGBUS"},
      {8, 8, "SIGFPE"},   {9, 9, "SIGKILL"},   {10, 30, "SIGUSR1"}, {11, 11, "SIGSEGV"},
      {12, 31, "SIGUSR2"}, {13, 13, "SIGPIPE"}, {14, 14, "SIGALRM"}, {15, 15, "SIGTERM"},
      {16, 143, "SIGSTKFLT"}, {17, 20, "SIGCHLD"}, {18, 19, "SIGCONT"}, {19, 17, "SIGSTOP"},
      {20, 18, "SIGTSTP"}, {23, 16, "SIGURG"},  {29, 23, "SIGIO"},   {30, 32, "SIGPWR"},
      {31, 12, "SIGSYS"}, {32, 143, "SIGRTMIN"}, {-1, 143, "negative"}, {1000, 143, "absurd"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.name);
    CHECK(int(gdb_signal_from_linux(r.linux_signo)) == r.gdb);
  }
}

TEST_CASE("siginfo_bytes_ilp32: 128 bytes, si_signo/si_errno/si_code then si_addr, little-endian") {
  std::string b = siginfo_bytes_ilp32(SigInfo{7, si_code::kBusAdrAln, 0x12345678});
  REQUIRE(b.size() == 128);
  CHECK(b.substr(0, 16) == std::string("\x07\0\0\0" "\0\0\0\0" "\x01\0\0\0" "\x78\x56\x34\x12", 16));
  CHECK(b.substr(16) == std::string(112, '\0'));
}

TEST_CASE("siginfo_bytes_lp64: the union 8-aligned at 16, a 64-bit si_addr (riscv:rv64)") {
  std::string b = siginfo_bytes_lp64(SigInfo{11, si_code::kSegvMapErr, 0x3fffffef00ull});
  REQUIRE(b.size() == 128);
  CHECK(b.substr(0, 24) == std::string("\x0b\0\0\0" "\0\0\0\0" "\x01\0\0\0" "\0\0\0\0"
                                       "\x00\xef\xff\xff\x3f\0\0\0", 24));
  CHECK(b.substr(24) == std::string(104, '\0'));
}

TEST_CASE("E.message replies and vFile F replies") {
  CHECK(format_reply(ErrorMessage{"rvrr: read-only"}) == "E.rvrr: read-only");
  CHECK(format_reply(ErrorMessage{"a#b$c}d*e\nf"}) == "E.abcdef");  // never needs escaping
  CHECK(format_reply(FileReply{5, 0, {}}) == "F5");
  CHECK(format_reply(FileReply{-1, file_errno::kAccess, {}}) == "F-1,d");
  CHECK(format_reply(FileReply{3, 0, std::string("a\0b", 3)}) == std::string("F3;a\0b", 6));
  CHECK(format_reply(FileReply{0, 0, {}, true}) == "F0;");  // pread at EOF: an empty attachment
  std::string st = file_stat_bytes(FileStat{0100644, 0x123456789, 7});
  REQUIRE(st.size() == 64);
  CHECK(st.substr(8, 4) == std::string("\0\0\x81\xa4", 4));                       // st_mode
  CHECK(st.substr(28, 8) == std::string("\0\0\0\x01\x23\x45\x67\x89", 8));         // st_size
  CHECK(st.substr(56, 4) == std::string("\0\0\0\x07", 4));                         // st_mtime
}
