// protocol/packet_writer.cpp - see packet_writer.hpp.
#include "protocol/packet_writer.hpp"

#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {
constexpr bool needs_escape(char c) noexcept {
  return c == '#' || c == '$' || c == '}' || c == '*';
}

void append_escaped(std::string& out, std::string_view payload) {
  for (char c : payload) {
    if (needs_escape(c)) {
      out.push_back('}');
      out.push_back(static_cast<char>(c ^ 0x20));
    } else {
      out.push_back(c);
    }
  }
}
}  // namespace

std::uint8_t rsp_checksum(std::string_view raw_body) noexcept {
  std::uint8_t sum = 0;
  for (char c : raw_body) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(c));
  return sum;
}

std::string escape_binary(std::string_view payload) {
  std::string out;
  out.reserve(payload.size());
  append_escaped(out, payload);
  return out;
}

void append_packet(std::string& out, std::string_view payload) {
  out.reserve(out.size() + payload.size() + 4);
  out.push_back('$');
  std::size_t body_start = out.size();
  append_escaped(out, payload);
  std::uint8_t sum = rsp_checksum(std::string_view(out).substr(body_start));
  out.push_back('#');
  out.append(format_hex_u8(sum));
}

std::string encode_packet(std::string_view payload) {
  std::string out;
  append_packet(out, payload);
  return out;
}

}  // namespace rvrr::protocol
