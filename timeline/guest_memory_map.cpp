// timeline/guest_memory_map.cpp - see guest_memory_map.hpp.
#include "timeline/guest_memory_map.hpp"

#include <cstdio>
#include <map>

namespace rvrr::timeline {

namespace {

struct PageInfo {
  std::uint32_t page;
  const void* identity;
};

// What a page belongs to: an ELF segment, the heap, the stack, or nothing known.
struct Owner {
  std::string kind, name;
  bool operator==(const Owner& o) const { return kind == o.kind && name == o.name; }
};

bool inside(std::uint64_t a, std::uint64_t from, std::uint64_t to) { return a >= from && a < to; }

}  // namespace

std::string perms_text(std::uint8_t perms) {
  std::string s = "---p";
  if (perms & vm::PermRead) s[0] = 'r';
  if (perms & vm::PermWrite) s[1] = 'w';
  if (perms & vm::PermExec) s[2] = 'x';
  return s;
}

std::vector<MemoryRegion> guest_memory_map(const vm::Machine& now, const vm::Machine& start,
                                           const vm::ElfImage& image, const std::string& program_name) {
  std::map<std::uint64_t, const void*> before;
  start.memory().for_each_page([&](std::uint64_t page, const void* id) { before.emplace(page, id); });
  const vm::ProcessLayout l = now.layout();
  const void* zero = vm::Memory::zero_page_identity();
  auto owner_of = [&](std::uint64_t addr) -> Owner {
    for (const vm::ElfSegment& s : image.segments) {
      const std::uint64_t lo = s.vaddr & ~std::uint64_t{vm::kPageSize - 1};
      if (inside(addr, lo, std::uint64_t{s.vaddr} + s.memsz)) return {"segment", program_name};
      const std::uint64_t plo = s.paddr & ~std::uint64_t{vm::kPageSize - 1};
      if (s.paddr != s.vaddr && inside(addr, plo, std::uint64_t{s.paddr} + s.memsz))
        return {"segment", program_name + " (load address)"};
    }
    if (l.linker_layout) {
      if (inside(addr, l.stack_base & ~std::uint64_t{vm::kPageSize - 1}, l.stack_top)) return {"stack", "[stack]"};
      if (inside(addr, l.heap_start & ~std::uint64_t{vm::kPageSize - 1}, l.heap_end)) return {"heap", "[heap]"};
    } else {
      if (inside(addr, l.stack_base, l.stack_top)) return {"stack", "[stack]"};
      if (inside(addr, l.brk_start, l.brk)) return {"heap", "[heap]"};
    }
    return {"mapping", ""};
  };
  std::vector<MemoryRegion> out;
  Owner current_owner;
  now.memory().for_each_page([&](std::uint64_t page, const void* id) {
    const std::uint64_t addr = std::uint64_t{page} << vm::kPageShift;
    const std::uint8_t perms = now.memory().perms(static_cast<vm::Addr>(addr));
    Owner owner = owner_of(addr);
    if (out.empty() || out.back().end != addr || out.back().perms != perms || !(current_owner == owner)) {
      MemoryRegion r;
      r.start = static_cast<vm::Addr>(addr);
      r.end = addr;
      r.perms = perms;
      r.kind = owner.kind;
      r.name = owner.name;
      out.push_back(r);
      current_owner = owner;
    }
    MemoryRegion& r = out.back();
    r.end = addr + vm::kPageSize;
    ++r.pages;
    if (id != zero) ++r.resident;
    auto it = before.find(page);
    // A page mapped since (brk) counts once it holds data.
    if (it == before.end() ? id != zero : it->second != id) ++r.written;
  });
  return out;
}

std::string linux_maps_text(const std::vector<MemoryRegion>& regions) {
  std::string out;
  char line[96];
  for (const MemoryRegion& r : regions) {
    std::snprintf(line, sizeof line, "%08llx-%08llx %s 00000000 00:00 0", static_cast<unsigned long long>(r.start),
                  static_cast<unsigned long long>(r.end), perms_text(r.perms).c_str());
    out += line;
    if (!r.name.empty()) out += "        " + r.name;
    out += "\n";
  }
  return out;
}

}  // namespace rvrr::timeline
