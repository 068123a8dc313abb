// tests/protocol/test_packet_writer.cpp - encoding, and writer -> reader round trips.
#include <doctest/doctest.h>

#include <random>

#include "protocol/packet_reader.hpp"
#include "protocol/packet_writer.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;
using rvrr::protocol::test::printable;

TEST_CASE("packet_writer: encoding table") {
  struct Row { std::string payload; std::string wire; };
  const Row rows[] = {
      {"", "$#00"},
      {"OK", "$OK#9a"},
      {"E03", "$E03#a8"},
      {"T05thread:1;", "$T05thread:1;#d7"},
      {"#", "$}\x03#80"},        // '}' + 0x03 = 0x7d + 0x03
      {"$", "$}\x04#81"},
      {"}", "$}]#da"},
      {"*", "$}\x0a#87"},
      {"l<a*b>", "$l<a}\x0a" "b>#30"},
  };
  for (const Row& row : rows) {
    CAPTURE(printable(row.payload));
    CHECK(printable(encode_packet(row.payload)) == printable(row.wire));
  }
}

TEST_CASE("packet_writer: checksum and append form") {
  CHECK(rsp_checksum("") == 0);
  CHECK(rsp_checksum("g") == 0x67);
  CHECK(rsp_checksum(std::string(256, '\x01')) == 0);  // wraps mod 256
  std::string out = "+";
  append_packet(out, "OK");
  append_packet(out, "");
  CHECK(out == "+$OK#9a$#00");
  CHECK(escape_binary("a#b$c}d*e") == "a}\x03" "b}\x04" "c}]d}\x0a" "e");
}

TEST_CASE("packet_writer: round trip of every byte value through the reader") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  PacketReader reader;
  auto frames = reader.feed(encode_packet(all));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].kind == FrameKind::Packet);
  CHECK(frames[0].payload == all);
}

TEST_CASE("packet_writer: round trip of random payloads, fed in random pieces") {
  std::mt19937 rng(12345);  // fixed seed: the test is deterministic
  PacketReader reader;
  for (int iter = 0; iter < 500; ++iter) {
    CAPTURE(iter);
    std::size_t len = rng() % 300;
    std::string payload(len, '\0');
    // Bias towards the special bytes so escapes are exercised often.
    const char special[] = {'#', '$', '}', '*', '+', '-', '\x03', '\0'};
    for (auto& c : payload) c = (rng() % 3 == 0) ? special[rng() % 8] : static_cast<char>(rng());
    std::string wire = encode_packet(payload);
    std::vector<Frame> frames;
    std::size_t pos = 0;
    while (pos < wire.size()) {
      std::size_t n = 1 + rng() % 16;
      n = std::min(n, wire.size() - pos);
      reader.feed(std::span<const std::uint8_t>(
                      reinterpret_cast<const std::uint8_t*>(wire.data()) + pos, n),
                  frames);
      pos += n;
    }
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].kind == FrameKind::Packet);
    CHECK(frames[0].payload == payload);
  }
}
