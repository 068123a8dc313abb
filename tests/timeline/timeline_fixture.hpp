// tests/timeline/timeline_fixture.hpp - tiny hand-encoded RV32 guests for Timeline tests.
//
// The guest (Linux ecall ABI, no toolchain needed):
//     li   s0, kData ; li s2, N ; li s3, kBig
//     getrandom(s0+64, 8, 0)           # a host call: recorded live, served on replay
//     write(1, "hi\n", 3)              # guest output: printed once only
//     s1 = 0
//   loop:
//     addi s1, s1, 1
//     sw   s1, 0(s0)                   # store_every: data[0] = s1 every iteration
//     andi t0, s1, 7
//     bne  t0, zero, +8
//     sw   s1, 4(s0)                   # store_eighth: data[1] = s1 every 8th iteration
//     [pages: andi t1,s1,63; slli t1,t1,12; add t1,t1,s3; sw s1,0(t1)]  # dirties 64 pages round-robin
//     blt  s1, s2, loop
//     exit(7)                          # or, with `fault`, lw t0, 0(zero) -> SIGSEGV
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "timeline/history_environment.hpp"
#include "timeline/timeline.hpp"
#include "vm/environment.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline::test {

inline constexpr vm::Addr kCode = 0x10000;
inline constexpr vm::Addr kData = 0x40000;
inline constexpr vm::Addr kBig = 0x100000;  // 64 pages the `pages` variant dirties

namespace enc {
constexpr std::uint32_t r(std::uint32_t f7, unsigned rs2, unsigned rs1, std::uint32_t f3, unsigned rd, std::uint32_t op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr std::uint32_t i(std::int32_t imm, unsigned rs1, std::uint32_t f3, unsigned rd, std::uint32_t op) {
  return (static_cast<std::uint32_t>(imm) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr std::uint32_t s(std::int32_t imm, unsigned rs2, unsigned rs1, std::uint32_t f3) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) | 0x23;
}
constexpr std::uint32_t b(std::int32_t imm, unsigned rs2, unsigned rs1, std::uint32_t f3) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
         ((u >> 1 & 0xf) << 8) | ((u >> 11 & 1) << 7) | 0x63;
}
constexpr std::uint32_t lui(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x13); }
constexpr std::uint32_t andi(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 7, rd, 0x13); }
constexpr std::uint32_t slli(unsigned rd, unsigned rs1, unsigned sh) { return i(static_cast<std::int32_t>(sh), rs1, 1, rd, 0x13); }
constexpr std::uint32_t add(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
constexpr std::uint32_t lw(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 2, rd, 0x03); }
constexpr std::uint32_t sw(unsigned rs2, unsigned rs1, std::int32_t imm) { return s(imm, rs2, rs1, 2); }
constexpr std::uint32_t bne(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 1); }
constexpr std::uint32_t blt(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 4); }
constexpr std::uint32_t kEcall = 0x00000073;
}  // namespace enc

enum : unsigned { zero = 0, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7, s2, s3 };

struct Guest {
  vm::ElfImage image;
  vm::Addr loop = 0;          // first instruction of the loop body
  vm::Addr store_every = 0;   // sw s1, 0(s0)
  vm::Addr store_eighth = 0;  // sw s1, 4(s0)
  vm::Addr after_eighth = 0;  // the instruction after store_eighth
  vm::Addr exit_ecall = 0;

  vm::Machine machine() const {
    vm::MachineOptions o;
    o.argv = {"guest"};
    return vm::Machine(image, o);
  }
};

inline Guest make_guest(std::uint32_t iterations, bool pages = false, bool fault = false) {
  std::vector<std::uint32_t> w;
  auto here = [&] { return kCode + static_cast<vm::Addr>(4 * w.size()); };
  auto li = [&](unsigned rd, std::uint32_t value) {
    std::uint32_t lo = value & 0xfff, hi = (value + 0x800) >> 12;
    w.push_back(enc::lui(rd, hi & 0xfffff));
    w.push_back(enc::addi(rd, rd, static_cast<std::int32_t>(lo << 20) >> 20));
  };
  Guest g;
  li(s0, kData);
  li(s2, iterations);
  li(s3, kBig);
  w.push_back(enc::addi(a0, s0, 64));
  w.push_back(enc::addi(a1, zero, 8));
  w.push_back(enc::addi(a2, zero, 0));
  w.push_back(enc::addi(a7, zero, 278));  // getrandom
  w.push_back(enc::kEcall);
  li(t0, 0x000a6968);  // "hi\n"
  w.push_back(enc::sw(t0, s0, 128));
  w.push_back(enc::addi(a0, zero, 1));
  w.push_back(enc::addi(a1, s0, 128));
  w.push_back(enc::addi(a2, zero, 3));
  w.push_back(enc::addi(a7, zero, 64));  // write
  w.push_back(enc::kEcall);
  w.push_back(enc::addi(s1, zero, 0));
  g.loop = here();
  w.push_back(enc::addi(s1, s1, 1));
  g.store_every = here();
  w.push_back(enc::sw(s1, s0, 0));
  w.push_back(enc::andi(t0, s1, 7));
  w.push_back(enc::bne(t0, zero, 8));
  g.store_eighth = here();
  w.push_back(enc::sw(s1, s0, 4));
  g.after_eighth = here();
  if (pages) {
    w.push_back(enc::andi(t1, s1, 63));
    w.push_back(enc::slli(t1, t1, 12));
    w.push_back(enc::add(t1, t1, s3));
    w.push_back(enc::sw(s1, t1, 0));
  }
  w.push_back(enc::blt(s1, s2, static_cast<std::int32_t>(g.loop - here())));
  if (fault) {
    w.push_back(enc::lw(t0, zero, 0));
  }
  w.push_back(enc::addi(a0, zero, 7));
  w.push_back(enc::addi(a7, zero, 93));  // exit
  g.exit_ecall = here();
  w.push_back(enc::kEcall);

  vm::ElfSegment text;
  text.vaddr = text.paddr = kCode;
  text.memsz = 0x1000;
  text.perms = vm::PermRead | vm::PermExec;
  for (std::uint32_t word : w) {
    for (int k = 0; k < 4; ++k) text.bytes.push_back(static_cast<std::uint8_t>(word >> (8 * k)));
  }
  g.image.entry = kCode;
  g.image.segments.push_back(text);
  vm::ElfSegment data;
  data.vaddr = data.paddr = kData;
  data.memsz = 0x1000;
  data.perms = vm::PermRead | vm::PermWrite;
  g.image.segments.push_back(data);
  vm::ElfSegment big;
  big.vaddr = big.paddr = kBig;
  big.memsz = 64 * 0x1000;
  big.perms = vm::PermRead | vm::PermWrite;
  g.image.segments.push_back(big);
  return g;
}

// A Timeline over `guest` in live mode with a NullEnvironment as the host.
struct Rig {
  std::shared_ptr<trace::History> history = std::make_shared<trace::History>();
  std::shared_ptr<HistoryEnvironment> env;
  std::unique_ptr<Timeline> timeline;
  std::string output;  // guest output that reached the "terminal"

  Rig(const Guest& guest, TimelineOptions options = {},
      HistoryEnvironment::Mode mode = HistoryEnvironment::Mode::Live,
      std::shared_ptr<trace::History> from = nullptr) {
    if (from) history = from;
    env = std::make_shared<HistoryEnvironment>(history, mode, std::make_shared<vm::NullEnvironment>());
    env->output_to = [this](int, std::span<const std::uint8_t> bytes) { output.append(bytes.begin(), bytes.end()); };
    timeline = std::make_unique<Timeline>(guest.machine(), env, options);
  }
  Timeline& t() { return *timeline; }
  StopEvent cont(Direction d = Direction::Forward) {
    CancelToken c;
    return timeline->resume(d, ResumeKind::Continue, c);
  }
  StopEvent step(Direction d = Direction::Forward) {
    CancelToken c;
    return timeline->resume(d, ResumeKind::Step, c);
  }
  StopEvent seek(std::uint64_t n) {
    CancelToken c;
    return timeline->seek(n, c);
  }
};

// The state after exactly n instructions of a fresh, straight run.
inline vm::Machine straight_run(const Guest& g, std::uint64_t n) {
  vm::Machine m = g.machine();
  vm::NullEnvironment env;
  vm::RunOptions o;
  o.stop_at = n;
  m.run(o, env);
  return m;
}

inline std::uint32_t read32(const vm::Machine& m, vm::Addr a) {
  std::uint8_t b[4] = {};
  m.memory().read_bytes(a, b);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

// Every count i < limit at which the straight run's pc is `pc`.
inline std::vector<std::uint64_t> counts_at_pc(const Guest& g, vm::Addr pc, std::uint64_t limit) {
  std::vector<std::uint64_t> out;
  vm::Machine m = g.machine();
  vm::NullEnvironment env;
  while (m.icount() < limit && !m.halted()) {
    if (m.pc() == pc) out.push_back(m.icount());
    vm::StopInfo info = m.step(env);
    if (info.kind() != vm::StopKind::Limit) break;
  }
  return out;
}

}  // namespace rvrr::timeline::test
