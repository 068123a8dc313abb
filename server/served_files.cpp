// server/served_files.cpp - vFile requests against the served files. See served_files.hpp.
#include "server/served_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <filesystem>

namespace rvrr::server {

namespace fs = std::filesystem;
namespace fe = protocol::file_errno;

namespace {

protocol::FileReply fail(std::uint32_t error) { return protocol::FileReply{-1, error, {}}; }

// The largest pread gdb gets in one reply: the PacketSize we advertise
// (0x4000) minus room for "F<count>;" and escaping (binary bytes may double).
constexpr std::uint32_t kMaxPread = 0x1000;

}  // namespace

ServedFiles::~ServedFiles() { close_all(); }

ServedFiles::ServedFiles(ServedFiles&& other) noexcept
    : allowed_(std::move(other.allowed_)), synthetic_(std::move(other.synthetic_)), open_(std::move(other.open_)),
      next_fd_(other.next_fd_) {
  other.open_.clear();
}

ServedFiles& ServedFiles::operator=(ServedFiles&& other) noexcept {
  if (this != &other) {
    close_all();
    allowed_ = std::move(other.allowed_);
    synthetic_ = std::move(other.synthetic_);
    open_ = std::move(other.open_);
    next_fd_ = other.next_fd_;
    other.open_.clear();
  }
  return *this;
}

void ServedFiles::close_all() {
  for (auto& [fd, file] : open_)
    if (file.host >= 0) ::close(file.host);
  open_.clear();
}

bool ServedFiles::allowed(const std::string& path) const {
  std::error_code ec;
  for (const std::string& a : allowed_) {
    if (path == a) return true;
    if (fs::equivalent(path, a, ec) && !ec) return true;  // the same file by another name (a symlink)
  }
  return false;
}

protocol::FileReply ServedFiles::handle(const protocol::FileIo& r) {
  using Op = protocol::FileIo::Op;
  switch (r.op) {
    case Op::SetFs:
      return protocol::FileReply{0, 0, {}};  // one process, one filesystem: ours
    case Op::Open: {
      if ((r.flags & protocol::file_open::kAccessMode) != 0 || (r.flags & protocol::file_open::kWriting) != 0)
        return fail(fe::kRoFs);
      std::optional<std::string> text = synthetic_ ? synthetic_(r.path) : std::nullopt;
      if (!text && !allowed(r.path)) return fail(fe::kAccess);
      if (open_.size() >= kMaxOpen) return fail(fe::kMFile);
      if (text) {
        std::int64_t fd = next_fd_++;
        open_[fd] = OpenFile{-1, std::move(*text)};
        return protocol::FileReply{fd, 0, {}};
      }
      int host = ::open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (host < 0) return fail(errno == ENOENT ? fe::kNoEnt : fe::kAccess);
      std::int64_t fd = next_fd_++;
      open_[fd] = OpenFile{host, {}};
      return protocol::FileReply{fd, 0, {}};
    }
    case Op::Pread: {
      auto it = open_.find(r.fd);
      if (it == open_.end()) return fail(fe::kBadF);
      if (r.offset > static_cast<std::uint64_t>(INT64_MAX)) return fail(fe::kInval);
      if (it->second.host < 0) {
        const std::string& text = it->second.text;
        const std::size_t from = std::min<std::uint64_t>(r.offset, text.size());
        std::string part = text.substr(from, std::min<std::size_t>(r.count, kMaxPread));
        const std::int64_t n = static_cast<std::int64_t>(part.size());
        return protocol::FileReply{n, 0, std::move(part), true};
      }
      std::string data(std::min(r.count, kMaxPread), '\0');
      ssize_t n = ::pread(it->second.host, data.data(), data.size(), static_cast<off_t>(r.offset));
      if (n < 0) return fail(fe::kInval);
      data.resize(static_cast<std::size_t>(n));
      return protocol::FileReply{n, 0, std::move(data), true};
    }
    case Op::Close: {
      auto it = open_.find(r.fd);
      if (it == open_.end()) return fail(fe::kBadF);
      if (it->second.host >= 0) ::close(it->second.host);
      open_.erase(it);
      return protocol::FileReply{0, 0, {}};
    }
    case Op::Fstat: {
      auto it = open_.find(r.fd);
      if (it == open_.end()) return fail(fe::kBadF);
      protocol::FileStat out;
      if (it->second.host < 0) {
        out.mode = S_IFREG | 0444;
        out.size = it->second.text.size();
      } else {
        struct stat st {};
        if (::fstat(it->second.host, &st) != 0) return fail(fe::kBadF);
        out.mode = static_cast<std::uint32_t>(st.st_mode);
        out.size = static_cast<std::uint64_t>(st.st_size);
        out.mtime = static_cast<std::uint32_t>(st.st_mtime);
      }
      std::string bytes = protocol::file_stat_bytes(out);
      std::int64_t length = static_cast<std::int64_t>(bytes.size());  // gdb wants the result = the bytes sent
      return protocol::FileReply{length, 0, std::move(bytes)};
    }
    case Op::Other:
      break;
  }
  // unlink, pwrite, readlink, ...: not served (read-only, the program only).
  return fail(fe::kNoSys);
}

}  // namespace rvrr::server
