// vm/host_interrupt.cpp - see host_interrupt.hpp.
#include "vm/host_interrupt.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace rvrr::vm {

HostInterrupt::HostInterrupt() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  read_fd_ = fds[0];
  write_fd_ = fds[1];
}

HostInterrupt::~HostInterrupt() {
  ::close(read_fd_);
  ::close(write_fd_);
}

void HostInterrupt::raise() noexcept {
  if (raised_.exchange(true, std::memory_order_acq_rel)) return;  // one byte in the pipe is enough
  const int saved = errno;  // a signal handler must leave errno as it found it
  const char byte = 1;
  ssize_t n;
  do n = ::write(write_fd_, &byte, 1);
  while (n < 0 && errno == EINTR);
  errno = saved;
}

void HostInterrupt::clear() noexcept {
  // Flag first, then drain: a raise() racing with us either finds the flag
  // down and writes its byte after the drain, or is caught by the re-check.
  raised_.store(false, std::memory_order_release);
  char buf[64];
  while (::read(read_fd_, buf, sizeof buf) > 0) {
  }
  if (raised_.load(std::memory_order_acquire)) {
    const char byte = 1;
    (void)::write(write_fd_, &byte, 1);
  }
}

}  // namespace rvrr::vm
