// trace/checksums.hpp - CRC-32 (record integrity) and SHA-256 (program identity).
//
// Both are the standard algorithms (CRC-32/ISO-HDLC as zlib computes it;
// FIPS 180-4 SHA-256), so a trace can be checked with ordinary tools.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace rvrr::trace {

// crc32 of `bytes`, continuing from `crc` (0 to start). Cost: one table lookup per byte.
std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0);

using Sha256Digest = std::array<std::uint8_t, 32>;
Sha256Digest sha256(std::span<const std::uint8_t> bytes);
// The SHA-256 of the file at `path` (a trace, which its sidecars name by it); nullopt when unreadable.
std::optional<Sha256Digest> sha256_of_file(const std::string& path);
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace rvrr::trace
