// vm/environment.hpp - the determinism boundary.
//
// Every value that comes from outside the guest passes through Environment:
// bytes read from stdin or host files, file metadata, randomness. Output the
// guest writes goes out through it too. A live environment talks to the host
// (and may record); a replaying one answers from a trace. Nothing else in the
// VM may depend on the host. Guest time is NOT a host value: it is derived from
// the instruction count (1 instruction = 1 ns) plus MachineOptions::epoch_ns,
// which the owner fixes once (and a trace stores).
//
// Contract: the machine makes at most one call() per retired instruction, so
// (icount, request) names a host call uniquely in an execution.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace rvrr::vm {

enum class HostOp : std::uint8_t {
  Open = 1,    // path, flags (Linux O_* bits; only read-only opens reach here) -> value = host handle >= 0 or -errno
  Close = 2,   // handle -> 0 or -errno
  Read = 3,    // handle (0 = stdin), count -> data (value = data.size()) or -errno
  Seek = 4,    // handle, offset, whence -> new offset or -errno
  FileSize = 5,// handle -> size or -errno
  IsTty = 6,   // handle (0,1,2 or host file) -> 1 or 0
  Random = 7,  // count -> data (value = data.size())
};

const char* host_op_name(HostOp op);

struct HostRequest {
  HostOp op = HostOp::Read;
  std::int64_t handle = 0;   // Read/Close/Seek/FileSize/IsTty: the handle Open returned (0,1,2 = stdio)
  std::int64_t arg0 = 0;     // Read/Random: count; Seek: offset; Open: flags
  std::int64_t arg1 = 0;     // Seek: whence (0 SET, 1 CUR, 2 END)
  std::string path;          // Open: the host path exactly as the guest gave it
};

struct HostReply {
  std::int64_t value = 0;              // result or -errno (Linux errno numbers)
  std::vector<std::uint8_t> data;      // Read/Random: the bytes
  bool ok = true;                      // false: the environment refuses (divergence); see error
  std::string error;                   // when !ok: precise diagnostic (where, expected, actual)
  // With !ok: not a refusal but an abandoned wait (a HostInterrupt was raised
  // while a read waited for input). Nothing was taken from the host; the
  // instruction does not retire and running again retries the call.
  bool interrupted = false;
};

class Environment {
 public:
  virtual ~Environment() = default;
  // A host call made by the instruction retiring at `icount` (the count before it retires).
  virtual HostReply call(std::uint64_t icount, const HostRequest& request) = 0;
  // Guest output to fd 1 or 2 by the instruction at `icount`. An environment
  // that replays history prints only output past what it already printed.
  virtual void output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) = 0;
};

// An environment with no host at all: reads give EOF, opens fail with ENOENT,
// random bytes come from a fixed-seed generator, output is kept in memory.
// For tests and for pure replays that must never touch the host.
class NullEnvironment : public Environment {
 public:
  HostReply call(std::uint64_t icount, const HostRequest& request) override;
  void output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) override;
  std::string out;  // everything written to fd 1 and 2, in order
 private:
  std::uint64_t rng_ = 0x9E3779B97F4A7C15ull;
};

class HostInterrupt;

// The live host: stdin, read-only host files, std::random_device. Output goes
// to the host's stdout/stderr. Host files can be disabled (--no-host-files).
// With an `interrupt`, reads wait for input with poll() on both fds and give
// up (HostReply::interrupted) when it is raised, before consuming any byte.
class HostEnvironment : public Environment {
 public:
  explicit HostEnvironment(bool allow_host_files = true, std::shared_ptr<HostInterrupt> interrupt = nullptr);
  ~HostEnvironment() override;
  HostReply call(std::uint64_t icount, const HostRequest& request) override;
  void output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) override;
 private:
  bool allow_host_files_;
  std::shared_ptr<HostInterrupt> interrupt_;
  std::vector<int> open_fds_;  // host fds opened for the guest, closed on destruction
};

}  // namespace rvrr::vm
