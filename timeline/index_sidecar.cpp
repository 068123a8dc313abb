// timeline/index_sidecar.cpp - writing and checking TRACE.idx.
#include "timeline/index_sidecar.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "trace/format.hpp"
#include "trace/framed_file.hpp"
#include "trace/little_endian.hpp"
#include "vm/host_io.hpp"

namespace rvrr::timeline {

namespace {

constexpr std::size_t kMagicSize = 9;
constexpr std::size_t kPrefix = kMagicSize + 4 + 4;  // magic, version, payload length
// Written pages: any 32-bit page number (RV64's stack lies at page
// 0x3fff800, far above RV32's 2^20); read pages: bits of the trace's read
// bitmap (vm::read_page_bit), below 2^20.
constexpr std::uint64_t kMaxWrittenPages = std::uint64_t{1} << 32;
constexpr std::uint64_t kMaxReadPages = std::uint64_t{1} << 20;

using Reader = trace::LeReader;

// The payload after its checks of framing (magic, version, length, checksum),
// or the reason it is unusable.
std::variant<std::span<const std::uint8_t>, std::string> payload_of(std::span<const std::uint8_t> b) {
  if (b.size() < kMagicSize || std::memcmp(b.data(), kIndexSidecarMagic, kMagicSize) != 0)
    return std::string("not an rvrr index (no RVRRINDEX signature)");
  Reader r{b, kMagicSize};
  const std::uint64_t version = r.get(4);
  if (!r.ok) return std::string("truncated");
  if (version != kIndexSidecarVersion)
    return "index format version " + std::to_string(version) + ", this rvrr reads version " +
           std::to_string(kIndexSidecarVersion);
  const std::uint64_t len = r.get(4);
  if (!r.ok || r.left() < len + 4) return std::string("truncated");
  if (r.left() != len + 4) return std::string("corrupt: bytes after the checksum");
  std::span<const std::uint8_t> payload = b.subspan(kPrefix, len);
  r.pos = kPrefix + len;
  if (trace::crc32(payload) != r.get(4)) return std::string("corrupt: checksum mismatch");
  return payload;
}

// Ascending, each below `limit`.
bool ascending(const std::vector<std::uint32_t>& v, std::uint64_t limit) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] >= limit || (i > 0 && v[i] <= v[i - 1])) return false;
  return true;
}

bool read_pages(Reader& r, std::vector<std::uint32_t>& out, std::uint64_t limit) {
  const std::uint64_t n = r.get(4);
  if (!r.ok || n > r.left() / 4) return false;
  out.resize(n);
  for (auto& p : out) p = static_cast<std::uint32_t>(r.get(4));
  return ascending(out, limit);
}

}  // namespace

IndexSidecarKey sidecar_key(const trace::Sha256Digest& trace_sha256, std::uint64_t span) {
  return IndexSidecarKey{trace_sha256, trace::rvrr_version_string(), span};
}

std::string sidecar_path(const std::string& trace_path) { return trace_path + ".idx"; }

std::vector<std::uint8_t> encode_index_sidecar(const IndexSidecarKey& key, const RecordingIndex& index) {
  std::vector<std::uint8_t> p;
  p.insert(p.end(), key.trace_sha256.begin(), key.trace_sha256.end());
  const std::string version = key.rvrr_version.substr(0, 0xffff);
  trace::put_le(p, version.size(), 2);
  p.insert(p.end(), version.begin(), version.end());
  trace::put_le(p, key.span, 8);
  trace::put_le(p, index.stretches(), 8);
  index.for_each([&](const IndexedStretch& s) {
    trace::put_le(p, s.from, 8);
    trace::put_le(p, s.to, 8);
    trace::put_le(p, (s.unmapped ? 1u : 0u) | (s.host_calls ? 2u : 0u), 1);
    trace::put_le(p, s.code.size(), 4);
    for (const auto& [start, end] : s.code) {
      trace::put_le(p, start, 8);
      trace::put_le(p, end, 8);
    }
    trace::put_le(p, s.written.size(), 4);
    for (std::uint32_t page : s.written) trace::put_le(p, page, 4);
    trace::put_le(p, s.read.size(), 4);
    for (std::uint32_t page : s.read) trace::put_le(p, page, 4);
  });
  std::vector<std::uint8_t> out(kIndexSidecarMagic, kIndexSidecarMagic + kMagicSize);
  trace::put_le(out, kIndexSidecarVersion, 4);
  trace::put_le(out, p.size(), 4);
  out.insert(out.end(), p.begin(), p.end());
  trace::put_le(out, trace::crc32(p), 4);
  return out;
}

std::variant<std::vector<IndexedStretch>, std::string> decode_index_sidecar(std::span<const std::uint8_t> bytes,
                                                                            const IndexSidecarKey& key) {
  auto framed = payload_of(bytes);
  if (auto* why = std::get_if<std::string>(&framed)) return *why;
  Reader r{std::get<std::span<const std::uint8_t>>(framed)};
  trace::Sha256Digest hash{};
  for (auto& byte : hash) byte = static_cast<std::uint8_t>(r.get(1));
  if (!r.ok) return std::string("truncated");
  if (hash != key.trace_sha256) return std::string("stale: built for another trace (its hash differs)");
  const std::uint64_t vlen = r.get(2);
  if (!r.ok || vlen > r.left()) return std::string("truncated");
  const std::string version(reinterpret_cast<const char*>(r.b.data() + r.pos), vlen);
  r.pos += vlen;
  if (version != key.rvrr_version) return "stale: built by rvrr " + version;
  const std::uint64_t span = r.get(8);
  const std::uint64_t count = r.get(8);
  if (!r.ok) return std::string("truncated");
  if (span != key.span)
    return "built for stretches of " + std::to_string(span) + " instructions, this session uses " +
           std::to_string(key.span);
  const std::string bad = "corrupt: ill-formed stretch";
  std::vector<IndexedStretch> out;
  if (count > r.left() / 29) return bad;  // 29 bytes is the smallest stretch
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    IndexedStretch s;
    s.from = r.get(8);
    s.to = r.get(8);
    const std::uint64_t flags = r.get(1);
    if (!r.ok || span == 0 || s.from % span != 0 || s.to <= s.from || s.to - s.from > span || flags > 3) return bad;
    if (!out.empty() && s.from < out.back().to) return bad;
    s.unmapped = flags & 1;
    s.host_calls = flags & 2;
    const std::uint64_t n = r.get(4);
    if (!r.ok || n > r.left() / 16) return bad;
    s.code.resize(n);
    for (auto& [start, end] : s.code) {
      start = static_cast<vm::Addr>(r.get(8));
      end = static_cast<vm::Addr>(r.get(8));
    }
    for (std::size_t k = 0; k < s.code.size(); ++k) {
      // Disjoint, ascending and not touching (adjacent ranges are merged).
      if (s.code[k].first >= s.code[k].second || (k > 0 && s.code[k].first <= s.code[k - 1].second)) return bad;
    }
    if (!read_pages(r, s.written, kMaxWrittenPages) || !read_pages(r, s.read, kMaxReadPages)) return bad;
    out.push_back(std::move(s));
  }
  if (r.left() != 0) return bad;
  return out;
}

std::variant<SidecarSummary, std::string> summarize_index_sidecar(std::span<const std::uint8_t> bytes,
                                                                 const trace::Sha256Digest& trace_sha256) {
  auto framed = payload_of(bytes);
  if (auto* why = std::get_if<std::string>(&framed)) return *why;
  Reader r{std::get<std::span<const std::uint8_t>>(framed)};
  SidecarSummary s;
  s.file_size = bytes.size();
  trace::Sha256Digest hash{};
  for (auto& byte : hash) byte = static_cast<std::uint8_t>(r.get(1));
  s.matches_trace = hash == trace_sha256;
  const std::uint64_t vlen = r.get(2);
  if (!r.ok || vlen > r.left()) return std::string("truncated");
  r.pos += vlen;
  s.span = r.get(8);
  s.stretches = r.get(8);
  if (!r.ok) return std::string("truncated");
  return s;
}

std::optional<std::string> write_index_sidecar(const std::string& path, const IndexSidecarKey& key,
                                               const RecordingIndex& index) {
  return trace::write_file_atomically(path, encode_index_sidecar(key, index));
}

std::optional<std::string> save_index_for_trace(const std::string& trace_path, const RecordingIndex& index) {
  if (index.stretches() == 0) return std::nullopt;
  const std::optional<trace::Sha256Digest> sha = trace::sha256_of_file(trace_path);
  if (!sha) return "cannot read " + trace_path;
  return save_index_for_trace(trace_path, *sha, index);
}

std::optional<std::string> save_index_for_trace(const std::string& trace_path, const trace::Sha256Digest& trace_sha256,
                                                const RecordingIndex& index) {
  if (index.stretches() == 0) return std::nullopt;
  return write_index_sidecar(sidecar_path(trace_path), sidecar_key(trace_sha256, index.span()), index);
}

std::variant<std::vector<IndexedStretch>, std::string> read_index_sidecar(const std::string& path,
                                                                          const IndexSidecarKey& key) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::string("none");
  std::vector<std::uint8_t> bytes;
  vm::FileReadError error;
  int error_number;
  if (!vm::read_file_bytes(path, bytes, error, error_number)) return std::string("unreadable");
  return decode_index_sidecar(bytes, key);
}

}  // namespace rvrr::timeline
