// vm/host_call_watch.cpp - watchpoints on memory a host call writes.
//
// A syscall (`read` into a buffer, semihosting READ, GET_CMDLINE, ...)
// writes guest memory from the host, not through a store instruction, so
// the run loop's per-access check never sees it. Instead, with watchpoints
// set, the call runs against a copy-on-write snapshot of the state before
// it; if it changed bytes under a write (or access) watch, the machine is
// put back and stops before the ecall/ebreak like any watched store: pc at
// the calling instruction, memory not yet changed (see DESIGN, "Watchpoints
// on RISC-V are non-steppable"). Re-executing the call gets the same result
// from the environment (a history serves a call already made at that count).
// Writes that leave the bytes as they were are not reported: gdb's `watch`
// ignores them anyway.
#include "vm/machine_impl.hpp"

namespace rvrr::vm {

std::optional<WatchHit> host_write_hit(const Memory& before, const Memory& after, const DebugPoints& points) {
  for (const WatchRange& w : points.watches()) {
    if (w.kind == WatchKind::Read) continue;
    // Unmapped before (brk mapping fresh zero pages) is not a write. Pages
    // the call left shared are not read: a watch on a large array costs
    // what the call wrote, not the array's size, at every host call.
    if (before.range_differs(after, w.addr, w.len ? w.len : 1).value_or(false)) return WatchHit{w.addr, w.kind};
  }
  return std::nullopt;
}

}  // namespace rvrr::vm
