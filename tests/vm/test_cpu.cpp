// tests/vm/test_cpu.cpp - instruction semantics, one program per class.
// Each word is hand-encoded (via the encoders in vm_fixture.hpp or literally)
// with its assembly in a comment; programs end with c.ebreak (SIGTRAP stop).
#include <doctest/doctest.h>

#include "vm/machine.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;
namespace e = rvrr::vm::test::enc;

namespace {
constexpr std::uint32_t r_op(std::uint32_t f7, std::uint32_t f3, unsigned rd, unsigned rs1, unsigned rs2) {
  return e::r(f7, rs2, rs1, f3, rd, 0x33);
}
constexpr std::uint32_t i_op(std::uint32_t f3, unsigned rd, unsigned rs1, std::int32_t imm) {
  return e::i(imm, rs1, f3, rd, 0x13);
}
}  // namespace

TEST_CASE("cpu: immediate ALU ops, lui, auipc") {
  Program p;
  p.li(a0, 0x80000000u);
  p.w(i_op(0, a1, a0, -1));          // addi a1, a0, -1      -> 0x7fffffff
  p.w(i_op(2, a2, a0, 0));           // slti a2, a0, 0       -> 1 (negative)
  p.w(i_op(3, a3, a0, -1));          // sltiu a3, a0, -1     -> 1 (-1 is 0xffffffff unsigned)
  p.w(i_op(3, a4, zero, -1));        // sltiu a4, zero, -1   -> 1
  p.w(i_op(4, a5, a0, -1));          // xori a5, a0, -1      -> 0x7fffffff
  p.w(i_op(6, a6, zero, -2048));     // ori a6, zero, -2048  -> 0xfffff800
  p.w(i_op(7, a7, a6, 0x0f0));       // andi a7, a6, 0xf0    -> 0
  p.w(i_op(1, s2, a1, 31));          // slli s2, a1, 31      -> 0x80000000
  p.w(i_op(5, s3, a0, 31));          // srli s3, a0, 31      -> 1
  p.w(i_op(5, s4, a0, 31) | (0x20u << 25));  // srai s4, a0, 31 -> 0xffffffff
  p.w(e::lui(s5, 0xfffff));          // lui s5, 0xfffff      -> 0xfffff000
  Addr auipc_pc = p.here();
  p.w(e::auipc(s6, 0x1));            // auipc s6, 1          -> pc + 0x1000
  p.w(i_op(0, zero, a0, 5));         // addi zero, a0, 5     -> x0 stays 0
  Machine m = run_to_end(p);
  CHECK(m.reg(a1) == 0x7fffffffu);
  CHECK(m.reg(a2) == 1);
  CHECK(m.reg(a3) == 1);
  CHECK(m.reg(a4) == 1);
  CHECK(m.reg(a5) == 0x7fffffffu);
  CHECK(m.reg(a6) == 0xfffff800u);
  CHECK(m.reg(a7) == 0);
  CHECK(m.reg(s2) == 0x80000000u);
  CHECK(m.reg(s3) == 1);
  CHECK(m.reg(s4) == 0xffffffffu);
  CHECK(m.reg(s5) == 0xfffff000u);
  CHECK(m.reg(s6) == auipc_pc + 0x1000);
  CHECK(m.reg(zero) == 0);
  CHECK(m.icount() == 15);
}

TEST_CASE("cpu: register ALU ops mask shift amounts to 5 bits") {
  Program p;
  p.li(a0, 0x80000001u);
  p.li(a1, 33);                       // shift by 33 == shift by 1
  p.li(a2, 0xfffffffeu);              // -2
  p.w(r_op(0, 1, s2, a0, a1));        // sll s2, a0, a1  -> 0x00000002
  p.w(r_op(0, 5, s3, a0, a1));        // srl s3, a0, a1  -> 0x40000000
  p.w(r_op(0x20, 5, s4, a0, a1));     // sra s4, a0, a1  -> 0xc0000000
  p.w(r_op(0, 0, s5, a0, a2));        // add s5, a0, a2  -> 0x7fffffff
  p.w(r_op(0x20, 0, s6, a2, a0));     // sub s6, a2, a0  -> 0x7ffffffd
  p.w(r_op(0, 2, s7, a0, a2));        // slt s7, a0, a2  -> 1 (INT_MIN+1 < -2)
  p.w(r_op(0, 3, s8, a0, a2));        // sltu s8, a0, a2 -> 1
  p.w(r_op(0, 3, s9, a2, a0));        // sltu s9, a2, a0 -> 0
  p.w(r_op(0, 4, s10, a0, a2));       // xor s10, a0, a2 -> 0x7fffffff
  p.w(r_op(0, 6, s11, a0, a2));       // or s11, a0, a2  -> 0xffffffff
  p.w(r_op(0, 7, t3, a0, a2));        // and t3, a0, a2  -> 0x80000000
  Machine m = run_to_end(p);
  CHECK(m.reg(s2) == 2);
  CHECK(m.reg(s3) == 0x40000000u);
  CHECK(m.reg(s4) == 0xc0000000u);
  CHECK(m.reg(s5) == 0x7fffffffu);
  CHECK(m.reg(s6) == 0x7ffffffdu);
  CHECK(m.reg(s7) == 1);
  CHECK(m.reg(s8) == 1);
  CHECK(m.reg(s9) == 0);
  CHECK(m.reg(s10) == 0x7fffffffu);
  CHECK(m.reg(s11) == 0xffffffffu);
  CHECK(m.reg(t3) == 0x80000000u);
}

TEST_CASE("cpu: M extension multiply signs and division corner cases") {
  Program p;
  p.li(a0, 0x80000000u);              // INT_MIN
  p.li(a1, 0xffffffffu);              // -1
  p.li(a2, 7);
  p.li(a3, 0xfffffff9u);              // -7
  p.w(r_op(1, 0, s2, a0, a1));        // mul s2, a0, a1    -> 0x80000000
  p.w(r_op(1, 1, s3, a1, a1));        // mulh s3, a1, a1   -> 0 (1)
  p.w(r_op(1, 2, s4, a1, a1));        // mulhsu s4, a1, a1 -> 0xffffffff (-1 * 0xffffffff)
  p.w(r_op(1, 3, s5, a1, a1));        // mulhu s5, a1, a1  -> 0xfffffffe
  p.w(r_op(1, 1, s6, a0, a0));        // mulh s6, a0, a0   -> 0x40000000
  p.w(r_op(1, 4, s7, a2, zero));      // div s7, a2, zero  -> -1
  p.w(r_op(1, 5, s8, a2, zero));      // divu s8, a2, zero -> 0xffffffff
  p.w(r_op(1, 6, s9, a2, zero));      // rem s9, a2, zero  -> 7
  p.w(r_op(1, 7, s10, a3, zero));     // remu s10, a3, zero -> 0xfffffff9
  p.w(r_op(1, 4, s11, a0, a1));       // div s11, a0, a1   -> INT_MIN (overflow)
  p.w(r_op(1, 6, t3, a0, a1));        // rem t3, a0, a1    -> 0
  p.w(r_op(1, 4, t4, a3, a2) );       // div t4, a3, a2    -> -1 (rounds toward zero)
  p.li(a4, 2);
  p.w(r_op(1, 6, t5, a3, a4));        // rem t5, a3, a4    -> -1 (sign of dividend)
  p.w(r_op(1, 5, t6, a3, a2));        // divu t6, a3, a2   -> 0xfffffff9 / 7
  p.w(r_op(1, 7, a5, a3, a2));        // remu a5, a3, a2
  Machine m = run_to_end(p);
  CHECK(m.reg(s2) == 0x80000000u);
  CHECK(m.reg(s3) == 0);
  CHECK(m.reg(s4) == 0xffffffffu);
  CHECK(m.reg(s5) == 0xfffffffeu);
  CHECK(m.reg(s6) == 0x40000000u);
  CHECK(m.reg(s7) == 0xffffffffu);
  CHECK(m.reg(s8) == 0xffffffffu);
  CHECK(m.reg(s9) == 7);
  CHECK(m.reg(s10) == 0xfffffff9u);
  CHECK(m.reg(s11) == 0x80000000u);
  CHECK(m.reg(t3) == 0);
  CHECK(m.reg(t4) == 0xffffffffu);
  CHECK(m.reg(t5) == 0xffffffffu);
  CHECK(m.reg(t6) == 0xfffffff9u / 7);
  CHECK(m.reg(a5) == 0xfffffff9u % 7);
}

TEST_CASE("cpu: loads sign/zero-extend; misaligned accesses are emulated") {
  Program p;
  p.li(a0, kDataBase);
  p.li(a1, 0x8081f2f3u);
  p.w(e::sw(a1, a0, 0));                       // sw a1, 0(a0)
  p.w(e::i(0, a0, 0, s2, 0x03));               // lb s2, 0(a0)   -> 0xfffffff3
  p.w(e::i(0, a0, 4, s3, 0x03));               // lbu s3, 0(a0)  -> 0xf3
  p.w(e::i(2, a0, 1, s4, 0x03));               // lh s4, 2(a0)   -> 0xffff8081
  p.w(e::i(2, a0, 5, s5, 0x03));               // lhu s5, 2(a0)  -> 0x8081
  p.w(e::i(1, a0, 2, s6, 0x03));               // lw s6, 1(a0)   misaligned -> 0x008081f2
  p.w(e::s(3, a1, a0, 1, 0x23));               // sh a1, 3(a0)   misaligned
  p.w(e::i(3, a0, 1, s7, 0x03));               // lh s7, 3(a0)   -> 0xfffff2f3
  p.li(a2, kDataBase + 0x1ffe);                // straddles two pages
  p.w(e::sw(a1, a2, 0));                       // sw a1, 0(a2)
  p.w(e::lw(s8, a2, 0));                       // lw s8, 0(a2)
  p.w(e::s(0, a1, a2, 0, 0x23));               // sb a1, 0(a2)
  Machine m = run_to_end(p);
  CHECK(m.reg(s2) == 0xfffffff3u);
  CHECK(m.reg(s3) == 0xf3u);
  CHECK(m.reg(s4) == 0xffff8081u);
  CHECK(m.reg(s5) == 0x8081u);
  CHECK(m.reg(s6) == 0x008081f2u);
  CHECK(m.reg(s7) == 0xfffff2f3u);
  CHECK(m.reg(s8) == 0x8081f2f3u);
  CHECK(read32(m, kDataBase + 0x1ffe) == 0x8081f2f3u);
}

TEST_CASE("cpu: branches both ways, jal/jalr links and low-bit clearing") {
  Program p;
  p.li(a0, 5);
  p.li(a1, 0xfffffffbu);                       // -5
  // Each taken branch skips one "addi s2, s2, 1"; each fallthrough executes one.
  auto skip = [&](std::uint32_t f3, unsigned x, unsigned y) { p.w(e::b(8, y, x, f3)).w(i_op(0, s2, s2, 1)); };
  auto fall = [&](std::uint32_t f3, unsigned x, unsigned y) { p.w(e::b(8, y, x, f3)).w(i_op(0, s3, s3, 1)); };
  skip(0, a0, a0);  fall(0, a0, a1);           // beq
  skip(1, a0, a1);  fall(1, a0, a0);           // bne
  skip(4, a1, a0);  fall(4, a0, a1);           // blt (signed: -5 < 5)
  skip(5, a0, a1);  fall(5, a1, a0);           // bge
  skip(6, a0, a1);  fall(6, a1, a0);           // bltu (5 < 0xfffffffb)
  skip(7, a1, a0);  fall(7, a0, a1);           // bgeu
  // backward branch loop: count t0 from 0 to 3
  p.w(i_op(0, t0, t0, 1));                     // loop: addi t0, t0, 1
  p.li(t1, 3);
  p.w(e::b(-12, t1, t0, 4));                   // blt t0, t1, loop
  Addr jal_at = p.here();
  p.w(e::jal(ra, 8));                          // jal ra, .+8
  p.w(i_op(0, s4, s4, 1));                     // (skipped)
  Addr jalr_at = p.here();
  p.w(e::auipc(t2, 0));                        // auipc t2, 0
  p.w(e::jalr(s5, t2, 13));                    // jalr s5, 13(t2) -> target t2+12 (bit 0 cleared)
  p.w(i_op(0, s4, s4, 1));                     // (skipped)
  p.w(e::jal(zero, 4));                        // jal zero, .+4 (link discarded)
  Machine m = run_to_end(p);
  CHECK(m.reg(s2) == 0);
  CHECK(m.reg(s3) == 6);
  CHECK(m.reg(t0) == 3);
  CHECK(m.reg(ra) == jal_at + 4);
  CHECK(m.reg(s4) == 0);
  CHECK(m.reg(s5) == jalr_at + 8);
  CHECK(m.reg(zero) == 0);
}

TEST_CASE("cpu: compressed instructions execute as their expansions") {
  Program p;
  p.li(sp, kDataBase + 0x800);
  p.h(0x1fe8);   // c.addi4spn a0, sp, 1020  -> a0 = sp + 1020
  p.h(0x42fd);   // c.li t0, 31
  p.h(0x02fe);   // c.slli t0, 31            -> t0 = 0x80000000
  p.h(0x7101);   // c.addi16sp sp, -512
  p.h(0x6305);   // c.lui t1, 1              -> 0x1000
  p.h(0x857e);   // c.mv a0, t6 (t6 = 0)     -> a0 = 0
  p.h(0x1501);   // c.addi a0, -32           -> -32
  p.li(a5, 0xf0);
  p.li(s0, 0xff);
  p.h(0x8c7d);   // c.and s0, a5             -> 0xf0
  p.h(0x807d);   // c.srli s0, 31            -> 0
  p.li(a1, 0xfffffff0u);
  p.h(0x99fd);   // c.andi a1, -1            -> unchanged
  p.h(0x8785);   // c.srai a5, 1             -> 0x78
  p.li(s1, 3);
  p.h(0xdf86);   // c.swsp ra, 252(sp)
  p.h(0x50fe);   // c.lwsp ra, 252(sp)
  p.li(a4, kDataBase);
  Program& q = p;
  q.li(a0, kDataBase);
  q.h(0xc124);   // c.sw s1, 64(a0)
  q.h(0x5f7c);   // c.lw a5, 124(a4)         (a4 = kDataBase: reads 0)
  q.li(a2, 6);
  q.li(a3, 5);
  q.h(0x8e35);   // c.xor a2, a3             -> 3
  q.h(0x8f5d);   // c.or a4, a5              -> kDataBase
  q.h(0x8c05);   // c.sub s0, s1             -> -3
  q.h(0x912a);   // c.add sp, a0
  Machine m = run_to_end(q);
  CHECK(m.reg(t0) == 0x80000000u);
  CHECK(m.reg(t1) == 0x1000u);
  CHECK(m.reg(a1) == 0xfffffff0u);
  CHECK(m.reg(a5) == 0);
  CHECK(m.reg(a2) == 3);
  CHECK(m.reg(a4) == kDataBase);
  CHECK(m.reg(s0) == 0xfffffffdu);
  CHECK(m.reg(sp) == kDataBase + 0x800 - 512 + kDataBase);
  CHECK(read32(m, kDataBase + 64) == 3);
  CHECK(read32(m, kDataBase + 0x800 - 512 + 252) == m.reg(ra));
}

TEST_CASE("cpu: compressed control transfer c.j, c.jal, c.beqz, c.bnez, c.jr, c.jalr") {
  Program p;
  p.li(a0, 0);
  p.h(0xc119);   // c.beqz a0, .+6   (taken)
  p.h(0x0485);   // c.addi s1, 1     (skipped)
  p.h(0x0485);   // c.addi s1, 1     (skipped)
  p.h(0xe119);   // c.bnez a0, .+6   (not taken)
  p.h(0x0405);   // c.addi s0, 1
  p.h(0xa019);   // c.j .+6
  p.h(0x0485);   // c.addi s1, 1     (skipped)
  p.h(0x0485);   // c.addi s1, 1     (skipped)
  Addr jal_at = p.here();
  p.h(0x2019);   // c.jal .+6
  p.h(0x0485);   // (skipped)
  p.h(0x0485);   // (skipped)
  p.w(e::auipc(t0, 0));   // auipc t0, 0
  p.w(e::addi(t0, t0, 12));  // addi t0, t0, 12 -> after the c.jalr
  Addr jalr_at = p.here();
  p.h(0x9282);   // c.jalr t0
  p.h(0x0485);   // (skipped)
  p.w(e::auipc(t1, 0));
  p.w(e::addi(t1, t1, 14));
  p.h(0x8302);   // c.jr t1
  p.h(0x0485);   // (skipped)
  p.h(0x0485);   // (skipped)
  Machine m = run_to_end(p);
  CHECK(m.reg(s1) == 0);
  CHECK(m.reg(s0) == 1);
  CHECK(m.reg(ra) == jalr_at + 2);
  (void)jal_at;
}

TEST_CASE("cpu: illegal encodings stop with SIGILL before retiring") {
  const std::uint32_t bad[] = {0x00000000u /* all-zero */, 0x00c5d553u /* fadd.s fa0,fa1,fa2 with rm=5 (reserved) */,
                               0xc0001073u /* csrw cycle, zero */, 0x30200073u /* mret */};
  for (std::uint32_t word : bad) {
    CAPTURE(word);
    Program p;
    p.w(e::kNop);
    p.w(word);
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Ill);
    CHECK(s.addr() == kCodeBase + 4);
    CHECK(m.pc() == kCodeBase + 4);
    CHECK(m.icount() == 1);
    CHECK(m.halted());
    StopInfo again = run(m);
    CHECK(again.kind() == StopKind::Fault);
    CHECK(again.signal() == Signal::Ill);
    CHECK(m.icount() == 1);
  }
}

TEST_CASE("cpu: plain ebreak traps; unmapped accesses fault with the address") {
  {
    Program p;
    p.w(e::kEbreak);
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Trap);
    CHECK(m.pc() == kCodeBase);
    CHECK(m.icount() == 0);
  }
  {
    Program p;
    p.li(a0, 0x1000);
    p.w(e::lw(a1, a0, 8));   // lw a1, 8(a0): null page
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Segv);
    CHECK(s.addr() == 0x1008);
    CHECK(m.pc() == kCodeBase + 8);
    CHECK(m.icount() == 2);
  }
  {
    Program p;
    p.li(a0, kCodeBase);
    p.w(e::sw(a0, a0, 0));   // sw a0, 0(a0): code is not writable
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.signal() == Signal::Segv);
    CHECK(s.addr() == kCodeBase);
    CHECK(read32(m, kCodeBase) == e::lui(a0, (kCodeBase + 0x800) >> 12));  // unchanged
  }
  {
    Program p;
    p.li(a0, kDataBase);
    p.w(e::jalr(zero, a0, 0));   // jump to a non-executable page
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.signal() == Signal::Segv);
    CHECK(s.addr() == kDataBase);
    CHECK(m.pc() == kDataBase);
    CHECK(m.icount() == 3);
  }
}

TEST_CASE("cpu: LR/SC reservation and AMO results") {
  Program p;
  p.li(a0, kDataBase);
  p.li(a1, 10);
  p.w(e::sw(a1, a0, 0));                        // sw a1, 0(a0)
  p.w(0x18b5262fu);                              // sc.w a2, a1, (a0)  -> fails (no reservation): a2 = 1
  p.w(0x100526afu);                              // lr.w a3, (a0)      -> 10
  p.w(e::addi(a1, a3, 5));                       // addi a1, a3, 5
  p.w(0x18b5272fu);                              // sc.w a4, a1, (a0)  -> succeeds: a4 = 0, mem = 15
  p.w(0x18b527afu);                              // sc.w a5, a1, (a0)  -> fails again: a5 = 1
  p.li(t0, 0xfffffff0u);                         // -16
  Program& q = p;
  auto amo = [](std::uint32_t f5, unsigned rd, unsigned rs1, unsigned rs2) {
    return (f5 << 27) | (rs2 << 20) | (rs1 << 15) | (2u << 12) | (rd << 7) | 0x2fu;
  };
  q.w(amo(0x00, s2, a0, t0));   // amoadd.w s2, t0, (a0)  -> s2 = 15, mem = -1
  q.w(amo(0x10, s3, a0, a1));   // amomin.w s3, a1, (a0)  -> s3 = -1, mem = -1
  q.w(amo(0x18, s4, a0, a1));   // amominu.w s4, a1, (a0) -> s4 = -1, mem = 15
  q.w(amo(0x14, s5, a0, t0));   // amomax.w s5, t0, (a0)  -> s5 = 15, mem = 15
  q.w(amo(0x1c, s6, a0, t0));   // amomaxu.w s6, t0, (a0) -> s6 = 15, mem = 0xfffffff0
  q.w(amo(0x0c, s7, a0, a1));   // amoand.w s7, a1, (a0)  -> mem = 0xfffffff0 & 15 = 0
  q.w(amo(0x08, s8, a0, a1));   // amoor.w s8, a1, (a0)   -> mem = 15
  q.w(amo(0x04, s9, a0, t0));   // amoxor.w s9, t0, (a0)  -> mem = 15 ^ -16 = -1
  q.w(amo(0x01, s10, a0, a1));  // amoswap.w s10, a1, (a0) -> s10 = -1, mem = 15
  Machine m = run_to_end(q);
  CHECK(m.reg(a2) == 1);
  CHECK(m.reg(a3) == 10);
  CHECK(m.reg(a4) == 0);
  CHECK(m.reg(a5) == 1);
  CHECK(m.reg(s2) == 15);
  CHECK(m.reg(s3) == 0xffffffffu);
  CHECK(m.reg(s4) == 0xffffffffu);
  CHECK(m.reg(s5) == 15);
  CHECK(m.reg(s6) == 15);
  CHECK(m.reg(s7) == 0xfffffff0u);
  CHECK(m.reg(s8) == 0);
  CHECK(m.reg(s9) == 15);
  CHECK(m.reg(s10) == 0xffffffffu);
  CHECK(read32(m, kDataBase) == 15);
}

TEST_CASE("cpu: misaligned LR/SC/AMO stop with SIGBUS") {
  const std::uint32_t ops[] = {0x100526afu /* lr.w a3, (a0) */, 0x18b5272fu /* sc.w a4, a1, (a0) */,
                               0x00b5292fu /* amoadd.w s2, a1, (a0) */};
  for (std::uint32_t op : ops) {
    CAPTURE(op);
    Program p;
    p.li(a0, kDataBase + 2);
    p.w(op);
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Bus);
    CHECK(s.addr() == kDataBase + 2);
    CHECK(m.icount() == 2);
  }
}

TEST_CASE("cpu: counters read the retired-instruction count") {
  Program p;
  p.w(e::kNop);
  p.w(e::kNop);
  p.w(0xc0002573u);   // csrr a0, cycle     (icount 2)
  p.w(0xc02025f3u);   // csrr a1, instret   (icount 3)
  p.w(0xc0102673u);   // csrr a2, time      (icount 4)
  p.w(0xc80026f3u);   // csrr a3, cycleh
  p.w(0xc8202773u);   // csrr a4, instreth
  p.w(0xc81027f3u);   // csrr a5, timeh
  Machine m = run_to_end(p);
  CHECK(m.reg(a0) == 2);
  CHECK(m.reg(a1) == 3);
  CHECK(m.reg(a2) == 4);
  CHECK(m.reg(a3) == 0);
  CHECK(m.reg(a4) == 0);
  CHECK(m.reg(a5) == 0);
}

TEST_CASE("cpu: a 32-bit instruction straddling two pages executes") {
  Program p;
  p.li(a0, 1);
  // pad with c.addi a0, 1 (0x0505) up to offset 0xffe, then a 32-bit addi across the boundary
  while (p.bytes.size() < 0xffe) p.h(0x0505);
  const std::uint64_t pads = (0xffe - 8) / 2;
  p.w(e::addi(a1, a0, 100));   // addi a1, a0, 100 at 0x10ffe..0x11001
  p.w(e::addi(a2, a1, 1));     // addi a2, a1, 1
  Machine m = run_to_end(p);
  CHECK(m.reg(a0) == 1 + pads);
  CHECK(m.reg(a1) == 101 + pads);
  CHECK(m.reg(a2) == 102 + pads);
}

TEST_CASE("cpu: machine-mode CSRs are read/write storage with read-modify-write forms") {
  Program p;
  p.li(t0, 0x10000164u);
  p.w(0x30529073u);   // csrw mtvec, t0
  p.w(0x30502373u);   // csrr t1, mtvec              -> 0x10000164
  p.li(a0, 0x12345678u);
  p.w(0x34051573u);   // csrrw a0, mscratch, a0      -> a0 = 0 (old), mscratch = 0x12345678
  p.w(0x340025f3u);   // csrr a1, mscratch           -> 0x12345678
  p.li(a2, 0x0000ff00u);
  p.w(0x30062073u);   // csrs mstatus, a2            -> mstatus = 0xff00
  p.li(a3, 0x00000f00u);
  p.w(0x3006b6f3u);   // csrrc a3, mstatus, a3       -> a3 = 0xff00, mstatus = 0xf000
  p.w(0x30046773u);   // csrrsi a4, mstatus, 8       -> a4 = 0xf000, mstatus = 0xf008
  p.w(0x300477f3u);   // csrrci a5, mstatus, 8       -> a5 = 0xf008, mstatus = 0xf000
  p.w(0x30002873u);   // csrr a6, mstatus            -> 0xf000
  p.w(0x343fd8f3u);   // csrrwi a7, mtval, 31        -> a7 = 0, mtval = 31
  p.w(0x34302973u);   // csrr s2, mtval              -> 31
  p.w(0x3040e073u);   // csrsi mie, 1
  p.w(0x304029f3u);   // csrr s3, mie                -> 1
  p.w(0x34169073u);   // csrw mepc, a3 (0xff00)
  p.w(0x34202a73u);   // csrr s4, mcause             -> 0 (never written)
  p.w(0x34102af3u);   // csrr s5, mepc               -> 0xff00
  Machine m = run_to_end(p);
  CHECK(m.reg(t1) == 0x10000164u);
  CHECK(m.reg(a0) == 0);
  CHECK(m.reg(a1) == 0x12345678u);
  CHECK(m.reg(a3) == 0xff00u);
  CHECK(m.reg(a4) == 0xf000u);
  CHECK(m.reg(a5) == 0xf008u);
  CHECK(m.reg(a6) == 0xf000u);
  CHECK(m.reg(a7) == 0);
  CHECK(m.reg(s2) == 31);
  CHECK(m.reg(s3) == 1);
  CHECK(m.reg(s4) == 0);
  CHECK(m.reg(s5) == 0xff00u);
}

TEST_CASE("cpu: misa reads RV32IMAFDC and ignores writes; ID CSRs read 0") {
  Program p;
  p.li(a1, 0xffffffffu);
  p.w(0x30159073u);   // csrw misa, a1               (legal, ignored)
  p.w(0x30102573u);   // csrr a0, misa               -> MXL=1 | A C D F I M
  p.li(s0, 77);
  p.li(s1, 77);
  p.li(s2, 77);
  p.li(s3, 77);
  p.li(s4, 77);
  p.w(0xf1402473u);   // csrr s0, mhartid
  p.w(0xf11024f3u);   // csrr s1, mvendorid
  p.w(0xf1202973u);   // csrr s2, marchid
  p.w(0xf13029f3u);   // csrr s3, mimpid
  p.w(0xf1403a73u);   // csrrc s4, mhartid, zero (a read: no write)
  Machine m = run_to_end(p);
  CHECK(m.reg(a0) == 0x4000112du);
  CHECK(m.reg(s0) == 0);
  CHECK(m.reg(s1) == 0);
  CHECK(m.reg(s2) == 0);
  CHECK(m.reg(s3) == 0);
  CHECK(m.reg(s4) == 0);
}

TEST_CASE("cpu: writes to read-only CSRs and unknown CSRs stop with SIGILL before retiring") {
  const std::uint32_t bad[] = {
      0xf1451073u,  // csrw mhartid, a0
      0xf1401073u,  // csrrw zero, mhartid, zero
      0xf120e573u,  // csrrsi a0, marchid, 1
      0xc0259073u,  // csrw instret, a1
      0xc0005573u,  // csrrwi a0, cycle, 0
      0x18002573u,  // csrr a0, satp
      0x7c059073u,  // csrw 0x7c0, a1
  };
  for (std::uint32_t word : bad) {
    CAPTURE(word);
    Program p;
    p.w(e::kNop);
    p.w(word);
    Machine m = make_machine(p);
    StopInfo s = run(m);
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Ill);
    CHECK(s.addr() == kCodeBase + 4);
    CHECK(m.pc() == kCodeBase + 4);
    CHECK(m.icount() == 1);
  }
  // The fault message names the CSR instruction that was refused.
  CHECK(disassemble(make_machine(Program{}.w(0xf1451073u)).memory(), kCodeBase) ==
        "csrw mhartid, a0 (read-only CSR)");
  CHECK(disassemble(make_machine(Program{}.w(0x18002573u)).memory(), kCodeBase) ==
        "csrrs a0, 0x180, zero (unimplemented CSR)");
}

TEST_CASE("cpu: CSR state is part of the snapshot and of the state hash") {
  Program p;
  p.li(a0, 0xabcd);
  p.w(0x34051073u);   // csrw mscratch, a0            (icount 2 -> 3)
  p.w(0x34051073u);   // csrw mscratch, a0 (again)
  p.w(0x340025f3u);   // csrr a1, mscratch
  p.h(e::kCEbreak);
  NullEnvironment env;
  RunOptions o;
  o.stop_at = 3;
  Machine m = make_machine(p);
  REQUIRE(m.run(o, env).kind() == StopKind::Limit);  // mscratch = 0xabcd
  Machine snap = m;
  CHECK(snap.state_hash() == m.state_hash());
  // The same program with a0 = 0 at the first csrw: afterwards code, memory,
  // registers (a0 cleared in both), pc and icount agree; only mscratch differs.
  Machine other = make_machine(p);
  o.stop_at = 2;
  REQUIRE(other.run(o, env).kind() == StopKind::Limit);
  other.set_reg(a0, 0);
  o.stop_at = 3;
  REQUIRE(other.run(o, env).kind() == StopKind::Limit);  // mscratch = 0
  Machine m2 = m;
  m2.set_reg(a0, 0);
  CHECK(other.register_hash() == m2.register_hash());
  CHECK(other.state_hash() != m2.state_hash());
  other.step(env);  // csrw mscratch, a0 (= 0)
  m2.step(env);     // the same: now both hold mscratch = 0
  CHECK(other.state_hash() == m2.state_hash());
  // The snapshot runs on independently and sees the value written before the copy.
  snap.set_reg(a0, 0x55);
  CHECK(run(snap).signal() == Signal::Trap);
  CHECK(snap.reg(a1) == 0x55);
  CHECK(run(m).signal() == Signal::Trap);
  CHECK(m.reg(a1) == 0xabcd);
  // A machine that skipped the writes: csrr reads 0.
  CHECK(run(m2).signal() == Signal::Trap);
  CHECK(m2.reg(a1) == 0);
}

TEST_CASE("cpu: misaligned accesses in page 0 fault cleanly (empty TLB entries never match)") {
  // Regression: empty TLB entries once had tag 1, which a misaligned halfword
  // or word access at 0x...1 in page 0 matched, dereferencing a null host page.
  const std::uint32_t ops[] = {
      e::sw(a1, a0, 0),                    // sw a1, 0(a0)
      e::lw(a1, a0, 0),                    // lw a1, 0(a0)
      e::i(0, a0, 1, a1, 0x03),            // lh a1, 0(a0)
      e::s(0, a1, a0, 1, 0x23),            // sh a1, 0(a0)
  };
  for (std::uint32_t op : ops) {
    for (Addr addr : {Addr{0x1}, Addr{0x79}, Addr{0x3}, Addr{0xffd}}) {
      CAPTURE(op);
      CAPTURE(addr);
      Program p;
      p.li(a0, addr);
      p.w(op);
      Machine m = make_machine(p);
      StopInfo s = run(m);
      CHECK(s.kind() == StopKind::Fault);
      CHECK(s.signal() == Signal::Segv);
      CHECK(s.addr() == addr);
      CHECK(m.icount() == 2);
    }
  }
}
