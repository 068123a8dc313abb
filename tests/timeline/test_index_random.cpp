// tests/timeline/test_index_random.cpp - index-driven continues against a plain scan.
//
// Random programs (random arithmetic, loads and stores over several pages,
// forward branches, a store to a page touched only early), random breakpoints
// (some inside instructions, some never run) and random watchpoints of every
// kind. The reference is one plain single-threaded run with every point on,
// recording every event in order; reverse and forward continues on a Timeline
// (which skips the stretches its index rules out, and jumps over them going
// forward) must stop exactly where that list says, in both directions.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

namespace {

constexpr vm::Addr kRandData = 0x40000;  // 10 pages of data
constexpr std::uint32_t kDataPages = 10;
constexpr vm::Addr kEarlyPage = kRandData + 9 * 0x1000;  // written only before the loop

enum : unsigned { t3 = 28, t4 = 29 };
constexpr unsigned kValueRegs[] = {t0, t1, t2, a0, a1, a2, a3, a4, a5};

constexpr std::uint32_t r_type(std::uint32_t f3, unsigned rd, unsigned rs1, unsigned rs2) {
  return enc::r(0, rs2, rs1, f3, rd, 0x33);
}

struct RandomGuest {
  Guest guest;
  std::vector<vm::Addr> code;      // every instruction's address
  std::vector<vm::Addr> accessed;  // word addresses the program may load or store
};

RandomGuest make_random_guest(std::mt19937_64& rng) {
  std::vector<std::uint32_t> w;
  auto here = [&] { return kCode + static_cast<vm::Addr>(4 * w.size()); };
  auto li = [&](unsigned rd, std::uint32_t value) {
    std::uint32_t lo = value & 0xfff, hi = (value + 0x800) >> 12;
    w.push_back(enc::lui(rd, hi & 0xfffff));
    w.push_back(enc::addi(rd, rd, static_cast<std::int32_t>(lo << 20) >> 20));
  };
  auto pick = [&] { return kValueRegs[rng() % std::size(kValueRegs)]; };
  RandomGuest out;
  li(s0, kRandData);
  li(s2, 300 + static_cast<std::uint32_t>(rng() % 1200));  // iterations
  for (unsigned r : kValueRegs) li(r, static_cast<std::uint32_t>(rng()));
  li(t4, kEarlyPage);
  w.push_back(enc::sw(t0, t4, 0));  // the early page: written once, here
  w.push_back(enc::sw(t1, t4, 4));
  out.accessed.push_back(kEarlyPage);
  out.accessed.push_back(kEarlyPage + 4);
  w.push_back(enc::addi(s1, zero, 0));
  const vm::Addr loop = here();
  w.push_back(enc::addi(s1, s1, 1));

  // The body: items of one or more instructions; a branch skips the item after it.
  std::vector<std::vector<std::uint32_t>> items;
  const int n_items = 15 + static_cast<int>(rng() % 30);
  for (int i = 0; i < n_items; ++i) {
    std::vector<std::uint32_t> item;
    const unsigned rd = pick(), a = pick(), b = pick();
    switch (rng() % 6) {
      case 0: item.push_back(enc::addi(rd, a, static_cast<std::int32_t>(rng() % 4096) - 2048)); break;
      case 1: item.push_back(enc::add(rd, a, rng() % 3 == 0 ? s1 : b)); break;
      case 2: item.push_back(r_type(4, rd, a, b)); break;  // xor
      case 3:
      case 4: {
        // Address: s0 + ((a & 0x1ff) << 6): 512 slots 64 bytes apart over 8 pages.
        item.push_back(enc::andi(t3, a, 0x1ff));
        item.push_back(enc::slli(t3, t3, 6));
        item.push_back(enc::add(t3, t3, s0));
        item.push_back(rng() % 2 ? enc::sw(b, t3, 0) : enc::lw(rd, t3, 0));
        break;
      }
      case 5:  // placeholder: a branch over the next item, patched below
        item.push_back(0);
        break;
    }
    items.push_back(item);
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].size() != 1 || items[i][0] != 0) continue;
    const std::uint32_t skip = i + 1 < items.size() ? static_cast<std::uint32_t>(items[i + 1].size()) : 0;
    const unsigned a = pick(), b = rng() % 2 ? pick() : s1;
    const std::int32_t off = static_cast<std::int32_t>(4 * (1 + skip));
    items[i][0] = rng() % 2 ? enc::bne(a, b, off) : enc::b(off, b, a, 0);  // bne / beq
  }
  for (const auto& item : items) w.insert(w.end(), item.begin(), item.end());
  w.push_back(enc::blt(s1, s2, static_cast<std::int32_t>(loop - here())));
  w.push_back(enc::addi(a0, zero, 0));
  w.push_back(enc::addi(a7, zero, 93));  // exit
  out.guest.exit_ecall = here();
  w.push_back(enc::kEcall);
  for (std::size_t i = 0; i < w.size(); ++i) out.code.push_back(kCode + static_cast<vm::Addr>(4 * i));
  for (std::uint32_t slot = 0; slot < 512; ++slot) out.accessed.push_back(kRandData + slot * 64);

  vm::ElfSegment text;
  text.vaddr = text.paddr = kCode;
  text.memsz = 0x2000;
  text.perms = vm::PermRead | vm::PermExec;
  for (std::uint32_t word : w)
    for (int k = 0; k < 4; ++k) text.bytes.push_back(static_cast<std::uint8_t>(word >> (8 * k)));
  out.guest.image.entry = kCode;
  out.guest.image.segments.push_back(text);
  vm::ElfSegment data;
  data.vaddr = data.paddr = kRandData;
  data.memsz = kDataPages * 0x1000;
  data.perms = vm::PermRead | vm::PermWrite;
  out.guest.image.segments.push_back(data);
  return out;
}

struct Event {
  std::uint64_t at;  // the instruction's count (before it executes)
  bool watch;
};

// The plain scan: one run from the start with every point on, every event in order.
std::vector<Event> plain_scan(const Guest& g, const vm::DebugPoints& points, std::uint64_t& end) {
  std::vector<Event> events;
  vm::Machine m = g.machine();
  vm::NullEnvironment env;
  vm::DebugPoints watches;  // the watchpoints alone (a DebugPoints holds 256 KiB: one, not one per event)
  for (const vm::WatchRange& wr : points.watches()) watches.add_watch(wr.addr, wr.len, wr.kind);
  bool skip = false;
  for (;;) {
    vm::RunOptions o;
    o.points = &points;
    o.skip_points_at_start = skip;
    vm::StopInfo info = m.run(o, env);
    if (info.kind() == vm::StopKind::Breakpoint || info.kind() == vm::StopKind::Watchpoint) {
      const bool bp = info.kind() == vm::StopKind::Breakpoint;
      events.push_back(Event{m.icount(), !bp});
      if (bp && points.has_watches()) {
        // Skipping the breakpoint skips this instruction's watch check too: probe it.
        vm::Machine probe = m;
        if (probe.step(env, &watches, false).kind() == vm::StopKind::Watchpoint) events.push_back(Event{m.icount(), true});
      }
      skip = true;
      continue;
    }
    REQUIRE(info.kind() == vm::StopKind::Exited);
    end = m.icount();
    return events;
  }
}

}  // namespace

namespace {

// Seeds [first, last] with scans re-running `threads` intervals at once
// (backward, and forward), the index built by the scans or, with
// `background`, also by the background indexer racing them.
void check_random_programs(std::uint64_t first, std::uint64_t last, unsigned threads, bool background = false) {
  CAPTURE(threads);
  CAPTURE(background);
  for (std::uint64_t seed = first; seed <= last; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed * 7919);
    RandomGuest rg = make_random_guest(rng);
    TimelineOptions o;
    o.checkpoint_interval = 2000 + rng() % 8000;
    o.checkpoint_memory = seed % 3 == 0 ? 256 * 1024 : 64ull << 20;  // some with constant eviction
    o.scan_threads = threads;
    o.index_in_background = background;
    Rig rig(rg.guest, o);
    REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);  // the whole history, nothing indexed yet
    const std::uint64_t end = rig.t().now();

    for (int round = 0; round < 12; ++round) {
      CAPTURE(round);
      // New random points: 0-3 breakpoints (on instructions, inside one, past
      // the code), 0-2 watchpoints of any kind on words the program may touch.
      vm::DebugPoints points;  // given to the Timeline below
      const int n_bp = static_cast<int>(rng() % 4), n_w = static_cast<int>(rng() % 3);
      for (int i = 0; i < n_bp; ++i) {
        vm::Addr a = rg.code[rng() % rg.code.size()];
        if (rng() % 6 == 0) a += 2;  // inside a 32-bit instruction: never hit, "may" for the index
        if (rng() % 10 == 0) a = kCode + 0x1800;  // never executed
        points.add_breakpoint(a);
      }
      for (int i = 0; i < n_w; ++i) {
        const vm::Addr a = rg.accessed[rng() % rg.accessed.size()];
        const vm::WatchKind kind = rng() % 3 == 0 ? vm::WatchKind::Read
                                   : rng() % 2     ? vm::WatchKind::Write
                                                   : vm::WatchKind::Access;
        points.add_watch(a, 4, kind);
      }
      if (points.empty()) points.add_breakpoint(rg.code[rng() % rg.code.size()]);
      rig.t().clear_points();
      for (vm::Addr a : points.breakpoint_addresses()) rig.t().add_breakpoint(a);
      for (const vm::WatchRange& w : points.watches()) rig.t().add_watch(w.addr, w.len, w.kind);
      std::uint64_t scan_end = 0;
      const std::vector<Event> events = plain_scan(rg.guest, points, scan_end);
      REQUIRE(scan_end == end);
      CAPTURE(events.size());

      // Backward from a random point (or the end), then on from just before each stop.
      std::uint64_t n = rng() % 2 ? end : rng() % (end + 1);
      for (int hop = 0; hop < 6; ++hop) {
        CAPTURE(hop);
        CAPTURE(n);
        REQUIRE(rig.seek(n).icount() == n);
        // The latest event before n: a breakpoint at p < n lands at p; a
        // watched access by j < n lands at j+1 (<= n); a breakpoint wins a tie.
        std::uint64_t want = 0;
        StopKind kind = StopKind::HistoryBegin;
        for (const Event& e : events) {
          if (e.at >= n) continue;
          const std::uint64_t pos = e.watch ? e.at + 1 : e.at;
          if (kind == StopKind::HistoryBegin || pos > want || (pos == want && !e.watch)) {
            want = pos;
            kind = e.watch ? StopKind::Watchpoint : StopKind::Breakpoint;
          }
        }
        StopEvent got = rig.cont(Direction::Backward);
        REQUIRE(got.kind() == kind);
        REQUIRE(got.icount() == want);
        if (got.icount() == 0) break;
        n = got.icount() - 1;
      }
      // Forward from a random point, then on from just after each stop: the
      // earliest event at or after it (a breakpoint first at one count).
      n = rng() % (end + 1);
      for (int hop = 0; hop < 6 && n <= end; ++hop) {
        CAPTURE(hop);
        CAPTURE(n);
        REQUIRE(rig.seek(n).icount() == n);
        std::uint64_t want = end;
        StopKind kind = StopKind::HistoryEnd;
        for (const Event& e : events) {
          if (e.at < n) continue;
          if (kind == StopKind::HistoryEnd || e.at < want) {
            want = e.at;
            kind = e.watch ? StopKind::Watchpoint : StopKind::Breakpoint;
          } else if (e.at == want && !e.watch) {
            kind = StopKind::Breakpoint;
          }
        }
        StopEvent got = rig.cont();
        REQUIRE(got.kind() == kind);
        REQUIRE(got.icount() == want);
        n = got.icount() + 1;
      }
      REQUIRE(rig.t().machine().register_hash() == straight_run(rg.guest, rig.t().now()).register_hash());
    }
    CHECK(rig.t().stats().indexed_stretches > 0);
    if (threads > 1) {
      // Not vacuous: some batches re-ran several intervals at once.
      if (!background) CHECK(rig.t().stats().parallel_scan_jobs > rig.t().stats().parallel_scan_batches);
      CHECK(rig.t().stats().forward_scan_jobs > 0);
    } else {
      CHECK(rig.t().stats().parallel_scan_jobs == 0);
      CHECK(rig.t().stats().forward_scan_jobs == 0);
    }
  }
}

}  // namespace

TEST_CASE("index-driven continues stop exactly where a plain scan says, both ways, on random programs") {
  check_random_programs(1, 12, 1);
}

// Reverse scans that re-run several intervals at once, each on its own thread
// from its own checkpoint copy (timeline/parallel_scan.hpp), must stop exactly
// where the plain scan (and so the single-threaded scan above) says: 2-4
// workers, whatever the machine's core count.
TEST_CASE("parallel reverse scans and parallel forward continues stop exactly where a plain scan says, on random programs") {
  for (unsigned threads = 2; threads <= 4; ++threads) check_random_programs(1 + threads, 6 + threads, threads);
}

// The background indexer (index_builder.hpp) races the scans: whatever it has
// indexed when a continue asks, the answer is the plain scan's.
TEST_CASE("continues with the index built in the background stop exactly where a plain scan says, on random programs") {
  check_random_programs(20, 25, 1, true);
  check_random_programs(26, 31, 2, true);
}
