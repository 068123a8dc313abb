// tests/fuzz/fuzz_jit.cpp - random instruction streams through both tiers:
// the translating tier (every block translated on its first entry) must stop
// where the interpreter stops, in the same state, at every stop. Any
// difference, crash or hang is a finding.
//
// Input: the first byte picks an intermediate budget; the rest is code,
// loaded after a fixed preamble that points a few registers into the data
// segment (so loads and stores mostly hit memory) at a segment that is
// readable, writable and executable (so stores may rewrite code). The last
// run has a breakpoint at an address the first byte picks.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "vm/debug_points.hpp"
#include "vm/elf_loader.hpp"
#include "vm/environment.hpp"
#include "vm/jit.hpp"
#include "vm/machine.hpp"

namespace {

using namespace rvrr::vm;

constexpr Addr kCode = 0x10000, kData = 0x40000;
constexpr std::uint32_t kDataSize = 0x4000;

void put(std::vector<std::uint8_t>& out, std::uint32_t w) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
}
// lui rd, hi ; addi rd, rd, lo
void li(std::vector<std::uint8_t>& out, unsigned rd, std::uint32_t v) {
  const std::uint32_t lo = v & 0xfff, hi = ((v + 0x800) >> 12) & 0xfffff;
  put(out, (hi << 12) | (rd << 7) | 0x37);
  put(out, (lo << 20) | (rd << 15) | (rd << 7) | 0x13);
}

bool same(const Machine& a, const StopInfo& sa, const Machine& b, const StopInfo& sb) {
  return sa.kind() == sb.kind() && sa.signal() == sb.signal() && sa.addr() == sb.addr() && sa.message() == sb.message() &&
         a.pc() == b.pc() && a.icount() == b.icount() && a.state_hash() == b.state_hash();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 8192) return 0;
  set_jit_threshold(1);
  std::vector<std::uint8_t> code;
  for (unsigned r = 8; r < 16; ++r) li(code, r, kData + 0x400 * (r - 8) + 0x100);  // s0..a5 -> data
  li(code, 31, kCode);                                                             // t6 -> code
  code.insert(code.end(), data + 1, data + size);

  ElfImage img;
  img.entry = kCode;
  ElfSegment text;
  text.vaddr = text.paddr = kCode;
  text.memsz = 0x4000;
  text.perms = PermRead | PermWrite | PermExec;
  text.bytes = code;
  img.segments.push_back(text);
  ElfSegment dseg;
  dseg.vaddr = dseg.paddr = kData;
  dseg.memsz = kDataSize;
  dseg.perms = PermRead | PermWrite;
  img.segments.push_back(dseg);
  MachineOptions options;
  options.argv = {"fuzz"};
  options.memory_limit = 16ull << 20;
  options.stack_size = 1u << 16;

  Machine a(img, options), b(img, options);
  NullEnvironment env_a, env_b;
  // Budgets above the fast loop's slack (4096), so the translating tier runs;
  // the last run also has a breakpoint somewhere in the code (blocks were
  // translated by then).
  DebugPoints points;
  points.add_breakpoint(kCode + 2 * static_cast<Addr>((data[0] * 7919u) % (code.size() / 2)));
  const std::uint64_t budgets[] = {4200 + std::uint64_t{data[0]} * 97, 60000, 120000};
  for (const std::uint64_t stop_at : budgets) {
    RunOptions o;
    o.stop_at = stop_at;
    if (stop_at == 120000) {
      o.points = &points;
      o.skip_points_at_start = true;
    }
    set_tier(Tier::Interp);
    const StopInfo sa = a.run(o, env_a);
    set_tier(Tier::Auto);
    const StopInfo sb = b.run(o, env_b);
    if (!same(a, sa, b, sb)) __builtin_trap();
    if (sa.kind() != StopKind::Limit) break;
  }
  return 0;
}
