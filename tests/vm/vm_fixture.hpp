// tests/vm/vm_fixture.hpp - building tiny guest programs from hand-encoded words.
//
// Programs are loaded as one R+X segment at kCodeBase (entry there) plus a
// R+W data segment at kDataBase, via the real layout_process.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "vm/environment.hpp"
#include "vm/machine.hpp"

namespace rvrr::vm::test {

inline constexpr Addr kCodeBase = 0x10000;
inline constexpr Addr kDataBase = 0x40000;
inline constexpr std::uint32_t kDataSize = 0x4000;

// RV32 instruction encoders (formats of the unprivileged spec, chapter 2).
namespace enc {
constexpr std::uint32_t r(std::uint32_t f7, unsigned rs2, unsigned rs1, std::uint32_t f3, unsigned rd, std::uint32_t op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr std::uint32_t i(std::int32_t imm, unsigned rs1, std::uint32_t f3, unsigned rd, std::uint32_t op) {
  return (static_cast<std::uint32_t>(imm) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
constexpr std::uint32_t s(std::int32_t imm, unsigned rs2, unsigned rs1, std::uint32_t f3, std::uint32_t op) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 5 & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) | op;
}
constexpr std::uint32_t b(std::int32_t imm, unsigned rs2, unsigned rs1, std::uint32_t f3) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 12 & 1) << 31) | ((u >> 5 & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
         ((u >> 1 & 0xf) << 8) | ((u >> 11 & 1) << 7) | 0x63;
}
constexpr std::uint32_t jal(unsigned rd, std::int32_t imm) {
  auto u = static_cast<std::uint32_t>(imm);
  return ((u >> 20 & 1) << 31) | ((u >> 1 & 0x3ff) << 21) | ((u >> 11 & 1) << 20) | ((u >> 12 & 0xff) << 12) |
         (rd << 7) | 0x6f;
}
constexpr std::uint32_t lui(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
constexpr std::uint32_t auipc(unsigned rd, std::uint32_t imm20) { return (imm20 << 12) | (rd << 7) | 0x17; }
constexpr std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x13); }
constexpr std::uint32_t jalr(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 0, rd, 0x67); }
constexpr std::uint32_t lw(unsigned rd, unsigned rs1, std::int32_t imm) { return i(imm, rs1, 2, rd, 0x03); }
constexpr std::uint32_t sw(unsigned rs2, unsigned rs1, std::int32_t imm) { return s(imm, rs2, rs1, 2, 0x23); }
constexpr std::uint32_t add(unsigned rd, unsigned rs1, unsigned rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
constexpr std::uint32_t beq(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 0); }
constexpr std::uint32_t bne(unsigned rs1, unsigned rs2, std::int32_t off) { return b(off, rs2, rs1, 1); }
constexpr std::uint32_t kEcall = 0x00000073;
constexpr std::uint32_t kEbreak = 0x00100073;
constexpr std::uint16_t kCEbreak = 0x9002;
constexpr std::uint32_t kNop = 0x00000013;
}  // namespace enc

// Register numbers by ABI name.
enum : unsigned { zero = 0, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7,
                  s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6 };

struct Program {
  std::vector<std::uint8_t> bytes;
  Program& w(std::uint32_t word) {
    for (int k = 0; k < 4; ++k) bytes.push_back(static_cast<std::uint8_t>(word >> (8 * k)));
    return *this;
  }
  Program& h(std::uint16_t half) {
    bytes.push_back(static_cast<std::uint8_t>(half));
    bytes.push_back(static_cast<std::uint8_t>(half >> 8));
    return *this;
  }
  // li rd, value (lui + addi)
  Program& li(unsigned rd, std::uint32_t value) {
    std::uint32_t lo = value & 0xfff, hi = (value + 0x800) >> 12;
    w(enc::lui(rd, hi & 0xfffff));
    return w(enc::addi(rd, rd, static_cast<std::int32_t>(lo << 20) >> 20));
  }
  Addr here() const { return kCodeBase + static_cast<Addr>(bytes.size()); }
};

inline ElfImage make_image(const std::vector<std::uint8_t>& code, std::uint32_t code_size = 0x3000) {
  ElfImage img;
  img.entry = kCodeBase;
  ElfSegment text;
  text.vaddr = text.paddr = kCodeBase;
  text.memsz = std::max<std::uint32_t>(code_size, static_cast<std::uint32_t>(code.size()));
  text.perms = PermRead | PermExec;
  text.bytes = code;
  img.segments.push_back(text);
  ElfSegment data;
  data.vaddr = data.paddr = kDataBase;
  data.memsz = kDataSize;
  data.perms = PermRead | PermWrite;
  img.segments.push_back(data);
  return img;
}

inline Machine make_machine(const Program& p, std::uint32_t code_size = 0x3000) {
  MachineOptions o;
  o.argv = {"test"};
  return Machine(make_image(p.bytes, code_size), o);
}

// Runs until a stop (or `limit` instructions).
inline StopInfo run(Machine& m, std::uint64_t stop_at = ~0ull, const DebugPoints* points = nullptr,
                    bool skip = false) {
  NullEnvironment env;
  RunOptions o;
  o.stop_at = stop_at;
  o.points = points;
  o.skip_points_at_start = skip;
  return m.run(o, env);
}

inline std::uint32_t read32(const Machine& m, Addr a) {
  std::uint8_t b[4] = {};
  m.memory().read_bytes(a, b);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

}  // namespace rvrr::vm::test
