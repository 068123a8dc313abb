// vm/machine_impl.hpp - Machine's state, shared by machine.cpp and interpreter.cpp (private to vm/).
#pragma once
#include <cstdint>

#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

struct Machine::Impl {
  // x0..x31, then the scratch register that decoded writes to x0 go to.
  // Invariant: regs[0] == 0 whenever the interpreter is not running.
  alignas(64) std::uint32_t regs[33] = {};
  Addr pc = 0;
  std::uint64_t icount = 0;
  bool reserved = false;       // LR/SC reservation valid
  Addr reservation = 0;        // its address
  Memory memory;
  SyscallState sys;
  bool halted = false;
  StopInfo halt;               // valid when halted
  // Trampoline for an instruction straddling two pages (see Op::Cross).
  DecodedOp cross_buf[3] = {};
};

// The run loop (interpreter.cpp). kExact: stop exactly at `limit` (checked
// before every instruction) and honour `points` when kPoints; otherwise
// `limit` is checked only at block ends and may be overshot by up to
// kFastSlack instructions. Returns StopKind::Limit when the limit was reached.
inline constexpr std::uint64_t kFastSlack = 4096;
template <bool kExact, bool kPoints>
StopInfo interpret(Machine::Impl& m, Environment& env, std::uint64_t limit, const DebugPoints* points,
                   bool skip_first);

}  // namespace rvrr::vm
