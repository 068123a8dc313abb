// vm/disassembler.cpp - one-line RV32IMAFDC / RV64IMAFDC disassembly for
// fault messages and tests. RV64 names its own encodings (rv64_only) and
// shows a compressed instruction as its 32-bit expansion; everything that
// means the same on both widths goes through RV32's decoder.
#include <cstdarg>
#include <cstdio>

#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/memory.hpp"
#include "vm/rv64_compressed.hpp"

namespace rvrr::vm {

const char* reg_name(unsigned r) {
  static const char* const names[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
                                        "s0",   "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                                        "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7",
                                        "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  return r < 32 ? names[r] : "?";
}

const char* freg_name(unsigned r) {
  static const char* const names[32] = {"ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
                                        "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
                                        "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
                                        "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
  return r < 32 ? names[r] : "?";
}

namespace {
std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* f, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}
std::string csr_text(std::int32_t csr) {
  const char* name = csr_name(static_cast<std::uint32_t>(csr));
  return name ? std::string(name) : fmt("0x%x", static_cast<unsigned>(csr));
}
const char* rm_suffix(unsigned rm) {
  static const char* const names[8] = {", rne", ", rtz", ", rdn", ", rup", ", rmm", ", rm5", ", rm6", ""};
  return names[rm & 7];
}

// An F/D computational instruction, as objdump spells it (dynamic rm omitted).
std::string format_fp(const Insn& in) {
  const FpFn fn = fp_fn(in.imm);
  const char t = fp_double(in.imm) ? 'd' : 's';
  const char* rm = rm_suffix(fp_rm(in.imm));
  const char *fd = freg_name(in.rd & 31), *f1 = freg_name(in.rs1), *f2 = freg_name(in.rs2);
  const char *xd = reg_name(in.rd), *x1 = reg_name(in.rs1);
  static const char* const arith[] = {"fadd", "fsub", "fmul", "fdiv"};
  static const char* const fmas[] = {"fmadd", "fmsub", "fnmsub", "fnmadd"};
  static const char* const plain[] = {"fsgnj", "fsgnjn", "fsgnjx", "fmin", "fmax"};
  static const char* const cmps[] = {"feq", "flt", "fle"};
  switch (fn) {
    case FpFn::Add: case FpFn::Sub: case FpFn::Mul: case FpFn::Div:
      return fmt("%s.%c %s, %s, %s%s", arith[static_cast<int>(fn)], t, fd, f1, f2, rm);
    case FpFn::Sqrt: return fmt("fsqrt.%c %s, %s%s", t, fd, f1, rm);
    case FpFn::Madd: case FpFn::Msub: case FpFn::Nmsub: case FpFn::Nmadd:
      return fmt("%s.%c %s, %s, %s, %s%s", fmas[static_cast<int>(fn) - static_cast<int>(FpFn::Madd)], t, fd, f1, f2,
                 freg_name(fp_rs3(in.imm)), rm);
    case FpFn::Sgnj: case FpFn::Sgnjn: case FpFn::Sgnjx: case FpFn::Min: case FpFn::Max:
      return fmt("%s.%c %s, %s, %s", plain[static_cast<int>(fn) - static_cast<int>(FpFn::Sgnj)], t, fd, f1, f2);
    case FpFn::CvtSD: return fmt("fcvt.s.d %s, %s%s", fd, f1, rm);
    case FpFn::CvtDS: return fmt("fcvt.d.s %s, %s%s", fd, f1, rm);
    case FpFn::Eq: case FpFn::Lt: case FpFn::Le:
      return fmt("%s.%c %s, %s, %s", cmps[static_cast<int>(fn) - static_cast<int>(FpFn::Eq)], t, xd, f1, f2);
    case FpFn::CvtWF: return fmt("fcvt.w.%c %s, %s%s", t, xd, f1, rm);
    case FpFn::CvtWuF: return fmt("fcvt.wu.%c %s, %s%s", t, xd, f1, rm);
    case FpFn::CvtFW: return fmt("fcvt.%c.w %s, %s%s", t, fd, x1, rm);
    case FpFn::CvtFWu: return fmt("fcvt.%c.wu %s, %s%s", t, fd, x1, rm);
    case FpFn::MvXW: return fmt("fmv.x.w %s, %s", xd, f1);
    case FpFn::Class: return fmt("fclass.%c %s, %s", t, xd, f1);
    case FpFn::MvWX: return fmt("fmv.w.x %s, %s", fd, x1);
  }
  return "fp?";
}
}  // namespace

std::string format_insn(const Insn& in, Addr pc, unsigned xlen) {
  auto target = [&](std::int32_t imm) {
    const Addr t = pc + static_cast<std::int64_t>(imm);
    return static_cast<unsigned long long>(xlen == 64 ? t : t & 0xffffffffu);
  };
  const char* n = op_name(in.op);
  const char *rd = reg_name(in.rd), *rs1 = reg_name(in.rs1), *rs2 = reg_name(in.rs2);
  switch (in.op) {
    case Op::Illegal: return "illegal";
    case Op::Nop: case Op::Fence: case Op::FenceI: case Op::Ecall: case Op::Ebreak: case Op::CEbreak:
      return n;
    case Op::Lui: case Op::Auipc:
      return fmt("%s %s, 0x%x", n, rd, static_cast<std::uint32_t>(in.imm) >> 12);
    case Op::Addi: case Op::Slti: case Op::Sltiu: case Op::Xori: case Op::Ori: case Op::Andi:
    case Op::Slli: case Op::Srli: case Op::Srai:
      return fmt("%s %s, %s, %d", n, rd, rs1, in.imm);
    case Op::Lb: case Op::Lh: case Op::Lw: case Op::Lbu: case Op::Lhu:
      return fmt("%s %s, %d(%s)", n, rd, in.imm, rs1);
    case Op::Sb: case Op::Sh: case Op::Sw:
      return fmt("%s %s, %d(%s)", n, rs2, in.imm, rs1);
    case Op::Beq: case Op::Bne: case Op::Blt: case Op::Bge: case Op::Bltu: case Op::Bgeu:
    case Op::BeqL: case Op::BneL: case Op::BltL: case Op::BgeL: case Op::BltuL: case Op::BgeuL:
      return fmt("%s %s, %s, 0x%llx", n, rs1, rs2, target(in.imm));
    case Op::Jal: case Op::JalL: case Op::JumpL:
      return fmt("jal %s, 0x%llx", rd, target(in.imm));
    case Op::Jalr:
      return fmt("jalr %s, %d(%s)", rd, in.imm, rs1);
    case Op::CsrRead:
      return fmt("csrr %s, %s", rd, csr_text(in.imm).c_str());
    case Op::CsrRw: case Op::CsrRs: case Op::CsrRc:
      // rd = x0: the csrw/csrs/csrc pseudo-instructions, as objdump prints them.
      if (in.rd == 0) return fmt("csr%c %s, %s", n[4], csr_text(in.imm).c_str(), rs1);
      return fmt("%s %s, %s, %s", n, rd, csr_text(in.imm).c_str(), rs1);
    case Op::CsrRwi: case Op::CsrRsi: case Op::CsrRci:
      if (in.rd == 0) return fmt("csr%ci %s, %u", n[4], csr_text(in.imm).c_str(), static_cast<unsigned>(in.rs1));
      return fmt("%s %s, %s, %u", n, rd, csr_text(in.imm).c_str(), static_cast<unsigned>(in.rs1));
    case Op::LrW:
      return fmt("lr.w %s, (%s)", rd, rs1);
    case Op::ScW: case Op::AmoSwap: case Op::AmoAdd: case Op::AmoXor: case Op::AmoAnd: case Op::AmoOr:
    case Op::AmoMin: case Op::AmoMax: case Op::AmoMinu: case Op::AmoMaxu:
      return fmt("%s %s, %s, (%s)", n, rd, rs2, rs1);
    case Op::Flw: case Op::Fld:
      return fmt("%s %s, %d(%s)", n, freg_name(in.rd & 31), in.imm, rs1);
    case Op::Fsw: case Op::Fsd:
      return fmt("%s %s, %d(%s)", n, freg_name(in.rs2), in.imm, rs1);
    case Op::FpOp:
      return format_fp(in);
    case Op::Cross: case Op::PageEnd: case Op::BpStop: case Op::Count:
      return n;
    default:  // register-register ALU
      return fmt("%s %s, %s, %s", n, rd, rs1, rs2);
  }
}

namespace {
// The RV64-only meaning of `w`, or "" when RV32's disassembly is right.
std::string rv64_only(std::uint32_t w) {
  const unsigned op = w & 0x7f, f3 = (w >> 12) & 7, f7 = w >> 25;
  const char* rd = reg_name((w >> 7) & 31);
  const char* rs1 = reg_name((w >> 15) & 31);
  const char* rs2 = reg_name((w >> 20) & 31);
  const int imm_i = static_cast<std::int32_t>(w) >> 20;
  const int imm_s = (static_cast<std::int32_t>(w & 0xfe000000u) >> 20) | static_cast<int>((w >> 7) & 31);
  const unsigned shamt6 = (w >> 20) & 63, shamt5 = (w >> 20) & 31;
  switch (op) {
    case 0x03:
      if (f3 == 3) return fmt("ld %s, %d(%s)", rd, imm_i, rs1);
      if (f3 == 6) return fmt("lwu %s, %d(%s)", rd, imm_i, rs1);
      return "";
    case 0x23:
      return f3 == 3 ? fmt("sd %s, %d(%s)", rs2, imm_s, rs1) : "";
    case 0x13:  // 6-bit shift amounts
      if (f3 == 1 && (w >> 26) == 0) return fmt("slli %s, %s, %u", rd, rs1, shamt6);
      if (f3 == 5 && (w >> 26) == 0) return fmt("srli %s, %s, %u", rd, rs1, shamt6);
      if (f3 == 5 && (w >> 26) == 0x10) return fmt("srai %s, %s, %u", rd, rs1, shamt6);
      return "";
    case 0x1b:
      if (f3 == 0) return fmt("addiw %s, %s, %d", rd, rs1, imm_i);
      if (f3 == 1 && f7 == 0) return fmt("slliw %s, %s, %u", rd, rs1, shamt5);
      if (f3 == 5 && f7 == 0) return fmt("srliw %s, %s, %u", rd, rs1, shamt5);
      if (f3 == 5 && f7 == 0x20) return fmt("sraiw %s, %s, %u", rd, rs1, shamt5);
      return fmt(".word 0x%08x", w);
    case 0x3b: {
      const char* n = nullptr;
      if (f7 == 0) n = f3 == 0 ? "addw" : f3 == 1 ? "sllw" : f3 == 5 ? "srlw" : nullptr;
      else if (f7 == 0x20) n = f3 == 0 ? "subw" : f3 == 5 ? "sraw" : nullptr;
      else if (f7 == 1) {
        static const char* const m[8] = {"mulw", nullptr, nullptr, nullptr, "divw", "divuw", "remw", "remuw"};
        n = m[f3];
      }
      return n ? fmt("%s %s, %s, %s", n, rd, rs1, rs2) : fmt(".word 0x%08x", w);
    }
    case 0x2f: {
      if (f3 != 3) return "";
      static const char* const names[32] = {
          "amoadd.d", "amoswap.d", "lr.d", "sc.d", "amoxor.d", nullptr, nullptr, nullptr, "amoor.d", nullptr,
          nullptr, nullptr, "amoand.d", nullptr, nullptr, nullptr, "amomin.d", nullptr, nullptr, nullptr,
          "amomax.d", nullptr, nullptr, nullptr, "amominu.d", nullptr, nullptr, nullptr, "amomaxu.d"};
      const char* n = names[w >> 27];
      if (!n) return fmt(".word 0x%08x", w);
      if ((w >> 27) == 2) return fmt("%s %s, (%s)", n, rd, rs1);
      return fmt("%s %s, %s, (%s)", n, rd, rs2, rs1);
    }
    case 0x53: {
      const unsigned f5 = w >> 27, fmt_bits = (w >> 25) & 3, sel = (w >> 20) & 31;
      const char* suffix = fmt_bits == 1 ? "d" : "s";
      if (fmt_bits > 1) return "";
      if (f5 == 0x18 && (sel == 2 || sel == 3))
        return fmt("fcvt.%s.%s %s, %s", sel == 2 ? "l" : "lu", suffix, rd, freg_name((w >> 15) & 31));
      if (f5 == 0x1a && (sel == 2 || sel == 3))
        return fmt("fcvt.%s.%s %s, %s", suffix, sel == 2 ? "l" : "lu", freg_name((w >> 7) & 31), rs1);
      if (f5 == 0x1c && f3 == 0 && fmt_bits == 1) return fmt("fmv.x.d %s, %s", rd, freg_name((w >> 15) & 31));
      if (f5 == 0x1e && f3 == 0 && fmt_bits == 1) return fmt("fmv.d.x %s, %s", freg_name((w >> 7) & 31), rs1);
      return "";
    }
    default:
      return "";
  }
}

}  // namespace

std::string disassemble(const Memory& memory, Addr pc) { return disassemble(memory, pc, 32); }

std::string disassemble(const Memory& memory, Addr pc, unsigned xlen) {
  std::uint8_t b[4];
  if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 2))) return "<unmapped>";
  std::uint32_t half = b[0] | (b[1] << 8);
  std::uint32_t word;
  if ((half & 3) != 3) {
    if (xlen == 64) {
      word = expand_rv64c(static_cast<std::uint16_t>(half));
      if (word == 0) return fmt(".half 0x%04x", half);
      if (word == 0x00100073u) return "c.ebreak";
    } else {
      Insn in = decode16(static_cast<std::uint16_t>(half));
      if (in.op == Op::Illegal) return fmt(".half 0x%04x", half);
      return format_insn(in, pc);
    }
  } else {
    if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 4))) return "<unmapped>";
    word = half | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  if (xlen == 64) {
    std::string s = rv64_only(word);
    if (!s.empty()) return s;
  }
  Insn in = decode32(word);
  if (in.op == Op::Illegal) {
    // A well-formed CSR instruction the machine refuses (a write to a
    // read-only CSR, an unimplemented CSR): show what it asked for.
    const unsigned f3 = (word >> 12) & 7;
    if ((word & 0x7f) == 0x73 && (f3 & 3) != 0) {
      static const Op ops[8] = {Op::Illegal, Op::CsrRw, Op::CsrRs, Op::CsrRc,
                                Op::Illegal, Op::CsrRwi, Op::CsrRsi, Op::CsrRci};
      Insn csr;
      csr.op = ops[f3];
      csr.rd = static_cast<std::uint8_t>((word >> 7) & 31);
      csr.rs1 = static_cast<std::uint8_t>((word >> 15) & 31);
      csr.imm = static_cast<std::int32_t>(word >> 20);
      const char* why = !csr_exists(word >> 20) ? "unimplemented CSR" : "read-only CSR";
      return format_insn(csr, pc, xlen) + " (" + why + ")";
    }
    return fmt(".word 0x%08x", word);
  }
  return format_insn(in, pc, xlen);
}

}  // namespace rvrr::vm
