// vm/rv64_compressed.cpp - RV64C expansion (see rv64_compressed.hpp).
#include "vm/rv64_compressed.hpp"

#include <memory>

namespace rvrr::vm {
namespace {

constexpr std::uint32_t b(std::uint32_t v, unsigned hi, unsigned lo) { return (v >> lo) & ((1u << (hi - lo + 1)) - 1); }
constexpr std::int32_t sext(std::uint32_t v, unsigned bits) {
  const std::uint32_t m = 1u << (bits - 1);
  return static_cast<std::int32_t>((v ^ m) - m);
}

// The base instruction formats, from operands (imm already in range).
std::uint32_t r_type(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd, unsigned op) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
std::uint32_t i_type(std::int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op) {
  return (static_cast<std::uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op;
}
std::uint32_t s_type(std::int32_t imm, unsigned rs2, unsigned rs1, unsigned f3, unsigned op) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (b(u, 11, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (b(u, 4, 0) << 7) | op;
}
std::uint32_t b_type(std::int32_t imm, unsigned rs2, unsigned rs1, unsigned f3) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (b(u, 12, 12) << 31) | (b(u, 10, 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
         (b(u, 4, 1) << 8) | (b(u, 11, 11) << 7) | 0x63;
}
std::uint32_t j_type(std::int32_t imm, unsigned rd) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (b(u, 20, 20) << 31) | (b(u, 10, 1) << 21) | (b(u, 11, 11) << 20) | (b(u, 19, 12) << 12) | (rd << 7) | 0x6f;
}

constexpr unsigned kLoad = 0x03, kLoadFp = 0x07, kOpImm = 0x13, kOpImm32 = 0x1b, kStore = 0x23, kStoreFp = 0x27,
                   kOp = 0x33, kLui = 0x37, kOp32 = 0x3b, kJalr = 0x67;

std::uint32_t quadrant0(std::uint32_t h) {
  const unsigned rd_ = 8 + b(h, 4, 2), rs1_ = 8 + b(h, 9, 7);
  const std::int32_t uimm_w = static_cast<std::int32_t>((b(h, 12, 10) << 3) | (b(h, 6, 6) << 2) | (b(h, 5, 5) << 6));
  const std::int32_t uimm_d = static_cast<std::int32_t>((b(h, 12, 10) << 3) | (b(h, 6, 5) << 6));
  switch (b(h, 15, 13)) {
    case 0: {  // c.addi4spn
      const std::uint32_t nz = (b(h, 12, 11) << 4) | (b(h, 10, 7) << 6) | (b(h, 6, 6) << 2) | (b(h, 5, 5) << 3);
      return nz ? i_type(static_cast<std::int32_t>(nz), 2, 0, rd_, kOpImm) : 0;
    }
    case 1: return i_type(uimm_d, rs1_, 3, rd_, kLoadFp);   // c.fld
    case 2: return i_type(uimm_w, rs1_, 2, rd_, kLoad);     // c.lw
    case 3: return i_type(uimm_d, rs1_, 3, rd_, kLoad);     // c.ld
    case 5: return s_type(uimm_d, rd_, rs1_, 3, kStoreFp);  // c.fsd
    case 6: return s_type(uimm_w, rd_, rs1_, 2, kStore);    // c.sw
    case 7: return s_type(uimm_d, rd_, rs1_, 3, kStore);    // c.sd
    default: return 0;
  }
}

std::uint32_t quadrant1(std::uint32_t h) {
  const unsigned rd = b(h, 11, 7), rd_ = 8 + b(h, 9, 7), rs2_ = 8 + b(h, 4, 2);
  const std::int32_t imm6 = sext((b(h, 12, 12) << 5) | b(h, 6, 2), 6);
  const unsigned shamt = (b(h, 12, 12) << 5) | b(h, 6, 2);
  switch (b(h, 15, 13)) {
    case 0: return i_type(imm6, rd, 0, rd, kOpImm);                  // c.addi (c.nop)
    case 1: return rd ? i_type(imm6, rd, 0, rd, kOpImm32) : 0;       // c.addiw
    case 2: return i_type(imm6, 0, 0, rd, kOpImm);                   // c.li
    case 3:
      if (rd == 2) {  // c.addi16sp
        const std::int32_t imm = sext((b(h, 12, 12) << 9) | (b(h, 6, 6) << 4) | (b(h, 5, 5) << 6) |
                                          (b(h, 4, 3) << 7) | (b(h, 2, 2) << 5), 10);
        return imm ? i_type(imm, 2, 0, 2, kOpImm) : 0;
      }
      if (imm6 == 0) return 0;  // c.lui with 0 is reserved
      return (static_cast<std::uint32_t>(imm6) << 12) | (rd << 7) | kLui;
    case 4:
      switch (b(h, 11, 10)) {
        case 0: return r_type(0, 0, rd_, 5, rd_, kOpImm) | (shamt << 20);        // c.srli
        case 1: return r_type(0x20, 0, rd_, 5, rd_, kOpImm) | (shamt << 20);     // c.srai
        case 2: return i_type(imm6, rd_, 7, rd_, kOpImm);                        // c.andi
        default:
          if (b(h, 12, 12) == 0) {
            static const unsigned f3[4] = {0, 4, 6, 7};  // c.sub c.xor c.or c.and
            return r_type(b(h, 6, 5) == 0 ? 0x20 : 0, rs2_, rd_, f3[b(h, 6, 5)], rd_, kOp);
          }
          if (b(h, 6, 5) == 0) return r_type(0x20, rs2_, rd_, 0, rd_, kOp32);  // c.subw
          if (b(h, 6, 5) == 1) return r_type(0, rs2_, rd_, 0, rd_, kOp32);     // c.addw
          return 0;
      }
    case 5: {  // c.j
      const std::int32_t imm = sext((b(h, 12, 12) << 11) | (b(h, 11, 11) << 4) | (b(h, 10, 9) << 8) |
                                        (b(h, 8, 8) << 10) | (b(h, 7, 7) << 6) | (b(h, 6, 6) << 7) |
                                        (b(h, 5, 3) << 1) | (b(h, 2, 2) << 5), 12);
      return j_type(imm, 0);
    }
    default: {  // c.beqz / c.bnez
      const std::int32_t imm = sext((b(h, 12, 12) << 8) | (b(h, 11, 10) << 3) | (b(h, 6, 5) << 6) |
                                        (b(h, 4, 3) << 1) | (b(h, 2, 2) << 5), 9);
      return b_type(imm, 0, rd_, b(h, 15, 13) == 6 ? 0 : 1);
    }
  }
}

std::uint32_t quadrant2(std::uint32_t h) {
  const unsigned rd = b(h, 11, 7), rs2 = b(h, 6, 2);
  const unsigned shamt = (b(h, 12, 12) << 5) | b(h, 6, 2);
  const std::int32_t lwsp = static_cast<std::int32_t>((b(h, 12, 12) << 5) | (b(h, 6, 4) << 2) | (b(h, 3, 2) << 6));
  const std::int32_t ldsp = static_cast<std::int32_t>((b(h, 12, 12) << 5) | (b(h, 6, 5) << 3) | (b(h, 4, 2) << 6));
  const std::int32_t swsp = static_cast<std::int32_t>((b(h, 12, 9) << 2) | (b(h, 8, 7) << 6));
  const std::int32_t sdsp = static_cast<std::int32_t>((b(h, 12, 10) << 3) | (b(h, 9, 7) << 6));
  switch (b(h, 15, 13)) {
    case 0: return r_type(0, 0, rd, 1, rd, kOpImm) | (shamt << 20);  // c.slli
    case 1: return i_type(ldsp, 2, 3, rd, kLoadFp);                   // c.fldsp
    case 2: return rd ? i_type(lwsp, 2, 2, rd, kLoad) : 0;            // c.lwsp
    case 3: return rd ? i_type(ldsp, 2, 3, rd, kLoad) : 0;            // c.ldsp
    case 4:
      if (b(h, 12, 12) == 0) {
        if (rs2 == 0) return rd ? i_type(0, rd, 0, 0, kJalr) : 0;     // c.jr
        return r_type(0, rs2, 0, 0, rd, kOp);                         // c.mv
      }
      if (rs2 == 0) return rd ? i_type(0, rd, 0, 1, kJalr) : 0x00100073u;  // c.jalr / c.ebreak
      return r_type(0, rs2, rd, 0, rd, kOp);                          // c.add
    case 5: return s_type(sdsp, rs2, 2, 3, kStoreFp);                 // c.fsdsp
    case 6: return s_type(swsp, rs2, 2, 2, kStore);                   // c.swsp
    default: return s_type(sdsp, rs2, 2, 3, kStore);                  // c.sdsp
  }
}

}  // namespace

std::uint32_t expand_rv64c(std::uint16_t half) {
  if (half == 0) return 0;
  switch (half & 3) {
    case 0: return quadrant0(half);
    case 1: return quadrant1(half);
    case 2: return quadrant2(half);
    default: return 0;  // not a compressed instruction
  }
}

const std::uint32_t* rv64c_table() {
  static const std::unique_ptr<std::uint32_t[]> table = [] {
    auto t = std::make_unique<std::uint32_t[]>(1u << 16);
    for (std::uint32_t h = 0; h < (1u << 16); ++h) t[h] = expand_rv64c(static_cast<std::uint16_t>(h));
    return t;
  }();
  return table.get();
}

}  // namespace rvrr::vm
