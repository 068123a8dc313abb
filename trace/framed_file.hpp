// trace/framed_file.hpp - the frame around rvrr's own sidecar files, and
// writing one so that a reader never sees half of it.
//
//   magic (its bytes, no terminator)   u32 format version
//   u32 payload length P               payload (P bytes)    u32 crc32(payload)
//
// (TRACE.idx and TRACE.answers predate this header and frame their bytes the
// same way by hand.)
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace rvrr::trace {

std::vector<std::uint8_t> frame_file(std::string_view magic, std::uint32_t version,
                                     std::span<const std::uint8_t> payload);

// The payload of framed bytes after every check of the frame, or why they
// are unusable ("not an rvrr WHAT", "stale: format version N", "corrupt: ...").
// `trailing`: bytes may follow the frame (a file whose frame is its header).
std::variant<std::span<const std::uint8_t>, std::string> unframe_file(std::span<const std::uint8_t> bytes,
                                                                      std::string_view magic, std::uint32_t version,
                                                                      std::string_view what, bool trailing = false);
// The size of the whole frame whose first magic.size() + 8 bytes are
// `prefix` (nullopt: too short to tell).
std::optional<std::uint64_t> framed_size(std::span<const std::uint8_t> prefix, std::string_view magic);

// RVRR_NO_CACHE set (and not "0"): rvrr keeps nothing it could recompute
// next to a trace (TRACE.answers, TRACE.states), for benchmarks of the work itself.
bool sidecar_caches_off();

// Writes `bytes` to a temporary file in the same directory, then renames it
// over `path`. Returns the error (read-only directory, disk full) instead of
// throwing; nothing is left behind on failure.
std::optional<std::string> write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes);
// The same, with the file's bytes given in pieces (written one after the other).
std::optional<std::string> write_file_atomically(const std::string& path,
                                                 std::span<const std::span<const std::uint8_t>> pieces);

}  // namespace rvrr::trace
