// timeline/index_sidecar.hpp - the recording index kept next to a trace (TRACE.idx).
//
// Building the index costs one traced pass over history; a second session on
// the same trace should not pay it again. The sidecar holds the indexed
// stretches and names exactly what they describe. Layout (little-endian):
//
//   "RVRRINDEX" (9 bytes)   u32 format version (kIndexSidecarVersion)
//   u32 payload length P    payload (P bytes)    u32 crc32(payload)
//
//   payload: u8[32] SHA-256 of the whole trace file
//            u16 length + bytes: the rvrr version that built it
//            u64 span (instructions per stretch)   u64 stretch count
//            per stretch: u64 from, u64 to, u8 flags (1 unmapped, 2 host calls),
//                         u32 n + n * (u64 start, u64 end)   code ranges
//                         u32 n + n * u32                    pages written
//                         u32 n + n * u32                    pages read
//
// Never trusted blindly: a sidecar is used only if its version, trace hash
// (the whole trace file's bytes, not just its program: the same program with
// other input has another history), rvrr version (what the index records may
// change between builds), span and checksum all match and every stretch is
// well-formed; anything else is ignored (and rewritten when the session ends).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "timeline/recording_index.hpp"
#include "trace/checksums.hpp"

namespace rvrr::timeline {

inline constexpr char kIndexSidecarMagic[] = "RVRRINDEX";  // 9 bytes, no terminator on disk
// 2: code ranges are 64 bits (version 1 clamped RV64 code above 4 GiB to
// one byte) and written pages may lie above 4 GiB (version 1 files of RV64
// traces held the stack's pages and were rejected as ill-formed).
inline constexpr std::uint32_t kIndexSidecarVersion = 2;

// What a sidecar must describe to be used.
struct IndexSidecarKey {
  trace::Sha256Digest trace_sha256{};
  std::string rvrr_version;
  std::uint64_t span = 0;
};

// The key for a trace read by read_trace (its file hash) at `span`, built by this rvrr.
IndexSidecarKey sidecar_key(const trace::Sha256Digest& trace_sha256, std::uint64_t span);

// TRACE -> TRACE.idx
std::string sidecar_path(const std::string& trace_path);

std::vector<std::uint8_t> encode_index_sidecar(const IndexSidecarKey& key, const RecordingIndex& index);

// The stretches of a sidecar that matches `key`, or why it was rejected (one
// line: "stale: built for another trace", "corrupt: checksum mismatch", ...).
// Never reads out of bounds, whatever the bytes.
std::variant<std::vector<IndexedStretch>, std::string> decode_index_sidecar(std::span<const std::uint8_t> bytes,
                                                                            const IndexSidecarKey& key);

// The stretch count and span a sidecar claims, checked only for format and
// checksum (for `rvrr trace info`); the reason when it is not readable.
struct SidecarSummary {
  std::uint64_t file_size = 0;
  std::uint64_t stretches = 0;
  std::uint64_t span = 0;
  bool matches_trace = false;  // its trace hash is `trace_sha256`'s
};
std::variant<SidecarSummary, std::string> summarize_index_sidecar(std::span<const std::uint8_t> bytes,
                                                                 const trace::Sha256Digest& trace_sha256);

// Writes atomically (a temporary file in the same directory, then rename):
// a reader sees the old sidecar or the new one, never half of one. Returns
// the error (read-only directory, disk full) instead of throwing.
std::optional<std::string> write_index_sidecar(const std::string& path, const IndexSidecarKey& key,
                                               const RecordingIndex& index);

// Saves `index` as the sidecar of the finished trace at `trace_path` (its
// key: the trace file's hash, the index's span). Nothing to do for an empty
// index. Returns the error instead of throwing.
std::optional<std::string> save_index_for_trace(const std::string& trace_path, const RecordingIndex& index);
// The same for a trace file known to hash to `trace_sha256`.
std::optional<std::string> save_index_for_trace(const std::string& trace_path, const trace::Sha256Digest& trace_sha256,
                                                const RecordingIndex& index);

// The stretches of the sidecar at `path`, or why it is not used ("none" if
// there is no file).
std::variant<std::vector<IndexedStretch>, std::string> read_index_sidecar(const std::string& path,
                                                                          const IndexSidecarKey& key);

}  // namespace rvrr::timeline
