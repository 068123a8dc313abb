// tests/vm/test_decoder.cpp - decoding and disassembly of every RV32IMAFDC form.
// Words were produced by riscv64-unknown-elf-as -march=rv32imac_zicsr_zifencei;
// the comment is the assembly, the string is our disassembly (pc = 0).
#include <doctest/doctest.h>

#include <string>

#include "vm/decoder.hpp"

using namespace rvrr::vm;

namespace {
struct Row {
  std::uint32_t bits;
  const char* text;
};

void check_rows(const Row* rows, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    CAPTURE(k);
    CAPTURE(rows[k].text);
    Insn in = decode(rows[k].bits);
    CHECK(in.op != Op::Illegal);
    CHECK(in.len == ((rows[k].bits & 3) == 3 ? 4 : 2));
    CHECK(format_insn(in, 0) == std::string(rows[k].text));
  }
}
}  // namespace

TEST_CASE("decoder: RV32I base forms") {
  const Row rows[] = {
      {0x12345537, "lui a0, 0x12345"},           // lui a0, 0x12345
      {0xfffff297, "auipc t0, 0xfffff"},         // auipc t0, 0xfffff
      {0x001000ef, "jal ra, 0x800"},             // jal ra, .+2048
      {0xffc30067, "jalr zero, -4(t1)"},         // jalr zero, -4(t1)
      {0xfeb508e3, "beq a0, a1, 0xfffffff0"},    // beq a0, a1, .-16
      {0x00941463, "bne s0, s1, 0x8"},           // bne s0, s1, .+8
      {0x7fc3cfe3, "blt t2, t3, 0xffe"},         // blt t2, t3, .+4094
      {0x80d65063, "bge a2, a3, 0xfffff000"},    // bge a2, a3, .-4096
      {0x00f76663, "bltu a4, a5, 0xc"},          // bltu a4, a5, .+12
      {0x01187863, "bgeu a6, a7, 0x10"},         // bgeu a6, a7, .+16
      {0xfff10503, "lb a0, -1(sp)"},             // lb a0, -1(sp)
      {0x00211583, "lh a1, 2(sp)"},              // lh a1, 2(sp)
      {0x7ff42603, "lw a2, 2047(s0)"},           // lw a2, 2047(s0)
      {0x80044683, "lbu a3, -2048(s0)"},         // lbu a3, -2048(s0)
      {0x00055703, "lhu a4, 0(a0)"},             // lhu a4, 0(a0)
      {0xfea10fa3, "sb a0, -1(sp)"},             // sb a0, -1(sp)
      {0x00b11123, "sh a1, 2(sp)"},              // sh a1, 2(sp)
      {0x7ec42fa3, "sw a2, 2047(s0)"},           // sw a2, 2047(s0)
      {0xfff50513, "addi a0, a0, -1"},           // addi a0, a0, -1
      {0x00532293, "slti t0, t1, 5"},            // slti t0, t1, 5
      {0xfff33293, "sltiu t0, t1, -1"},          // sltiu t0, t1, -1
      {0xfff5c513, "xori a0, a1, -1"},           // xori a0, a1, -1
      {0x0ff5e513, "ori a0, a1, 255"},           // ori a0, a1, 255
      {0x7f05f513, "andi a0, a1, 2032"},         // andi a0, a1, 0x7f0
      {0x01f59513, "slli a0, a1, 31"},           // slli a0, a1, 31
      {0x0015d513, "srli a0, a1, 1"},            // srli a0, a1, 1
      {0x41f5d513, "srai a0, a1, 31"},           // srai a0, a1, 31
      {0x01498933, "add s2, s3, s4"},            // add s2, s3, s4
      {0x417b0ab3, "sub s5, s6, s7"},            // sub s5, s6, s7
      {0x01ff1eb3, "sll t4, t5, t6"},            // sll t4, t5, t6
      {0x00c5a533, "slt a0, a1, a2"},            // slt a0, a1, a2
      {0x00c5b533, "sltu a0, a1, a2"},           // sltu a0, a1, a2
      {0x00c5c533, "xor a0, a1, a2"},            // xor a0, a1, a2
      {0x00c5d533, "srl a0, a1, a2"},            // srl a0, a1, a2
      {0x40c5d533, "sra a0, a1, a2"},            // sra a0, a1, a2
      {0x00c5e533, "or a0, a1, a2"},             // or a0, a1, a2
      {0x00c5f533, "and a0, a1, a2"},            // and a0, a1, a2
      {0x0ff0000f, "fence"},                     // fence iorw, iorw
      {0x0000100f, "fence.i"},                   // fence.i
      {0x00000073, "ecall"},                     // ecall
      {0x00100073, "ebreak"},                    // ebreak
  };
  check_rows(rows, sizeof rows / sizeof rows[0]);
}

TEST_CASE("decoder: M, A and Zicsr counter forms") {
  const Row rows[] = {
      {0x02c58533, "mul a0, a1, a2"},            // mul a0, a1, a2
      {0x02c59533, "mulh a0, a1, a2"},           // mulh
      {0x02c5a533, "mulhsu a0, a1, a2"},         // mulhsu
      {0x02c5b533, "mulhu a0, a1, a2"},          // mulhu
      {0x02c5c533, "div a0, a1, a2"},            // div
      {0x02c5d533, "divu a0, a1, a2"},           // divu
      {0x02c5e533, "rem a0, a1, a2"},            // rem
      {0x02c5f533, "remu a0, a1, a2"},           // remu
      {0xc0002573, "csrr a0, cycle"},            // csrr a0, cycle
      {0xc0102573, "csrr a0, time"},             // csrr a0, time
      {0xc0202573, "csrr a0, instret"},          // csrr a0, instret
      {0xc8002573, "csrr a0, cycleh"},           // csrr a0, cycleh
      {0xc8102573, "csrr a0, timeh"},            // csrr a0, timeh
      {0xc8202573, "csrr a0, instreth"},         // csrr a0, instreth
      {0xc0203573, "csrr a0, instret"},          // csrrc a0, instret, zero
      {0xc0006573, "csrr a0, cycle"},            // csrrsi a0, cycle, 0
      {0x1005a52f, "lr.w a0, (a1)"},             // lr.w a0, (a1)
      {0x18c5a52f, "sc.w a0, a2, (a1)"},         // sc.w a0, a2, (a1)
      {0x08c5a52f, "amoswap.w a0, a2, (a1)"},    // amoswap.w
      {0x00c5a52f, "amoadd.w a0, a2, (a1)"},     // amoadd.w
      {0x20c5a52f, "amoxor.w a0, a2, (a1)"},     // amoxor.w
      {0x60c5a52f, "amoand.w a0, a2, (a1)"},     // amoand.w
      {0x40c5a52f, "amoor.w a0, a2, (a1)"},      // amoor.w
      {0x80c5a52f, "amomin.w a0, a2, (a1)"},     // amomin.w
      {0xa0c5a52f, "amomax.w a0, a2, (a1)"},     // amomax.w
      {0xc0c5a52f, "amominu.w a0, a2, (a1)"},    // amominu.w
      {0xe6c5a52f, "amomaxu.w a0, a2, (a1)"},    // amomaxu.w.aqrl
  };
  check_rows(rows, sizeof rows / sizeof rows[0]);
}

TEST_CASE("decoder: machine-mode CSR forms") {
  const Row rows[] = {
      {0x30529073, "csrw mtvec, t0"},            // csrw mtvec, t0
      {0x30502373, "csrr t1, mtvec"},            // csrr t1, mtvec
      {0x34059573, "csrrw a0, mscratch, a1"},    // csrrw a0, mscratch, a1
      {0x3005a573, "csrrs a0, mstatus, a1"},     // csrrs a0, mstatus, a1
      {0x3045b573, "csrrc a0, mie, a1"},         // csrrc a0, mie, a1
      {0x34462073, "csrs mip, a2"},              // csrs mip, a2
      {0x3416b073, "csrc mepc, a3"},             // csrc mepc, a3
      {0x3422d073, "csrwi mcause, 5"},           // csrwi mcause, 5
      {0x343fd573, "csrrwi a0, mtval, 31"},      // csrrwi a0, mtval, 31
      {0x30046573, "csrrsi a0, mstatus, 8"},     // csrrsi a0, mstatus, 8
      {0x30047573, "csrrci a0, mstatus, 8"},     // csrrci a0, mstatus, 8
      {0x3040e073, "csrsi mie, 1"},              // csrsi mie, 1
      {0x30102573, "csrr a0, misa"},             // csrr a0, misa
      {0x30151073, "csrw misa, a0"},             // csrw misa, a0 (legal; ignored)
      {0xf1402573, "csrr a0, mhartid"},          // csrr a0, mhartid
      {0xf1102573, "csrr a0, mvendorid"},        // csrr a0, mvendorid
      {0xf1202573, "csrr a0, marchid"},          // csrr a0, marchid
      {0xf1302573, "csrr a0, mimpid"},           // csrr a0, mimpid
      {0xf1403573, "csrr a0, mhartid"},          // csrrc a0, mhartid, zero
      {0xf1406573, "csrr a0, mhartid"},          // csrrsi a0, mhartid, 0
      {0xf1307573, "csrr a0, mimpid"},           // csrrci a0, mimpid, 0
      {0x34001073, "csrw mscratch, zero"},       // csrw mscratch, zero
  };
  check_rows(rows, sizeof rows / sizeof rows[0]);
  // Writes keep their form (they must execute even with rd = x0); reads of
  // read-only CSRs lower to CsrRead.
  CHECK(decode(0x30529073).op == Op::CsrRw);
  CHECK(lower(decode(0x30529073), 0).code == static_cast<std::uint8_t>(Op::CsrRw));
  CHECK(lower(decode(0x30529073), 0).rd == kScratchReg);
  CHECK(decode(0x3005a573).op == Op::CsrRs);
  CHECK(decode(0x3045b573).op == Op::CsrRc);
  CHECK(decode(0x343fd573).op == Op::CsrRwi);
  CHECK(decode(0x343fd573).rs1 == 31);  // the immediate
  CHECK(decode(0x30046573).op == Op::CsrRsi);
  CHECK(decode(0x30047573).op == Op::CsrRci);
  CHECK(decode(0xf1403573).op == Op::CsrRead);
  CHECK(decode(0xf1403573).imm == 0xf14);
}

TEST_CASE("decoder: every RV32C form expands to its canonical instruction") {
  const Row rows[] = {
      {0x1fe8, "addi a0, sp, 1020"},             // c.addi4spn a0, sp, 1020
      {0x5f7c, "lw a5, 124(a4)"},                // c.lw a5, 124(a4)
      {0xc124, "sw s1, 64(a0)"},                 // c.sw s1, 64(a0)
      {0x0001, "addi zero, zero, 0"},            // c.nop
      {0x1501, "addi a0, a0, -32"},              // c.addi a0, -32
      {0x2ffd, "jal ra, 0x7fe"},                 // c.jal .+2046
      {0x42fd, "addi t0, zero, 31"},             // c.li t0, 31
      {0x7101, "addi sp, sp, -512"},             // c.addi16sp sp, -512
      {0x7501, "lui a0, 0xfffe0"},               // c.lui a0, 0xfffe0
      {0x6305, "lui t1, 0x1"},                   // c.lui t1, 1
      {0x807d, "srli s0, s0, 31"},               // c.srli s0, 31
      {0x8785, "srai a5, a5, 1"},                // c.srai a5, 1
      {0x99fd, "andi a1, a1, -1"},               // c.andi a1, -1
      {0x8c05, "sub s0, s0, s1"},                // c.sub s0, s1
      {0x8e35, "xor a2, a2, a3"},                // c.xor a2, a3
      {0x8f5d, "or a4, a4, a5"},                 // c.or a4, a5
      {0x8c7d, "and s0, s0, a5"},                // c.and s0, a5
      {0xb001, "jal zero, 0xfffff800"},          // c.j .-2048
      {0xd101, "beq a0, zero, 0xffffff00"},      // c.beqz a0, .-256
      {0xecfd, "bne s1, zero, 0xfe"},            // c.bnez s1, .+254
      {0x02fe, "slli t0, t0, 31"},               // c.slli t0, 31
      {0x50fe, "lw ra, 252(sp)"},                // c.lwsp ra, 252(sp)
      {0x8082, "jalr zero, 0(ra)"},              // c.jr ra
      {0x857e, "add a0, zero, t6"},              // c.mv a0, t6
      {0x9002, "c.ebreak"},                      // c.ebreak
      {0x9282, "jalr ra, 0(t0)"},                // c.jalr t0
      {0x912a, "add sp, sp, a0"},                // c.add sp, a0
      {0xdf86, "sw ra, 252(sp)"},                // c.swsp ra, 252(sp)
  };
  check_rows(rows, sizeof rows / sizeof rows[0]);
}

TEST_CASE("decoder: reserved and unsupported encodings are illegal") {
  const std::uint32_t illegal[] = {
      0x0000,       // all-zero halfword (c.addi4spn with nzuimm 0)
      0x8000,       // reserved quadrant-0 funct3 100
      0x6101,       // c.addi16sp sp, 0 (reserved)
      0x6501,       // c.lui a0, 0 (reserved)
      0x9001 | 0x1000,  // c.srli with shamt[5]=1 (RV32 reserved)
      0x9c01,       // c.subw (RV64)
      0x4002,       // c.lwsp zero (reserved)
      0x8002,       // c.jr zero (reserved)
      0xffffffff,   // all ones
      0xc0001073,   // csrw cycle, zero (a write to a counter)
      0xc0102573 | (1u << 15),  // csrrs a0, time, sp (rs1 != 0: a write)
      0x18002573,   // csrr a0, satp (a CSR the machine does not implement)
      0x7c002573,   // csrr a0, 0x7c0 (custom CSR)
      0xf1451073,   // csrw mhartid, a0 (read-only)
      0xf1401073,   // csrrw zero, mhartid, zero (csrrw always writes)
      0xf1405573,   // csrrwi a0, mhartid, 0 (csrrwi always writes)
      0xf115a573,   // csrrs a0, mvendorid, a1 (rs1 != 0: a write)
      0xf120e573,   // csrrsi a0, marchid, 1 (uimm != 0: a write)
      0xc0005573,   // csrrwi a0, cycle, 0 (a write to a counter)
      0x30504573,   // csrr with funct3 100 (reserved)
      0x30200073,   // mret
      0x10500073,   // wfi
      0x0005b503,   // ld a0, 0(a1) (RV64)
      0x0005a52f | (3u << 12),  // amoadd.d
      0x1005a52f | (1u << 20),  // lr.w with rs2 != 0
      0x02000013 | (1u << 12),  // slli with shamt[5] = 1
      0x00001067,   // jalr with funct3 != 0
      0x0000a063,   // branch funct3 010
      0x0000b003,   // load funct3 011 (ld)
      0x0000b023,   // store funct3 011 (sd)
      0x80000033,   // add with funct7 0x40
  };
  for (std::uint32_t bits : illegal) {
    CAPTURE(bits);
    CHECK(decode(bits).op == Op::Illegal);
  }
}

TEST_CASE("decoder: lowering makes rd=x0 ops nops and same-page branches local") {
  Insn add0 = decode(0x00c58033);  // add zero, a1, a2
  CHECK(lower(add0, 0).code == static_cast<std::uint8_t>(Op::Nop));
  Insn load0 = decode(0x00052003);  // lw zero, 0(a0): must still access memory
  DecodedOp l = lower(load0, 0);
  CHECK(l.code == static_cast<std::uint8_t>(Op::Lw));
  CHECK(l.rd == kScratchReg);
  Insn b = decode(0x00941463);  // bne s0, s1, .+8
  DecodedOp local = lower(b, 100);
  CHECK(local.code == static_cast<std::uint8_t>(Op::BneL));
  CHECK(local.imm == (100 + 8) / 2);
  DecodedOp far = lower(b, 4092);
  CHECK(far.code == static_cast<std::uint8_t>(Op::Bne));
  CHECK(far.imm == 8);
  DecodedOp c = lower(decode(0x1501), 0);  // c.addi a0, -32
  CHECK(c.code == (static_cast<std::uint8_t>(Op::Addi) | 0x80));
}

TEST_CASE("decoder: decode_page handles straddling words and sentinels") {
  std::uint8_t page[4096] = {};
  // nop at 0, c.addi at 4, and a 32-bit word starting in the last halfword.
  const std::uint32_t nop = 0x00000013;
  for (int k = 0; k < 4; ++k) page[k] = static_cast<std::uint8_t>(nop >> (8 * k));
  page[4] = 0x01; page[5] = 0x15;     // c.addi a0, -32
  page[4094] = 0x13; page[4095] = 0x00;  // low half of a 32-bit word
  static DecodedOp ops[kSlotsPerPage + 2];
  decode_page(page, ops);
  CHECK(ops[0].code == static_cast<std::uint8_t>(Op::Nop));  // addi zero, zero, 0
  // c.addi (rd == rs1) becomes the accumulate form in a decoded page.
  CHECK(ops[2].code == (static_cast<std::uint8_t>(Op::AddiRd) | 0x80));
  CHECK(ops[2].rd == 10);
  CHECK(ops[2].imm == -32);
  CHECK(ops[kSlotsPerPage - 1].code == static_cast<std::uint8_t>(Op::Cross));
  CHECK(ops[kSlotsPerPage].code == static_cast<std::uint8_t>(Op::PageEnd));
  CHECK(ops[kSlotsPerPage + 1].code == static_cast<std::uint8_t>(Op::PageEnd));
}

TEST_CASE("decoder: decode_page counts instructions to the page end and pre-computes local jumps") {
  std::uint8_t page[4096] = {};
  // addi (4 bytes) at 0, c.addi at 4, bne s0, s1, .-6 at 6 (back to 0), rest c.nop-free zeros.
  const std::uint32_t addi = 0x00150513;  // addi a0, a0, 1
  for (int k = 0; k < 4; ++k) page[k] = static_cast<std::uint8_t>(addi >> (8 * k));
  page[4] = 0x01; page[5] = 0x15;       // c.addi a0, -32
  const std::uint32_t bne = 0xfe941de3;  // bne s0, s1, .-6
  for (int k = 0; k < 4; ++k) page[6 + k] = static_cast<std::uint8_t>(bne >> (8 * k));
  static DecodedOp ops[kSlotsPerPage + 2];
  decode_page(page, ops);
  REQUIRE(ops[3].code == static_cast<std::uint8_t>(Op::BneL));
  CHECK(ops[kSlotsPerPage].dist == 0);
  CHECK(ops[kSlotsPerPage + 1].dist == 0);
  // Sequential flow from slot i: dist[i] = 1 + dist[next].
  for (std::uint32_t i = 0; i < kSlotsPerPage; ++i) {
    const std::uint32_t next = i + ((ops[i].code & 0x80) ? 1 : 2);
    CAPTURE(i);
    CHECK(ops[i].dist == ops[next].dist + 1);
  }
  CHECK(ops[0].dist == ops[2].dist + 1);  // addi -> c.addi -> bne
  CHECK(ops[2].dist == ops[3].dist + 1);
  // Taken: the page-end count changes by dist[target] - dist[branch] + 1.
  CHECK(ops[3].imm == 0);
  CHECK(ops[3].delta == ops[0].dist - ops[3].dist + 1);
  CHECK(ops[3].delta == 3);  // three instructions retired per loop trip
  CHECK(ops[3].jump == -3 * static_cast<std::int32_t>(sizeof(DecodedOp)));
  // lower() alone (the straddling-instruction trampoline) leaves them zero.
  DecodedOp l = lower(decode(bne), 4092);
  CHECK(l.dist == 0);
  CHECK(l.delta == 0);
  CHECK(l.jump == 0);
}

TEST_CASE("decoder: F and D forms, compressed float loads/stores, fcsr CSRs") {
  // Words from riscv64-unknown-elf-as -march=rv32imafdc_zicsr.
  const Row rows[] = {
      {0x6588, "flw fa0, 8(a1)"},                          // c.flw fa0, 8(a1)
      {0xff013487, "fld fs1, -16(sp)"},                    // fld fs1, -16(sp)
      {0x00352627, "fsw ft3, 12(a0)"},                     // fsw ft3, 12(a0)
      {0x7ef43c27, "fsd fa5, 2040(s0)"},                   // fsd fa5, 2040(s0)
      {0x00c5f553, "fadd.s fa0, fa1, fa2"},                // fadd.s fa0, fa1, fa2 (dynamic rm)
      {0x0a209053, "fsub.d ft0, ft1, ft2, rtz"},           // fsub.d ft0, ft1, ft2, rtz
      {0x12c5c553, "fmul.d fa0, fa1, fa2, rmm"},           // fmul.d fa0, fa1, fa2, rmm
      {0x1924b453, "fdiv.s fs0, fs1, fs2, rup"},           // fdiv.s fs0, fs1, fs2, rup
      {0x5a05f553, "fsqrt.d fa0, fa1"},                    // fsqrt.d fa0, fa1
      {0x68c5f543, "fmadd.s fa0, fa1, fa2, fa3"},          // fmadd.s fa0, fa1, fa2, fa3
      {0x1a20a047, "fmsub.d ft0, ft1, ft2, ft3, rdn"},     // fmsub.d ft0, ft1, ft2, ft3, rdn
      {0x9924f44b, "fnmsub.s fs0, fs1, fs2, fs3"},         // fnmsub.s fs0, fs1, fs2, fs3
      {0x72f808cf, "fnmadd.d fa7, fa6, fa5, fa4, rne"},    // fnmadd.d fa7, fa6, fa5, fa4, rne
      {0x22c58553, "fsgnj.d fa0, fa1, fa2"},               // fsgnj.d fa0, fa1, fa2
      {0x20b59553, "fsgnjn.s fa0, fa1, fa1"},              // fneg.s fa0, fa1
      {0x2220a053, "fsgnjx.d ft0, ft1, ft2"},              // fsgnjx.d ft0, ft1, ft2
      {0x28c58553, "fmin.s fa0, fa1, fa2"},                // fmin.s fa0, fa1, fa2
      {0x2ac59553, "fmax.d fa0, fa1, fa2"},                // fmax.d fa0, fa1, fa2
      {0x4015f553, "fcvt.s.d fa0, fa1"},                   // fcvt.s.d fa0, fa1
      {0x42058553, "fcvt.d.s fa0, fa1, rne"},              // fcvt.d.s fa0, fa1
      {0xa2b52553, "feq.d a0, fa0, fa1"},                  // feq.d a0, fa0, fa1
      {0xa01015d3, "flt.s a1, ft0, ft1"},                  // flt.s a1, ft0, ft1
      {0xa2940653, "fle.d a2, fs0, fs1"},                  // fle.d a2, fs0, fs1
      {0xc2051553, "fcvt.w.d a0, fa0, rtz"},               // fcvt.w.d a0, fa0, rtz
      {0xc015f5d3, "fcvt.wu.s a1, fa1"},                   // fcvt.wu.s a1, fa1
      {0xd2050553, "fcvt.d.w fa0, a0, rne"},               // fcvt.d.w fa0, a0
      {0xd015a5d3, "fcvt.s.wu fa1, a1, rdn"},              // fcvt.s.wu fa1, a1, rdn
      {0xe0050553, "fmv.x.w a0, fa0"},                     // fmv.x.w a0, fa0
      {0xe2051553, "fclass.d a0, fa0"},                    // fclass.d a0, fa0
      {0xe00f95d3, "fclass.s a1, ft11"},                   // fclass.s a1, ft11
      {0xf0050553, "fmv.w.x fa0, a0"},                     // fmv.w.x fa0, a0
      {0x2588, "fld fa0, 8(a1)"},                          // c.fld fa0, 8(a1)
      {0xaa0c, "fsd fa1, 16(a2)"},                         // c.fsd fa1, 16(a2)
      {0x62d0, "flw fa2, 4(a3)"},                          // c.flw fa2, 4(a3)
      {0xff74, "fsw fa3, 124(a4)"},                        // c.fsw fa3, 124(a4)
      {0x347e, "fld fs0, 504(sp)"},                        // c.fldsp fs0, 504(sp)
      {0xa426, "fsd fs1, 8(sp)"},                          // c.fsdsp fs1, 8(sp)
      {0x707e, "flw ft0, 252(sp)"},                        // c.flwsp ft0, 252(sp)
      {0xe206, "fsw ft1, 4(sp)"},                          // c.fswsp ft1, 4(sp)
      {0x00302573, "csrr a0, fcsr"},                       // csrr a0, fcsr
      {0x00259073, "csrw frm, a1"},                        // fsrm a1
      {0x00102573, "csrr a0, fflags"},                     // frflags a0
  };
  check_rows(rows, sizeof rows / sizeof rows[0]);
}

TEST_CASE("decoder: reserved float encodings are illegal") {
  const std::uint32_t words[] = {
      0x00c5d553,  // fadd.s with rm = 5 (reserved)
      0x00c5e553,  // fadd.s with rm = 6 (reserved)
      0x04c58553,  // fadd.h (fmt = 2: Zfh not implemented)
      0x06c58553,  // fadd.q (fmt = 3: Q not implemented)
      0x6cc5f543,  // fmadd.h (fmt = 2)
      0x6ec5f543,  // fmadd.q (fmt = 3)
      0xe2050553,  // fmv.x.d (RV64 only)
      0xf2050553,  // fmv.d.x (RV64 only)
      0xc0250553,  // fcvt.l.s (RV64 only)
      0x20c5b553,  // fsgnj.s with funct3 = 3
      0x28c5a553,  // fmin/fmax with funct3 = 2
      0xa0c5b553,  // fcmp with funct3 = 3
      0x5a15f553,  // fsqrt.d with rs2 != 0
      0x0000c007,  // LOAD-FP with width 4 (flq)
  };
  for (std::uint32_t w : words) {
    CAPTURE(w);
    CHECK(decode(w).op == Op::Illegal);
  }
}
