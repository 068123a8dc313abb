// server/memory_history_text.hpp - accesses to memory as text, for `monitor
// last-write/next-write` and `rvrr trace writes`.
//
// Where debuginfo (pc -> function, file:line) is available, format_code_place
// is the one place to add it: every access line names its pc through it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "timeline/guest_memory_map.hpp"
#include "timeline/heap_walk.hpp"
#include "timeline/memory_history.hpp"
#include "vm/types.hpp"

namespace rvrr::server {

// "2a 00 00 00" (at most `max` bytes, then " ..." and the count left out).
std::string hex_bytes(const std::vector<std::uint8_t>& bytes, std::size_t max = 32);
// "0x%08x" for now; debuginfo adds " in FUNCTION at FILE:LINE" here.
std::string format_code_place(vm::Addr pc);
// "a write" / "a read" / "a write by the host call read(fd 0, 16 bytes)".
std::string access_kind_text(const timeline::MemoryAccess& a);
// The monitor's answer for a write search (last-write when !forward).
std::string format_write_search(const timeline::WriteSearch& search, bool forward, vm::Addr addr, std::uint32_t len,
                                std::uint64_t from);

// `monitor heap`: the live blocks and a summary by allocation site.
std::string format_heap(const timeline::HeapWalk& walk, std::uint64_t icount);
// `monitor info memory` / `rvrr trace memory`: a table of the regions.
std::string format_memory_map(const std::vector<timeline::MemoryRegion>& regions, std::uint64_t icount);

}  // namespace rvrr::server
