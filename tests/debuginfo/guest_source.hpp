// tests/debuginfo/guest_source.hpp - the query guest (tests/fixtures/query_guest.c) and its marked lines.
#pragma once
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace rvrr::query_test {

inline std::string fixture(const std::string& name) { return std::string(RVRR_SOURCE_DIR) + "/tests/fixtures/" + name; }

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The 1-based line of query_guest.c that holds `marker` (first occurrence).
inline std::uint32_t line_of(const std::string& marker) {
  std::ifstream in(fixture("query_guest.c"));
  std::string text;
  for (std::uint32_t n = 1; std::getline(in, text); ++n)
    if (text.find(marker) != std::string::npos) return n;
  throw std::runtime_error("no line with " + marker);
}

}  // namespace rvrr::query_test
