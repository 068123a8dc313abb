// protocol/packet_writer.hpp - replies out: payload -> "$...#cs".
//
// The inverse of PacketReader. Escaping happens here and only here: every
// '#', '$', '}' and '*' in the payload is sent as '}' followed by the byte
// ^ 0x20, so binary replies (qXfer chunks) survive and gdb's read_frame never
// mistakes a '*' for run-length encoding. format_reply() therefore returns
// *unescaped* payloads. No run-length encoding is emitted (optional in RSP).
// Acks are single bytes the session writes itself ('+' / '-'), and in no-ack
// mode it simply does not write them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace rvrr::protocol {

inline constexpr std::string_view kAck = "+";
inline constexpr std::string_view kNack = "-";

// Sum of the bytes mod 256: the RSP checksum of an (already escaped) body.
std::uint8_t rsp_checksum(std::string_view raw_body) noexcept;

// The '}'-escaped form of `payload` (no framing).
std::string escape_binary(std::string_view payload);

// "$" + escape_binary(payload) + "#" + two lower-case hex checksum digits.
// Cost: one allocation of about payload.size() + 4 bytes.
std::string encode_packet(std::string_view payload);
// As above, appended to `out` (lets the session batch several packets).
void append_packet(std::string& out, std::string_view payload);

}  // namespace rvrr::protocol
