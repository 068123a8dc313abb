// server/served_files.hpp - the files gdb may read through vFile (host I/O).
//
// gdb's default sysroot is "target:": it reads the program it debugs from the
// target with vFile:open/pread/fstat/close, and warns "remote target does not
// support file transfer" when the target cannot. rvrr serves exactly the
// files it was given (the program, as named by qXfer:exec-file), read-only;
// every other path is refused with EACCES and every write with EROFS, so a
// gdb (or anyone reaching the port) can never read or change other host files.
// Synthetic files (the guest's /proc/PID/maps, for `info proc mappings`) come
// from a provider: their text is taken when gdb opens them.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/command.hpp"
#include "protocol/reply.hpp"

namespace rvrr::server {

class ServedFiles {
 public:
  ServedFiles() = default;
  explicit ServedFiles(std::vector<std::string> allowed) : allowed_(std::move(allowed)) {}
  ~ServedFiles();
  ServedFiles(const ServedFiles&) = delete;
  ServedFiles& operator=(const ServedFiles&) = delete;
  ServedFiles(ServedFiles&& other) noexcept;
  ServedFiles& operator=(ServedFiles&& other) noexcept;

  // Paths the provider answers (with the whole text) are served from memory.
  using Synthetic = std::function<std::optional<std::string>(const std::string& path)>;
  void set_synthetic(Synthetic provider) { synthetic_ = std::move(provider); }

  // One vFile request -> its F reply. FileIo::Other gets ENOSYS.
  protocol::FileReply handle(const protocol::FileIo& request);
  // Closes every file gdb left open (a new gdb starts with none).
  void close_all();

  // At most this many files open at once (gdb opens one or two).
  static constexpr std::size_t kMaxOpen = 16;

 private:
  bool allowed(const std::string& path) const;

  struct OpenFile {
    int host = -1;      // a host file, or -1 for a synthetic one
    std::string text;   // the synthetic file's contents
  };
  std::vector<std::string> allowed_;
  Synthetic synthetic_;
  std::map<std::int64_t, OpenFile> open_;  // gdb's fd -> the file
  std::int64_t next_fd_ = 1;
};

}  // namespace rvrr::server
