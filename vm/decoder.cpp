// vm/decoder.cpp - RV32IMAFDC decoding: 32-bit words, compressed expansion, lowering.
#include "vm/decoder.hpp"

namespace rvrr::vm {
namespace {

constexpr std::int32_t sext(std::uint32_t v, unsigned bits) {
  std::uint32_t m = 1u << (bits - 1);
  return static_cast<std::int32_t>((v ^ m) - m);
}
constexpr std::uint32_t bits_of(std::uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr std::uint32_t bit(std::uint32_t v, unsigned b) { return (v >> b) & 1; }

Insn make(Op op, unsigned rd, unsigned rs1, unsigned rs2, std::int32_t imm, std::uint8_t len) {
  Insn i;
  i.op = op;
  i.rd = static_cast<std::uint8_t>(rd);
  i.rs1 = static_cast<std::uint8_t>(rs1);
  i.rs2 = static_cast<std::uint8_t>(rs2);
  i.imm = imm;
  i.len = len;
  return i;
}
Insn illegal(std::uint8_t len) { return make(Op::Illegal, 0, 0, 0, 0, len); }

// rm 5 and 6 are reserved: the instruction is illegal whatever frm holds
// (7, dynamic, is checked against frm when it executes).
bool rm_ok(unsigned rm) { return rm != 5 && rm != 6; }

Insn fp(FpFn fn, bool dbl, unsigned rm, unsigned rs3, unsigned rd, unsigned rs1, unsigned rs2) {
  return make(Op::FpOp, rd, rs1, rs2, fp_imm(fn, dbl, rm, rs3), 4);
}

Insn decode_fma(std::uint32_t w) {
  const unsigned rd = bits_of(w, 11, 7), rs1 = bits_of(w, 19, 15), rs2 = bits_of(w, 24, 20);
  const unsigned rm = bits_of(w, 14, 12), fmt = bits_of(w, 26, 25), rs3 = bits_of(w, 31, 27);
  if (fmt > 1 || !rm_ok(rm)) return illegal(4);  // fmt 2 = H, 3 = Q: not implemented
  static const FpFn fns[4] = {FpFn::Madd, FpFn::Msub, FpFn::Nmsub, FpFn::Nmadd};
  return fp(fns[bits_of(w, 3, 2)], fmt == 1, rm, rs3, rd, rs1, rs2);
}

// OP-FP (opcode 0x53) for fmt S and D on RV32.
Insn decode_op_fp(std::uint32_t w) {
  const unsigned rd = bits_of(w, 11, 7), rs1 = bits_of(w, 19, 15), rs2 = bits_of(w, 24, 20);
  const unsigned rm = bits_of(w, 14, 12), fmt = bits_of(w, 26, 25), f5 = bits_of(w, 31, 27);
  if (fmt > 1) return illegal(4);
  const bool d = fmt == 1;
  auto rounded = [&](FpFn fn) { return rm_ok(rm) ? fp(fn, d, rm, 0, rd, rs1, rs2) : illegal(4); };
  switch (f5) {
    case 0x00: return rounded(FpFn::Add);
    case 0x01: return rounded(FpFn::Sub);
    case 0x02: return rounded(FpFn::Mul);
    case 0x03: return rounded(FpFn::Div);
    case 0x0b: return rs2 == 0 ? rounded(FpFn::Sqrt) : illegal(4);
    case 0x04:
      if (rm > 2) return illegal(4);
      return fp(rm == 0 ? FpFn::Sgnj : rm == 1 ? FpFn::Sgnjn : FpFn::Sgnjx, d, 0, 0, rd, rs1, rs2);
    case 0x05:
      if (rm > 1) return illegal(4);
      return fp(rm == 0 ? FpFn::Min : FpFn::Max, d, 0, 0, rd, rs1, rs2);
    case 0x08:  // fcvt.s.d (fmt S, rs2 = 1) / fcvt.d.s (fmt D, rs2 = 0)
      if (!d && rs2 == 1) return rounded(FpFn::CvtSD);
      if (d && rs2 == 0) return rounded(FpFn::CvtDS);
      return illegal(4);
    case 0x14:
      if (rm > 2) return illegal(4);
      return fp(rm == 2 ? FpFn::Eq : rm == 1 ? FpFn::Lt : FpFn::Le, d, 0, 0, rd, rs1, rs2);
    case 0x18:  // fcvt.w[u].fmt (rs2 2/3 are the RV64 .l forms)
      if (rs2 > 1) return illegal(4);
      return rounded(rs2 == 0 ? FpFn::CvtWF : FpFn::CvtWuF);
    case 0x1a:  // fcvt.fmt.w[u]
      if (rs2 > 1) return illegal(4);
      return rounded(rs2 == 0 ? FpFn::CvtFW : FpFn::CvtFWu);
    case 0x1c:  // fmv.x.w (fmv.x.d is RV64 only) / fclass
      if (rs2 != 0) return illegal(4);
      if (rm == 1) return fp(FpFn::Class, d, 0, 0, rd, rs1, 0);
      if (rm == 0 && !d) return fp(FpFn::MvXW, false, 0, 0, rd, rs1, 0);
      return illegal(4);
    case 0x1e:  // fmv.w.x (fmv.d.x is RV64 only)
      if (rs2 != 0 || rm != 0 || d) return illegal(4);
      return fp(FpFn::MvWX, false, 0, 0, rd, rs1, 0);
  }
  return illegal(4);
}

}  // namespace

int storage_csr_index(std::uint32_t csr) {
  switch (csr) {
    case 0x300: return 0;  // mstatus
    case 0x304: return 1;  // mie
    case 0x305: return 2;  // mtvec
    case 0x340: return 3;  // mscratch
    case 0x341: return 4;  // mepc
    case 0x342: return 5;  // mcause
    case 0x343: return 6;  // mtval
    case 0x344: return 7;  // mip
    default: return -1;
  }
}

const char* csr_name(std::uint32_t csr) {
  switch (csr) {
    case 0x001: return "fflags";
    case 0x002: return "frm";
    case 0x003: return "fcsr";
    case 0x300: return "mstatus";
    case 0x301: return "misa";
    case 0x304: return "mie";
    case 0x305: return "mtvec";
    case 0x340: return "mscratch";
    case 0x341: return "mepc";
    case 0x342: return "mcause";
    case 0x343: return "mtval";
    case 0x344: return "mip";
    case 0xF11: return "mvendorid";
    case 0xF12: return "marchid";
    case 0xF13: return "mimpid";
    case 0xF14: return "mhartid";
    case 0xC00: return "cycle";
    case 0xC01: return "time";
    case 0xC02: return "instret";
    case 0xC80: return "cycleh";
    case 0xC81: return "timeh";
    case 0xC82: return "instreth";
    default: return nullptr;
  }
}

bool csr_exists(std::uint32_t csr) { return csr_name(csr) != nullptr; }

const char* op_name(Op op) {
  static const char* const names[] = {"illegal", "nop", "lui", "auipc", "addi", "slti", "sltiu",
      "xori", "ori", "andi", "slli", "srli", "srai", "add", "sub", "sll", "slt", "sltu", "xor",
      "srl", "sra", "or", "and", "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
      "lb", "lh", "lw", "lbu", "lhu", "sb", "sh", "sw", "beq", "bne", "blt", "bge", "bltu", "bgeu",
      "beq", "bne", "blt", "bge", "bltu", "bgeu", "jal", "jal", "jalr", "ecall", "ebreak",
      "c.ebreak", "csrr", "csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "lr.w", "sc.w", "amoswap.w", "amoadd.w", "amoxor.w", "amoand.w",
      "amoor.w", "amomin.w", "amomax.w", "amominu.w", "amomaxu.w", "fence", "fence.i", "cross",
      "page-end", "j", "bp-stop", "addi", "add", "flw", "fld", "fsw", "fsd", "fp"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<unsigned>(Op::Count));
  auto i = static_cast<unsigned>(op);
  return i < static_cast<unsigned>(Op::Count) ? names[i] : "?";
}

Insn decode(std::uint32_t bits) {
  return (bits & 3) == 3 ? decode32(bits) : decode16(static_cast<std::uint16_t>(bits));
}

Insn decode32(std::uint32_t w) {
  const unsigned rd = bits_of(w, 11, 7), rs1 = bits_of(w, 19, 15), rs2 = bits_of(w, 24, 20);
  const unsigned f3 = bits_of(w, 14, 12), f7 = bits_of(w, 31, 25);
  const std::int32_t imm_i = sext(w >> 20, 12);
  const std::int32_t imm_s = sext((bits_of(w, 31, 25) << 5) | bits_of(w, 11, 7), 12);
  const std::int32_t imm_b = sext((bit(w, 31) << 12) | (bit(w, 7) << 11) |
                                      (bits_of(w, 30, 25) << 5) | (bits_of(w, 11, 8) << 1), 13);
  const std::int32_t imm_u = static_cast<std::int32_t>(w & 0xfffff000u);
  const std::int32_t imm_j = sext((bit(w, 31) << 20) | (bits_of(w, 19, 12) << 12) |
                                      (bit(w, 20) << 11) | (bits_of(w, 30, 21) << 1), 21);
  switch (w & 0x7f) {
    case 0x37: return make(Op::Lui, rd, 0, 0, imm_u, 4);
    case 0x17: return make(Op::Auipc, rd, 0, 0, imm_u, 4);
    case 0x6f: return make(Op::Jal, rd, 0, 0, imm_j, 4);
    case 0x67: return f3 == 0 ? make(Op::Jalr, rd, rs1, 0, imm_i, 4) : illegal(4);
    case 0x63: {
      static const Op ops[8] = {Op::Beq, Op::Bne, Op::Illegal, Op::Illegal,
                                Op::Blt, Op::Bge, Op::Bltu, Op::Bgeu};
      return ops[f3] == Op::Illegal ? illegal(4) : make(ops[f3], 0, rs1, rs2, imm_b, 4);
    }
    case 0x03: {
      static const Op ops[8] = {Op::Lb, Op::Lh, Op::Lw, Op::Illegal,
                                Op::Lbu, Op::Lhu, Op::Illegal, Op::Illegal};
      return ops[f3] == Op::Illegal ? illegal(4) : make(ops[f3], rd, rs1, 0, imm_i, 4);
    }
    case 0x23: {
      static const Op ops[8] = {Op::Sb, Op::Sh, Op::Sw, Op::Illegal,
                                Op::Illegal, Op::Illegal, Op::Illegal, Op::Illegal};
      return ops[f3] == Op::Illegal ? illegal(4) : make(ops[f3], 0, rs1, rs2, imm_s, 4);
    }
    case 0x13:
      switch (f3) {
        case 0: return make(Op::Addi, rd, rs1, 0, imm_i, 4);
        case 2: return make(Op::Slti, rd, rs1, 0, imm_i, 4);
        case 3: return make(Op::Sltiu, rd, rs1, 0, imm_i, 4);
        case 4: return make(Op::Xori, rd, rs1, 0, imm_i, 4);
        case 6: return make(Op::Ori, rd, rs1, 0, imm_i, 4);
        case 7: return make(Op::Andi, rd, rs1, 0, imm_i, 4);
        case 1: return f7 == 0 ? make(Op::Slli, rd, rs1, 0, static_cast<std::int32_t>(rs2), 4) : illegal(4);
        case 5:
          if (f7 == 0) return make(Op::Srli, rd, rs1, 0, static_cast<std::int32_t>(rs2), 4);
          if (f7 == 0x20) return make(Op::Srai, rd, rs1, 0, static_cast<std::int32_t>(rs2), 4);
          return illegal(4);
      }
      return illegal(4);
    case 0x33: {
      Op op = Op::Illegal;
      if (f7 == 0) {
        static const Op ops[8] = {Op::Add, Op::Sll, Op::Slt, Op::Sltu, Op::Xor, Op::Srl, Op::Or, Op::And};
        op = ops[f3];
      } else if (f7 == 0x20) {
        op = f3 == 0 ? Op::Sub : f3 == 5 ? Op::Sra : Op::Illegal;
      } else if (f7 == 1) {
        static const Op ops[8] = {Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu, Op::Div, Op::Divu, Op::Rem, Op::Remu};
        op = ops[f3];
      }
      return op == Op::Illegal ? illegal(4) : make(op, rd, rs1, rs2, 0, 4);
    }
    case 0x0f:
      if (f3 == 0) return make(Op::Fence, 0, 0, 0, 0, 4);
      if (f3 == 1) return make(Op::FenceI, 0, 0, 0, 0, 4);
      return illegal(4);
    case 0x73: {
      if (w == 0x00000073) return make(Op::Ecall, 0, 0, 0, 0, 4);
      if (w == 0x00100073) return make(Op::Ebreak, 0, 0, 0, 0, 4);
      const std::uint32_t csr = w >> 20;
      if ((f3 & 3) == 0 || !csr_exists(csr)) return illegal(4);
      // csrrw/csrrwi always write; csrrs/csrrc (and their immediate forms)
      // write only when rs1 / uimm is non-zero, so reading a read-only CSR
      // that way is legal while any real write to one is not.
      const bool writes = (f3 & 3) == 1 || rs1 != 0;
      if (!writes) return make(Op::CsrRead, rd, 0, 0, static_cast<std::int32_t>(csr), 4);
      if (csr_read_only(csr)) return illegal(4);
      static const Op ops[8] = {Op::Illegal, Op::CsrRw, Op::CsrRs, Op::CsrRc,
                                Op::Illegal, Op::CsrRwi, Op::CsrRsi, Op::CsrRci};
      return make(ops[f3], rd, rs1, 0, static_cast<std::int32_t>(csr), 4);
    }
    case 0x07:  // LOAD-FP
      if (f3 == 2) return make(Op::Flw, rd, rs1, 0, imm_i, 4);
      if (f3 == 3) return make(Op::Fld, rd, rs1, 0, imm_i, 4);
      return illegal(4);
    case 0x27:  // STORE-FP
      if (f3 == 2) return make(Op::Fsw, 0, rs1, rs2, imm_s, 4);
      if (f3 == 3) return make(Op::Fsd, 0, rs1, rs2, imm_s, 4);
      return illegal(4);
    case 0x43: case 0x47: case 0x4b: case 0x4f:  // fmadd, fmsub, fnmsub, fnmadd
      return decode_fma(w);
    case 0x53:
      return decode_op_fp(w);
    case 0x2f: {
      if (f3 != 2) return illegal(4);
      switch (w >> 27) {
        case 0x02: return rs2 == 0 ? make(Op::LrW, rd, rs1, 0, 0, 4) : illegal(4);
        case 0x03: return make(Op::ScW, rd, rs1, rs2, 0, 4);
        case 0x01: return make(Op::AmoSwap, rd, rs1, rs2, 0, 4);
        case 0x00: return make(Op::AmoAdd, rd, rs1, rs2, 0, 4);
        case 0x04: return make(Op::AmoXor, rd, rs1, rs2, 0, 4);
        case 0x0c: return make(Op::AmoAnd, rd, rs1, rs2, 0, 4);
        case 0x08: return make(Op::AmoOr, rd, rs1, rs2, 0, 4);
        case 0x10: return make(Op::AmoMin, rd, rs1, rs2, 0, 4);
        case 0x14: return make(Op::AmoMax, rd, rs1, rs2, 0, 4);
        case 0x18: return make(Op::AmoMinu, rd, rs1, rs2, 0, 4);
        case 0x1c: return make(Op::AmoMaxu, rd, rs1, rs2, 0, 4);
      }
      return illegal(4);
    }
  }
  return illegal(4);
}

Insn decode16(std::uint16_t h16) {
  const std::uint32_t h = h16;
  const unsigned f3 = bits_of(h, 15, 13);
  const unsigned rd = bits_of(h, 11, 7), rs2 = bits_of(h, 6, 2);
  const unsigned rdp = 8 + bits_of(h, 4, 2), rs1p = 8 + bits_of(h, 9, 7);
  const std::int32_t imm6 = sext((bit(h, 12) << 5) | bits_of(h, 6, 2), 6);
  const std::int32_t cj = sext((bit(h, 12) << 11) | (bit(h, 11) << 4) | (bits_of(h, 10, 9) << 8) |
                                   (bit(h, 8) << 10) | (bit(h, 7) << 6) | (bit(h, 6) << 7) |
                                   (bits_of(h, 5, 3) << 1) | (bit(h, 2) << 5), 12);
  const std::int32_t cb = sext((bit(h, 12) << 8) | (bits_of(h, 11, 10) << 3) | (bits_of(h, 6, 5) << 6) |
                                   (bits_of(h, 4, 3) << 1) | (bit(h, 2) << 5), 9);
  const std::int32_t clw = static_cast<std::int32_t>((bits_of(h, 12, 10) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6));
  const std::int32_t cld = static_cast<std::int32_t>((bits_of(h, 12, 10) << 3) | (bits_of(h, 6, 5) << 6));
  switch (h & 3) {
    case 0:
      switch (f3) {
        case 0: {  // c.addi4spn (all-zero halfword lands here: nzuimm == 0 -> illegal)
          std::int32_t nz = static_cast<std::int32_t>((bits_of(h, 12, 11) << 4) | (bits_of(h, 10, 7) << 6) |
                                                      (bit(h, 6) << 2) | (bit(h, 5) << 3));
          return nz ? make(Op::Addi, rdp, 2, 0, nz, 2) : illegal(2);
        }
        case 1: return make(Op::Fld, rdp, rs1p, 0, cld, 2);    // c.fld
        case 2: return make(Op::Lw, rdp, rs1p, 0, clw, 2);     // c.lw
        case 3: return make(Op::Flw, rdp, rs1p, 0, clw, 2);    // c.flw (RV32)
        case 5: return make(Op::Fsd, 0, rs1p, rdp, cld, 2);    // c.fsd
        case 6: return make(Op::Sw, 0, rs1p, rdp, clw, 2);     // c.sw
        case 7: return make(Op::Fsw, 0, rs1p, rdp, clw, 2);    // c.fsw (RV32)
        default: return illegal(2);  // reserved
      }
    case 1:
      switch (f3) {
        case 0: return make(Op::Addi, rd, rd, 0, imm6, 2);     // c.addi / c.nop
        case 1: return make(Op::Jal, 1, 0, 0, cj, 2);          // c.jal
        case 2: return make(Op::Addi, rd, 0, 0, imm6, 2);      // c.li
        case 3:
          if (rd == 2) {                                       // c.addi16sp
            std::int32_t nz = sext((bit(h, 12) << 9) | (bit(h, 6) << 4) | (bit(h, 5) << 6) |
                                       (bits_of(h, 4, 3) << 7) | (bit(h, 2) << 5), 10);
            return nz ? make(Op::Addi, 2, 2, 0, nz, 2) : illegal(2);
          }
          return imm6 ? make(Op::Lui, rd, 0, 0, static_cast<std::int32_t>(static_cast<std::uint32_t>(imm6) << 12), 2)
                      : illegal(2);                            // c.lui
        case 4: {
          const unsigned f2 = bits_of(h, 11, 10);
          if (f2 == 0 || f2 == 1) {                            // c.srli / c.srai
            if (bit(h, 12)) return illegal(2);                 // shamt[5] = 1 is reserved on RV32
            return make(f2 == 0 ? Op::Srli : Op::Srai, rs1p, rs1p, 0, static_cast<std::int32_t>(rs2), 2);
          }
          if (f2 == 2) return make(Op::Andi, rs1p, rs1p, 0, imm6, 2);  // c.andi
          if (bit(h, 12)) return illegal(2);                   // c.subw/c.addw: RV64 only
          static const Op ops[4] = {Op::Sub, Op::Xor, Op::Or, Op::And};
          return make(ops[bits_of(h, 6, 5)], rs1p, rs1p, rdp, 0, 2);
        }
        case 5: return make(Op::Jal, 0, 0, 0, cj, 2);          // c.j
        case 6: return make(Op::Beq, 0, rs1p, 0, cb, 2);       // c.beqz
        case 7: return make(Op::Bne, 0, rs1p, 0, cb, 2);       // c.bnez
      }
      break;
    case 2:
      switch (f3) {
        case 0:                                                // c.slli
          if (bit(h, 12)) return illegal(2);
          return make(Op::Slli, rd, rd, 0, static_cast<std::int32_t>(rs2), 2);
        case 2: {                                              // c.lwsp
          if (rd == 0) return illegal(2);
          std::int32_t off = static_cast<std::int32_t>((bit(h, 12) << 5) | (bits_of(h, 6, 4) << 2) | (bits_of(h, 3, 2) << 6));
          return make(Op::Lw, rd, 2, 0, off, 2);
        }
        case 4:
          if (!bit(h, 12)) {
            if (rs2 == 0) return rd ? make(Op::Jalr, 0, rd, 0, 0, 2) : illegal(2);  // c.jr
            return make(Op::Add, rd, 0, rs2, 0, 2);            // c.mv
          }
          if (rs2 == 0) {
            if (rd == 0) return make(Op::CEbreak, 0, 0, 0, 0, 2);  // c.ebreak
            return make(Op::Jalr, 1, rd, 0, 0, 2);             // c.jalr
          }
          return make(Op::Add, rd, rd, rs2, 0, 2);             // c.add
        case 6: {                                              // c.swsp
          std::int32_t off = static_cast<std::int32_t>((bits_of(h, 12, 9) << 2) | (bits_of(h, 8, 7) << 6));
          return make(Op::Sw, 0, 2, rs2, off, 2);
        }
        case 1: {                                              // c.fldsp (any fd, f0 included)
          std::int32_t off = static_cast<std::int32_t>((bit(h, 12) << 5) | (bits_of(h, 6, 5) << 3) | (bits_of(h, 4, 2) << 6));
          return make(Op::Fld, rd, 2, 0, off, 2);
        }
        case 3: {                                              // c.flwsp (RV32; any fd)
          std::int32_t off = static_cast<std::int32_t>((bit(h, 12) << 5) | (bits_of(h, 6, 4) << 2) | (bits_of(h, 3, 2) << 6));
          return make(Op::Flw, rd, 2, 0, off, 2);
        }
        case 5: {                                              // c.fsdsp
          std::int32_t off = static_cast<std::int32_t>((bits_of(h, 12, 10) << 3) | (bits_of(h, 9, 7) << 6));
          return make(Op::Fsd, 0, 2, rs2, off, 2);
        }
        case 7: {                                              // c.fswsp (RV32)
          std::int32_t off = static_cast<std::int32_t>((bits_of(h, 12, 9) << 2) | (bits_of(h, 8, 7) << 6));
          return make(Op::Fsw, 0, 2, rs2, off, 2);
        }
      }
  }
  return illegal(2);
}

namespace {
bool writes_rd_only(Op op) {  // pure register ops: rd = x0 makes them nops
  return (op >= Op::Lui && op <= Op::Remu) || op == Op::CsrRead;
}
bool is_branch(Op op) { return op >= Op::Beq && op <= Op::Bgeu; }
}  // namespace

DecodedOp lower(const Insn& in, std::uint32_t offset) {
  Op op = in.op;
  std::uint8_t rd = in.rd;
  std::int32_t imm = in.imm;
  if (rd == 0) {
    if (writes_rd_only(op)) op = Op::Nop;
    rd = kScratchReg;
  }
  if (op == Op::Fence || op == Op::FenceI) op = Op::Nop;
  if (is_branch(op) || op == Op::Jal) {
    std::int64_t target = static_cast<std::int64_t>(offset) + imm;
    if (target >= 0 && target < static_cast<std::int64_t>(kPageSizeForDecoder)) {
      // A local jal without link (j loop) skips the link computation.
      op = op == Op::Jal ? (rd == kScratchReg ? Op::JumpL : Op::JalL)
                         : static_cast<Op>(static_cast<unsigned>(op) + 6);
      imm = static_cast<std::int32_t>(target >> 1);
    }
  }
  DecodedOp d;
  d.code = static_cast<std::uint8_t>(static_cast<unsigned>(op) | (in.len == 2 ? 0x80u : 0u));
  d.rd = rd;
  d.rs1 = in.rs1;
  d.rs2 = in.rs2;
  d.imm = imm;
  d.dist = 0;
  d.delta = 0;
  d.jump = 0;
  return d;
}

void decode_page(const std::uint8_t* b, DecodedOp* out) {
  for (std::uint32_t i = 0; i < kSlotsPerPage; ++i) {
    std::uint32_t half = b[2 * i] | (static_cast<std::uint32_t>(b[2 * i + 1]) << 8);
    if ((half & 3) != 3) {
      out[i] = lower(decode16(static_cast<std::uint16_t>(half)), 2 * i);
    } else if (i + 1 == kSlotsPerPage) {
      out[i] = DecodedOp{static_cast<std::uint8_t>(Op::Cross), 0, 0, 0, 0, 0, 0, 0};
    } else {
      std::uint32_t word = half | (static_cast<std::uint32_t>(b[2 * i + 2]) << 16) |
                           (static_cast<std::uint32_t>(b[2 * i + 3]) << 24);
      out[i] = lower(decode32(word), 2 * i);
    }
  }
  out[kSlotsPerPage] = out[kSlotsPerPage + 1] = DecodedOp{static_cast<std::uint8_t>(Op::PageEnd), 0, 0, 0, 0, 0, 0, 0};
  // Instructions to the page end along sequential flow (sentinels: 0). A
  // 4-byte op (Cross included) skips two slots.
  for (std::uint32_t i = kSlotsPerPage; i-- > 0;) {
    const std::uint32_t next = i + ((out[i].code & 0x80) ? 1 : 2);
    out[i].dist = static_cast<std::uint16_t>(out[next].dist + 1);
  }
  for (std::uint32_t i = 0; i < kSlotsPerPage; ++i) {
    const Op op = static_cast<Op>(out[i].code & 0x7f);
    if ((op == Op::Addi || op == Op::Add) && out[i].rd == out[i].rs1) {
      const Op acc = op == Op::Addi ? Op::AddiRd : Op::AddRd;
      out[i].code = static_cast<std::uint8_t>((out[i].code & 0x80) | static_cast<unsigned>(acc));
    }
    if ((op >= Op::BeqL && op <= Op::BgeuL) || op == Op::JalL || op == Op::JumpL) {
      out[i].delta = static_cast<std::int16_t>(out[out[i].imm].dist - out[i].dist + 1);
      out[i].jump = (out[i].imm - static_cast<std::int32_t>(i)) * static_cast<std::int32_t>(sizeof(DecodedOp));
    }
  }
}

}  // namespace rvrr::vm
