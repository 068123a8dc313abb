// vm/hash.hpp - a small deterministic 64-bit hash for machine-state fingerprints.
//
// Not cryptographic; stable across runs and hosts of the same endianness
// (little-endian, as every host we build on). Words are mixed with a
// multiply-rotate step (xxhash-like), bytes 8 at a time.
#pragma once
#include <cstdint>
#include <cstring>

namespace rvrr::vm {

class Hasher {
 public:
  void add(std::uint64_t v) {
    h_ ^= v * kP2;
    h_ = rotl(h_, 31) * kP1 + kP4;
  }
  void add_bytes(const std::uint8_t* p, std::size_t n) {
    std::uint64_t a = h_ ^ kP1, b = h_ ^ kP2, c = h_ + kP3, d = h_ - kP1;
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      a = round(a, word(p + i));
      b = round(b, word(p + i + 8));
      c = round(c, word(p + i + 16));
      d = round(d, word(p + i + 24));
    }
    add(rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18));
    for (; i + 8 <= n; i += 8) add(word(p + i));
    for (; i < n; ++i) add(p[i] | 0x100u);
    add(n);
  }
  std::uint64_t value() const {
    std::uint64_t h = h_;
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ull, kP2 = 0xC2B2AE3D27D4EB4Full,
                                 kP3 = 0x165667B19E3779F9ull, kP4 = 0x85EBCA77C2B2AE63ull;
  static std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  static std::uint64_t word(const std::uint8_t* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  static std::uint64_t round(std::uint64_t acc, std::uint64_t in) { return rotl(acc + in * kP2, 31) * kP1; }
  std::uint64_t h_ = 0x27D4EB2F165667C5ull;
};

}  // namespace rvrr::vm
