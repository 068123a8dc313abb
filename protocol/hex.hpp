// protocol/hex.hpp - hex and little-endian helpers for the GDB remote protocol.
//
// RSP carries numbers as big-endian hex text ("m80000000,4") but register and
// memory *contents* as target-order bytes, each byte as two hex digits
// ("g" -> "78563412..." for x0 = 0x12345678 on little-endian RISC-V). Strings
// such as monitor commands (qRcmd) and console output (O packets) are sent
// hex-encoded, one byte = two digits (RSP manual, "Packets" / "Overview").
//
// All functions are total: parse failures return std::nullopt, never throw.
// Cost: linear in the input, no allocation beyond the result.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rvrr::protocol {

// The value of one hex digit (0-9, a-f, A-F), or -1 if `c` is not one.
int hex_digit_value(char c) noexcept;

// Lower-case hex digit for v in 0..15.
char hex_digit(unsigned v) noexcept;

// Two lower-case hex digits per byte, in order: {0x12, 0xab} -> "12ab".
std::string to_hex(std::span<const std::uint8_t> bytes);
// Hex-encodes the bytes of a string ("OK\n" -> "4f4b0a"): qRcmd / O packets.
std::string to_hex(std::string_view text);
// Appends the encoding of `bytes` to `out` (no reallocation if reserved).
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);

// Decodes an even-length, all-hex string into bytes. "" -> empty vector.
// Odd length or a non-hex digit -> nullopt.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex);
// As from_hex, into a std::string (monitor commands).
std::optional<std::string> from_hex_string(std::string_view hex);

// Big-endian hex number as RSP writes addresses and lengths ("8000a0").
// Non-empty, hex digits only (no sign, no "0x"); leading zeros allowed in any
// number; a value above the type's range -> nullopt.
std::optional<std::uint32_t> parse_hex_u32(std::string_view hex) noexcept;
std::optional<std::uint64_t> parse_hex_u64(std::string_view hex) noexcept;

// Minimal lower-case hex of a number, as RSP writes it: 0 -> "0", 0x4000 -> "4000".
std::string format_hex(std::uint64_t value);

// Exactly two hex digits: 5 -> "05" (signals in stop replies, error codes).
std::string format_hex_u8(std::uint8_t value);

// A 32-bit register value in target (little-endian) order: 0x12345678 -> "78563412".
std::string format_le32(std::uint32_t value);
void append_le32_hex(std::string& out, std::uint32_t value);
// Inverse of format_le32: exactly 8 hex digits, else nullopt.
std::optional<std::uint32_t> parse_le32(std::string_view hex) noexcept;

// Byte helpers: little-endian load/store of a u32 in a byte buffer.
// load_le32 precondition: bytes.size() >= 4 (reads the first four).
void append_le32(std::vector<std::uint8_t>& out, std::uint32_t value);
std::uint32_t load_le32(std::span<const std::uint8_t> bytes) noexcept;

}  // namespace rvrr::protocol
