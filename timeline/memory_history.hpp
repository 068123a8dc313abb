// timeline/memory_history.hpp - who touched an address range, and when.
//
// Answers "the history of this buffer" (WinDbg's TTD.Memory, Undo's `last`)
// from the recording: every guest access to [addr, addr+len), each with the
// instruction that made it, and the range's bytes before and after it. Writes
// made by host calls (a `read()` into the buffer, semihosting READ,
// getrandom) are accesses of the calling ecall/ebreak and are named as such.
//
// The answers come from re-execution with watchpoints (vm/debug_points.hpp)
// on the range, so they are exact: a guest store counts even when it stores
// the bytes already there (as a write watchpoint sees it); a host call counts
// only when it changed a byte (vm/host_call_watch.cpp). Reads by host calls
// (write(2) of the buffer) are not listed: no guest load makes them. A
// debugger write (gdb `set var` in the recording session) is an access of
// its own, at the count where it was made, never part of the instruction
// before it.
//
// Timeline::find_write (timeline.hpp) finds the nearest write before or after
// the current point that changed the range (a store of the same bytes does
// not count there, as for gdb's `watch`); Timeline::memory_accesses lists
// every access in the whole history, those included.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "timeline/stop_event.hpp"
#include "vm/types.hpp"

namespace rvrr::timeline {

struct MemoryAccess {
  // The accessing instruction is the one numbered `icount`: the state before
  // it is the state at count icount, the state after it at icount + 1.
  std::uint64_t icount = 0;
  vm::Addr pc = 0;
  bool write = false;                // false: a guest load read the range
  bool read_too = false;             // a write that read the range first (an AMO: amoadd.w, amoswap.w, ...)
  bool by_host_call = false;         // the write was made by the host call of the ecall/ebreak at pc
  std::string host_call;             // by_host_call: what it was ("read(fd 0, 16 bytes)", "semihosting call")
  // The debugger wrote the range (gdb `set var` while recording) at count
  // `icount`, before the instruction numbered icount runs (pc: that one's).
  // `before`: the bytes just before the write; `after`: the state at icount.
  bool by_debugger = false;
  std::vector<std::uint8_t> before;  // the whole range's bytes before the instruction (read: the bytes read)
  std::vector<std::uint8_t> after;   // and after it
};

// Where a search for a write ended.
struct WriteSearch {
  std::optional<MemoryAccess> found;  // nullopt: no such write (nothing moved) or the search failed
  // SeekDone at found->icount (moved there) or at the unchanged position
  // (not found); Interrupted or Divergence if the search failed (nothing moved).
  StopEvent event;
};

}  // namespace rvrr::timeline
