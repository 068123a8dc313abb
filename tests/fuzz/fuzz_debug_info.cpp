// tests/fuzz/fuzz_debug_info.cpp - bytes -> debuginfo (libelf/libdw over the
// program a trace embeds, so untrusted): never a crash, a hang or an
// out-of-bounds access. Bad input is a DebugInfoError or fewer answers; the
// tables that come out are consistent (ranges non-empty, lookups in bounds).
#include <cstddef>
#include <cstdint>
#include <span>

#include "debuginfo/debug_info.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const rvrr::debuginfo::DebugInfo d(std::span<const std::uint8_t>(data, size));
    for (const rvrr::debuginfo::Function& f : d.functions()) {
      if (f.end <= f.entry) __builtin_trap();
      if (d.function_at(f.entry) == nullptr) __builtin_trap();
    }
    const auto table = d.line_table();
    for (rvrr::debuginfo::LineId id : d.lines_sorted()) {
      for (const auto& [lo, hi] : table[id]) {
        if (hi <= lo) __builtin_trap();
        auto at = d.line_id_at(lo);
        if (!at || *at != id) __builtin_trap();
      }
      (void)d.describe(id);
    }
  } catch (const rvrr::debuginfo::DebugInfoError&) {
    // not an ELF: one clear error
  }
  return 0;
}
