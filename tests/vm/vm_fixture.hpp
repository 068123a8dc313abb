// tests/vm/vm_fixture.hpp - building tiny guest programs from hand-encoded words.
//
// Programs are loaded as one R+X segment at kCodeBase (entry there) plus a
// R+W data segment at kDataBase, via the real layout_process.
#pragma once
#include <doctest/doctest.h>

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

// xorshift64: a deterministic stream of test inputs.
struct Rng {
  std::uint64_t seed;
  std::uint32_t operator()() {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<std::uint32_t>(seed);
  }
};

// `n` random instructions (no final stop): ALU, M, loads/stores through
// s11 = kDataBase + 0x100, compressed ops, short branches forward and back
// (so it may loop), counter reads and CSR writes. Never writes sp or s11.
inline Program random_program(Rng& rnd, int n) {
  namespace e = enc;
  Program p;
  p.li(s11, kDataBase + 0x100);
  for (int k = 0; k < n; ++k) {
    unsigned rd = 5 + rnd() % 22, rs1 = rnd() % 27, rs2 = rnd() % 27;
    if (rd == sp) rd = t0;
    switch (rnd() % 10) {
      case 0: p.w(e::addi(rd, rs1, static_cast<std::int32_t>(rnd() % 4096) - 2048)); break;
      case 1: {
        std::uint32_t f = rnd() % 8;
        std::uint32_t f7 = (f == 0 || f == 5) && (rnd() & 1) ? 0x20 : 0;
        p.w(e::r(f7, rs2, rs1, f, rd, 0x33));
        break;
      }
      case 2: p.w(e::r(1, rs2, rs1, rnd() % 8, rd, 0x33)); break;            // M extension
      case 3: p.w(e::i(static_cast<std::int32_t>(rnd() % 256), s11, rnd() % 6 == 3 ? 2 : rnd() % 3, rd, 0x03)); break;
      case 4: p.w(e::s(static_cast<std::int32_t>(rnd() % 256), rs2, s11, rnd() % 3, 0x23)); break;
      case 5: p.w(e::i(static_cast<std::int32_t>(rnd() % 32), rs1, 1, rd, 0x13)); break;  // slli
      case 6: p.h(static_cast<std::uint16_t>(0x0001 | (rd << 7) | ((rnd() % 31 + 1) << 2)));  // c.addi rd, imm
        break;
      case 7: {  // short forward or backward branch (stays inside the program)
        int off = (static_cast<int>(rnd() % 16) - 6) * 2;
        if (off == 0) off = 4;
        Addr target = p.here() + off;
        if (target < kCodeBase + 8) off = 4;
        p.w(e::b(off, rs2, rs1, (rnd() % 6) < 2 ? rnd() % 2 : 4 + rnd() % 4));
        break;
      }
      case 8: p.w(0xc0202073u | (rd << 7)); break;                           // csrr rd, instret
      case 9: p.w(0x34001073u | (rs1 << 15) | (rd << 7)); break;            // csrrw rd, mscratch, rs1
    }
  }
  return p;
}

// A long-running random program: `iterations` passes over a body of `n`
// random straight-line instructions (ALU, M, loads/stores through s11,
// compressed ops, counter/CSR ops, forward branches over one instruction,
// calls to a helper placed after the body), so it spans pages and
// jumps between them, then c.ebreak. Never faults. `starts` (if given)
// receives the address of every instruction the program may execute.
inline Program looping_program(Rng& rnd, int n, std::uint32_t iterations, std::vector<Addr>* starts = nullptr) {
  namespace e = enc;
  static const unsigned kRd[] = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 28, 29, 30, 31};
  Program p;
  auto mark = [&] { if (starts) starts->push_back(p.here()); };
  auto straight = [&](Program& out) {  // one random non-control instruction
    unsigned rd = kRd[rnd() % 25], rs1 = rnd() % 32, rs2 = rnd() % 32;
    switch (rnd() % 9) {
      case 0: out.w(e::addi(rd, rs1, static_cast<std::int32_t>(rnd() % 4096) - 2048)); break;
      case 1: {
        std::uint32_t f = rnd() % 8;
        out.w(e::r((f == 0 || f == 5) && (rnd() & 1) ? 0x20 : 0, rs2, rs1, f, rd, 0x33));
        break;
      }
      case 2: out.w(e::r(1, rs2, rs1, rnd() % 8, rd, 0x33)); break;  // M extension
      case 3: {  // lb, lh, lw, lbu, lhu
        static const std::uint32_t f3[] = {0, 1, 2, 4, 5};
        out.w(e::i(static_cast<std::int32_t>(rnd() % 256), s11, f3[rnd() % 5], rd, 0x03));
        break;
      }
      case 4: out.w(e::s(static_cast<std::int32_t>(rnd() % 256), rs2, s11, rnd() % 3, 0x23)); break;
      case 5: out.w(e::i(static_cast<std::int32_t>(rnd() % 32), rs1, 5, rd, 0x13)); break;  // srli
      case 6: out.h(static_cast<std::uint16_t>(0x0001 | (rd << 7) | ((rnd() % 31 + 1) << 2))); break;  // c.addi
      case 7: out.w(0xc0202073u | (rd << 7)); break;                  // csrr rd, instret
      case 8: out.w(0x34001073u | (rs1 << 15) | (rd << 7)); break;    // csrrw rd, mscratch, rs1
    }
  };
  p.li(s11, kDataBase + 0x100);
  p.li(s10, iterations);
  const Addr loop = p.here();
  std::vector<Addr> calls;
  for (int k = 0; k < n; ++k) {
    mark();
    const std::uint32_t kind = rnd() % 16;
    if (kind == 0) {  // forward branch over the next instruction
      Program skipped;
      straight(skipped);
      const unsigned rs1 = rnd() % 32, rs2 = rnd() % 32;
      p.w(e::b(4 + static_cast<std::int32_t>(skipped.bytes.size()), rs2, rs1, (rnd() % 6) < 2 ? rnd() % 2 : 4 + rnd() % 4));
      mark();
      p.bytes.insert(p.bytes.end(), skipped.bytes.begin(), skipped.bytes.end());
    } else if (kind == 1) {  // call the helper (patched below)
      calls.push_back(p.here());
      p.w(e::jal(ra, 0));
    } else {
      straight(p);
    }
  }
  mark();
  p.w(e::addi(s10, s10, -1));                        // addi s10, s10, -1
  mark();
  p.w(e::beq(s10, zero, 8));                         // beq s10, zero, +8
  mark();
  p.w(e::jal(zero, static_cast<std::int32_t>(loop - p.here())));  // j loop
  mark();
  p.h(e::kCEbreak);
  const Addr helper = p.here();
  for (int k = 0; k < 6; ++k) {
    mark();
    straight(p);
  }
  mark();
  p.w(e::jalr(zero, ra, 0));                          // ret
  for (Addr c : calls) {
    const std::uint32_t w = e::jal(ra, static_cast<std::int32_t>(helper - c));
    for (int k = 0; k < 4; ++k) p.bytes[c - kCodeBase + k] = static_cast<std::uint8_t>(w >> (8 * k));
  }
  return p;
}

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

// Runs p to a c.ebreak appended here and checks that it stopped there.
inline Machine run_to_end(Program& p) {
  p.h(enc::kCEbreak);
  Machine m = make_machine(p);
  StopInfo s = run(m);
  REQUIRE(s.kind() == StopKind::Fault);
  REQUIRE(s.signal() == Signal::Trap);
  REQUIRE(m.pc() == p.here() - 2);
  return m;
}

inline std::uint32_t read32(const Machine& m, Addr a) {
  std::uint8_t b[4] = {};
  m.memory().read_bytes(a, b);
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

}  // namespace rvrr::vm::test
