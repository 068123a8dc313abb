// vm/environment.cpp - the null environment and the live host environment.
//
// HostEnvironment is the only code in vm/ that touches the host: stdin, host
// files (read-only), isatty, randomness and the host's stdout/stderr.
#include "vm/environment.hpp"
#include "vm/host_interrupt.hpp"
#include "vm/host_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

namespace rvrr::vm {

namespace {
// Linux errno values (the guest ABI), spelled out so a non-Linux host still
// hands the guest Linux numbers.
constexpr std::int64_t kENOENT = 2;
constexpr std::int64_t kEBADF = 9;
constexpr std::int64_t kEACCES = 13;
constexpr std::int64_t kEINVAL = 22;
// One guest read never asks the host for more than this; the guest sees a
// short read, which POSIX allows.
constexpr std::int64_t kMaxTransfer = 1 << 20;
constexpr std::int64_t kO_ACCMODE = 3;

std::uint64_t splitmix(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace

const char* host_op_name(HostOp op) {
  switch (op) {
    case HostOp::Open: return "open";
    case HostOp::Close: return "close";
    case HostOp::Read: return "read";
    case HostOp::Seek: return "seek";
    case HostOp::FileSize: return "filesize";
    case HostOp::IsTty: return "istty";
    case HostOp::Random: return "random";
  }
  return "unknown";
}

// ---- NullEnvironment ----

HostReply NullEnvironment::call(std::uint64_t, const HostRequest& request) {
  HostReply reply;
  switch (request.op) {
    case HostOp::Open: reply.value = -kENOENT; break;
    case HostOp::Close: reply.value = request.handle <= 2 ? 0 : -kEBADF; break;
    case HostOp::Read: reply.value = request.handle == 0 ? 0 : -kEBADF; break;  // stdin at EOF
    case HostOp::Seek: reply.value = -kEBADF; break;
    case HostOp::FileSize: reply.value = -kEBADF; break;
    case HostOp::IsTty: reply.value = 0; break;
    case HostOp::Random: {
      const std::int64_t n = std::clamp<std::int64_t>(request.arg0, 0, kMaxTransfer);
      reply.data.resize(static_cast<std::size_t>(n));
      for (auto& b : reply.data) b = static_cast<std::uint8_t>(splitmix(rng_) >> 56);
      reply.value = n;
      break;
    }
  }
  return reply;
}

void NullEnvironment::output(std::uint64_t, int, std::span<const std::uint8_t> bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// ---- HostEnvironment ----

HostEnvironment::HostEnvironment(bool allow_host_files, std::shared_ptr<HostInterrupt> interrupt)
    : allow_host_files_(allow_host_files), interrupt_(std::move(interrupt)) {}

namespace {
// Waits until `fd` has input (or EOF, or an error a read will report) or the
// interrupt is raised. True: go ahead and read; false: interrupted.
bool wait_for_input(int fd, const HostInterrupt& interrupt) {
  for (;;) {
    if (interrupt.raised()) return false;
    pollfd fds[2] = {{fd, POLLIN, 0}, {interrupt.fd(), POLLIN, 0}};
    const int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;  // a signal: its handler may have raised the interrupt
      return true;                   // cannot wait: let read() block or fail as before
    }
    if (fds[1].revents != 0) return false;
    if (fds[0].revents != 0) return true;
  }
}
}  // namespace

HostEnvironment::~HostEnvironment() {
  for (int fd : open_fds_) ::close(fd);
}

HostReply HostEnvironment::call(std::uint64_t, const HostRequest& request) {
  HostReply reply;
  // Host handles for files are host fds (>= 3 on any sane host); we only
  // accept the ones we opened, so a guest can never reach an fd of ours.
  const bool is_ours = std::find(open_fds_.begin(), open_fds_.end(), request.handle) != open_fds_.end();
  const bool is_stdio = request.handle >= 0 && request.handle <= 2;
  switch (request.op) {
    case HostOp::Open: {
      if (!allow_host_files_) { reply.value = -kEACCES; break; }
      if ((request.arg0 & kO_ACCMODE) != 0) { reply.value = -kEACCES; break; }
      if (request.path.empty() || request.path.find('\0') != std::string::npos) { reply.value = -kENOENT; break; }
      int fd;
      do fd = ::open(request.path.c_str(), O_RDONLY | O_CLOEXEC);
      while (fd < 0 && errno == EINTR);
      if (fd < 0) { reply.value = -errno; break; }
      open_fds_.push_back(fd);
      reply.value = fd;
      break;
    }
    case HostOp::Close: {
      if (is_stdio) { reply.value = 0; break; }  // never close the host's stdio
      if (!is_ours) { reply.value = -kEBADF; break; }
      open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), request.handle));
      ::close(static_cast<int>(request.handle));
      reply.value = 0;
      break;
    }
    case HostOp::Read: {
      if (request.handle != 0 && !is_ours) { reply.value = -kEBADF; break; }
      if (request.arg0 < 0) { reply.value = -kEINVAL; break; }
      const std::int64_t n = std::min(request.arg0, kMaxTransfer);
      if (interrupt_ && !wait_for_input(static_cast<int>(request.handle), *interrupt_)) {
        reply.ok = false;
        reply.interrupted = true;
        reply.value = -4;  // EINTR, should a caller ignore `ok`
        reply.error = "interrupted while waiting for input";
        break;
      }
      reply.data.resize(static_cast<std::size_t>(n));
      ssize_t got;
      do got = ::read(static_cast<int>(request.handle), reply.data.data(), static_cast<std::size_t>(n));
      while (got < 0 && errno == EINTR);
      if (got < 0) { reply.value = -errno; reply.data.clear(); break; }
      reply.data.resize(static_cast<std::size_t>(got));
      reply.value = got;
      break;
    }
    case HostOp::Seek: {
      if (!is_ours) { reply.value = -kEBADF; break; }
      const int whence = request.arg1 == 0 ? SEEK_SET : request.arg1 == 1 ? SEEK_CUR : request.arg1 == 2 ? SEEK_END : -1;
      if (whence < 0) { reply.value = -kEINVAL; break; }
      const off_t r = ::lseek(static_cast<int>(request.handle), static_cast<off_t>(request.arg0), whence);
      reply.value = r < 0 ? -errno : static_cast<std::int64_t>(r);
      break;
    }
    case HostOp::FileSize: {
      if (!is_ours) { reply.value = -kEBADF; break; }
      struct stat st {};
      if (::fstat(static_cast<int>(request.handle), &st) != 0) { reply.value = -errno; break; }
      reply.value = static_cast<std::int64_t>(st.st_size);
      break;
    }
    case HostOp::IsTty: {
      if (!is_stdio && !is_ours) { reply.value = 0; break; }
      reply.value = ::isatty(static_cast<int>(request.handle)) ? 1 : 0;
      break;
    }
    case HostOp::Random: {
      const std::int64_t n = std::clamp<std::int64_t>(request.arg0, 0, kMaxTransfer);
      reply.data.resize(static_cast<std::size_t>(n));
      std::random_device rd;
      for (std::size_t i = 0; i < reply.data.size(); i += 4) {
        const std::uint32_t v = rd();
        for (std::size_t k = 0; k < 4 && i + k < reply.data.size(); ++k)
          reply.data[i + k] = static_cast<std::uint8_t>(v >> (8 * k));
      }
      reply.value = n;
      break;
    }
  }
  return reply;
}

void HostEnvironment::output(std::uint64_t, int fd, std::span<const std::uint8_t> bytes) {
  write_guest_output(fd, bytes);
}

}  // namespace rvrr::vm
