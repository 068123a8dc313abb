// vm/machine_delta.cpp - comparing two states page by page, and rebuilding one from the other.
#include "vm/machine_delta.hpp"

#include <algorithm>

#include "vm/machine_impl.hpp"

namespace rvrr::vm {

std::optional<MachineDelta> delta_between(const Machine& base, const Machine& now, std::size_t page_limit) {
  const Machine::Impl& m = *now.impl_;
  // The pages first (a walk of pointers only), to check the limit before copying any.
  std::vector<std::uint64_t> differing;
  m.memory.for_each_difference(base.impl_->memory, [&](std::uint64_t page) { differing.push_back(page); });
  if (differing.size() > page_limit) return std::nullopt;
  MachineDelta d;
  d.pages.reserve(differing.size());
  CpuState& c = d.cpu;
  std::copy(std::begin(m.regs), std::end(m.regs), c.regs.begin());
  std::copy(std::begin(m.x64), std::end(m.x64), c.x64.begin());
  c.pc = m.pc;
  c.icount = m.icount;
  c.reserved = m.reserved;
  c.reservation = m.reservation;
  std::copy(std::begin(m.csrs), std::end(m.csrs), c.csrs.begin());
  std::copy(std::begin(m.fregs), std::end(m.fregs), c.fregs.begin());
  c.fcsr = m.fcsr;
  c.xlen = m.xlen;
  d.sys = m.sys;

  for (const std::uint64_t page : differing) {
    const Addr at = page << kPageShift;
    PageChange ch{page, m.memory.is_mapped(at), m.memory.perms(at), {}};
    if (ch.mapped) {
      ch.bytes.resize(kPageSize);
      m.memory.read_bytes(at, ch.bytes);
      if (std::all_of(ch.bytes.begin(), ch.bytes.end(), [](std::uint8_t b) { return b == 0; })) ch.bytes.clear();
    }
    d.pages.push_back(std::move(ch));
  }
  return d;
}

bool apply_delta(Machine& machine, const MachineDelta& d) {
  Machine::Impl& m = *machine.impl_;
  if (d.cpu.xlen != m.xlen) return false;
  for (const PageChange& ch : d.pages) {
    const Addr at = ch.page << kPageShift;
    if (ch.page >= (Addr{1} << (64 - kPageShift))) return false;
    if (m.memory.is_mapped(at) && (!ch.mapped || m.memory.perms(at) != ch.perms)) m.memory.unmap(at, kPageSize);
    if (!ch.mapped) continue;
    if (!m.memory.is_mapped(at)) {
      if (!m.memory.map(at, kPageSize, ch.perms)) return false;
      if (ch.bytes.empty()) continue;  // a fresh page is the shared zero page
    }
    static const std::uint8_t kZero[kPageSize] = {};
    if (!m.memory.write_bytes(at, ch.bytes.empty() ? std::span<const std::uint8_t>(kZero, kPageSize)
                                                    : std::span<const std::uint8_t>(ch.bytes)))
      return false;
  }
  const CpuState& c = d.cpu;
  std::copy(c.regs.begin(), c.regs.end(), std::begin(m.regs));
  std::copy(c.x64.begin(), c.x64.end(), std::begin(m.x64));
  m.pc = c.pc;
  m.icount = c.icount;
  m.reserved = c.reserved;
  m.reservation = c.reservation;
  std::copy(c.csrs.begin(), c.csrs.end(), std::begin(m.csrs));
  std::copy(c.fregs.begin(), c.fregs.end(), std::begin(m.fregs));
  m.fcsr = c.fcsr;
  m.sys = d.sys;
  m.halted = false;
  return true;
}

}  // namespace rvrr::vm
