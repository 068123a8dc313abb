// vm/fpu.hpp - IEEE 754 binary32/binary64 arithmetic as the RISC-V F and D
// extensions define it, in software (private to vm/).
//
// Why software and not the host FPU: the result must be bit-identical on every
// host and independent of the host's floating-point environment. x86 has no
// round-to-nearest-ties-to-max-magnitude (RISC-V's RMM), ARM detects tininess
// before rounding where RISC-V detects it after, and driving the host FPU means
// saving/setting/restoring MXCSR (or FPCR) around every operation plus NaN
// fix-ups for each operation anyway. No Debian package ships a softfloat
// library, so this is a small exact implementation: every finite operation is
// computed exactly (or exactly "rounded to odd" with a sticky bit far below the
// rounding position) in 128-bit integers and rounded once by round_pack. No
// host floating-point instruction is executed, so the host's rounding mode,
// flags, x87 precision, FTZ or DAZ cannot leak in.
//
// Values are raw bit patterns: a binary32 value in the low 32 bits (the caller
// un-boxes it from its 64-bit register), a binary64 in all 64. Every function
// ORs the exception flags it raises into `flags` (RISC-V fflags bit order) and
// never clears any. A NaN result is always the canonical NaN.
#pragma once
#include <cstdint>

namespace rvrr::vm::fpu {

// fflags bits.
inline constexpr std::uint32_t kInexact = 1, kUnderflow = 2, kOverflow = 4, kDivByZero = 8, kInvalid = 16;
// Rounding modes (the instruction's rm field / frm). 5 and 6 are reserved;
// 7 (dynamic) is resolved by the caller from frm before calling in here.
enum Rm : unsigned { kRne = 0, kRtz = 1, kRdn = 2, kRup = 3, kRmm = 4, kDyn = 7 };

// Formats: precision P (significand bits with the hidden one), exponent bits.
struct F32 {
  static constexpr int kP = 24, kE = 8, kW = 32;
};
struct F64 {
  static constexpr int kP = 53, kE = 11, kW = 64;
};

inline constexpr std::uint64_t kCanonicalNaN32 = 0x7fc00000u;
inline constexpr std::uint64_t kCanonicalNaN64 = 0x7ff8000000000000ull;
// A binary32 held in a 64-bit register must be NaN-boxed (upper 32 bits all
// ones); any other pattern reads as the canonical NaN.
inline constexpr std::uint64_t box32(std::uint32_t v) { return 0xffffffff00000000ull | v; }
inline constexpr std::uint32_t unbox32(std::uint64_t r) {
  return (r >> 32) == 0xffffffffu ? static_cast<std::uint32_t>(r) : static_cast<std::uint32_t>(kCanonicalNaN32);
}

template <class F> std::uint64_t add(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t sub(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t mul(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t div(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t sqrt(std::uint64_t a, unsigned rm, std::uint32_t& flags);
// a*b+c with one rounding. fmsub/fnmsub/fnmadd are this with the sign of c
// and/or a flipped (which is how the ISA defines them). inf*0 raises invalid
// even when c is a quiet NaN.
template <class F>
std::uint64_t fma(std::uint64_t a, std::uint64_t b, std::uint64_t c, unsigned rm, std::uint32_t& flags);
// IEEE 754-2019 minimumNumber/maximumNumber (RISC-V F 2.2): -0 < +0, a NaN
// operand yields the other operand, two NaNs the canonical NaN; signalling
// NaNs raise invalid.
template <class F> std::uint64_t min(std::uint64_t a, std::uint64_t b, std::uint32_t& flags);
template <class F> std::uint64_t max(std::uint64_t a, std::uint64_t b, std::uint32_t& flags);
// feq is quiet (invalid only for signalling NaNs); flt/fle signal on any NaN.
template <class F> bool eq(std::uint64_t a, std::uint64_t b, std::uint32_t& flags);
template <class F> bool lt(std::uint64_t a, std::uint64_t b, std::uint32_t& flags);
template <class F> bool le(std::uint64_t a, std::uint64_t b, std::uint32_t& flags);
// The 10-bit fclass mask.
template <class F> std::uint32_t classify(std::uint64_t a);
// fcvt.w/fcvt.wu: NaN and out-of-range values saturate (NaN like +inf) and
// raise invalid only; otherwise inexact when rounding changed the value.
template <class F> std::uint32_t to_i32(std::uint64_t a, unsigned rm, std::uint32_t& flags);
template <class F> std::uint32_t to_u32(std::uint64_t a, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t from_i32(std::int32_t v, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t from_u32(std::uint32_t v, unsigned rm, std::uint32_t& flags);
// RV64: fcvt.l/fcvt.lu and fcvt.*.l/fcvt.*.lu, with the same rules on 64 bits.
template <class F> std::uint64_t to_i64(std::uint64_t a, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t to_u64(std::uint64_t a, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t from_i64(std::int64_t v, unsigned rm, std::uint32_t& flags);
template <class F> std::uint64_t from_u64(std::uint64_t v, unsigned rm, std::uint32_t& flags);
// fcvt.s.d (rounds) and fcvt.d.s (exact).
std::uint64_t f64_to_f32(std::uint64_t a, unsigned rm, std::uint32_t& flags);
std::uint64_t f32_to_f64(std::uint64_t a, std::uint32_t& flags);

}  // namespace rvrr::vm::fpu
