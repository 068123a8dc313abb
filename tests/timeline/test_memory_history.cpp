// tests/timeline/test_memory_history.cpp - the history of an address range and the nearest write.
//
// The fixture guest (timeline_fixture.hpp) writes data[1] on every 8th loop
// iteration (the value 8, 16, ...) and fills data[16..17] with getrandom once
// at the start: the writes are known by construction (counts_at_pc gives the
// count of every execution of the storing instruction).
#include <doctest/doctest.h>

#include "timeline_fixture.hpp"

namespace rvrr::timeline::test {

namespace {

std::vector<std::uint8_t> le32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 24)};
}

std::vector<MemoryAccess> all_accesses(Timeline& t, vm::Addr addr, std::uint32_t len, bool reads) {
  std::vector<MemoryAccess> out;
  CancelToken c;
  auto failure = t.memory_accesses(addr, len, reads, c, [&](const MemoryAccess& a) {
    out.push_back(a);
    return true;
  });
  CHECK_FALSE(failure.has_value());
  return out;
}

WriteSearch search(Timeline& t, Direction d, vm::Addr addr, std::uint32_t len) {
  CancelToken c;
  return t.find_write(d, addr, len, c);
}

}  // namespace

TEST_CASE("memory_accesses lists every write to a word, with counts, pcs and old -> new bytes") {
  const Guest g = make_guest(100);
  TimelineOptions o;
  o.checkpoint_interval = 128;  // many intervals and stretches
  Rig rig(g, o);
  rig.cont();  // record the whole run
  const std::uint64_t end = rig.t().now();
  const std::vector<std::uint64_t> expected = counts_at_pc(g, g.store_eighth, end + 1);
  REQUIRE(expected.size() == 12);  // iterations 8, 16, ..., 96

  std::vector<MemoryAccess> got = all_accesses(rig.t(), kData + 4, 4, false);
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].icount == expected[i]);
    CHECK(got[i].pc == g.store_eighth);
    CHECK(got[i].write);
    CHECK_FALSE(got[i].by_host_call);
    CHECK(got[i].before == le32(8 * i));
    CHECK(got[i].after == le32(8 * (i + 1)));
  }
  CHECK(rig.t().now() == end);  // nothing moved

  SUBCASE("one byte inside the word: the same writes") {
    CHECK(all_accesses(rig.t(), kData + 5, 1, false).size() == 12);
  }
  SUBCASE("the word every iteration writes, with --reads: 100 writes, no guest reads") {
    std::vector<MemoryAccess> every = all_accesses(rig.t(), kData, 4, true);
    CHECK(every.size() == 100);
    for (const auto& a : every) CHECK(a.write);
  }
  SUBCASE("a range never written: nothing") { CHECK(all_accesses(rig.t(), kData + 8, 4, false).empty()); }
}

TEST_CASE("a write by a host call (getrandom into data[16..17]) is listed and named") {
  const Guest g = make_guest(20);
  Rig rig(g);
  rig.cont();
  std::vector<MemoryAccess> got = all_accesses(rig.t(), kData + 64, 8, false);
  REQUIRE(got.size() == 1);
  CHECK(got[0].by_host_call);
  CHECK(got[0].host_call.find("getrandom") != std::string::npos);
  CHECK(got[0].before == std::vector<std::uint8_t>(8, 0));
  CHECK(got[0].after != std::vector<std::uint8_t>(8, 0));
  // The ecall: the instruction that made the call.
  vm::Machine at = straight_run(g, got[0].icount);
  CHECK(got[0].pc == at.pc());
  CHECK(read32(at, at.pc()) == enc::kEcall);
}

TEST_CASE("a debugger write (set var while recording) is an access of its own, not the instruction's before it") {
  // data[1] gets 24 from the guest's third store; right after it the
  // debugger writes 1000 there, which the fourth store replaces by 32.
  const Guest g = make_guest(100);
  Rig probe(g);
  probe.cont();
  const std::vector<std::uint64_t> stores = counts_at_pc(g, g.store_eighth, probe.t().now() + 1);
  REQUIRE(stores.size() == 12);
  Rig rig(g);
  const std::uint64_t at = stores[2] + 1;  // just after the third store
  rig.seek(at);
  REQUIRE(rig.t().now() == at);
  const std::vector<std::uint8_t> set = le32(1000);
  REQUIRE_FALSE(rig.t().write_memory(kData + 4, set).has_value());
  rig.cont();
  std::vector<MemoryAccess> got = all_accesses(rig.t(), kData + 4, 4, false);
  REQUIRE(got.size() == 13);
  CHECK(got[2].icount == stores[2]);
  CHECK_FALSE(got[2].by_debugger);
  CHECK(got[2].after == le32(24));  // the store's own value, not the debugger's
  CHECK(got[3].icount == at);
  CHECK(got[3].by_debugger);
  CHECK(got[3].write);
  CHECK(got[3].before == le32(24));
  CHECK(got[3].after == set);
  CHECK(got[4].icount == stores[3]);
  CHECK(got[4].before == set);
  CHECK(got[4].after == le32(32));
  // last-write from between it and the fourth store finds the debugger's
  // write and lands just after it; from before it, the third store.
  rig.seek(stores[3] - 1);
  WriteSearch s = search(rig.t(), Direction::Backward, kData + 4, 4);
  REQUIRE(s.found.has_value());
  CHECK(s.found->by_debugger);
  CHECK(s.found->icount == at);
  CHECK(rig.t().now() == at);
  s = search(rig.t(), Direction::Backward, kData + 4, 4);
  REQUIRE(s.found.has_value());
  CHECK_FALSE(s.found->by_debugger);
  CHECK(s.found->icount == stores[2]);
  CHECK(s.found->after == le32(24));
  // next-write from there: the debugger's write, then the fourth store.
  s = search(rig.t(), Direction::Forward, kData + 4, 4);
  REQUIRE(s.found.has_value());
  CHECK(s.found->by_debugger);
  CHECK(rig.t().now() == at);
  s = search(rig.t(), Direction::Forward, kData + 4, 4);
  REQUIRE(s.found.has_value());
  CHECK(s.found->icount == stores[3]);
}

TEST_CASE("find_write backward walks the writes from the latest, then says none and does not move") {
  const Guest g = make_guest(100);
  TimelineOptions o;
  o.checkpoint_interval = 128;
  Rig rig(g, o);
  rig.cont();
  const std::uint64_t end = rig.t().now();
  const std::vector<std::uint64_t> expected = counts_at_pc(g, g.store_eighth, end + 1);
  for (std::size_t k = expected.size(); k-- > 0;) {
    CAPTURE(k);
    WriteSearch s = search(rig.t(), Direction::Backward, kData + 4, 4);
    REQUIRE(s.found.has_value());
    CHECK(s.found->icount == expected[k]);
    CHECK(s.found->pc == g.store_eighth);
    CHECK(s.found->before == le32(8 * k));
    CHECK(s.found->after == le32(8 * (k + 1)));
    CHECK(s.event.kind() == StopKind::SeekDone);
    // At the writing instruction, before it runs.
    CHECK(rig.t().now() == expected[k]);
    CHECK(rig.t().machine().pc() == g.store_eighth);
    CHECK(read32(rig.t().machine(), kData + 4) == 8 * k);
  }
  const std::uint64_t first = rig.t().now();
  WriteSearch none = search(rig.t(), Direction::Backward, kData + 4, 4);
  CHECK_FALSE(none.found.has_value());
  CHECK(none.event.kind() == StopKind::SeekDone);
  CHECK(rig.t().now() == first);
  // The host call's write is found going back, too.
  rig.seek(end);
  WriteSearch host = search(rig.t(), Direction::Backward, kData + 64, 8);
  REQUIRE(host.found.has_value());
  CHECK(host.found->by_host_call);
}

TEST_CASE("find_write forward walks the writes after now, within the known history only") {
  const Guest g = make_guest(100);
  TimelineOptions o;
  o.checkpoint_interval = 128;
  Rig rig(g, o);
  rig.cont();
  const std::uint64_t end = rig.t().now();
  const std::vector<std::uint64_t> expected = counts_at_pc(g, g.store_eighth, end + 1);
  rig.seek(0);
  for (std::size_t k = 0; k < expected.size(); ++k) {
    CAPTURE(k);
    WriteSearch s = search(rig.t(), Direction::Forward, kData + 4, 4);
    REQUIRE(s.found.has_value());
    CHECK(s.found->icount == expected[k]);
    CHECK(s.found->before == le32(8 * k));
    CHECK(s.found->after == le32(8 * (k + 1)));
    CHECK(rig.t().now() == expected[k]);
  }
  WriteSearch none = search(rig.t(), Direction::Forward, kData + 4, 4);
  CHECK_FALSE(none.found.has_value());
  CHECK(rig.t().now() == expected.back());

  SUBCASE("from just before a write, that write is next; from the writer itself, the one after") {
    rig.seek(expected[3] - 1);
    CHECK(search(rig.t(), Direction::Forward, kData + 4, 4).found->icount == expected[3]);
    CHECK(search(rig.t(), Direction::Forward, kData + 4, 4).found->icount == expected[4]);
    CHECK(search(rig.t(), Direction::Backward, kData + 4, 4).found->icount == expected[3]);
  }
  SUBCASE("the same answers with the index built (a reverse scan indexed the stretches)") {
    rig.seek(end);
    rig.t().add_watch(kData + 8, 4, vm::WatchKind::Write);  // never written: scans everything
    CHECK(rig.cont(Direction::Backward).kind() == StopKind::HistoryBegin);
    rig.t().remove_watch(kData + 8, 4, vm::WatchKind::Write);
    CHECK(rig.t().stats().indexed_stretches > 0);
    rig.seek(0);
    for (std::size_t k = 0; k < expected.size(); ++k)
      CHECK(search(rig.t(), Direction::Forward, kData + 4, 4).found->icount == expected[k]);
  }
}

TEST_CASE("find_write forward in a live session does not run the program past the frontier") {
  const Guest g = make_guest(100);
  Rig rig(g);
  // Nothing executed yet: the history holds no write.
  WriteSearch s = search(rig.t(), Direction::Forward, kData + 4, 4);
  CHECK_FALSE(s.found.has_value());
  CHECK(rig.t().now() == 0);
  CHECK(rig.t().stats().history_end == 0);
}

}  // namespace rvrr::timeline::test

namespace rvrr::timeline::test {

TEST_CASE("memory_accesses lists an AMO as a write that read the range first, with or without reads asked") {
  // The fixture's every-iteration store becomes amoswap.w zero, s1, (s0):
  // it reads data[0] and writes the iteration number there.
  Guest g = make_guest(20);
  const std::uint32_t amoswap = (0b00001u << 27) | (s1 << 20) | (s0 << 15) | (2u << 12) | (zero << 7) | 0x2fu;
  for (int k = 0; k < 4; ++k)
    g.image.segments[0].bytes[g.store_every - kCode + k] = static_cast<std::uint8_t>(amoswap >> (8 * k));
  Rig rig(g, TimelineOptions{});
  rig.cont();
  const std::vector<std::uint64_t> expected = counts_at_pc(g, g.store_every, rig.t().now() + 1);
  REQUIRE(expected.size() == 20);
  for (const bool reads : {false, true}) {
    CAPTURE(reads);
    const std::vector<MemoryAccess> got = all_accesses(rig.t(), kData, 4, reads);
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      CHECK(got[i].icount == expected[i]);
      CHECK(got[i].write);
      CHECK(got[i].read_too);
      CHECK(got[i].before == le32(static_cast<std::uint32_t>(i)));
      CHECK(got[i].after == le32(static_cast<std::uint32_t>(i + 1)));
    }
  }
}

}  // namespace rvrr::timeline::test
