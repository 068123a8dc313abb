// trace/framed_file.cpp - framing, checking and atomically writing sidecar files.
#include "trace/framed_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "trace/checksums.hpp"
#include "trace/little_endian.hpp"

namespace rvrr::trace {

std::vector<std::uint8_t> frame_file(std::string_view magic, std::uint32_t version,
                                     std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out(magic.begin(), magic.end());
  out.reserve(magic.size() + 12 + payload.size());
  put_le(out, version, 4);
  put_le(out, payload.size(), 4);
  out.insert(out.end(), payload.begin(), payload.end());
  put_le(out, crc32(payload), 4);
  return out;
}

std::variant<std::span<const std::uint8_t>, std::string> unframe_file(std::span<const std::uint8_t> b,
                                                                      std::string_view magic, std::uint32_t version,
                                                                      std::string_view what, bool trailing) {
  if (b.size() < magic.size() || std::memcmp(b.data(), magic.data(), magic.size()) != 0)
    return "not an rvrr " + std::string(what);
  LeReader r{b, magic.size()};
  const std::uint64_t v = r.get(4);
  const std::uint64_t len = r.get(4);
  if (!r.ok) return std::string("corrupt: truncated");
  if (v != version) return "stale: format version " + std::to_string(v);
  if (r.left() < 4 || r.left() - 4 < len || (!trailing && r.left() - 4 != len))
    return std::string("corrupt: wrong length");
  const std::span<const std::uint8_t> payload = b.subspan(r.pos, len);
  r.pos += len;
  if (crc32(payload) != r.get(4)) return std::string("corrupt: checksum mismatch");
  return payload;
}

bool sidecar_caches_off() {
  const char* off = std::getenv("RVRR_NO_CACHE");
  return off != nullptr && *off != '\0' && std::strcmp(off, "0") != 0;
}

std::optional<std::uint64_t> framed_size(std::span<const std::uint8_t> prefix, std::string_view magic) {
  if (prefix.size() < magic.size() + 8) return std::nullopt;
  LeReader r{prefix, magic.size() + 4};
  const std::uint64_t len = r.get(4);
  if (prefix.size() < magic.size() || !r.ok) return std::nullopt;
  return magic.size() + 8 + len + 4;
}

std::optional<std::string> write_file_atomically(const std::string& path, std::span<const std::uint8_t> bytes) {
  const std::span<const std::uint8_t> one[] = {bytes};
  return write_file_atomically(path, one);
}

std::optional<std::string> write_file_atomically(const std::string& path,
                                                 std::span<const std::span<const std::uint8_t>> pieces) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) return "cannot write " + tmp + ": " + std::strerror(errno);
    bool written = true;
    for (const std::span<const std::uint8_t> piece : pieces)
      written = written && std::fwrite(piece.data(), 1, piece.size(), f) == piece.size();
    const int saved = errno;
    if (std::fclose(f) != 0 || !written) {
      const int err = written ? errno : saved;
      std::error_code ec;
      fs::remove(tmp, ec);
      return "cannot write " + tmp + ": " + std::strerror(err);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    return "cannot write " + path + ": " + ec.message();
  }
  return std::nullopt;
}

}  // namespace rvrr::trace
