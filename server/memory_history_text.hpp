// server/memory_history_text.hpp - accesses to memory as text, for `monitor
// last-write/next-write` and `rvrr trace writes`.
//
// Every pc is named through code_place/format_code_place: the function and
// file:line from the program's DWARF and symbols (debuginfo/) when known.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "debuginfo/debug_info.hpp"
#include "timeline/guest_memory_map.hpp"
#include "timeline/heap_walk.hpp"
#include "timeline/memory_history.hpp"
#include "vm/types.hpp"

namespace rvrr::server {

// "2a 00 00 00" (at most `max` bytes, then " ..." and the count left out).
std::string hex_bytes(const std::vector<std::uint8_t>& bytes, std::size_t max = 32);
// What the program's debug info says about a pc ("" / 0 where it says nothing).
struct CodePlace {
  std::string function;  // the function holding pc (DWARF, else the ELF symbol)
  std::string file;      // the source file of its line, as DWARF names it
  std::uint32_t line = 0;
};
CodePlace code_place(const debuginfo::DebugInfo* debug, vm::Addr pc);
// "0x100001ec", then " in bump at dir/file.c:12" (or " in bump", or " at
// file.c:12") as far as `debug` (may be null) knows the pc.
std::string format_code_place(vm::Addr pc, const debuginfo::DebugInfo* debug = nullptr);
// The same without the pc: "bump at dir/file.c:12" ("" when nothing is known).
std::string code_place_text(const CodePlace& place);
// ,"function":..,"file":..,"line":.. (each only when known), to append to a JSON object.
std::string code_place_json(const CodePlace& place);
// "a write" / "a read" / "a write by the host call read(fd 0, 16 bytes)".
std::string access_kind_text(const timeline::MemoryAccess& a);
// The monitor's answer for a write search (last-write when !forward).
std::string format_write_search(const timeline::WriteSearch& search, bool forward, vm::Addr addr, std::uint32_t len,
                                std::uint64_t from, const debuginfo::DebugInfo* debug = nullptr);

// `monitor heap`: the live blocks and a summary by allocation site.
std::string format_heap(const timeline::HeapWalk& walk, std::uint64_t icount,
                        const debuginfo::DebugInfo* debug = nullptr);
// `monitor info memory` / `rvrr trace memory`: a table of the regions.
std::string format_memory_map(const std::vector<timeline::MemoryRegion>& regions, std::uint64_t icount);

}  // namespace rvrr::server
