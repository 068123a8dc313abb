// tests/vm/syscall_rig.hpp - drives linux_syscall()/semihosting_call() directly:
// a Memory, a register file, a syscall state and a scripted Environment.
#pragma once
#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "vm/environment.hpp"
#include "vm/memory.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::test {

// An Environment that records every request and answers from a script
// (default reply: value 0, no data).
struct ScriptedEnv : vm::Environment {
  std::vector<vm::HostRequest> calls;
  std::deque<vm::HostReply> replies;
  std::string out;            // everything output, in order
  std::vector<int> out_fds;   // the fd of each output() call
  vm::HostReply call(std::uint64_t, const vm::HostRequest& r) override {
    calls.push_back(r);
    if (replies.empty()) return {};
    vm::HostReply reply = replies.front();
    replies.pop_front();
    return reply;
  }
  void output(std::uint64_t, int fd, std::span<const std::uint8_t> bytes) override {
    out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    out_fds.push_back(fd);
  }
};

inline vm::HostReply reply_value(std::int64_t v) {
  vm::HostReply r;
  r.value = v;
  return r;
}
inline vm::HostReply reply_data(const std::string& s) {
  vm::HostReply r;
  r.data.assign(s.begin(), s.end());
  r.value = static_cast<std::int64_t>(s.size());
  return r;
}

struct Rig {
  static constexpr vm::Addr kRam = 0x20000;      // RW scratch: [0x20000, 0x30000)
  static constexpr vm::Addr kRom = 0x30000;      // read-only page
  static constexpr vm::Addr kUnmapped = 0x50000;
  vm::Memory mem;
  std::uint32_t regs[32] = {};
  ScriptedEnv env;
  vm::SyscallState st;
  std::uint64_t icount = 5000;

  Rig() {
    mem.map(kRam, 0x10000, vm::PermRead | vm::PermWrite);
    mem.map(kRom, 0x1000, vm::PermRead);
    st.files.resize(3);
    for (int fd = 0; fd < 3; ++fd) st.files[fd] = vm::GuestFile{fd, "stdio", 0};
    st.epoch_ns = 1'700'000'000'000'000'000ull;
    st.memory_limit = 64ull << 20;
    st.brk_start = st.brk = 0x100000;
    st.brk_limit = 0x200000;
  }
  std::optional<vm::StopInfo> sys(std::uint32_t nr, std::uint32_t a0 = 0, std::uint32_t a1 = 0,
                                    std::uint32_t a2 = 0, std::uint32_t a3 = 0, std::uint32_t a4 = 0) {
    regs[17] = nr;
    regs[10] = a0; regs[11] = a1; regs[12] = a2; regs[13] = a3; regs[14] = a4;
    vm::SyscallContext ctx{regs, 0x10000, icount, mem, env, st};
    return vm::linux_syscall(ctx);
  }
  std::optional<vm::StopInfo> semihost(std::uint32_t op, std::uint32_t a1) {
    regs[10] = op;
    regs[11] = a1;
    vm::SyscallContext ctx{regs, 0x10000, icount, mem, env, st};
    return vm::semihosting_call(ctx);
  }
  std::int32_t a0() const { return static_cast<std::int32_t>(regs[10]); }

  void poke(vm::Addr a, const std::string& s) {
    REQUIRE(mem.write_bytes(a, std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())));
  }
  void poke_cstr(vm::Addr a, const std::string& s) { poke(a, std::string(s) + '\0'); }
  void poke32(vm::Addr a, std::uint32_t v) {
    std::uint8_t b[4] = {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16), std::uint8_t(v >> 24)};
    REQUIRE(mem.write_bytes(a, b));
  }
  std::string peek(vm::Addr a, std::size_t n) const {
    std::string s(n, '\0');
    REQUIRE(mem.read_bytes(a, std::span(reinterpret_cast<std::uint8_t*>(s.data()), n)));
    return s;
  }
  std::uint32_t peek32(vm::Addr a) const {
    std::uint8_t b[4];
    REQUIRE(mem.read_bytes(a, b));
    return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  }
  std::uint64_t peek64(vm::Addr a) const { return peek32(a) | (std::uint64_t(peek32(a + 4)) << 32); }
};

}  // namespace rvrr::test
