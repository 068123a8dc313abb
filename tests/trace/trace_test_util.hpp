// tests/trace/trace_test_util.hpp - shared helpers for the trace/replay tests.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "vm/environment.hpp"

namespace rvrr::trace_test {

namespace fs = std::filesystem;

// The checked-in guest (tests/fixtures/trace_guest.c, built as documented there).
inline std::string guest_path() { return std::string(RVRR_SOURCE_DIR) + "/tests/fixtures/trace_guest.elf"; }

inline fs::path temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("rvrr-trace-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Removes this process's temporary directory when the test binary exits.
struct TempDirCleaner {
  ~TempDirCleaner() {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path(ec) / ("rvrr-trace-test-" + std::to_string(::getpid())), ec);
  }
};
inline TempDirCleaner temp_dir_cleaner;

inline std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A scripted live host: stdin holds `input`, random bytes count up from `seed`.
struct ScriptedHost : vm::Environment {
  std::string input;
  std::size_t pos = 0;
  std::uint8_t next_random;
  int calls = 0;
  explicit ScriptedHost(std::string in, std::uint8_t seed = 0x40) : input(std::move(in)), next_random(seed) {}
  vm::HostReply call(std::uint64_t, const vm::HostRequest& r) override {
    ++calls;
    vm::HostReply reply;
    if (r.op == vm::HostOp::Read && r.handle == 0) {
      std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(r.arg0), input.size() - pos);
      reply.data.assign(input.begin() + pos, input.begin() + pos + n);
      pos += n;
      reply.value = static_cast<std::int64_t>(n);
    } else if (r.op == vm::HostOp::Random) {
      for (std::int64_t i = 0; i < r.arg0; ++i) reply.data.push_back(next_random++);
      reply.value = r.arg0;
    } else if (r.op == vm::HostOp::IsTty) {
      reply.value = 0;
    } else {
      reply.value = -9;  // EBADF
    }
    return reply;
  }
  void output(std::uint64_t, int, std::span<const std::uint8_t>) override {}
};

}  // namespace rvrr::trace_test
