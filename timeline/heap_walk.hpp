// timeline/heap_walk.hpp - the live heap allocations at the current point.
//
// Found from the program's own allocator calls, not from the allocator's
// data structures: the history up to now is re-run with breakpoints on the
// entries of malloc, calloc, realloc and free (their ELF symbols: picolibc's
// and the examples' runtime both define them); each call's arguments are
// read at its entry and its result at its return (a breakpoint on the return
// address, matched by the stack pointer). Only outermost calls count: a
// calloc or realloc that calls malloc and free inside is one allocation.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "timeline/stop_event.hpp"
#include "vm/elf_loader.hpp"
#include "vm/types.hpp"

namespace rvrr::timeline {

struct AllocatorEntries {
  std::optional<vm::Addr> malloc, calloc, realloc, free;
  bool any() const { return malloc || calloc || realloc || free; }
};
// From the program's symbols (none: a program without an allocator).
AllocatorEntries allocator_entries(const vm::ElfImage& image);

struct Allocation {
  vm::Addr addr = 0;
  std::uint32_t size = 0;
  std::uint64_t icount = 0;  // count of the allocator call's entry
  vm::Addr call_pc = 0;      // the calling instruction (the allocation site)
  std::string function;      // "malloc", "calloc", "realloc"
};

struct HeapWalk {
  std::vector<Allocation> live;   // ascending address
  std::uint64_t calls = 0;        // allocator calls seen (outermost)
  bool call_in_progress = false;  // now is inside an allocator call: its result is not counted
  std::optional<StopEvent> failure;  // Interrupted or Divergence stopped the walk
};

}  // namespace rvrr::timeline
