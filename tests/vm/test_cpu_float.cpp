// tests/vm/test_cpu_float.cpp - F and D instructions executed by the machine:
// hand-encoded words (assembly in the comment), programs ending in c.ebreak.
// The arithmetic itself is tested in test_fpu.cpp; here: register files,
// NaN boxing, rounding-mode resolution, fcsr/frm/fflags, illegal rm values,
// loads and stores (compressed too), and the state the machine hashes.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>

#include "vm/machine.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;
namespace e = rvrr::vm::test::enc;

namespace {
// Float register numbers by ABI name.
enum : unsigned { ft0 = 0, ft1, ft2, ft3, ft4, ft5, ft6, ft7, fs0, fs1, fa0, fa1, fa2, fa3, fa4, fa5 };
constexpr unsigned kS = 0, kD = 1, kDyn = 7;

constexpr std::uint32_t op_fp(unsigned f5, unsigned fmt, unsigned rd, unsigned rs1, unsigned rs2, unsigned rm) {
  return e::r((f5 << 2) | fmt, rs2, rs1, rm, rd, 0x53);
}
constexpr std::uint32_t fma4(std::uint32_t opcode, unsigned fmt, unsigned rd, unsigned rs1, unsigned rs2, unsigned rs3,
                             unsigned rm) {
  return (rs3 << 27) | (fmt << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | opcode;
}
constexpr std::uint32_t flw(unsigned rd, unsigned rs1, std::int32_t imm) { return e::i(imm, rs1, 2, rd, 0x07); }
constexpr std::uint32_t fld(unsigned rd, unsigned rs1, std::int32_t imm) { return e::i(imm, rs1, 3, rd, 0x07); }
constexpr std::uint32_t fsw(unsigned rs2, unsigned rs1, std::int32_t imm) { return e::s(imm, rs2, rs1, 2, 0x27); }
constexpr std::uint32_t fsd(unsigned rs2, unsigned rs1, std::int32_t imm) { return e::s(imm, rs2, rs1, 3, 0x27); }
constexpr std::uint32_t csrrw(unsigned rd, unsigned csr, unsigned rs1) { return e::i(static_cast<std::int32_t>(csr), rs1, 1, rd, 0x73); }
constexpr std::uint32_t csrrs(unsigned rd, unsigned csr, unsigned rs1) { return e::i(static_cast<std::int32_t>(csr), rs1, 2, rd, 0x73); }
constexpr std::uint32_t csrrwi(unsigned rd, unsigned csr, unsigned uimm) { return e::i(static_cast<std::int32_t>(csr), uimm, 5, rd, 0x73); }
constexpr std::uint32_t fmv_w_x(unsigned fd, unsigned rs1) { return op_fp(0x1e, kS, fd, rs1, 0, 0); }
constexpr std::uint32_t fmv_x_w(unsigned rd, unsigned fs1) { return op_fp(0x1c, kS, rd, fs1, 0, 0); }

std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }
std::uint32_t bits(float v) { return std::bit_cast<std::uint32_t>(v); }
constexpr std::uint64_t kBoxed = 0xffffffff00000000ull;

// li the 64 bits of `v` into a0/a1 and store them at kDataBase + off.
void put_double(Program& p, std::uint32_t off, double v) {
  const std::uint64_t b = bits(v);
  p.li(a0, kDataBase + off);
  p.li(a1, static_cast<std::uint32_t>(b));
  p.w(e::sw(a1, a0, 0));
  p.li(a1, static_cast<std::uint32_t>(b >> 32));
  p.w(e::sw(a1, a0, 4));
}

}  // namespace

TEST_CASE("cpu float: loads, stores, NaN boxing and moves") {
  Program p;
  put_double(p, 0, 1.5);
  p.li(s0, kDataBase);
  p.w(fld(fa0, s0, 0));                  // fld fa0, 0(s0)       -> 1.5
  p.w(fsd(fa0, s0, 9));                  // fsd fa0, 9(s0)       (misaligned: emulated)
  p.w(fld(fa1, s0, 9));                  // fld fa1, 9(s0)       -> 1.5
  p.li(a2, bits(2.25f));
  p.w(fmv_w_x(ft0, a2));                 // fmv.w.x ft0, a2      -> boxed 2.25f
  p.w(fsw(ft0, s0, 32));                 // fsw ft0, 32(s0)
  p.w(flw(ft1, s0, 32));                 // flw ft1, 32(s0)      -> boxed 2.25f
  p.w(fmv_x_w(a3, fa0));                 // fmv.x.w a3, fa0      -> low half of 1.5 (unchecked)
  // fadd.s on an un-boxed register (fa0 holds a double) reads the canonical NaN.
  p.w(op_fp(0, kS, fa2, fa0, ft0, 0));   // fadd.s fa2, fa0, ft0, rne -> boxed canonical NaN
  p.w(op_fp(0, kS, fa3, ft0, ft1, 0));   // fadd.s fa3, ft0, ft1, rne -> 4.5f
  p.w(op_fp(4, kD, 0, fa0, fa0, 1));     // fsgnjn.d ft0, fa0, fa0 (f0 as destination) -> -1.5
  p.w(fsw(fa0, s0, 40));                 // fsw fa0, 40(s0)      stores the low half unchecked
  Machine m = run_to_end(p);
  CHECK(m.freg(fa0) == bits(1.5));
  CHECK(m.freg(fa1) == bits(1.5));
  CHECK(m.freg(ft1) == (kBoxed | bits(2.25f)));
  CHECK(m.reg(a3) == static_cast<std::uint32_t>(bits(1.5)));
  CHECK(m.freg(fa2) == (kBoxed | 0x7fc00000u));
  CHECK(m.freg(fa3) == (kBoxed | bits(4.5f)));
  CHECK(m.freg(ft0) == bits(-1.5));
  CHECK(read32(m, kDataBase + 40) == static_cast<std::uint32_t>(bits(1.5)));
  CHECK(m.fcsr() == 0);  // nothing inexact, and the NaN input was quiet
}

TEST_CASE("cpu float: dynamic rounding from frm; fflags accumulate; fcsr views") {
  Program p;
  p.li(a0, 1);
  p.li(a1, 3);
  p.w(op_fp(0x1a, kS, fa0, a0, 0, kDyn));   // fcvt.s.w fa0, a0     -> 1.0f
  p.w(op_fp(0x1a, kS, fa1, a1, 0, kDyn));   // fcvt.s.w fa1, a1     -> 3.0f
  p.w(csrrwi(0, 0x002, 3));                 // fsrmi 3 (RUP)
  p.w(op_fp(3, kS, fa2, fa0, fa1, kDyn));   // fdiv.s fa2, fa0, fa1 -> 1/3 rounded up
  p.w(op_fp(3, kS, fa3, fa0, fa1, 1));      // fdiv.s fa3, fa0, fa1, rtz -> 1/3 rounded down
  p.w(csrrs(s2, 0x001, 0));                 // frflags s2           -> NX
  p.w(csrrs(s3, 0x002, 0));                 // frrm s3              -> 3
  p.w(csrrs(s4, 0x003, 0));                 // frcsr s4             -> 0x61
  p.w(op_fp(0x18, kS, zero, fa2, 0, kDyn)); // fcvt.w.s zero, fa2   (x0 stays 0)
  p.li(a2, 0x7fc00000u);
  p.w(fmv_w_x(fa4, a2));                    // fmv.w.x fa4, a2      (quiet NaN)
  p.w(op_fp(0x14, kS, s5, fa4, fa0, 1));    // flt.s s5, fa4, fa0   -> 0, NV
  p.w(op_fp(0x14, kS, s6, fa0, fa0, 2));    // feq.s s6, fa0, fa0   -> 1
  p.w(op_fp(0x1c, kS, s7, fa4, 0, 1));      // fclass.s s7, fa4     -> 1 << 9
  p.w(csrrw(s8, 0x001, zero));              // fsflags s8, zero     -> old NX|NV, now 0
  p.w(csrrs(s9, 0x003, 0));                 // frcsr s9             -> 0x60
  Machine m = run_to_end(p);
  CHECK(m.freg(fa2) == (kBoxed | 0x3eaaaaabu));
  CHECK(m.freg(fa3) == (kBoxed | 0x3eaaaaaau));
  CHECK(m.reg(s2) == 1);
  CHECK(m.reg(s3) == 3);
  CHECK(m.reg(s4) == 0x61);
  CHECK(m.reg(zero) == 0);
  CHECK(m.reg(s5) == 0);
  CHECK(m.reg(s6) == 1);
  CHECK(m.reg(s7) == (1u << 9));
  CHECK(m.reg(s8) == 0x11);
  CHECK(m.reg(s9) == 0x60);
  CHECK(m.fcsr() == 0x60);
}

TEST_CASE("cpu float: reserved rm values are illegal; dynamic rm with an invalid frm too") {
  SUBCASE("static rm = 5") {
    Program p;
    p.w(e::addi(a0, zero, 1));
    const Addr bad = p.here();
    p.w(op_fp(0, kD, fa0, fa1, fa2, 5));    // fadd.d fa0, fa1, fa2, rm=5
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Ill);
    CHECK(m.pc() == bad);
    CHECK(m.icount() == 1);
  }
  SUBCASE("dynamic rm with frm = 5, 6 or 7") {
    for (unsigned frm = 5; frm <= 7; ++frm) {
      CAPTURE(frm);
      Program p;
      p.w(csrrwi(0, 0x002, frm));            // fsrmi frm
      p.w(op_fp(0x1a, kD, fa0, zero, 0, 0)); // fcvt.d.w fa0, zero, rne (static: fine)
      const Addr bad = p.here();
      p.w(fma4(0x43, kD, fa0, fa1, fa2, fa3, kDyn));  // fmadd.d fa0, fa1, fa2, fa3 (dynamic)
      Machine m = make_machine(p);
      StopInfo s = run(m);
      CHECK(s.kind() == StopKind::Fault);
      CHECK(s.signal() == Signal::Ill);
      CHECK(m.pc() == bad);
      CHECK(m.icount() == 2);
    }
  }
  SUBCASE("sign injection and min/max ignore frm (they have no rm field)") {
    Program p;
    p.w(csrrwi(0, 0x002, 7));               // fsrmi 7
    p.w(op_fp(4, kD, fa0, fa1, fa1, 0));    // fmv.d fa0, fa1
    p.w(op_fp(5, kS, fa0, fa1, fa1, 1));    // fmax.s fa0, fa1, fa1
    Machine m = run_to_end(p);
    CHECK(m.icount() == 3);
  }
}

TEST_CASE("cpu float: fma with one rounding, fmsub/fnmsub/fnmadd signs, conversions") {
  Program p;
  put_double(p, 0, 1.0 + std::ldexp(1.0, -30));
  put_double(p, 8, -1.0 - std::ldexp(1.0, -29));
  p.li(s0, kDataBase);
  p.w(fld(fa0, s0, 0));                               // fld fa0, 0(s0)   x = 1 + 2^-30
  p.w(fld(fa2, s0, 8));                               // fld fa2, 8(s0)   -(1 + 2^-29)
  p.w(fma4(0x43, kD, fa3, fa0, fa0, fa2, 0));         // fmadd.d fa3, fa0, fa0, fa2   -> 2^-60 exactly
  p.w(fma4(0x47, kD, fa4, fa0, fa0, fa2, 0));         // fmsub.d fa4 = x*x + (1+2^-29)
  p.w(fma4(0x4b, kD, fa5, fa0, fa0, fa2, 0));         // fnmsub.d fa5 = -(x*x) + c
  p.w(fma4(0x4f, kD, fa1, fa0, fa0, fa2, 0));         // fnmadd.d fa1 = -(x*x) - c -> -2^-60
  p.w(op_fp(0x08, kS, ft0, fa2, 1, 0));               // fcvt.s.d ft0, fa2, rne  -> -1.0f (inexact)
  p.w(op_fp(0x08, kD, ft1, ft0, 0, 0));               // fcvt.d.s ft1, ft0      -> -1.0
  p.w(op_fp(0x18, kD, s2, fa2, 1, 2));                // fcvt.wu.d s2, fa2, rdn -> 0, NV
  p.w(op_fp(0x18, kD, s3, fa2, 0, 2));                // fcvt.w.d s3, fa2, rdn  -> -2
  Machine m = run_to_end(p);
  const double x = 1.0 + std::ldexp(1.0, -30), c = -1.0 - std::ldexp(1.0, -29);
  CHECK(m.freg(fa3) == bits(std::ldexp(1.0, -60)));
  CHECK(m.freg(fa4) == bits(std::fma(x, x, -c)));
  CHECK(m.freg(fa5) == bits(std::fma(-x, x, c)));
  CHECK(m.freg(fa1) == bits(-std::ldexp(1.0, -60)));
  CHECK(m.freg(ft0) == (kBoxed | bits(-1.0f)));
  CHECK(m.freg(ft1) == bits(-1.0));
  CHECK(m.reg(s2) == 0);
  CHECK(m.reg(s3) == static_cast<std::uint32_t>(-2));
  CHECK(m.fcsr() == 0x11);  // NX (fmsub, fcvt.s.d) | NV (fcvt.wu.d of a negative)
}

TEST_CASE("cpu float: compressed float loads and stores") {
  Program p;
  put_double(p, 0, 3.0);
  p.li(a1, kDataBase);
  p.li(sp, kDataBase + 0x100);
  p.h(0x2188);                 // c.fld fa0, 0(a1)
  p.h(0xa588);                 // c.fsd fa0, 8(a1)
  p.h(0x2590);                 // c.fld fa2, 8(a1)   -> 3.0
  p.h(0xa42a);                 // c.fsdsp fa0, 8(sp)
  p.h(0x2422);                 // c.fldsp fs0, 8(sp) -> 3.0
  p.li(a2, bits(0.5f));
  p.w(fmv_w_x(fa3, a2));       // fmv.w.x fa3, a2
  p.h(0xe194);                 // c.fsw fa3, 0(a1)  (overwrites the low half at 0)
  p.h(0x6198);                 // c.flw fa4, 0(a1)   -> 0.5f
  p.h(0xe636);                 // c.fswsp fa3, 12(sp)
  p.h(0x64b2);                 // c.flwsp fs1, 12(sp) -> 0.5f
  Machine m = run_to_end(p);
  CHECK(m.freg(fa2) == bits(3.0));
  CHECK(m.freg(fs0) == bits(3.0));
  CHECK(m.freg(fa4) == (kBoxed | bits(0.5f)));
  CHECK(m.freg(fs1) == (kBoxed | bits(0.5f)));
}

TEST_CASE("cpu float: float state is part of snapshots and hashes") {
  Program p;
  p.li(a0, 7);
  p.w(op_fp(0x1a, kD, fa0, a0, 0, 0));   // fcvt.d.w fa0, a0
  p.w(csrrwi(0, 0x001, 1));              // fsflagsi 1
  p.h(e::kCEbreak);
  Machine m = make_machine(p);
  Machine start = m;
  const std::uint64_t h0 = m.state_hash(), r0 = m.register_hash();
  run(m);
  CHECK(m.freg(fa0) == bits(7.0));
  CHECK(start.freg(fa0) == 0);
  Machine copy = m;
  CHECK(copy.freg(fa0) == bits(7.0));
  CHECK(copy.fcsr() == 1);
  CHECK(copy.state_hash() == m.state_hash());
  Machine other = m;
  other.set_freg(fa0, bits(8.0));
  CHECK(other.state_hash() != m.state_hash());
  CHECK(other.register_hash() != m.register_hash());
  other = m;
  other.set_fcsr(0);
  CHECK(other.state_hash() != m.state_hash());
  CHECK(h0 != m.state_hash());
  CHECK(r0 == start.register_hash());
}
