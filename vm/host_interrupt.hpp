// vm/host_interrupt.hpp - a wake-up for host calls that wait (a read of stdin or a pipe).
//
// A guest blocked in a host read must be stoppable: by gdb's Ctrl-C (the RSP
// interrupt byte), by SIGINT/SIGTERM to rvrr. HostEnvironment waits for input
// with poll() on the host fd *and* this object's fd, so raise() makes the read
// give up before it takes any byte: the host call reports `interrupted`, the
// guest's instruction does not retire, and running again retries the read.
//
// A self-pipe: raise() is async-signal-safe (a flag store and one write()),
// so signal handlers may call it. The owner clears it between operations.
#pragma once
#include <atomic>

namespace rvrr::vm {

class HostInterrupt {
 public:
  HostInterrupt();  // throws std::system_error if no pipe can be made
  ~HostInterrupt();
  HostInterrupt(const HostInterrupt&) = delete;
  HostInterrupt& operator=(const HostInterrupt&) = delete;

  // Wakes every waiting (and every future) host read until clear(). Async-signal-safe.
  void raise() noexcept;
  // Back to quiet: for the owner, between operations (not from a signal handler).
  void clear() noexcept;
  bool raised() const noexcept { return raised_.load(std::memory_order_acquire); }
  // Readable (POLLIN) while raised: poll it next to the fd being waited on.
  int fd() const noexcept { return read_fd_; }

 private:
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::atomic<bool> raised_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "raise() must be async-signal-safe");
};

}  // namespace rvrr::vm
