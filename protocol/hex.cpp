// protocol/hex.cpp - see hex.hpp.
#include "protocol/hex.hpp"

namespace rvrr::protocol {

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char hex_digit(unsigned v) noexcept { return "0123456789abcdef"[v & 0xf]; }

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  for (std::uint8_t b : bytes) {
    out.push_back(hex_digit(b >> 4));
    out.push_back(hex_digit(b & 0xf));
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  append_hex(out, bytes);
  return out;
}

std::string to_hex(std::string_view text) {
  return to_hex(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

namespace {
// Decodes pairs of hex digits into `out` via push_back; false on any error.
template <typename Out>
bool decode_pairs(std::string_view hex, Out& out) {
  if (hex.size() % 2 != 0) return false;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit_value(hex[i]);
    int lo = hex_digit_value(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<typename Out::value_type>((hi << 4) | lo));
  }
  return true;
}

template <typename T>
std::optional<T> parse_hex_number(std::string_view hex) noexcept {
  if (hex.empty()) return std::nullopt;
  T value = 0;
  constexpr T kTopNibbleLimit = static_cast<T>(~T{0}) >> 4;
  for (char c : hex) {
    int d = hex_digit_value(c);
    if (d < 0) return std::nullopt;
    if (value > kTopNibbleLimit) return std::nullopt;  // shifting would lose bits
    value = static_cast<T>((value << 4) | static_cast<T>(d));
  }
  return value;
}
}  // namespace

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  if (!decode_pairs(hex, out)) return std::nullopt;
  return out;
}

std::optional<std::string> from_hex_string(std::string_view hex) {
  std::string out;
  if (!decode_pairs(hex, out)) return std::nullopt;
  return out;
}

std::optional<std::uint32_t> parse_hex_u32(std::string_view hex) noexcept {
  return parse_hex_number<std::uint32_t>(hex);
}

std::optional<std::uint64_t> parse_hex_u64(std::string_view hex) noexcept {
  return parse_hex_number<std::uint64_t>(hex);
}

std::string format_hex(std::uint64_t value) {
  char buf[16];
  int n = 0;
  do {
    buf[n++] = hex_digit(static_cast<unsigned>(value & 0xf));
    value >>= 4;
  } while (value != 0);
  std::string out;
  out.reserve(static_cast<std::size_t>(n));
  while (n > 0) out.push_back(buf[--n]);
  return out;
}

std::string format_hex_u8(std::uint8_t value) {
  return std::string{hex_digit(value >> 4), hex_digit(value & 0xf)};
}

void append_le32_hex(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    std::uint8_t b = static_cast<std::uint8_t>(value >> (8 * i));
    out.push_back(hex_digit(b >> 4));
    out.push_back(hex_digit(b & 0xf));
  }
}

std::string format_le32(std::uint32_t value) {
  std::string out;
  out.reserve(8);
  append_le32_hex(out, value);
  return out;
}

std::optional<std::uint32_t> parse_le32(std::string_view hex) noexcept {
  if (hex.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    int hi = hex_digit_value(hex[2 * i]);
    int lo = hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    value |= static_cast<std::uint32_t>((hi << 4) | lo) << (8 * i);
  }
  return value;
}

void append_le32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint32_t load_le32(std::span<const std::uint8_t> bytes) noexcept {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

}  // namespace rvrr::protocol
