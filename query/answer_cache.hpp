// query/answer_cache.hpp - whole-recording answers kept next to a trace (TRACE.answers).
//
// A question about a whole recording (line hits, a profile, the calls of a
// function, the writes to a range) costs a replay; asked again about the
// same trace it is answered from this sidecar in milliseconds. Layout
// (little-endian), as TRACE.idx (timeline/index_sidecar.hpp):
//
//   "RVRRANSWERS" (11 bytes)   u32 format version (kAnswerCacheVersion)
//   u32 payload length P       payload (P bytes)    u32 crc32(payload)
//
//   payload: u8[32] SHA-256 of the whole trace file
//            u16 length + bytes: the rvrr version that wrote it
//            u32 entry count, per entry: u32 + bytes question, u32 + bytes answer
//
// Never trusted blindly: the file is used only if its version, checksum,
// trace hash (the whole trace file: the same program with other input is
// another history) and rvrr version (answers may change between builds) all
// match; each answer is decoded with bounds and range checks
// (query/answer_codec.hpp) and recomputed when it does not decode. Writes are
// atomic (a temporary file, then rename); a directory that cannot be written
// just means no cache. RVRR_NO_CACHE=1 in the environment turns it off (for
// benchmarks of the replay itself).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "trace/checksums.hpp"

namespace rvrr::query {

inline constexpr char kAnswerCacheMagic[] = "RVRRANSWERS";  // 11 bytes, no terminator on disk
// 2: call registers, return addresses and access pcs are 64 bits wide, with
// the register width (version 1 cut them to 32 bits: RV64 answers changed
// when they came from the cache). A version-1 file is stale: recomputed.
// 3: the same layout; version-2 answers about lines may have been computed
// with a wrong line table (debuginfo/dwarf_reader.cpp: rows of dropped
// functions at address 0 claimed the code after them), so they are stale.
// 4: a call's return registers include fa1 (a struct of two floating-point
// fields comes back in fa0 and fa1); an access says whether a write read
// the range first (an AMO: version 3 listed it as a write only).
// 5: a call says which copy of its function it entered (`trace calls NAME`
// searches every out-of-line copy of NAME); an access may be a debugger
// write of its own (version 4 folded it into the instruction before).
// 6: calls the compiler inlined are calls too (CallEnd::Inlined, with the
// inlined call and its parameters read).
inline constexpr std::uint32_t kAnswerCacheVersion = 6;

using Answer = std::vector<std::uint8_t>;

// The sidecar's entries, or why it was rejected ("none", "stale: ...",
// "corrupt: ..."). Never reads out of bounds, whatever the bytes.
std::pair<std::vector<std::pair<std::string, Answer>>, std::string> decode_answer_cache(
    std::span<const std::uint8_t> bytes, const trace::Sha256Digest& trace_sha256, const std::string& rvrr_version);
std::vector<std::uint8_t> encode_answer_cache(const std::vector<std::pair<std::string, Answer>>& entries,
                                              const trace::Sha256Digest& trace_sha256,
                                              const std::string& rvrr_version);

class AnswerCache {
 public:
  // The cache of the trace at `trace_path` whose file hashes to `trace_sha256`.
  AnswerCache(std::string trace_path, const trace::Sha256Digest& trace_sha256);
  // TRACE -> TRACE.answers
  static std::string path_for(const std::string& trace_path);
  // The answer stored for `question`, if the sidecar is valid and has one.
  std::optional<Answer> get(const std::string& question);
  // Stores (replaces) the answer for `question`; best effort: a failure
  // (read-only directory, disk full) is remembered in status() only. Keeps
  // at most kMaxEntries answers (the oldest go) and skips huge answers.
  void put(const std::string& question, Answer answer);
  // What happened last: "hit", "miss", "stored", "disabled", or why the file was not used/written.
  const std::string& status() const { return status_; }
  bool enabled() const { return enabled_; }

  static constexpr std::size_t kMaxEntries = 64;
  static constexpr std::size_t kMaxAnswerBytes = 64u << 20;  // a write history of millions of accesses: recompute

 private:
  std::vector<std::pair<std::string, Answer>> load();
  std::string path_;
  trace::Sha256Digest sha_;
  bool enabled_ = true;
  std::string status_;
};

// The answer to `question` from `cache` when it decodes (decode: bytes ->
// optional<T>), else compute() stored for next time.
template <typename Compute, typename Encode, typename Decode>
auto answer_cached(AnswerCache& cache, const std::string& question, Compute compute, Encode encode, Decode decode)
    -> decltype(compute()) {
  if (std::optional<Answer> bytes = cache.get(question)) {
    if (auto value = decode(*bytes)) return std::move(*value);
  }
  auto value = compute();
  if (cache.enabled()) cache.put(question, encode(value));
  return value;
}

}  // namespace rvrr::query
