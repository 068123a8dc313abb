// tests/vm/test_machine_delta.cpp - a later state rebuilt from an earlier one
// and their difference is the later state, whatever changed in between.
#include <doctest/doctest.h>

#include "vm/machine_delta.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;

namespace {
// Rebuilds `now` from `base` and their difference; checks the result is `now`.
void check_rebuilds(const Machine& base, const Machine& now) {
  const std::optional<MachineDelta> d = delta_between(base, now);
  REQUIRE(d);
  Machine rebuilt = base;
  REQUIRE(apply_delta(rebuilt, *d));
  CHECK(rebuilt.state_hash() == now.state_hash());
  CHECK(rebuilt.register_hash() == now.register_hash());
  CHECK(rebuilt.icount() == now.icount());
  CHECK(rebuilt.pc() == now.pc());
}
}  // namespace

TEST_CASE("machine delta: random programs rebuilt slice by slice, listing only the pages they wrote") {
  Rng rnd{7};
  for (int round = 0; round < 20; ++round) {
    CAPTURE(round);
    Program p = looping_program(rnd, 40, 300);
    Machine m = make_machine(p);
    Machine rebuilt = m;  // follows m slice by slice, from differences only
    std::uint64_t at = 0;
    while (!m.halted() && at < 20000) {
      Machine base = m;
      at += 997;
      run(m, at);
      if (m.halted()) break;
      const std::optional<MachineDelta> d = delta_between(base, m);
      REQUIRE(d);
      CHECK(d->pages.size() <= 4);  // the looping program writes its data pages, not the code or the stack
      REQUIRE(apply_delta(rebuilt, *d));
      CHECK(rebuilt.state_hash() == m.state_hash());
    }
  }
}

TEST_CASE("machine delta: pages mapped, unmapped, re-protected, zeroed and far apart; registers of every kind") {
  Program p;
  p.w(enc::kNop).w(enc::kEbreak);
  const Machine base = make_machine(p);
  Machine now = base;
  // A fresh page that stays all zeros, one with bytes, one far above 4 GiB.
  REQUIRE(now.memory().map(0x7000'0000, kPageSize, PermRead | PermWrite));
  REQUIRE(now.memory().map(0x7000'2000, kPageSize, PermRead));
  const std::uint8_t bytes[] = {1, 2, 3, 4};
  REQUIRE(now.memory().write_bytes(0x7000'2ffc, bytes));
  REQUIRE(now.memory().map(0x12'3456'7000, kPageSize, PermRead | PermWrite));
  REQUIRE(now.memory().write_bytes(0x12'3456'7010, bytes));
  // The data segment: a page written back to zeros, and one unmapped.
  const std::uint8_t zeros[kPageSize] = {};
  REQUIRE(now.memory().write_bytes(kDataBase, zeros));
  now.memory().unmap(kDataBase + kPageSize, kPageSize);
  // The code page re-protected: unmapped and mapped again with other rights.
  now.memory().unmap(kCodeBase, kPageSize);
  REQUIRE(now.memory().map(kCodeBase, kPageSize, PermRead));
  // Mapped without access (PROT_NONE) is not unmapped; and rights changed on the same page object.
  REQUIRE(now.memory().map(0x7000'4000, kPageSize, 0));
  REQUIRE(now.memory().map(kDataBase + 2 * kPageSize, kPageSize, PermExec));
  now.set_reg(a0, 0x1234);
  now.set_freg(3, 0x4000'0000'0000'0000ull);
  now.set_fcsr(0x20);
  now.set_pc(kCodeBase + 4);
  const std::optional<MachineDelta> d = delta_between(base, now);
  REQUIRE(d);
  CHECK(d->pages.size() == 8);
  for (const PageChange& c : d->pages) {
    if (c.page == 0x7000'0000 >> kPageShift) CHECK(c.bytes.empty());  // zeros are not stored
    if (c.page == (kDataBase + kPageSize) >> kPageShift) CHECK_FALSE(c.mapped);
    if (c.page == 0x7000'4000 >> kPageShift) CHECK((c.mapped && c.perms == 0));
  }
  check_rebuilds(base, now);
  CHECK_FALSE(delta_between(base, now, 7));  // more pages than the caller allows
  // Nothing changed: no page listed, the same state.
  CHECK(delta_between(now, now)->pages.empty());
  check_rebuilds(now, now);
}
