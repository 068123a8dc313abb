// vm/disassembler64.cpp - one-line RV64 disassembly for fault messages: the
// RV64-only encodings named here, everything that means the same on RV32
// through RV32's disassembler (vm/disassembler.cpp).
#include <cstdarg>
#include <cstdio>

#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/rv64_compressed.hpp"

namespace rvrr::vm {
namespace {

std::string fmt(const char* f, ...) {
  char buf[96];
  va_list ap;
  va_start(ap, f);
  std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  return buf;
}

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

std::string disassemble(const Memory& memory, Addr pc, unsigned xlen) {
  if (xlen != 64) return disassemble(memory, pc);
  std::uint8_t b[4];
  if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 2))) return "<unmapped>";
  const std::uint32_t half = b[0] | (b[1] << 8);
  std::uint32_t word;
  if ((half & 3) != 3) {
    word = expand_rv64c(static_cast<std::uint16_t>(half));
    if (word == 0) return fmt(".half 0x%04x", half);
    if (word == 0x00100073u) return "c.ebreak";
  } else {
    if (!memory.read_bytes(pc, std::span<std::uint8_t>(b, 4))) return "<unmapped>";
    word = half | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  std::string s = rv64_only(word);
  if (!s.empty()) return s;
  const Insn in = decode32(word);
  return in.op == Op::Illegal ? fmt(".word 0x%08x", word) : format_insn(in, pc);
}

}  // namespace rvrr::vm
