// tests/vm/test_memory.cpp - paged copy-on-write memory.
#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <vector>

#include "vm/memory.hpp"
#include "vm/memory_internals.hpp"

using namespace rvrr::vm;

namespace {
std::vector<const void*> identities(const Memory& m) {
  std::vector<const void*> ids;
  m.for_each_page([&](std::uint64_t, const void* id) { ids.push_back(id); });
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
  CHECK_FALSE(m.map(0xfffffffffffff000ull, 0x2000, PermRead));  // wraps past the top of the 64-bit space
  CHECK(m.page_count() == 2);
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

TEST_CASE("memory: range_differs compares only what a snapshot no longer shares, to the byte") {
  Memory a;
  REQUIRE(a.map(0x10000, 0x3000, PermRead | PermWrite));
  put32(a, 0x11000, 5);
  Memory b = a;
  CHECK(b.range_differs(a, 0x10000, 0x3000) == std::optional<bool>(false));
  put32(b, 0x11000, 5);  // cloned, same bytes
  CHECK(b.range_differs(a, 0x10000, 0x3000) == std::optional<bool>(false));
  put32(b, 0x11ffc, 0x0900ff09);  // the last word of the middle page: 09 ff 00 09
  CHECK(b.range_differs(a, 0x10000, 0x3000) == std::optional<bool>(true));
  CHECK(a.range_differs(b, 0x11ffc, 1) == std::optional<bool>(true));
  CHECK(a.range_differs(b, 0x11ffb, 1) == std::optional<bool>(false));  // the byte before
  CHECK(a.range_differs(b, 0x11000, 0xffc) == std::optional<bool>(false));
  CHECK(a.range_differs(b, 0x12000, 0x1000) == std::optional<bool>(false));
  CHECK(a.range_differs(b, 0x11ffe, 3) == std::optional<bool>(true));  // across the page line
  // Any byte unmapped in either (or a range wrapping the space): no answer.
  CHECK_FALSE(a.range_differs(b, 0x12000, 0x1001).has_value());
  CHECK_FALSE(a.range_differs(b, 0xf000, 0x3000).has_value());
  CHECK_FALSE(a.range_differs(b, ~Addr{0}, 2).has_value());
  CHECK_FALSE(a.range_differs(b, 0x10000, 0).has_value());
  Memory c = a;
  c.unmap(0x12000, 0x1000);
  CHECK_FALSE(a.range_differs(c, 0x11000, 0x2000).has_value());
  // A range of 256 MiB whose pages are all shared is answered without reading them.
  Memory big;
  REQUIRE(big.map(0x20000000, 0x10000000, PermRead | PermWrite));
  Memory big2 = big;
  CHECK(big.range_differs(big2, 0x20000000, 0x10000000) == std::optional<bool>(false));
  put32(big2, 0x2ffffff0, 1);
  CHECK(big.range_differs(big2, 0x20000000, 0x10000000) == std::optional<bool>(true));
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

TEST_CASE("memory: the 64-bit space holds pages far apart, across the 4 GiB line and near the top") {
  Memory m;
  const Addr stack = 0x3fffff0000ull, far = 0x2000000000ull, top = 0xfffffffffffff000ull;
  CHECK(m.map(0x10000, 0x1000, PermRead | PermExec));
  CHECK(m.map(0xfffff000ull, 0x2000, PermRead | PermWrite));  // one page each side of 4 GiB
  CHECK(m.map(far, 0x1000, PermRead | PermWrite));
  CHECK(m.map(stack, 0x10000, PermRead | PermWrite));
  CHECK(m.map(top, 0x1000, PermRead));  // the very last page
  CHECK(m.page_count() == 1 + 2 + 1 + 16 + 1);
  CHECK(m.is_mapped(0x100000000ull));
  CHECK_FALSE(m.is_mapped(0x100001000ull));
  CHECK_FALSE(m.is_mapped(far - 1));
  CHECK_FALSE(m.is_mapped(far & 0xffffffffu));  // no aliasing modulo 4 GiB
  CHECK(m.perms(top + 0xfff) == PermRead);

  put32(m, 0xfffffffeull, 0x11223344);  // straddles the line
  CHECK(get32(m, 0xfffffffeull) == 0x11223344);
  put32(m, far + 8, 0xaabbccdd);
  put32(m, stack + 0xfffc, 0x55667788);
  CHECK(get32(m, far + 8) == 0xaabbccdd);
  CHECK(get32(m, stack + 0xfffc) == 0x55667788);
  std::uint8_t b[4];
  CHECK_FALSE(m.read_bytes(8, b));  // page 0 stays unmapped
}

TEST_CASE("memory: pages above 4 GiB are listed in order, hashed, snapshotted and unmapped") {
  Memory m;
  const Addr far = 0x2000000000ull, stack = 0x3ffffff000ull;
  REQUIRE(m.map(stack, 0x1000, PermRead | PermWrite));
  REQUIRE(m.map(far, 0x1000, PermRead | PermWrite));
  REQUIRE(m.map(0x10000, 0x1000, PermRead | PermWrite));
  std::vector<std::uint64_t> pages;
  m.for_each_page([&](std::uint64_t page, const void*) { pages.push_back(page); });
  CHECK(pages == std::vector<std::uint64_t>{0x10, far >> 12, stack >> 12});

  put32(m, far, 1);
  put32(m, stack, 2);
  Memory snap = m;  // shares everything
  CHECK(snap.hash() == m.hash());
  put32(m, far, 3);  // copy-on-write in a high chunk
  CHECK(get32(snap, far) == 1);
  CHECK(get32(m, far) == 3);
  CHECK(get32(m, stack) == 2);
  CHECK(snap.hash() != m.hash());
  // The untouched stack page is still shared; the written one is not.
  std::vector<const void*> a = identities(m), b = identities(snap);
  REQUIRE(a.size() == 3);
  REQUIRE(b.size() == 3);
  CHECK(a[0] == b[0]);
  CHECK(a[1] != b[1]);
  CHECK(a[2] == b[2]);

  m.unmap(far, 0x1000);
  CHECK_FALSE(m.is_mapped(far));
  CHECK(snap.is_mapped(far));
  CHECK(m.page_count() == 2);
  CHECK(m.unmap_count() == 1);
  CHECK(m.map(far, 0x1000, PermRead));
  CHECK(get32(m, far) == 0);  // fresh zero page
  CHECK(get32(snap, far) == 1);
  std::uint8_t b8[8];
  CHECK_FALSE(m.read_bytes(0xfffffffffffffffcull, b8));  // wraps past the top
  CHECK_FALSE(m.write_bytes(0xfffffffffffffffcull, b8));
}

TEST_CASE("memory: a snapshot of sparse mappings far apart shares their tables until written") {
  // The point of the chunked page table: a snapshot never copies per-page
  // state, and writing one high page clones only its own directory path.
  Memory m;
  for (int i = 0; i < 8; ++i) REQUIRE(m.map((Addr{1} << 32) * (i + 1) + 0x5000, 0x1000, PermRead | PermWrite));
  std::vector<Memory> snaps;
  for (int i = 0; i < 1000; ++i) snaps.push_back(m);  // cheap: no page walk
  put32(m, (Addr{1} << 32) * 3 + 0x5000, 9);
  for (const Memory& s : snaps) CHECK(get32(s, (Addr{1} << 32) * 3 + 0x5000) == 0);
  CHECK(get32(m, (Addr{1} << 32) * 3 + 0x5000) == 9);
  CHECK(identities(m)[2] != identities(snaps[0])[2]);  // the page of chunk 3 (chunks 1..8 ascending)
  CHECK(identities(m)[3] == identities(snaps[0])[3]);
}

TEST_CASE("memory: TLB fast paths tell apart pages 4 GiB apart") {
  // Same low 32 bits, different chunk: a tag that dropped the high bits would alias them.
  Memory m;
  REQUIRE(m.map(0x20000, 0x1000, PermRead | PermWrite));
  REQUIRE(m.map(0x100020000ull, 0x1000, PermRead | PermWrite));
  REQUIRE(Memory::Internals::store<std::uint32_t>(m, 0x20000, 5));
  REQUIRE(Memory::Internals::store<std::uint32_t>(m, 0x100020000ull, 7));
  std::uint32_t v = 0;
  REQUIRE(Memory::Internals::load<std::uint32_t>(m, 0x20000, v));
  CHECK(v == 5);
  REQUIRE(Memory::Internals::load<std::uint32_t>(m, 0x100020000ull, v));
  CHECK(v == 7);
  REQUIRE(Memory::Internals::load<std::uint32_t>(m, 0x20000, v));
  CHECK(v == 5);
  CHECK_FALSE(Memory::Internals::load<std::uint32_t>(m, 0x200020000ull, v));  // unmapped chunk
}
