// trace/little_endian.hpp - the byte order of rvrr's own files (the trace
// index sidecar, the answer cache): little-endian integers, written by
// appending and read back with every length checked. It lives with the trace
// file code, the lowest layer that writes files, so timeline/ and query/
// share it without depending on each other.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace rvrr::trace {

// Appends the low `bytes` bytes of `v`, least significant first.
inline void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Bounds-checked reading: `ok` turns false at the first overrun and stays
// false (every later read gives 0 or nothing), so a decoder checks it once.
struct LeReader {
  std::span<const std::uint8_t> b;
  std::size_t pos = 0;
  bool ok = true;

  std::uint64_t get(int bytes) {
    if (!ok || b.size() - pos < static_cast<std::size_t>(bytes)) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t{b[pos + i]} << (8 * i);
    pos += bytes;
    return v;
  }
  std::span<const std::uint8_t> take(std::uint64_t n) {
    if (!ok || b.size() - pos < n) {
      ok = false;
      return {};
    }
    std::span<const std::uint8_t> s = b.subspan(pos, n);
    pos += n;
    return s;
  }
  std::size_t left() const { return b.size() - pos; }
};

}  // namespace rvrr::trace
