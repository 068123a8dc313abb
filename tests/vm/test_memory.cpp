// tests/vm/test_memory.cpp - paged copy-on-write memory.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "vm/memory.hpp"
#include "vm/memory_internals.hpp"

using namespace rvrr::vm;

namespace {
std::vector<const void*> identities(const Memory& m) {
  std::vector<const void*> ids;
  m.for_each_page([&](std::uint32_t, const void* id) { ids.push_back(id); });
  return ids;
}
std::uint32_t get32(const Memory& m, Addr a) {
  std::uint8_t b[4] = {};
  REQUIRE(m.read_bytes(a, b));
  return b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}
void put32(Memory& m, Addr a, std::uint32_t v) {
  std::uint8_t b[4] = {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
                       static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
  REQUIRE(m.write_bytes(a, b));
}
}  // namespace

TEST_CASE("memory: low pages are unmapped until someone maps them") {
  // The null guard is the loader's rule (nothing of rvrr's own below 64 KiB);
  // a program's segment may sit there, as qemu-riscv32 allows.
  Memory m;
  CHECK_FALSE(m.is_mapped(0x0));
  CHECK(m.perms(0x0) == 0);
  CHECK(m.map(0xf000, 0x2000, PermRead));
  CHECK(m.is_mapped(0xf000));
  CHECK_FALSE(m.is_mapped(0xe000));
  CHECK(m.map(0x0, 0x1000, PermRead));
  CHECK(m.is_mapped(0x0));
}

TEST_CASE("memory: map, perms and unmap") {
  Memory m;
  CHECK(m.page_count() == 0);
  CHECK(m.map(0x10000, 0x1001, PermRead));        // rounds out to 2 pages
  CHECK(m.page_count() == 2);
  CHECK(m.is_mapped(0x10000));
  CHECK(m.is_mapped(0x11fff));
  CHECK_FALSE(m.is_mapped(0x12000));
  CHECK(m.perms(0x10000) == PermRead);
  CHECK(m.map(0x10800, 16, PermWrite));            // OR-ed into the existing page
  CHECK(m.perms(0x10000) == (PermRead | PermWrite));
  CHECK(m.perms(0x11000) == PermRead);
  CHECK(m.perms(0x50000) == 0);
  CHECK_FALSE(m.map(0xfffff000, 0x2000, PermRead));  // wraps past 4 GiB
  CHECK(m.map(0xfffff000, 0x1000, PermRead));
  CHECK(m.page_count() == 3);
  m.unmap(0x10000, 0x1000);
  CHECK_FALSE(m.is_mapped(0x10000));
  CHECK(m.is_mapped(0x11000));
  CHECK(m.page_count() == 2);
  m.unmap(0x11001, 0x1000);  // no page fully inside
  CHECK(m.is_mapped(0x11000));
}

TEST_CASE("memory: read_bytes/write_bytes across pages, zero-filled, all-or-nothing") {
  Memory m;
  REQUIRE(m.map(0x20000, 0x2000, PermRead));  // not writable: debugger writes ignore perms
  CHECK(get32(m, 0x20000) == 0);
  put32(m, 0x20ffe, 0xdeadbeef);
  CHECK(get32(m, 0x20ffe) == 0xdeadbeef);
  std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  CHECK_FALSE(m.write_bytes(0x21ffc, buf));  // runs into an unmapped page: nothing written
  CHECK(get32(m, 0x21ffc) == 0);
  CHECK_FALSE(m.read_bytes(0x21ffc, buf));
  CHECK_FALSE(m.read_bytes(0xfffffffe, buf));
  CHECK(m.read_bytes(0x20000, std::span<std::uint8_t>()));
}

TEST_CASE("memory: a snapshot shares pages until one side writes") {
  Memory a;
  REQUIRE(a.map(0x10000, 0x3000, PermRead | PermWrite));
  put32(a, 0x10000, 1);
  put32(a, 0x11000, 2);
  const std::uint64_t h0 = a.hash();
  Memory b = a;
  CHECK(identities(a) == identities(b));
  CHECK(b.hash() == h0);
  put32(b, 0x11000, 99);
  CHECK(get32(a, 0x11000) == 2);     // original unchanged
  CHECK(get32(b, 0x11000) == 99);
  CHECK(a.hash() == h0);
  CHECK(b.hash() != h0);
  auto ia = identities(a), ib = identities(b);
  CHECK(ia[0] == ib[0]);
  CHECK(ia[1] != ib[1]);              // only the written page was cloned
  CHECK(ia[2] == ib[2]);
  // Writing the original after the snapshot must not leak into the snapshot.
  Memory c = a;
  put32(a, 0x10000, 7);
  CHECK(get32(c, 0x10000) == 1);
  CHECK(get32(a, 0x10000) == 7);
  // Unique pages across three snapshots: 3 shared + 1 (b) + 1 (a's clone).
  std::set<const void*> unique;
  for (const Memory* m : {&a, &b, &c})
    for (const void* id : identities(*m)) unique.insert(id);
  CHECK(unique.size() == 5);
}

TEST_CASE("memory: snapshots can be dropped in any order") {
  auto* base = new Memory;
  REQUIRE(base->map(0x10000, 0x2000, PermRead | PermWrite));
  put32(*base, 0x10000, 5);
  auto* s1 = new Memory(*base);
  auto* s2 = new Memory(*s1);
  delete base;
  put32(*s2, 0x10000, 6);
  delete s1;
  CHECK(get32(*s2, 0x10000) == 6);
  Memory s3;
  s3 = *s2;
  delete s2;
  CHECK(get32(s3, 0x10000) == 6);
  Memory moved(std::move(s3));
  CHECK(get32(moved, 0x10000) == 6);
  CHECK(moved.page_count() == 2);
}

TEST_CASE("memory: hash covers page numbers, perms and bytes, and is deterministic") {
  Memory a, b;
  REQUIRE(a.map(0x10000, 0x1000, PermRead));
  REQUIRE(b.map(0x10000, 0x1000, PermRead));
  CHECK(a.hash() == b.hash());
  Memory c;
  REQUIRE(c.map(0x11000, 0x1000, PermRead));
  CHECK(a.hash() != c.hash());
  Memory d;
  REQUIRE(d.map(0x10000, 0x1000, PermRead | PermWrite));
  CHECK(a.hash() != d.hash());
  put32(b, 0x10004, 1);
  CHECK(a.hash() != b.hash());
  put32(b, 0x10004, 0);
  CHECK(a.hash() == b.hash());
}

TEST_CASE("memory: fresh pages share one zero page until written") {
  Memory m;
  REQUIRE(m.map(0x10000, 0x4000, PermRead | PermWrite));
  auto ids = identities(m);
  REQUIRE(ids.size() == 4);
  CHECK(ids[0] == ids[3]);
  put32(m, 0x12000, 5);
  auto after = identities(m);
  CHECK(after[2] != ids[2]);
  CHECK(after[0] == ids[0]);
  CHECK(get32(m, 0x12000) == 5);
  CHECK(get32(m, 0x13000) == 0);
  Memory other;
  REQUIRE(other.map(0x10000, 0x1000, PermRead));
  CHECK(get32(other, 0x10000) == 0);  // the shared zero page was not written
}

TEST_CASE("memory: decoded code is dropped when its page is written") {
  Memory m;
  REQUIRE(m.map(0x10000, 0x1000, PermRead | PermExec));
  put32(m, 0x10000, 0x00100513);  // addi a0, zero, 1
  CHECK_FALSE(Memory::Internals::has_decoded(m, 0x10000));
  const DecodedOp* ops = Memory::Internals::fetch(m, 0x10000);
  REQUIRE(ops != nullptr);
  CHECK((ops[0].code & 0x7f) == static_cast<std::uint8_t>(Op::Addi));
  CHECK(Memory::Internals::has_decoded(m, 0x10000));
  Memory snap = m;  // shares the page and its decoded form
  CHECK(Memory::Internals::has_decoded(snap, 0x10000));
  put32(m, 0x10000, 0x02a00513);  // addi a0, zero, 42: m clones the page
  CHECK_FALSE(Memory::Internals::has_decoded(m, 0x10000));
  CHECK(Memory::Internals::has_decoded(snap, 0x10000));
  const DecodedOp* fresh = Memory::Internals::fetch(m, 0x10000);
  REQUIRE(fresh != nullptr);
  CHECK(fresh[0].imm == 42);
  CHECK(Memory::Internals::fetch(snap, 0x10000)[0].imm == 1);
  CHECK(Memory::Internals::fetch(m, 0x20000) == nullptr);  // unmapped
  Memory data;
  REQUIRE(data.map(0x10000, 0x1000, PermRead | PermWrite));
  CHECK(Memory::Internals::fetch(data, 0x10000) == nullptr);  // not executable
}
