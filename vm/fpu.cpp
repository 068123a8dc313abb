// vm/fpu.cpp - exact software binary32/binary64 arithmetic (see fpu.hpp).
//
// A finite non-zero value is unpacked to sign * mant * 2^exp with an integer
// mant. Each operation forms its exact result in a 128-bit integer, or, when
// that is impossible (quotients, square roots, sums of far-apart operands),
// a truncation whose lowest bit is set when anything non-zero was dropped (a
// "sticky" bit). The sticky bit always lies at least two bits below the final
// rounding position, so rounding the sticky value gives the same result and
// the same inexact/underflow decision as rounding the exact one. round_pack
// does that single rounding in any of the five RISC-V modes, detecting
// tininess after rounding as RISC-V requires.
#include "vm/fpu.hpp"

#include <utility>

namespace rvrr::vm::fpu {
namespace {

using u128 = unsigned __int128;

template <class F>
struct Fmt {
  static constexpr int P = F::kP, E = F::kE, W = F::kW;
  static constexpr int kBias = (1 << (E - 1)) - 1;
  static constexpr int kEmax = kBias, kEmin = 1 - kBias;
  static constexpr std::uint64_t kSign = std::uint64_t{1} << (W - 1);
  static constexpr std::uint64_t kFracMask = (std::uint64_t{1} << (P - 1)) - 1;
  static constexpr std::uint64_t kExpMask = (std::uint64_t{1} << E) - 1;
  static constexpr std::uint64_t kQuiet = std::uint64_t{1} << (P - 2);
  static constexpr std::uint64_t kInf = kExpMask << (P - 1);
  static constexpr std::uint64_t kMaxFinite = kInf - 1;
  static constexpr std::uint64_t kNaN = kInf | kQuiet;  // canonical: positive, quiet, payload 0

  static bool sign(std::uint64_t x) { return (x & kSign) != 0; }
  static std::uint64_t exp_field(std::uint64_t x) { return (x >> (P - 1)) & kExpMask; }
  static bool is_nan(std::uint64_t x) { return exp_field(x) == kExpMask && (x & kFracMask) != 0; }
  static bool is_snan(std::uint64_t x) { return is_nan(x) && !(x & kQuiet); }
  static bool is_inf(std::uint64_t x) { return (x & ~kSign) == kInf; }
  static bool is_zero(std::uint64_t x) { return (x & ~kSign) == 0; }
};

struct Unpacked {
  bool sign;
  int exp;
  u128 mant;
};

int bit_length(u128 v) {
  const auto hi = static_cast<std::uint64_t>(v >> 64);
  if (hi) return 128 - __builtin_clzll(hi);
  const auto lo = static_cast<std::uint64_t>(v);
  return lo ? 64 - __builtin_clzll(lo) : 0;
}

// Finite non-zero x only.
template <class F>
Unpacked unpack(std::uint64_t x) {
  using T = Fmt<F>;
  const std::uint64_t e = T::exp_field(x), f = x & T::kFracMask;
  if (e == 0) return {T::sign(x), T::kEmin - (T::P - 1), f};
  return {T::sign(x), static_cast<int>(e) - T::kBias - (T::P - 1), f | (T::kFracMask + 1)};
}

// mant / 2^s rounded to an integer in mode rm for a value of the given sign
// (s may be <= 0: exact). `inexact` tells whether anything was dropped.
u128 shift_round(u128 mant, int s, bool sign, unsigned rm, bool& inexact) {
  if (s <= 0) {
    inexact = false;
    return mant << -s;
  }
  u128 r, rem;
  int cmp;  // rem against half a unit: -1 below, 0 equal, 1 above
  if (s >= 128) {
    r = 0;
    rem = mant;
    if (s > 128) {
      cmp = -1;  // rem < 2^128 <= half
    } else {
      const u128 half = u128{1} << 127;
      cmp = rem < half ? -1 : rem == half ? 0 : 1;
    }
  } else {
    r = mant >> s;
    rem = mant & ((u128{1} << s) - 1);
    const u128 half = u128{1} << (s - 1);
    cmp = rem < half ? -1 : rem == half ? 0 : 1;
  }
  inexact = rem != 0;
  bool inc = false;
  switch (rm) {
    case kRne: inc = cmp > 0 || (cmp == 0 && (r & 1)); break;
    case kRtz: inc = false; break;
    case kRdn: inc = inexact && sign; break;
    case kRup: inc = inexact && !sign; break;
    case kRmm: inc = cmp >= 0 && inexact; break;
  }
  return r + (inc ? 1 : 0);
}

// Round sign * mant * 2^exp to format F (mant may carry a sticky bit, see
// the file comment). The one place where results are rounded.
template <class F>
std::uint64_t round_pack(bool sign, int exp, u128 mant, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  constexpr int P = T::P;
  const std::uint64_t s = sign ? T::kSign : 0;
  if (mant == 0) return s;
  const int top = exp + bit_length(mant) - 1;  // exponent of the leading bit
  int q = (top < T::kEmin ? T::kEmin : top) - (P - 1);  // exponent of the result's last bit
  bool inexact = false;
  u128 r = shift_round(mant, q - exp, sign, rm, inexact);
  if (r == (u128{1} << P)) {  // rounding carried into a new binade
    r >>= 1;
    ++q;
  }
  if (inexact) {
    flags |= kInexact;
    // Tiny after rounding: the result rounded with an unbounded exponent
    // range would be below 2^emin. Only top == emin-1 can round up to it.
    bool tiny = top < T::kEmin;
    if (top == T::kEmin - 1) {
      bool unused = false;
      tiny = shift_round(mant, top - (P - 1) - exp, sign, rm, unused) < (u128{1} << P);
    }
    if (tiny) flags |= kUnderflow;
  }
  const auto rr = static_cast<std::uint64_t>(r);
  if (rr < (std::uint64_t{1} << (P - 1))) return s | rr;  // subnormal (or zero)
  const int e_top = q + P - 1;
  if (e_top > T::kEmax) {
    flags |= kOverflow | kInexact;
    const bool to_inf = rm == kRne || rm == kRmm || (rm == kRdn && sign) || (rm == kRup && !sign);
    return s | (to_inf ? T::kInf : T::kMaxFinite);
  }
  return s | (static_cast<std::uint64_t>(e_top + T::kBias) << (P - 1)) | (rr & T::kFracMask);
}

// x + y for finite non-zero x, y (either mant up to 106 bits).
template <class F>
std::uint64_t add_core(Unpacked x, Unpacked y, unsigned rm, std::uint32_t& flags) {
  const int nx = bit_length(x.mant), ny = bit_length(y.mant);
  if (y.exp + ny > x.exp + nx) {
    std::swap(x, y);
  }
  // x's leading bit goes to bit 125: room for the carry, and at least 20
  // zero bits below x (mant <= 106 bits), which keeps a jammed y's sticky
  // bit from landing on a rounding boundary.
  const int sx = 126 - bit_length(x.mant);
  const u128 mx = x.mant << sx;
  const int e = x.exp - sx;
  u128 my;
  const int d = y.exp - e;
  if (d >= 0) {
    my = y.mant << d;
  } else if (-d >= 128) {
    my = 1;  // all of y is below the frame: only its stickiness counts
  } else {
    my = (y.mant >> -d) | ((y.mant & ((u128{1} << -d) - 1)) != 0 ? 1 : 0);
  }
  bool sign;
  u128 m;
  if (x.sign == y.sign) {
    m = mx + my;
    sign = x.sign;
  } else if (mx >= my) {
    m = mx - my;
    sign = x.sign;
  } else {
    m = my - mx;
    sign = y.sign;
  }
  if (m == 0) return rm == kRdn ? Fmt<F>::kSign : 0;  // exact cancellation
  return round_pack<F>(sign, e, m, rm, flags);
}

template <class F>
std::uint64_t add_bits(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    if (T::is_snan(a) || T::is_snan(b)) flags |= kInvalid;
    return T::kNaN;
  }
  if (T::is_inf(a)) {
    if (T::is_inf(b) && T::sign(a) != T::sign(b)) {
      flags |= kInvalid;
      return T::kNaN;
    }
    return a;
  }
  if (T::is_inf(b)) return b;
  if (T::is_zero(a) && T::is_zero(b)) {
    if (T::sign(a) == T::sign(b)) return a;
    return rm == kRdn ? T::kSign : 0;
  }
  if (T::is_zero(a)) return b;
  if (T::is_zero(b)) return a;
  return add_core<F>(unpack<F>(a), unpack<F>(b), rm, flags);
}

// Square root of a u128 (floor) and whether it was exact.
u128 isqrt(u128 n, bool& exact) {
  u128 res = 0, bit = u128{1} << 126;
  while (bit > n) bit >>= 2;
  while (bit) {
    if (n >= res + bit) {
      n -= res + bit;
      res = (res >> 1) + bit;
    } else {
      res >>= 1;
    }
    bit >>= 2;
  }
  exact = n == 0;
  return res;
}

// Integer part of a finite value after rounding in rm: the magnitude, capped
// at 2^72 (anything that large is out of every 64-bit range anyway).
template <class F>
u128 round_to_integer(std::uint64_t a, unsigned rm, bool& inexact) {
  const Unpacked u = unpack<F>(a);
  if (u.exp >= 0) {
    inexact = false;
    return u.exp > 70 ? u128{1} << 72 : u.mant << u.exp;
  }
  return shift_round(u.mant, -u.exp, u.sign, rm, inexact);
}

// fcvt.w/wu (U = uint32_t) and, on RV64, fcvt.l/lu (U = uint64_t): round by
// rm, saturate and raise invalid when the value does not fit.
template <class F, class U>
U to_int(std::uint64_t a, bool is_unsigned, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  constexpr U kSignBit = U{1} << (sizeof(U) * 8 - 1);
  const U max = is_unsigned ? ~U{0} : kSignBit - 1;
  const U min = is_unsigned ? U{0} : kSignBit;
  if (T::is_nan(a)) {
    flags |= kInvalid;
    return max;
  }
  const bool neg = T::sign(a);
  if (T::is_inf(a)) {
    flags |= kInvalid;
    return neg ? min : max;
  }
  if (T::is_zero(a)) return 0;
  bool inexact = false;
  const u128 mag = round_to_integer<F>(a, rm, inexact);
  const bool fits = is_unsigned ? (neg ? mag == 0 : mag <= max) : (neg ? mag <= u128{min} : mag <= max);
  if (!fits) {
    flags |= kInvalid;
    return neg ? min : max;
  }
  if (inexact) flags |= kInexact;
  const auto m = static_cast<U>(mag);
  return neg ? U{0} - m : m;
}

// Ordering key of a non-NaN value: -0 and +0 compare equal.
template <class F>
std::int64_t order_key(std::uint64_t x) {
  using T = Fmt<F>;
  const auto mag = static_cast<std::int64_t>(x & ~T::kSign);
  return T::sign(x) ? -mag : mag;
}

template <class F>
std::uint64_t min_max(std::uint64_t a, std::uint64_t b, bool want_max, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_snan(a) || T::is_snan(b)) flags |= kInvalid;
  const bool na = T::is_nan(a), nb = T::is_nan(b);
  if (na && nb) return T::kNaN;
  if (na) return b;
  if (nb) return a;
  const std::int64_t ka = order_key<F>(a), kb = order_key<F>(b);
  bool a_less = ka < kb;
  if (ka == kb) a_less = T::sign(a) && !T::sign(b);  // -0 < +0
  return (a_less != want_max) ? a : b;
}

}  // namespace

template <class F>
std::uint64_t add(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags) {
  return add_bits<F>(a, b, rm, flags);
}
template <class F>
std::uint64_t sub(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags) {
  return add_bits<F>(a, b ^ Fmt<F>::kSign, rm, flags);  // flipping a NaN's sign is harmless: NaNs come out canonical
}

template <class F>
std::uint64_t mul(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    if (T::is_snan(a) || T::is_snan(b)) flags |= kInvalid;
    return T::kNaN;
  }
  const std::uint64_t s = (a ^ b) & T::kSign;
  if (T::is_inf(a) || T::is_inf(b)) {
    if (T::is_zero(a) || T::is_zero(b)) {
      flags |= kInvalid;
      return T::kNaN;
    }
    return s | T::kInf;
  }
  if (T::is_zero(a) || T::is_zero(b)) return s;
  const Unpacked x = unpack<F>(a), y = unpack<F>(b);
  return round_pack<F>(s != 0, x.exp + y.exp, x.mant * y.mant, rm, flags);
}

template <class F>
std::uint64_t div(std::uint64_t a, std::uint64_t b, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    if (T::is_snan(a) || T::is_snan(b)) flags |= kInvalid;
    return T::kNaN;
  }
  const std::uint64_t s = (a ^ b) & T::kSign;
  if (T::is_inf(a)) {
    if (T::is_inf(b)) {
      flags |= kInvalid;
      return T::kNaN;
    }
    return s | T::kInf;
  }
  if (T::is_inf(b)) return s;
  if (T::is_zero(b)) {
    if (T::is_zero(a)) {
      flags |= kInvalid;
      return T::kNaN;
    }
    flags |= kDivByZero;
    return s | T::kInf;
  }
  if (T::is_zero(a)) return s;
  const Unpacked x = unpack<F>(a), y = unpack<F>(b);
  // Dividend to 127 bits: the quotient keeps >= 74 bits, >= 21 below P.
  const int sh = 127 - bit_length(x.mant);
  const u128 num = x.mant << sh;
  u128 q = num / y.mant;
  if (num % y.mant) q |= 1;
  return round_pack<F>(s != 0, x.exp - sh - y.exp, q, rm, flags);
}

template <class F>
std::uint64_t sqrt(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a)) {
    if (T::is_snan(a)) flags |= kInvalid;
    return T::kNaN;
  }
  if (T::is_zero(a)) return a;  // sqrt(-0) = -0
  if (T::sign(a)) {
    flags |= kInvalid;
    return T::kNaN;
  }
  if (T::is_inf(a)) return a;
  Unpacked x = unpack<F>(a);
  u128 m = x.mant;
  int e = x.exp;
  // Even exponent, and the radicand widened (by an even shift) to 125-126
  // bits so the root has >= 62 bits, >= 9 below P.
  if (e & 1) {
    m <<= 1;
    e -= 1;
  }
  int sh = 126 - bit_length(m);
  sh &= ~1;
  m <<= sh;
  e -= sh;
  bool exact = false;
  u128 r = isqrt(m, exact);
  if (!exact) r |= 1;
  return round_pack<F>(false, e / 2, r, rm, flags);
}

template <class F>
std::uint64_t fma(std::uint64_t a, std::uint64_t b, std::uint64_t c, unsigned rm, std::uint32_t& flags) {
  using T = Fmt<F>;
  const bool inf_times_zero =
      (T::is_inf(a) && T::is_zero(b)) || (T::is_zero(a) && T::is_inf(b));
  if (T::is_nan(a) || T::is_nan(b) || T::is_nan(c)) {
    if (T::is_snan(a) || T::is_snan(b) || T::is_snan(c) || inf_times_zero) flags |= kInvalid;
    return T::kNaN;
  }
  if (inf_times_zero) {
    flags |= kInvalid;
    return T::kNaN;
  }
  const std::uint64_t ps = (a ^ b) & T::kSign;
  if (T::is_inf(a) || T::is_inf(b)) {
    if (T::is_inf(c) && (c & T::kSign) != ps) {
      flags |= kInvalid;
      return T::kNaN;
    }
    return ps | T::kInf;
  }
  if (T::is_inf(c)) return c;
  if (T::is_zero(a) || T::is_zero(b)) {  // exact zero product: (+-0) + c
    if (!T::is_zero(c)) return c;
    if ((c & T::kSign) == ps) return c;
    return rm == kRdn ? T::kSign : 0;
  }
  const Unpacked x = unpack<F>(a), y = unpack<F>(b);
  const Unpacked p{ps != 0, x.exp + y.exp, x.mant * y.mant};
  if (T::is_zero(c)) return round_pack<F>(p.sign, p.exp, p.mant, rm, flags);
  return add_core<F>(p, unpack<F>(c), rm, flags);
}

template <class F>
std::uint64_t min(std::uint64_t a, std::uint64_t b, std::uint32_t& flags) {
  return min_max<F>(a, b, false, flags);
}
template <class F>
std::uint64_t max(std::uint64_t a, std::uint64_t b, std::uint32_t& flags) {
  return min_max<F>(a, b, true, flags);
}

template <class F>
bool eq(std::uint64_t a, std::uint64_t b, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    if (T::is_snan(a) || T::is_snan(b)) flags |= kInvalid;
    return false;
  }
  return order_key<F>(a) == order_key<F>(b);
}
template <class F>
bool lt(std::uint64_t a, std::uint64_t b, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    flags |= kInvalid;
    return false;
  }
  return order_key<F>(a) < order_key<F>(b);
}
template <class F>
bool le(std::uint64_t a, std::uint64_t b, std::uint32_t& flags) {
  using T = Fmt<F>;
  if (T::is_nan(a) || T::is_nan(b)) {
    flags |= kInvalid;
    return false;
  }
  return order_key<F>(a) <= order_key<F>(b);
}

template <class F>
std::uint32_t classify(std::uint64_t a) {
  using T = Fmt<F>;
  const bool neg = T::sign(a);
  if (T::is_nan(a)) return T::is_snan(a) ? 1u << 8 : 1u << 9;
  if (T::is_inf(a)) return neg ? 1u << 0 : 1u << 7;
  if (T::is_zero(a)) return neg ? 1u << 3 : 1u << 4;
  if (T::exp_field(a) == 0) return neg ? 1u << 2 : 1u << 5;
  return neg ? 1u << 1 : 1u << 6;
}

template <class F>
std::uint32_t to_i32(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  return to_int<F, std::uint32_t>(a, false, rm, flags);
}
template <class F>
std::uint32_t to_u32(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  return to_int<F, std::uint32_t>(a, true, rm, flags);
}
template <class F>
std::uint64_t from_i32(std::int32_t v, unsigned rm, std::uint32_t& flags) {
  const bool neg = v < 0;
  const std::uint64_t mag = neg ? 0ull - static_cast<std::uint64_t>(static_cast<std::int64_t>(v)) : static_cast<std::uint64_t>(v);
  return round_pack<F>(neg, 0, mag, rm, flags);
}
template <class F>
std::uint64_t from_u32(std::uint32_t v, unsigned rm, std::uint32_t& flags) {
  return round_pack<F>(false, 0, v, rm, flags);
}

template <class F>
std::uint64_t to_i64(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  return to_int<F, std::uint64_t>(a, false, rm, flags);
}
template <class F>
std::uint64_t to_u64(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  return to_int<F, std::uint64_t>(a, true, rm, flags);
}
template <class F>
std::uint64_t from_i64(std::int64_t v, unsigned rm, std::uint32_t& flags) {
  const bool neg = v < 0;
  const std::uint64_t mag = neg ? 0ull - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  return round_pack<F>(neg, 0, mag, rm, flags);
}
template <class F>
std::uint64_t from_u64(std::uint64_t v, unsigned rm, std::uint32_t& flags) {
  return round_pack<F>(false, 0, v, rm, flags);
}

std::uint64_t f64_to_f32(std::uint64_t a, unsigned rm, std::uint32_t& flags) {
  using D = Fmt<F64>;
  using S = Fmt<F32>;
  if (D::is_nan(a)) {
    if (D::is_snan(a)) flags |= kInvalid;
    return S::kNaN;
  }
  const std::uint64_t s = D::sign(a) ? S::kSign : 0;
  if (D::is_inf(a)) return s | S::kInf;
  if (D::is_zero(a)) return s;
  const Unpacked u = unpack<F64>(a);
  return round_pack<F32>(u.sign, u.exp, u.mant, rm, flags);
}

std::uint64_t f32_to_f64(std::uint64_t a, std::uint32_t& flags) {
  using D = Fmt<F64>;
  using S = Fmt<F32>;
  if (S::is_nan(a)) {
    if (S::is_snan(a)) flags |= kInvalid;
    return D::kNaN;
  }
  const std::uint64_t s = S::sign(a) ? D::kSign : 0;
  if (S::is_inf(a)) return s | D::kInf;
  if (S::is_zero(a)) return s;
  const Unpacked u = unpack<F32>(a);
  return round_pack<F64>(u.sign, u.exp, u.mant, kRne, flags);  // exact
}

#define RVRR_FPU_INSTANTIATE(F)                                                                  \
  template std::uint64_t add<F>(std::uint64_t, std::uint64_t, unsigned, std::uint32_t&);         \
  template std::uint64_t sub<F>(std::uint64_t, std::uint64_t, unsigned, std::uint32_t&);         \
  template std::uint64_t mul<F>(std::uint64_t, std::uint64_t, unsigned, std::uint32_t&);         \
  template std::uint64_t div<F>(std::uint64_t, std::uint64_t, unsigned, std::uint32_t&);         \
  template std::uint64_t sqrt<F>(std::uint64_t, unsigned, std::uint32_t&);                       \
  template std::uint64_t fma<F>(std::uint64_t, std::uint64_t, std::uint64_t, unsigned, std::uint32_t&); \
  template std::uint64_t min<F>(std::uint64_t, std::uint64_t, std::uint32_t&);                   \
  template std::uint64_t max<F>(std::uint64_t, std::uint64_t, std::uint32_t&);                   \
  template bool eq<F>(std::uint64_t, std::uint64_t, std::uint32_t&);                             \
  template bool lt<F>(std::uint64_t, std::uint64_t, std::uint32_t&);                             \
  template bool le<F>(std::uint64_t, std::uint64_t, std::uint32_t&);                             \
  template std::uint32_t classify<F>(std::uint64_t);                                             \
  template std::uint32_t to_i32<F>(std::uint64_t, unsigned, std::uint32_t&);                     \
  template std::uint32_t to_u32<F>(std::uint64_t, unsigned, std::uint32_t&);                     \
  template std::uint64_t from_i32<F>(std::int32_t, unsigned, std::uint32_t&);                    \
  template std::uint64_t from_u32<F>(std::uint32_t, unsigned, std::uint32_t&);                    \
  template std::uint64_t to_i64<F>(std::uint64_t, unsigned, std::uint32_t&);                     \
  template std::uint64_t to_u64<F>(std::uint64_t, unsigned, std::uint32_t&);                     \
  template std::uint64_t from_i64<F>(std::int64_t, unsigned, std::uint32_t&);                    \
  template std::uint64_t from_u64<F>(std::uint64_t, unsigned, std::uint32_t&);
RVRR_FPU_INSTANTIATE(F32)
RVRR_FPU_INSTANTIATE(F64)
#undef RVRR_FPU_INSTANTIATE

}  // namespace rvrr::vm::fpu
