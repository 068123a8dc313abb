// vm/fp_exec.cpp - executes Op::FpOp: operand fetch (NaN-unboxing singles),
// rounding-mode resolution, the arithmetic in vm/fpu, fflags accumulation.
#include "vm/fp_exec.hpp"

#include "vm/fpu.hpp"

namespace rvrr::vm {
namespace {

template <class F>
struct Regs;
template <>
struct Regs<fpu::F32> {
  static std::uint64_t get(const Machine::Impl& m, unsigned r) { return fpu::unbox32(m.fregs[r]); }
  static void put(Machine::Impl& m, unsigned r, std::uint64_t v) { m.fregs[r] = fpu::box32(static_cast<std::uint32_t>(v)); }
  static constexpr std::uint64_t kSign = 0x80000000u;
};
template <>
struct Regs<fpu::F64> {
  static std::uint64_t get(const Machine::Impl& m, unsigned r) { return m.fregs[r]; }
  static void put(Machine::Impl& m, unsigned r, std::uint64_t v) { m.fregs[r] = v; }
  static constexpr std::uint64_t kSign = 0x8000000000000000ull;
};

template <class F>
void execute(Machine::Impl& m, FpFn fn, unsigned rm, const DecodedOp& op, std::uint32_t& fl) {
  using Rg = Regs<F>;
  constexpr std::uint64_t kSign = Rg::kSign;
  const unsigned fd = op.rd & 31;  // f0 arrives as the scratch register number 32
  std::uint32_t* const X = m.regs;
  const std::uint64_t a = Rg::get(m, op.rs1);
  auto b = [&] { return Rg::get(m, op.rs2); };
  auto c = [&] { return Rg::get(m, fp_rs3(op.imm)); };
  switch (fn) {
    case FpFn::Add: Rg::put(m, fd, fpu::add<F>(a, b(), rm, fl)); break;
    case FpFn::Sub: Rg::put(m, fd, fpu::sub<F>(a, b(), rm, fl)); break;
    case FpFn::Mul: Rg::put(m, fd, fpu::mul<F>(a, b(), rm, fl)); break;
    case FpFn::Div: Rg::put(m, fd, fpu::div<F>(a, b(), rm, fl)); break;
    case FpFn::Sqrt: Rg::put(m, fd, fpu::sqrt<F>(a, rm, fl)); break;
    // fmsub: a*b-c; fnmsub: -(a*b)+c; fnmadd: -(a*b)-c (sign flips of the operands).
    case FpFn::Madd: Rg::put(m, fd, fpu::fma<F>(a, b(), c(), rm, fl)); break;
    case FpFn::Msub: Rg::put(m, fd, fpu::fma<F>(a, b(), c() ^ kSign, rm, fl)); break;
    case FpFn::Nmsub: Rg::put(m, fd, fpu::fma<F>(a ^ kSign, b(), c(), rm, fl)); break;
    case FpFn::Nmadd: Rg::put(m, fd, fpu::fma<F>(a ^ kSign, b(), c() ^ kSign, rm, fl)); break;
    case FpFn::Sgnj: Rg::put(m, fd, (a & ~kSign) | (b() & kSign)); break;
    case FpFn::Sgnjn: Rg::put(m, fd, (a & ~kSign) | (~b() & kSign)); break;
    case FpFn::Sgnjx: Rg::put(m, fd, a ^ (b() & kSign)); break;
    case FpFn::Min: Rg::put(m, fd, fpu::min<F>(a, b(), fl)); break;
    case FpFn::Max: Rg::put(m, fd, fpu::max<F>(a, b(), fl)); break;
    case FpFn::CvtSD: m.fregs[fd] = fpu::box32(static_cast<std::uint32_t>(fpu::f64_to_f32(m.fregs[op.rs1], rm, fl))); break;
    case FpFn::CvtDS: m.fregs[fd] = fpu::f32_to_f64(fpu::unbox32(m.fregs[op.rs1]), fl); break;
    case FpFn::Eq: X[op.rd] = fpu::eq<F>(a, b(), fl); break;
    case FpFn::Lt: X[op.rd] = fpu::lt<F>(a, b(), fl); break;
    case FpFn::Le: X[op.rd] = fpu::le<F>(a, b(), fl); break;
    case FpFn::CvtWF: X[op.rd] = fpu::to_i32<F>(a, rm, fl); break;
    case FpFn::CvtWuF: X[op.rd] = fpu::to_u32<F>(a, rm, fl); break;
    case FpFn::CvtFW: Rg::put(m, fd, fpu::from_i32<F>(static_cast<std::int32_t>(X[op.rs1]), rm, fl)); break;
    case FpFn::CvtFWu: Rg::put(m, fd, fpu::from_u32<F>(X[op.rs1], rm, fl)); break;
    case FpFn::Class: X[op.rd] = fpu::classify<F>(a); break;
    // Transfers move raw bits: fmv.x.w takes the low half unchecked.
    case FpFn::MvXW: X[op.rd] = static_cast<std::uint32_t>(m.fregs[op.rs1]); break;
    case FpFn::MvWX: m.fregs[fd] = fpu::box32(X[op.rs1]); break;
  }
}

}  // namespace

bool fp_execute(Machine::Impl& m, const DecodedOp& op) {
  const FpFn fn = fp_fn(op.imm);
  unsigned rm = fp_rm(op.imm);  // functions without an rm field carry 0
  if (rm == fpu::kDyn) rm = (m.fcsr >> 5) & 7;
  if (rm > fpu::kRmm) return false;  // dynamic with frm 5..7: illegal instruction
  std::uint32_t fl = 0;
  if (fp_double(op.imm)) {
    execute<fpu::F64>(m, fn, rm, op, fl);
  } else {
    execute<fpu::F32>(m, fn, rm, op, fl);
  }
  m.fcsr |= fl;
  return true;
}

}  // namespace rvrr::vm
