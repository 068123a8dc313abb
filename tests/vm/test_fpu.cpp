// tests/vm/test_fpu.cpp - the software F/D arithmetic (vm/fpu) against the
// spec's edge cases, and, on x86-64, against the host's SSE unit for the four
// rounding modes the host has (RMM has no host counterpart: hand-made ties).
#include <doctest/doctest.h>

#include <bit>
#include <cfenv>
#include <cmath>
#include <cstring>

#include "vm/fpu.hpp"

using namespace rvrr::vm::fpu;

namespace {
std::uint64_t d(double v) { return std::bit_cast<std::uint64_t>(v); }
std::uint64_t s(float v) { return std::bit_cast<std::uint32_t>(v); }
constexpr std::uint64_t kSNaN64 = 0x7ff0000000000001ull, kQNaN64 = 0x7ff8000000000123ull;
constexpr std::uint64_t kSNaN32 = 0x7f800001u, kQNaN32 = 0x7fc00123u;
constexpr std::uint64_t kInf64 = 0x7ff0000000000000ull, kNegZero64 = 0x8000000000000000ull;
}  // namespace

TEST_CASE("fpu: NaN results are canonical; signalling NaNs raise invalid") {
  std::uint32_t fl = 0;
  CHECK(add<F64>(kQNaN64, d(1), kRne, fl) == kCanonicalNaN64);
  CHECK(fl == 0);
  CHECK(mul<F32>(kSNaN32, s(1), kRne, fl) == kCanonicalNaN32);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(div<F64>(d(0), d(0), kRne, fl) == kCanonicalNaN64);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(sub<F64>(kInf64, kInf64, kRne, fl) == kCanonicalNaN64);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(sqrt<F32>(s(-1.0f), kRne, fl) == kCanonicalNaN32);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(sqrt<F64>(kNegZero64, kRne, fl) == kNegZero64);
  CHECK(div<F64>(d(1), d(0), kRne, fl) == kInf64);
  CHECK(fl == kDivByZero);
  fl = 0;
  // fma: inf * 0 is invalid even when the addend is a quiet NaN.
  CHECK(fma<F64>(kInf64, d(0), kQNaN64, kRne, fl) == kCanonicalNaN64);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(fma<F64>(d(1), d(2), kQNaN64, kRne, fl) == kCanonicalNaN64);
  CHECK(fl == 0);
  CHECK(f32_to_f64(kSNaN32, fl) == kCanonicalNaN64);
  CHECK(fl == kInvalid);
  CHECK(unbox32(0x00000000'3f800000ull) == kCanonicalNaN32);  // not NaN-boxed
  CHECK(unbox32(box32(0x3f800000u)) == 0x3f800000u);
}

TEST_CASE("fpu: fmin/fmax: -0 < +0, one NaN gives the other operand") {
  std::uint32_t fl = 0;
  CHECK(min<F64>(d(0.0), d(-0.0), fl) == d(-0.0));
  CHECK(max<F64>(d(-0.0), d(0.0), fl) == d(0.0));
  CHECK(min<F32>(kQNaN32, s(1), fl) == s(1));
  CHECK(max<F32>(s(2), kQNaN32, fl) == s(2));
  CHECK(fl == 0);
  CHECK(min<F32>(kSNaN32, s(1), fl) == s(1));
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(max<F64>(kQNaN64, kQNaN64, fl) == kCanonicalNaN64);
  CHECK(fl == 0);
  CHECK(min<F64>(d(-3), d(2), fl) == d(-3));
  CHECK(max<F64>(d(-3), d(-2), fl) == d(-2));
}

TEST_CASE("fpu: comparisons: feq quiet, flt/fle signalling") {
  std::uint32_t fl = 0;
  CHECK_FALSE(eq<F64>(kQNaN64, d(1), fl));
  CHECK(fl == 0);
  CHECK(eq<F64>(d(0.0), d(-0.0), fl));
  CHECK(le<F64>(d(-0.0), d(0.0), fl));
  CHECK_FALSE(lt<F64>(d(-0.0), d(0.0), fl));
  CHECK(lt<F32>(s(-2), s(-1), fl));
  CHECK(fl == 0);
  CHECK_FALSE(eq<F32>(kSNaN32, s(1), fl));
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK_FALSE(lt<F64>(kQNaN64, d(1), fl));
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK_FALSE(le<F32>(s(1), kQNaN32, fl));
  CHECK(fl == kInvalid);
}

TEST_CASE("fpu: fcvt to integers saturates; NaN converts like +inf") {
  std::uint32_t fl = 0;
  CHECK(to_i32<F64>(kQNaN64, kRne, fl) == 0x7fffffffu);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(to_u32<F32>(kQNaN32, kRne, fl) == 0xffffffffu);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(to_i32<F64>(kInf64 | kNegZero64, kRne, fl) == 0x80000000u);
  CHECK(to_i32<F64>(d(2147483648.0), kRtz, fl) == 0x7fffffffu);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(to_i32<F64>(d(-2147483648.0), kRtz, fl) == 0x80000000u);
  CHECK(to_i32<F64>(d(2147483647.4), kRne, fl) == 0x7fffffffu);
  CHECK(fl == kInexact);
  fl = 0;
  CHECK(to_i32<F64>(d(2147483647.5), kRne, fl) == 0x7fffffffu);  // rounds to 2^31: out of range
  CHECK(fl == kInvalid);
  fl = 0;
  // Unsigned: a negative value that rounds to 0 is only inexact; -1 is invalid.
  CHECK(to_u32<F64>(d(-0.5), kRtz, fl) == 0);
  CHECK(fl == kInexact);
  fl = 0;
  CHECK(to_u32<F64>(d(-1.0), kRtz, fl) == 0);
  CHECK(fl == kInvalid);
  fl = 0;
  CHECK(to_u32<F64>(d(4294967295.0), kRne, fl) == 0xffffffffu);
  CHECK(fl == 0);
  // Every rounding mode on 2.5 and -2.5.
  const std::uint32_t pos[] = {2, 2, 2, 3, 3}, neg[] = {static_cast<std::uint32_t>(-2), static_cast<std::uint32_t>(-2),
                                                        static_cast<std::uint32_t>(-3), static_cast<std::uint32_t>(-2),
                                                        static_cast<std::uint32_t>(-3)};
  for (unsigned rm = 0; rm < 5; ++rm) {
    CAPTURE(rm);
    CHECK(to_i32<F64>(d(2.5), rm, fl) == pos[rm]);
    CHECK(to_i32<F32>(s(-2.5f), rm, fl) == neg[rm]);
  }
  fl = 0;
  CHECK(from_i32<F32>(16777217, kRne, fl) == s(16777216.0f));
  CHECK(fl == kInexact);
  CHECK(from_i32<F32>(16777217, kRup, fl) == s(16777218.0f));
  CHECK(from_i32<F64>(INT32_MIN, kRne, fl) == d(-2147483648.0));
  CHECK(from_u32<F64>(0xffffffffu, kRne, fl) == d(4294967295.0));
}

TEST_CASE("fpu: RMM rounds ties away from zero; RNE to even") {
  std::uint32_t fl = 0;
  const std::uint64_t one = s(1.0f), half_ulp = s(std::ldexp(1.0f, -24));
  CHECK(add<F32>(one, half_ulp, kRne, fl) == one);
  CHECK(add<F32>(one, half_ulp, kRmm, fl) == s(1.0f + std::ldexp(1.0f, -23)));
  CHECK(add<F32>(one | 0x80000000u, half_ulp | 0x80000000u, kRmm, fl) == (s(1.0f + std::ldexp(1.0f, -23)) | 0x80000000u));
  CHECK(fl == kInexact);
  // Below the tie RMM rounds down, above it up.
  CHECK(add<F64>(d(1.0), d(std::ldexp(1.0, -53) * 0.75), kRmm, fl) == d(1.0));
  CHECK(mul<F64>(d(1.0 + std::ldexp(1.0, -52)), d(1.5), kRmm, fl) == d(1.5 + std::ldexp(1.0, -51)));
  CHECK(f64_to_f32(d(1.0 + std::ldexp(1.0, -24)), kRmm, fl) == s(1.0f + std::ldexp(1.0f, -23)));
  CHECK(to_i32<F64>(d(0.5), kRmm, fl) == 1);
  // Overflow: RMM goes to infinity like RNE; RTZ to the largest finite.
  fl = 0;
  CHECK(mul<F64>(d(1e300), d(1e300), kRmm, fl) == kInf64);
  CHECK(fl == (kOverflow | kInexact));
  CHECK(mul<F64>(d(1e300), d(1e300), kRtz, fl) == d(1.7976931348623157e308));
}

TEST_CASE("fpu: underflow is detected after rounding") {
  std::uint32_t fl = 0;
  // (2^53-1) * 2^-1075 = 2^-1022 - 2^-1075: a tie in the subnormal range
  // that rounds (to even) to 2^-1022. Unbounded, the value is exact and below
  // 2^-1022: tiny and inexact -> underflow.
  CHECK(mul<F64>(d(std::ldexp(1.0, 1) - std::ldexp(1.0, -52)), d(std::ldexp(1.0, -1023)), kRne, fl) ==
        d(std::ldexp(1.0, -1022)));
  CHECK(fl == (kUnderflow | kInexact));
  // (1 + 2^-52) * (2^-1022 - 2^-1074) = 2^-1022 * (1 - 2^-104): rounded
  // with an unbounded exponent it is 2^-1022, so not tiny after rounding:
  // inexact only. Toward zero it stays below 2^-1022: underflow.
  const std::uint64_t big = d(1.0 + std::ldexp(1.0, -52)), sub_max = d(std::ldexp(1.0, -1022) - std::ldexp(1.0, -1074));
  fl = 0;
  CHECK(mul<F64>(big, sub_max, kRne, fl) == d(std::ldexp(1.0, -1022)));
  CHECK(fl == kInexact);
  fl = 0;
  CHECK(mul<F64>(big, sub_max, kRtz, fl) == sub_max);
  CHECK(fl == (kUnderflow | kInexact));
  // An exact subnormal result raises nothing.
  fl = 0;
  CHECK(mul<F64>(d(std::ldexp(1.0, -1070)), d(0.5), kRne, fl) == d(std::ldexp(1.0, -1071)));
  CHECK(fl == 0);
}

TEST_CASE("fpu: fclass") {
  CHECK(classify<F64>(kInf64 | kNegZero64) == 1u << 0);
  CHECK(classify<F64>(d(-1)) == 1u << 1);
  CHECK(classify<F64>(kNegZero64 | 1) == 1u << 2);
  CHECK(classify<F64>(kNegZero64) == 1u << 3);
  CHECK(classify<F64>(0) == 1u << 4);
  CHECK(classify<F32>(1) == 1u << 5);
  CHECK(classify<F32>(s(1)) == 1u << 6);
  CHECK(classify<F32>(0x7f800000u) == 1u << 7);
  CHECK(classify<F32>(kSNaN32) == 1u << 8);
  CHECK(classify<F32>(kQNaN32) == 1u << 9);
}

#if defined(__x86_64__) && defined(__SSE2_MATH__)
// ---- cross-check against the host's SSE unit (RNE, RTZ, RDN, RUP) ----
namespace {
struct Rng {
  std::uint64_t x;
  std::uint64_t operator()() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  }
};
// Operands that reach the interesting regions: specials, subnormals, the
// binade edges, values whose products/quotients under- or overflow, and
// short mantissas (exact ties).
template <class T>
std::uint64_t operand(Rng& r) {
  constexpr bool dbl = sizeof(T) == 8;
  constexpr int P = dbl ? 53 : 24, E = dbl ? 11 : 8, bias = (1 << (E - 1)) - 1;
  const std::uint64_t sign = (r() & 1) ? std::uint64_t{1} << (P + E - 1) : 0;
  std::uint64_t frac = r() & ((std::uint64_t{1} << (P - 1)) - 1);
  if (r() % 3 == 0) frac &= ~((std::uint64_t{1} << (r() % (P - 1))) - 1);  // short mantissa
  if (r() % 8 == 0) frac = (r() & 1) ? 0 : (std::uint64_t{1} << (P - 1)) - 1 - (r() % 3);
  std::int64_t e;
  switch (r() % 8) {
    case 0: e = 0; break;                                   // zero/subnormal
    case 1: e = 1 + r() % 3; break;                         // smallest normals
    case 2: e = (1 << E) - 2 - r() % 3; break;              // largest
    case 3: e = (1 << E) - 1; if (r() % 2) frac = 0; break; // inf / NaN
    case 4: e = bias / 2 + r() % 8; break;                  // products underflow
    case 5: e = bias + bias / 2 - r() % 8; break;           // products overflow
    default: e = bias - 30 + static_cast<std::int64_t>(r() % 61); break;
  }
  return sign | (static_cast<std::uint64_t>(e) << (P - 1)) | frac;
}
std::uint32_t host_flags() {
  const int f = std::fetestexcept(FE_ALL_EXCEPT);
  return ((f & FE_INEXACT) ? kInexact : 0) | ((f & FE_UNDERFLOW) ? kUnderflow : 0) |
         ((f & FE_OVERFLOW) ? kOverflow : 0) | ((f & FE_DIVBYZERO) ? kDivByZero : 0) |
         ((f & FE_INVALID) ? kInvalid : 0);
}
template <class T>
__attribute__((noinline)) T host_op(int op, T a, T b, T c) {
  volatile T x = a, y = b, z = c;
  T r;
  switch (op) {
    case 0: r = x + y; break;
    case 1: r = x - y; break;
    case 2: r = x * y; break;
    case 3: r = x / y; break;
    case 4: r = std::sqrt(static_cast<T>(x)); break;
    default: r = std::fma(static_cast<T>(x), static_cast<T>(y), static_cast<T>(z)); break;
  }
  volatile T out = r;
  return out;
}
template <class T, class F>
void cross_check(std::uint64_t seed) {
  using U = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
  Rng rng{seed};
  const int modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  int mismatches = 0;
  for (int n = 0; n < 200000 && mismatches < 5; ++n) {
    const std::uint64_t a = operand<T>(rng), b = operand<T>(rng), c = operand<T>(rng);
    const int op = static_cast<int>(rng() % 6);
    const unsigned rm = static_cast<unsigned>(rng() % 4);
    std::fesetround(modes[rm]);
    std::feclearexcept(FE_ALL_EXCEPT);
    const T hr = host_op<T>(op, std::bit_cast<T>(static_cast<U>(a)), std::bit_cast<T>(static_cast<U>(b)),
                            std::bit_cast<T>(static_cast<U>(c)));
    const std::uint32_t hf = host_flags();
    std::fesetround(FE_TONEAREST);
    std::uint32_t fl = 0;
    std::uint64_t ours = 0;
    switch (op) {
      case 0: ours = add<F>(a, b, rm, fl); break;
      case 1: ours = sub<F>(a, b, rm, fl); break;
      case 2: ours = mul<F>(a, b, rm, fl); break;
      case 3: ours = div<F>(a, b, rm, fl); break;
      case 4: ours = sqrt<F>(a, rm, fl); break;
      default: ours = fma<F>(a, b, c, rm, fl); break;
    }
    std::uint64_t want = std::bit_cast<U>(hr);
    if (std::isnan(hr)) want = sizeof(T) == 8 ? kCanonicalNaN64 : kCanonicalNaN32;
    std::uint32_t want_fl = hf;
    // x86 FMA does not signal inf*0 when the addend is a quiet NaN; RISC-V does.
    if (op == 5 && std::isnan(hr) && (fl & kInvalid)) want_fl |= kInvalid;
    if (ours != want || fl != want_fl) {
      ++mismatches;
      CAPTURE(op);
      CAPTURE(rm);
      CAPTURE(a);
      CAPTURE(b);
      CAPTURE(c);
      CHECK(ours == want);
      CHECK(fl == want_fl);
    }
  }
  CHECK(mismatches == 0);
}
}  // namespace

TEST_CASE("fpu: binary64 agrees with the host FPU in RNE/RTZ/RDN/RUP, flags included") {
  cross_check<double, F64>(0x1234567887654321ull);
}
TEST_CASE("fpu: binary32 agrees with the host FPU in RNE/RTZ/RDN/RUP, flags included") {
  cross_check<float, F32>(0x0fedcba987654321ull);
}
TEST_CASE("fpu: conversions agree with the host FPU") {
  Rng rng{42};
  const int modes[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  for (int n = 0; n < 100000; ++n) {
    const std::uint64_t a = operand<double>(rng);
    const unsigned rm = static_cast<unsigned>(rng() % 4);
    const auto iv = static_cast<std::int32_t>(rng());
    std::fesetround(modes[rm]);
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile double x = std::bit_cast<double>(a);
    volatile float f = static_cast<float>(x);
    const std::uint32_t hf = host_flags();
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile std::int32_t vi = iv;
    volatile float fi = static_cast<float>(vi);
    const std::uint32_t hfi = host_flags();
    std::fesetround(FE_TONEAREST);
    std::uint32_t fl = 0;
    const std::uint64_t ours = f64_to_f32(a, rm, fl);
    CAPTURE(a);
    CAPTURE(rm);
    if (std::isnan(x)) {
      CHECK(ours == kCanonicalNaN32);
    } else {
      CHECK(ours == std::bit_cast<std::uint32_t>(static_cast<float>(f)));
    }
    CHECK(fl == hf);
    fl = 0;
    CHECK(from_i32<F32>(iv, rm, fl) == std::bit_cast<std::uint32_t>(static_cast<float>(fi)));
    CHECK(fl == hfi);
  }
}
#endif
