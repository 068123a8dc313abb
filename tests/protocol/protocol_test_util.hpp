// tests/protocol/protocol_test_util.hpp - readable renderings for protocol tests.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/command.hpp"
#include "protocol/packet_reader.hpp"

namespace rvrr::protocol::test {

// Printable form of arbitrary bytes: non-printables as \xNN.
inline std::string printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      static const char* digits = "0123456789abcdef";
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0xf]);
    }
  }
  return out;
}

// Frames as one compact string: "P:payload", "+", "-", "^C", "BAD:payload",
// "INV:reason", separated by " | ".
inline std::string render(const std::vector<Frame>& frames) {
  std::string out;
  for (const Frame& f : frames) {
    if (!out.empty()) out += " | ";
    switch (f.kind) {
      case FrameKind::Packet: out += "P:" + printable(f.payload); break;
      case FrameKind::Ack: out += "+"; break;
      case FrameKind::Nack: out += "-"; break;
      case FrameKind::Interrupt: out += "^C"; break;
      case FrameKind::BadChecksum: out += "BAD:" + printable(f.payload); break;
      case FrameKind::Invalid: out += "INV:" + std::string(f.reason); break;
    }
  }
  return out;
}

}  // namespace rvrr::protocol::test

namespace doctest {
template <>
struct StringMaker<rvrr::protocol::Command> {
  static String convert(const rvrr::protocol::Command& c) {
    std::string s(rvrr::protocol::command_name(c));
    if (auto* m = std::get_if<rvrr::protocol::Malformed>(&c)) s += "{" + std::string(m->reason) + "}";
    if (auto* u = std::get_if<rvrr::protocol::Unsupported>(&c)) s += "{" + u->name + "}";
    return String(s.c_str());
  }
};
}  // namespace doctest
