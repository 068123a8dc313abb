// vm/interpreter_support.hpp - what the run loop calls out to (included only by
// vm/interpreter.cpp): M-extension arithmetic, AMO arithmetic, CSR access,
// fault construction and the breakpoint-patched copies of decoded pages.
// Kept out of the loop's file so that file is the dispatch and the handlers.
#pragma once
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "vm/machine_impl.hpp"
#include "vm/memory_internals.hpp"

namespace rvrr::vm::interp {

inline constexpr std::uint32_t kOffMask = kPageSize - 1;

inline std::uint32_t mulh(std::int32_t a, std::int32_t b) {
  return static_cast<std::uint32_t>((static_cast<std::int64_t>(a) * b) >> 32);
}
inline std::uint32_t mulhsu(std::int32_t a, std::uint32_t b) {
  return static_cast<std::uint32_t>((static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b)) >> 32);
}
inline std::uint32_t mulhu(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(a) * b) >> 32);
}
inline std::uint32_t div_s(std::int32_t a, std::int32_t b) {
  if (b == 0) return 0xffffffffu;
  if (a == INT32_MIN && b == -1) return static_cast<std::uint32_t>(a);
  return static_cast<std::uint32_t>(a / b);
}
inline std::uint32_t rem_s(std::int32_t a, std::int32_t b) {
  if (b == 0) return static_cast<std::uint32_t>(a);
  if (a == INT32_MIN && b == -1) return 0;
  return static_cast<std::uint32_t>(a % b);
}
inline std::uint32_t amo(Op op, std::uint32_t old, std::uint32_t v) {
  switch (op) {
    case Op::AmoSwap: return v;
    case Op::AmoAdd: return old + v;
    case Op::AmoXor: return old ^ v;
    case Op::AmoAnd: return old & v;
    case Op::AmoOr: return old | v;
    case Op::AmoMin: return static_cast<std::int32_t>(old) < static_cast<std::int32_t>(v) ? old : v;
    case Op::AmoMax: return static_cast<std::int32_t>(old) > static_cast<std::int32_t>(v) ? old : v;
    case Op::AmoMinu: return old < v ? old : v;
    case Op::AmoMaxu: return old > v ? old : v;
    default: return old;
  }
}

// CSR access for the numbers decode() accepts (see csr_exists). Counters read
// the instruction count (the machine's clock); cycle and time alias instret.
inline std::uint32_t csr_read(const Machine::Impl& m, std::uint64_t ic, std::int32_t csr) {
  switch (csr) {
    case 0xC00: case 0xC01: case 0xC02: return static_cast<std::uint32_t>(ic);
    case 0xC80: case 0xC81: case 0xC82: return static_cast<std::uint32_t>(ic >> 32);
    case 0x301: return kMisaValue;
    case 0x001: return m.fcsr & 0x1f;
    case 0x002: return (m.fcsr >> 5) & 7;
    case 0x003: return m.fcsr & 0xff;
    default: {
      int i = storage_csr_index(static_cast<std::uint32_t>(csr));
      return i >= 0 ? m.csrs[i] : 0;  // mvendorid, marchid, mimpid, mhartid: 0
    }
  }
}
inline void csr_write(Machine::Impl& m, std::int32_t csr, std::uint32_t v) {
  switch (csr) {
    case 0x001: m.fcsr = (m.fcsr & ~0x1fu) | (v & 0x1f); return;
    case 0x002: m.fcsr = (m.fcsr & 0x1f) | ((v & 7) << 5); return;
    case 0x003: m.fcsr = v & 0xff; return;
  }
  int i = storage_csr_index(static_cast<std::uint32_t>(csr));
  if (i >= 0) m.csrs[i] = v;  // misa: writes are ignored (WARL)
}

inline StopInfo fault(Signal sig, Addr addr, std::string message) {
  return StopInfo::fault(sig, addr, std::move(message));
}

inline std::string hex(Addr a) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(a));
  return buf;
}

inline bool read_word(const Memory& mem, Addr a, std::uint32_t& w) {
  std::uint8_t b[4];
  if (!mem.read_bytes(a, b)) return false;
  w = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  return true;
}
// The copy of decoded page `ops` (at guest address `base`) with Op::BpStop at
// every breakpoint slot, from the machine's cache (see PatchedPages).
__attribute__((noinline)) inline const DecodedOp* patched_page(Machine::Impl& m, const DecodedOp* ops, Addr base,
                                                               const DebugPoints& points) {
  const std::uint64_t serial = Memory::Internals::decoded_serial(ops), gen = points.generation();
  static_assert(PatchedPages::kWays == 2);
  PatchedPages& cache = m.patched;
  const unsigned set = (base >> kPageShift) % PatchedPages::kSets;
  PatchedPages::Entry* ways = &cache.entries[set * PatchedPages::kWays];
  unsigned way = 0;
  while (way < PatchedPages::kWays && ways[way].base != base) ++way;
  if (way == PatchedPages::kWays) way = cache.recent[set] ^ 1;  // evict the other way
  cache.recent[set] = static_cast<std::uint8_t>(way);
  PatchedPages::Entry& e = ways[way];
  if (e.base != base || e.serial != serial || e.generation != gen) {
    points.breakpoints_in_page(base >> kPageShift, cache.scratch);
    if (!e.ops) e.ops = std::make_unique<DecodedOp[]>(kSlotsPerPage + 2);
    std::memcpy(e.ops.get(), ops, sizeof(DecodedOp) * (kSlotsPerPage + 2));
    bool any = false;
    for (Addr a : cache.scratch) {
      if (a & 1) continue;  // pcs are even: a breakpoint at an odd address never hits
      e.ops[(a & kOffMask) >> 1].code = static_cast<std::uint8_t>(Op::BpStop);
      any = true;
    }
    e.base = base;
    e.serial = serial;
    e.generation = gen;
    e.any = any;  // false: a stale page bit (see DebugPoints::remove_breakpoint)
  }
  return e.any ? e.ops.get() : ops;
}

}  // namespace rvrr::vm::interp
