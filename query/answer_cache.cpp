// query/answer_cache.cpp - reading, checking and atomically rewriting TRACE.answers.
#include "query/answer_cache.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "trace/format.hpp"
#include "trace/framed_file.hpp"
#include "trace/little_endian.hpp"
#include "vm/host_io.hpp"

namespace rvrr::query {

namespace {

constexpr std::size_t kMagicSize = sizeof kAnswerCacheMagic - 1;
constexpr std::size_t kPrefix = kMagicSize + 4 + 4;  // magic, version, payload length

using trace::put_le;
using Reader = trace::LeReader;

}  // namespace

std::vector<std::uint8_t> encode_answer_cache(const std::vector<std::pair<std::string, Answer>>& entries,
                                              const trace::Sha256Digest& trace_sha256,
                                              const std::string& rvrr_version) {
  std::vector<std::uint8_t> payload(trace_sha256.begin(), trace_sha256.end());
  const std::string version = rvrr_version.substr(0, 0xffff);
  put_le(payload, version.size(), 2);
  payload.insert(payload.end(), version.begin(), version.end());
  put_le(payload, entries.size(), 4);
  for (const auto& [question, answer] : entries) {
    put_le(payload, question.size(), 4);
    payload.insert(payload.end(), question.begin(), question.end());
    put_le(payload, answer.size(), 4);
    payload.insert(payload.end(), answer.begin(), answer.end());
  }
  std::vector<std::uint8_t> out(kAnswerCacheMagic, kAnswerCacheMagic + kMagicSize);
  put_le(out, kAnswerCacheVersion, 4);
  put_le(out, payload.size(), 4);
  out.insert(out.end(), payload.begin(), payload.end());
  put_le(out, trace::crc32(payload), 4);
  return out;
}

std::pair<std::vector<std::pair<std::string, Answer>>, std::string> decode_answer_cache(
    std::span<const std::uint8_t> b, const trace::Sha256Digest& trace_sha256, const std::string& rvrr_version) {
  std::vector<std::pair<std::string, Answer>> entries;
  if (b.size() < kMagicSize || std::memcmp(b.data(), kAnswerCacheMagic, kMagicSize) != 0)
    return {{}, "not an rvrr answer cache"};
  Reader r{b, kMagicSize};
  const std::uint64_t version = r.get(4);
  const std::uint64_t len = r.get(4);
  if (!r.ok) return {{}, "corrupt: truncated"};
  if (version != kAnswerCacheVersion) return {{}, "stale: format version " + std::to_string(version)};
  if (r.left() != len + 4) return {{}, "corrupt: wrong length"};
  const std::span<const std::uint8_t> payload = b.subspan(kPrefix, len);
  r.pos = kPrefix + len;
  if (trace::crc32(payload) != r.get(4)) return {{}, "corrupt: checksum mismatch"};
  Reader p{payload};
  trace::Sha256Digest hash{};
  for (auto& byte : hash) byte = static_cast<std::uint8_t>(p.get(1));
  if (hash != trace_sha256) return {{}, "stale: written for another trace"};
  const auto vbytes = p.take(p.get(2));
  if (!p.ok) return {{}, "corrupt: truncated"};
  if (std::string(vbytes.begin(), vbytes.end()) != rvrr_version) return {{}, "stale: written by another rvrr"};
  const std::uint64_t n = p.get(4);
  if (!p.ok || n > p.left() / 8) return {{}, "corrupt: bad entry count"};
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto q = p.take(p.get(4));
    const auto a = p.take(p.get(4));
    if (!p.ok) return {{}, "corrupt: truncated entry"};
    entries.emplace_back(std::string(q.begin(), q.end()), Answer(a.begin(), a.end()));
  }
  if (p.left() != 0) return {{}, "corrupt: bytes after the last entry"};
  return {std::move(entries), ""};
}

AnswerCache::AnswerCache(std::string trace_path, const trace::Sha256Digest& trace_sha256)
    : path_(path_for(trace_path)), sha_(trace_sha256) {
  enabled_ = !trace::sidecar_caches_off();
  if (!enabled_) status_ = "disabled";
}

std::string AnswerCache::path_for(const std::string& trace_path) { return trace_path + ".answers"; }

std::vector<std::pair<std::string, Answer>> AnswerCache::load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    status_ = "none";
    return {};
  }
  std::vector<std::uint8_t> bytes;
  vm::FileReadError error;
  int error_number = 0;
  if (!vm::read_file_bytes(path_, bytes, error, error_number)) {
    status_ = "unreadable";
    return {};
  }
  auto [entries, why] = decode_answer_cache(bytes, sha_, trace::rvrr_version_string());
  status_ = why;
  return std::move(entries);
}

std::optional<Answer> AnswerCache::get(const std::string& question) {
  if (!enabled_) return std::nullopt;
  for (auto& [q, a] : load()) {
    if (q == question) {
      status_ = "hit";
      return std::move(a);
    }
  }
  if (status_.empty()) status_ = "miss";
  return std::nullopt;
}

void AnswerCache::put(const std::string& question, Answer answer) {
  if (!enabled_) return;
  if (answer.size() > kMaxAnswerBytes) {
    status_ = "not stored: the answer is too large";
    return;
  }
  std::vector<std::pair<std::string, Answer>> entries = load();  // a rejected file is replaced
  std::erase_if(entries, [&](const auto& e) { return e.first == question; });
  while (entries.size() >= kMaxEntries) entries.erase(entries.begin());
  entries.emplace_back(question, std::move(answer));
  const std::vector<std::uint8_t> bytes = encode_answer_cache(entries, sha_, trace::rvrr_version_string());
  if (std::optional<std::string> error = trace::write_file_atomically(path_, bytes)) {
    status_ = "not stored: " + *error;
    return;
  }
  status_ = "stored";
}

}  // namespace rvrr::query
