// tests/protocol/test_hex.cpp - hex and little-endian helpers.
#include <doctest/doctest.h>

#include "protocol/hex.hpp"

using namespace rvrr::protocol;

TEST_CASE("hex: encode and decode bytes") {
  std::vector<std::uint8_t> bytes{0x00, 0x12, 0xab, 0xff};
  CHECK(to_hex(bytes) == "0012abff");
  CHECK(from_hex("0012abff") == bytes);
  CHECK(from_hex("0012ABFF") == bytes);
  CHECK(from_hex("") == std::vector<std::uint8_t>{});
  CHECK(to_hex(std::string_view("OK\n")) == "4f4b0a");
  CHECK(from_hex_string("68656c70") == std::string("help"));
}

TEST_CASE("hex: malformed input is rejected") {
  struct Row { const char* hex; };
  for (Row row : {Row{"0"}, Row{"abc"}, Row{"zz"}, Row{"0g"}, Row{" 1"}, Row{"12-3"}}) {
    CAPTURE(row.hex);
    CHECK_FALSE(from_hex(row.hex).has_value());
    CHECK_FALSE(from_hex_string(row.hex).has_value());
  }
}

TEST_CASE("hex: numbers") {
  struct Row { const char* text; std::optional<std::uint32_t> u32; std::optional<std::uint64_t> u64; };
  const Row rows[] = {
      {"0", 0u, 0u},
      {"8000a0", 0x8000a0u, 0x8000a0u},
      {"FFFFFFFF", 0xffffffffu, 0xffffffffu},
      {"00000000ffffffff", 0xffffffffu, 0xffffffffu},  // leading zeros do not overflow
      {"100000000", std::nullopt, 0x100000000u},       // 33 bits
      {"ffffffffffffffff", std::nullopt, 0xffffffffffffffffu},
      {"10000000000000000", std::nullopt, std::nullopt},  // 65 bits
      {"", std::nullopt, std::nullopt},
      {"-1", std::nullopt, std::nullopt},
      {"0x10", std::nullopt, std::nullopt},
      {"12 ", std::nullopt, std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(parse_hex_u32(row.text) == row.u32);
    CHECK(parse_hex_u64(row.text) == row.u64);
  }
  CHECK(format_hex(0) == "0");
  CHECK(format_hex(0x4000) == "4000");
  CHECK(format_hex(0xffffffffffffffffull) == "ffffffffffffffff");
  CHECK(format_hex_u8(5) == "05");
  CHECK(format_hex_u8(0xe3) == "e3");
}

TEST_CASE("hex: little-endian 32-bit values") {
  CHECK(format_le32(0x12345678) == "78563412");
  CHECK(format_le32(0x80000000) == "00000080");
  CHECK(parse_le32("78563412") == 0x12345678u);
  CHECK_FALSE(parse_le32("7856341").has_value());
  CHECK_FALSE(parse_le32("785634120").has_value());
  CHECK_FALSE(parse_le32("7856341x").has_value());
  std::vector<std::uint8_t> buf;
  append_le32(buf, 0xdeadbeef);
  CHECK(buf == std::vector<std::uint8_t>{0xef, 0xbe, 0xad, 0xde});
  CHECK(load_le32(buf) == 0xdeadbeefu);
}
