// vm/syscall_call.hpp - what the two syscall ABIs share (private to vm/): the
// call being served, its result, and the one way to ask the host for a value.
//
// Both ABIs (linux_syscalls.cpp, semihosting.cpp) serve a call the same way:
// read arguments, check guest pointers, ask the Environment at most once, and
// either set a0 or stop the machine. A host call the environment refuses (a
// replay divergence, an interrupted wait) stops the machine with the
// environment's diagnostic; that mapping lives here, once.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "vm/environment.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm::syscall {

// Bytes moved per read/write call; a guest asking for more gets a short count.
inline constexpr std::uint32_t kMaxIo = 1u << 24;

// A served call either sets a0 to `value` or stops the machine.
struct Result {
  std::int64_t value = 0;
  std::optional<StopInfo> stop;
};
inline Result ok(std::int64_t v) { return Result{v, std::nullopt}; }
inline Result stop(StopInfo s) { return Result{0, std::move(s)}; }
// The host gave something the call cannot use: stop with this diagnostic.
inline Result host_failure(std::string message) { return stop(StopInfo::host_failure(std::move(message))); }

// The call being served. Each ABI derives its argument accessors from it.
struct CallBase {
  SyscallContext& ctx;
  Memory& mem() { return ctx.memory; }
  SyscallState& st() { return ctx.state; }
};

// The environment's answer to one host request. False when the environment
// refused it; then refused() is the Result that stops the machine.
class HostAnswer {
 public:
  HostAnswer(HostReply reply, HostOp op, std::uint64_t icount)
      : reply_(std::move(reply)), op_(op), icount_(icount) {}
  explicit operator bool() const { return reply_.ok; }
  HostReply* operator->() { return &reply_; }
  HostReply& operator*() { return reply_; }
  Result refused() const {
    std::string why = reply_.error.empty() ? std::string("environment refused host call ") + host_op_name(op_) +
                                                 " at instruction " + std::to_string(icount_)
                                           : reply_.error;
    return stop(reply_.interrupted ? StopInfo::interrupted(std::move(why)) : StopInfo::host_failure(std::move(why)));
  }

 private:
  HostReply reply_;
  HostOp op_;
  std::uint64_t icount_;
};

// Arguments as HostRequest names them (handle, arg0, arg1).
inline HostAnswer ask_host(SyscallContext& ctx, HostOp op, std::int64_t handle = 0, std::int64_t arg0 = 0,
                           std::int64_t arg1 = 0) {
  HostRequest req;
  req.op = op;
  req.handle = handle;
  req.arg0 = arg0;
  req.arg1 = arg1;
  return HostAnswer(ctx.env.call(ctx.icount, req), op, ctx.icount);
}
inline HostAnswer ask_host_open(SyscallContext& ctx, std::string path, std::int64_t flags) {
  HostRequest req;
  req.op = HostOp::Open;
  req.arg0 = flags;
  req.path = std::move(path);
  return HostAnswer(ctx.env.call(ctx.icount, req), HostOp::Open, ctx.icount);
}

// The entry point of an ABI: serve the call with `dispatch`, then either stop
// (the instruction does not retire) or put the result in a0.
template <class Call, class Dispatch>
std::optional<StopInfo> serve(SyscallContext& ctx, Dispatch dispatch) {
  Call c{ctx};
  Result r = dispatch(c);
  if (r.stop) return r.stop;
  if (ctx.regs64) ctx.regs64[10] = static_cast<std::uint64_t>(r.value);  // RV64
  else ctx.regs[10] = static_cast<std::uint32_t>(r.value);
  return std::nullopt;
}

}  // namespace rvrr::vm::syscall
