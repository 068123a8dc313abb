// tests/timeline/test_guest_memory_map.cpp - the memory map of the fixture
// guest (timeline_fixture.hpp): a code page, a data page and 64 "big" pages
// the `pages` variant writes round-robin, plus the Linux stack. Known by
// construction: at count 0 nothing is written; at the end the data page and
// all 64 big pages are.
#include <doctest/doctest.h>

#include "timeline/guest_memory_map.hpp"
#include "timeline_fixture.hpp"

namespace rvrr::timeline::test {

namespace {
const MemoryRegion* region_at(const std::vector<MemoryRegion>& map, vm::Addr addr) {
  for (const MemoryRegion& r : map)
    if (addr >= r.start && addr < r.end) return &r;
  return nullptr;
}
}  // namespace

TEST_CASE("memory map: segments, stack, resident and written pages, at 0 and at the end") {
  const Guest g = make_guest(200, /*pages=*/true);
  Rig rig(g);
  const std::vector<MemoryRegion> start = guest_memory_map(rig.t().machine(), rig.t().start_machine(), g.image, "guest");
  const MemoryRegion* code = region_at(start, kCode);
  REQUIRE(code != nullptr);
  CHECK(code->kind == "segment");
  CHECK(code->name == "guest");
  CHECK(perms_text(code->perms) == "r-xp");
  CHECK(code->pages == 1);
  CHECK(code->resident == 1);
  for (const MemoryRegion& r : start) CHECK(r.written == 0);
  const MemoryRegion* big = region_at(start, kBig);
  REQUIRE(big != nullptr);
  CHECK(big->pages == 64);
  CHECK(big->resident == 0);  // zero pages until written

  rig.cont();
  const std::vector<MemoryRegion> end = guest_memory_map(rig.t().machine(), rig.t().start_machine(), g.image, "guest");
  big = region_at(end, kBig);
  REQUIRE(big != nullptr);
  CHECK(big->written == 64);
  CHECK(big->resident == 64);
  const MemoryRegion* data = region_at(end, kData);
  REQUIRE(data != nullptr);
  CHECK(data->written == 1);
  CHECK(region_at(end, kCode)->written == 0);
  const MemoryRegion* stack = region_at(end, rig.t().machine().reg(2));
  REQUIRE(stack != nullptr);
  CHECK(stack->kind == "stack");
  CHECK(stack->name == "[stack]");
  CHECK(perms_text(stack->perms) == "rw-p");

  const std::string maps = linux_maps_text(end);
  CHECK(maps.find("00010000-00011000 r-xp 00000000 00:00 0        guest\n") != std::string::npos);
  CHECK(maps.find(" [stack]\n") != std::string::npos);
}

}  // namespace rvrr::timeline::test
