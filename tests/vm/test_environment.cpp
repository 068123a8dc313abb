// tests/vm/test_environment.cpp - NullEnvironment and HostEnvironment.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "vm/environment.hpp"

using namespace rvrr::vm;

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
