// tests/vm/test_environment.cpp - NullEnvironment and HostEnvironment.
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "vm/environment.hpp"
#include "stdin_pipe.hpp"
#include "vm/host_interrupt.hpp"

using namespace rvrr::vm;
using rvrr::test::StdinPipe;

namespace {
HostRequest req(HostOp op, std::int64_t handle = 0, std::int64_t a0 = 0, std::int64_t a1 = 0, std::string path = {}) {
  HostRequest r;
  r.op = op;
  r.handle = handle;
  r.arg0 = a0;
  r.arg1 = a1;
  r.path = std::move(path);
  return r;
}

struct TempFile {
  std::string path;
  explicit TempFile(const std::string& content) {
    path = (std::filesystem::temp_directory_path() / ("rvrr_env_test_" + std::to_string(::getpid()))).string();
    std::ofstream(path, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path); }
};
}  // namespace

TEST_CASE("environment: host_op_name names every op") {
  std::set<std::string> names;
  for (HostOp op : {HostOp::Open, HostOp::Close, HostOp::Read, HostOp::Seek, HostOp::FileSize, HostOp::IsTty,
                    HostOp::Random})
    names.insert(host_op_name(op));
  CHECK(names.size() == 7);
  CHECK(std::string(host_op_name(HostOp::Read)) == "read");
}

TEST_CASE("environment: NullEnvironment is hostless and deterministic") {
  NullEnvironment a, b;
  CHECK(a.call(0, req(HostOp::Open, 0, 0, 0, "/etc/passwd")).value == -2);  // ENOENT
  HostReply r = a.call(0, req(HostOp::Read, 0, 100));
  CHECK(r.ok);
  CHECK(r.value == 0);
  CHECK(r.data.empty());
  CHECK(a.call(0, req(HostOp::IsTty, 1)).value == 0);
  HostReply ra = a.call(1, req(HostOp::Random, 0, 64));
  HostReply rb = b.call(1, req(HostOp::Random, 0, 64));
  CHECK(ra.data.size() == 64);
  CHECK(ra.value == 64);
  CHECK(ra.data == rb.data);
  CHECK(a.call(2, req(HostOp::Random, 0, 64)).data != ra.data);  // a stream, not one fixed block
  const std::string s = "out";
  a.output(3, 1, std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  a.output(4, 2, std::span(reinterpret_cast<const std::uint8_t*>(s.data()), 1));
  CHECK(a.out == "outo");
}

TEST_CASE("environment: HostEnvironment reads host files read-only") {
  TempFile f("0123456789");
  HostEnvironment env;
  HostReply open = env.call(0, req(HostOp::Open, 0, 0, 0, f.path));
  REQUIRE(open.ok);
  REQUIRE(open.value >= 0);
  const std::int64_t h = open.value;
  HostReply rd = env.call(1, req(HostOp::Read, h, 4));
  CHECK(rd.value == 4);
  CHECK(std::string(rd.data.begin(), rd.data.end()) == "0123");
  CHECK(env.call(2, req(HostOp::Seek, h, 8, 0)).value == 8);
  rd = env.call(3, req(HostOp::Read, h, 100));
  CHECK(std::string(rd.data.begin(), rd.data.end()) == "89");
  CHECK(env.call(4, req(HostOp::Read, h, 100)).value == 0);  // EOF
  CHECK(env.call(5, req(HostOp::FileSize, h)).value == 10);
  CHECK(env.call(6, req(HostOp::IsTty, h)).value == 0);
  CHECK(env.call(7, req(HostOp::Seek, h, 0, 9)).value == -22);  // bad whence
  CHECK(env.call(8, req(HostOp::Close, h)).value == 0);
  CHECK(env.call(9, req(HostOp::Read, h, 1)).value == -9);  // closed: EBADF
  // Handles the environment did not open are not reachable.
  CHECK(env.call(10, req(HostOp::Read, 1, 1)).value == -9);
  CHECK(env.call(11, req(HostOp::Seek, 5, 0, 0)).value == -9);

  CHECK(env.call(12, req(HostOp::Open, 0, 1 /*O_WRONLY*/, 0, f.path)).value == -13);
  CHECK(env.call(13, req(HostOp::Open, 0, 0, 0, "/nonexistent/rvrr")).value == -2);
  HostReply rnd = env.call(14, req(HostOp::Random, 0, 33));
  CHECK(rnd.data.size() == 33);
  CHECK(rnd.value == 33);
}

TEST_CASE("environment: HostEnvironment refuses host files when disabled") {
  TempFile f("x");
  HostEnvironment env(false);
  CHECK(env.call(0, req(HostOp::Open, 0, 0, 0, f.path)).value == -13);  // EACCES
}

TEST_CASE("environment: a stdin read waiting for input gives up when interrupted, taking no byte") {
  StdinPipe in;
  auto interrupt = std::make_shared<HostInterrupt>();
  HostEnvironment env(true, interrupt);
  // Raised while the read waits (nothing to read, the pipe stays open).
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    interrupt->raise();
  });
  HostReply r = env.call(7, req(HostOp::Read, 0, 16));
  later.join();
  CHECK_FALSE(r.ok);
  CHECK(r.interrupted);
  CHECK(r.data.empty());
  // Still raised: a new read gives up at once, even with input waiting, and takes none of it.
  in.put("abc");
  r = env.call(8, req(HostOp::Read, 0, 16));
  CHECK(r.interrupted);
  // Cleared: the read made again gets everything, nothing was lost.
  interrupt->clear();
  CHECK_FALSE(interrupt->raised());
  r = env.call(9, req(HostOp::Read, 0, 16));
  CHECK(r.ok);
  CHECK_FALSE(r.interrupted);
  CHECK(std::string(r.data.begin(), r.data.end()) == "abc");
  // Raise/clear leave no stale wake-up behind: with input, the read just reads.
  interrupt->raise();
  interrupt->clear();
  in.put("de");
  r = env.call(10, req(HostOp::Read, 0, 16));
  CHECK(std::string(r.data.begin(), r.data.end()) == "de");
}
