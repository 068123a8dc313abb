// vm/disassembler.cpp - one-line RV32IMAFDC disassembly for fault messages and tests.
#include <cstdarg>
#include <cstdio>

#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/memory.hpp"

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

std::string format_insn(const Insn& in, Addr pc) {
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
      return fmt("%s %s, %s, 0x%x", n, rs1, rs2, pc + static_cast<std::uint32_t>(in.imm));
    case Op::Jal: case Op::JalL: case Op::JumpL:
      return fmt("jal %s, 0x%x", rd, pc + static_cast<std::uint32_t>(in.imm));
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

std::string disassemble(const Memory& memory, Addr pc) {
  std::uint8_t b[4];
  if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 2))) return "<unmapped>";
  std::uint32_t half = b[0] | (b[1] << 8);
  if ((half & 3) != 3) {
    Insn in = decode16(static_cast<std::uint16_t>(half));
    if (in.op == Op::Illegal) return fmt(".half 0x%04x", half);
    return format_insn(in, pc);
  }
  if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 4))) return "<unmapped>";
  std::uint32_t word = half | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
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
      return format_insn(csr, pc) + " (" + why + ")";
    }
    return fmt(".word 0x%08x", word);
  }
  return format_insn(in, pc);
}

}  // namespace rvrr::vm
