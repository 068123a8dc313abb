// vm/decoder.hpp - RV32IMAFDC instruction decoding (private to vm/).
//
// Two stages. decode() turns one instruction (a 32-bit word, or a 16-bit
// compressed halfword which is expanded to its canonical 32-bit meaning) into
// an Insn: pc-independent, registers as in the encoding, branch/jump offsets
// relative to the instruction. The page decoder (decode_page) then lowers each
// halfword slot of an executable page into a compact DecodedOp the interpreter
// dispatches on: rd=x0 is redirected to a scratch register, branches whose
// target lies in the same page become "local" (imm = target slot index).
// decode_page also turns addi/add whose rd equals rs1 (c.addi, c.add, ...)
// into AddiRd/AddRd (rd += imm / rd += rs2), which need fewer host
// instructions; lower() alone never produces them.
// Op::BpStop never comes out of the decoder: the run loop patches it into
// private copies of decoded pages at breakpoint slots (operands kept).
#pragma once
#include <cstdint>
#include <string>

#include "vm/types.hpp"

namespace rvrr::vm {

// Canonical operations. Order matters only for the interpreter's jump table.
#define RVRR_OPS(X)                                                                    \
  X(Illegal) X(Nop) X(Lui) X(Auipc) X(Addi) X(Slti) X(Sltiu) X(Xori) X(Ori) X(Andi)      \
  X(Slli) X(Srli) X(Srai) X(Add) X(Sub) X(Sll) X(Slt) X(Sltu) X(Xor) X(Srl) X(Sra)      \
  X(Or) X(And) X(Mul) X(Mulh) X(Mulhsu) X(Mulhu) X(Div) X(Divu) X(Rem) X(Remu)           \
  X(Lb) X(Lh) X(Lw) X(Lbu) X(Lhu) X(Sb) X(Sh) X(Sw)                                      \
  X(Beq) X(Bne) X(Blt) X(Bge) X(Bltu) X(Bgeu)                                            \
  X(BeqL) X(BneL) X(BltL) X(BgeL) X(BltuL) X(BgeuL)                                      \
  X(Jal) X(JalL) X(Jalr) X(Ecall) X(Ebreak) X(CEbreak) X(CsrRead)                        \
  X(CsrRw) X(CsrRs) X(CsrRc) X(CsrRwi) X(CsrRsi) X(CsrRci)                               \
  X(LrW) X(ScW) X(AmoSwap) X(AmoAdd) X(AmoXor) X(AmoAnd) X(AmoOr) X(AmoMin) X(AmoMax)    \
  X(AmoMinu) X(AmoMaxu) X(Fence) X(FenceI) X(Cross) X(PageEnd) X(JumpL) X(BpStop)        \
  X(AddiRd) X(AddRd) X(Flw) X(Fld) X(Fsw) X(Fsd) X(FpOp)

enum class Op : std::uint8_t {
#define RVRR_OP_ENUM(name) name,
  RVRR_OPS(RVRR_OP_ENUM)
#undef RVRR_OP_ENUM
  Count
};
static_assert(static_cast<unsigned>(Op::Count) <= 128, "bit 7 of DecodedOp::code is the length flag");

const char* op_name(Op op);  // lower-case mnemonic ("addi", "lr.w", ...)

// The F/D computational instructions share one Op (FpOp): they are rare
// enough in hot integer loops that one out-of-line handler serves them all.
// Its immediate packs the function, the format, rm and rs3 (fp_imm); rd, rs1
// and rs2 are float or integer registers as the function says (an integer rd
// of x0 is redirected like any other; a float rd of f0 then reads as 32,
// so the handler uses rd & 31 for float destinations).
enum class FpFn : std::uint8_t {
  Add, Sub, Mul, Div, Sqrt, Madd, Msub, Nmsub, Nmadd, Sgnj, Sgnjn, Sgnjx, Min, Max,
  CvtSD, CvtDS, Eq, Lt, Le, CvtWF, CvtWuF, CvtFW, CvtFWu, MvXW, Class, MvWX,
};
inline constexpr std::int32_t fp_imm(FpFn fn, bool dbl, unsigned rm, unsigned rs3) {
  return static_cast<std::int32_t>(static_cast<unsigned>(fn) | (dbl ? 0x40u : 0u) | (rm << 8) | (rs3 << 16));
}
inline constexpr FpFn fp_fn(std::int32_t imm) { return static_cast<FpFn>(imm & 0x3f); }
inline constexpr bool fp_double(std::int32_t imm) { return (imm & 0x40) != 0; }
inline constexpr unsigned fp_rm(std::int32_t imm) { return (static_cast<unsigned>(imm) >> 8) & 7; }
inline constexpr unsigned fp_rs3(std::int32_t imm) { return (static_cast<unsigned>(imm) >> 16) & 31; }
// Does this function write an integer register (else a float one)?
inline constexpr bool fp_writes_int(FpFn fn) {
  return fn == FpFn::Eq || fn == FpFn::Lt || fn == FpFn::Le || fn == FpFn::CvtWF || fn == FpFn::CvtWuF ||
         fn == FpFn::MvXW || fn == FpFn::Class;
}

// CSR numbers the machine implements. Counters and the machine information
// registers are read-only (CSR number bits 11:10 == 3); misa reads RV32IMAC and
// ignores writes; the other machine-mode CSRs are plain read/write storage in
// the machine state (traps are never delivered through mtvec: a fault stops the
// machine so the debugger sees it).
enum class Csr : std::uint16_t {
  Mstatus = 0x300, Misa = 0x301, Mie = 0x304, Mtvec = 0x305,
  Mscratch = 0x340, Mepc = 0x341, Mcause = 0x342, Mtval = 0x343, Mip = 0x344,
  Mvendorid = 0xF11, Marchid = 0xF12, Mimpid = 0xF13, Mhartid = 0xF14,
  Fflags = 0x001, Frm = 0x002, Fcsr = 0x003,
  Cycle = 0xC00, Time = 0xC01, Instret = 0xC02,
  CycleH = 0xC80, TimeH = 0xC81, InstretH = 0xC82,
};
// misa: MXL=1 (32-bit), extensions A, C, D, F, I, M.
inline constexpr std::uint32_t kMisaValue =
    (1u << 30) | (1u << 0) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 8) | (1u << 12);
// The storage CSRs (mstatus, mie, mtvec, mscratch, mepc, mcause, mtval, mip):
// their index in the machine's CSR array, or -1 for any other CSR number.
inline constexpr unsigned kStorageCsrs = 8;
int storage_csr_index(std::uint32_t csr);
// Does the machine implement this CSR at all / only for reading?
bool csr_exists(std::uint32_t csr);
inline constexpr bool csr_read_only(std::uint32_t csr) { return (csr >> 10) == 3; }
// Its name ("mtvec"), or null for a CSR the machine does not implement.
const char* csr_name(std::uint32_t csr);

struct Insn {
  Op op = Op::Illegal;
  std::uint8_t rd = 0, rs1 = 0, rs2 = 0;
  std::int32_t imm = 0;    // immediate / offset; Csr*: the CSR number; shifts: shamt
  // Csr{Rw,Rs,Rc}i: rs1 holds the 5-bit unsigned immediate, not a register.
  std::uint8_t len = 4;    // 2 for compressed encodings
  bool compressed() const { return len == 2; }
};

// Decode one instruction whose low halfword is `bits & 0xffff` (a 16-bit
// encoding uses only that half). Never fails: undecodable -> Op::Illegal.
Insn decode(std::uint32_t bits);
Insn decode16(std::uint16_t half);
Insn decode32(std::uint32_t word);

// ---- the interpreter's form ----
inline constexpr std::uint32_t kSlotsPerPage = 2048;  // one per halfword
inline constexpr std::uint8_t kScratchReg = 32;       // where writes to x0 go
inline constexpr std::uint32_t kPageSizeForDecoder = 4096;

struct DecodedOp {
  std::uint8_t code;  // Op | 0x80 when the instruction is 2 bytes long
  std::uint8_t rd;    // 1..31, or kScratchReg
  std::uint8_t rs1;
  std::uint8_t rs2;
  std::int32_t imm;   // local branches/jal: target slot index within the page
  // Set by decode_page (lower() leaves 0): the number of instructions from
  // this slot (inclusive) to the page's end following sequential flow. The
  // fast run loop keeps "icount at page end" and derives the exact count at
  // any op as that minus `dist`, so it never counts per instruction.
  std::uint16_t dist;
  // Local branches/jumps: dist[target] - dist[this] + 1, the change of that
  // page-end count when the jump is taken.
  std::int16_t delta;
  // Local branches/jumps: byte offset from this op to the target's op.
  std::int32_t jump;
};
static_assert(sizeof(DecodedOp) == 16);

// Lower `insn` found at byte offset `offset` within its page.
DecodedOp lower(const Insn& insn, std::uint32_t offset);
// Lower a whole page: out[kSlotsPerPage + 2]; the two slots past the end are
// PageEnd sentinels; a 32-bit instruction in the last slot becomes Op::Cross.
void decode_page(const std::uint8_t* bytes, DecodedOp* out);

// ABI register names ("zero", "ra", "sp", ... "t6"; "ft0", ... "ft11").
const char* reg_name(unsigned r);
const char* freg_name(unsigned r);
// "addi a0, a0, 1"; `pc` resolves branch/jump targets.
// Branch and jump targets wrap at 2^xlen (RV32: 4 GiB).
std::string format_insn(const Insn& insn, Addr pc, unsigned xlen = 32);

}  // namespace rvrr::vm
