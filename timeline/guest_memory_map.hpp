// timeline/guest_memory_map.hpp - the guest's memory map at one point in time.
//
// The mapped pages of a machine, grouped into regions as a process's
// /proc/PID/maps shows them: the program's ELF segments (by permissions),
// the heap (Linux: the brk heap; picolibc: the __heap_start..__heap_end
// arena), the stack, and any other mapping. For each region: its range,
// permissions, resident pages (holding data: not the shared zero page a
// fresh mapping uses) and pages written since the start of the run (their
// copy-on-write page object differs from the one at count 0; a page mapped
// since then counts once it holds data).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "vm/elf_loader.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

struct MemoryRegion {
  vm::Addr start = 0;
  std::uint64_t end = 0;       // exclusive (may be 2^32)
  std::uint8_t perms = 0;      // vm::Perm bits
  std::string kind;            // "segment", "heap", "stack", "mapping"
  std::string name;            // what /proc/PID/maps shows: the program, "[heap]", "[stack]" or ""
  std::uint32_t pages = 0;     // mapped
  std::uint32_t resident = 0;  // holding data
  std::uint32_t written = 0;   // written since count 0
};

// The regions of `now`, ascending; `start` is the same run at count 0.
// Cost: O(mapped pages).
std::vector<MemoryRegion> guest_memory_map(const vm::Machine& now, const vm::Machine& start,
                                           const vm::ElfImage& image, const std::string& program_name);

// "rwxp" (Linux maps style: private mappings).
std::string perms_text(std::uint8_t perms);
// The regions as /proc/PID/maps text ("00010000-00012000 r-xp 00000000 00:00 0   name").
std::string linux_maps_text(const std::vector<MemoryRegion>& regions);

}  // namespace rvrr::timeline
