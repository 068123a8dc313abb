// vm/syscalls.hpp - the two syscall ABIs and the state they keep (private to vm/).
//
// The interpreter calls linux_syscall() on `ecall` and semihosting_call() on
// the semihosting sequence (slli x0,x0,0x1f; ebreak; srai x0,x0,7). Both read
// arguments from registers, touch guest memory through Memory's debugger
// accessors, and get every host value through the Environment. They are
// per-machine (SyscallState is copied with the Machine), never static.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vm/environment.hpp"
#include "vm/memory.hpp"
#include "vm/types.hpp"

namespace rvrr::vm {

struct GuestFile {
  std::int64_t host_handle = -1;  // what Environment::Open returned; 0,1,2 for stdio
  std::string path;
  std::uint64_t position = 0;     // read offset of a virtual file (semihosting ":semihosting-features")
};

// RV64 Linux processes live in sv39's user half, [0, 256 GiB): the stack
// ends at its top, as on a Linux riscv64 kernel with sv39 and no ASLR.
inline constexpr Addr kRv64SpaceTop = Addr{1} << 38;

// Everything the syscall layer remembers between calls. Copied with the Machine.
// Guest fds are assigned deterministically (lowest free >= 3), independent of host fds.
struct SyscallState {
  Addr brk_start = 0;      // initial program break (page after the highest loaded segment)
  Addr brk = 0;            // current program break
  Addr brk_limit = 0;      // brk may not grow past this (the stack region or memory limit)
  Addr heap_start = 0;     // semihosting HEAPINFO
  Addr heap_end = 0;
  Addr stack_top = 0;      // initial sp
  Addr stack_base = 0;     // lowest stack address mapped
  // RV64 anonymous mmap: regions are handed out downwards from mmap_top
  // (just below the stack's guard gap) and mmap_next is the lowest one so far;
  // brk may not grow into them. Both 0 on RV32, which has no mmap.
  Addr mmap_top = 0;
  Addr mmap_next = 0;
  std::uint64_t epoch_ns = 0;
  bool linker_layout = false;  // the ELF defines __stack (picolibc); fixed by the ELF, so not hashed
  std::uint64_t memory_limit = 0;
  std::int32_t semihost_errno = 0;
  std::vector<std::optional<GuestFile>> files;  // index = guest fd; 0..2 are stdio
  std::string cmdline;     // for semihosting GET_CMDLINE
  std::string exe;         // RV64: what readlinkat("/proc/self/exe") answers (argv[0]); empty on RV32
  std::vector<std::string> logged_unknown;  // syscall numbers already reported -ENOSYS (deterministic order)
  // Everything above; without the epoch when !with_epoch (see Machine::state_hash).
  std::uint64_t hash(bool with_epoch = true) const;
};

struct SyscallContext {
  std::uint32_t* regs;     // x0..x31 of an RV32 hart (x0 must stay 0); null on RV64
  Addr pc;                 // the ecall/ebreak being executed
  std::uint64_t icount;    // count before this instruction retires
  Memory& memory;
  Environment& env;
  SyscallState& state;
  std::uint64_t* regs64 = nullptr;  // x0..x31 of an RV64 hart; null on RV32
};

// Linux RISC-V ecall (number in a7, args a0..a5, result in a0), rv32 or
// rv64 as ctx says (regs or regs64; vm/linux_syscalls.cpp). Returns
// nullopt when the instruction retires normally; otherwise the stop
// (Exited, HostFailure, or Fault) and the instruction does not retire.
std::optional<StopInfo> linux_syscall(SyscallContext& ctx);
// RISC-V semihosting call (op in a0, parameter block at a1, result in a0).
std::optional<StopInfo> semihosting_call(SyscallContext& ctx);

}  // namespace rvrr::vm
