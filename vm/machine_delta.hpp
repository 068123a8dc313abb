// vm/machine_delta.hpp - what turns one state of a run into a later one.
//
// A machine copy is cheap (copy-on-write), but it lives only in this
// process. To let another process start at a later point of a recorded run
// without executing up to it, the state there is kept as the difference
// from an earlier state of the same run: the whole CPU and system-call
// state (small) and only the pages whose page object, or permissions,
// differ (copy-on-write tells which without reading a byte). Applying the
// differences in order to the run's first state rebuilds every later one.
// The byte encoding is the caller's (timeline/ and query/ own their files).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

struct CpuState {
  std::array<std::uint32_t, 33> regs{};  // RV32 (x0..x31 and the scratch slot)
  std::array<std::uint64_t, 33> x64{};   // RV64
  std::uint64_t pc = 0, icount = 0;
  bool reserved = false;
  std::uint64_t reservation = 0;
  std::array<std::uint32_t, kStorageCsrs> csrs{};
  std::array<std::uint64_t, 32> fregs{};
  std::uint32_t fcsr = 0;
  std::uint32_t xlen = 32;
};

struct PageChange {
  std::uint64_t page = 0;           // page number (address >> 12)
  bool mapped = true;               // false: unmapped since
  std::uint8_t perms = 0;           // when mapped (0: mapped without access, PROT_NONE)
  std::vector<std::uint8_t> bytes;  // kPageSize bytes, or empty: all zero
};

struct MachineDelta {
  CpuState cpu;
  SyscallState sys;
  std::vector<PageChange> pages;  // ascending page numbers
};

// From `base` to `now`, two states of one run (`now` later, and a
// copy-on-write descendant of `base`: pages they share are not listed).
// Neither may be halted. nullopt when more than `page_limit` pages differ
// (the caller's budget: each costs 4 KiB).
std::optional<MachineDelta> delta_between(const Machine& base, const Machine& now,
                                          std::size_t page_limit = SIZE_MAX);

// Makes `m` the state `d` was taken to, if `m` is the base it was taken
// from. False (m changed, unusable) when a page cannot be restored (an
// address the guest cannot map) or `d` is of another register width.
bool apply_delta(Machine& m, const MachineDelta& d);

}  // namespace rvrr::vm
