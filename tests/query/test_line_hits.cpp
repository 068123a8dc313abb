// tests/query/test_line_hits.cpp - line entries on a guest whose counts are
// known by construction (tests/fixtures/query_guest.c).
#include <doctest/doctest.h>

#include <set>

#include "query_fixture.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

TEST_CASE("lines: a loop body on its own line is entered once per iteration") {
  const Recording& r = recording();
  const query::LineReport report = query::count_lines(r.trace, r.debug);
  CHECK(count_of(report, r.debug, line_of("LOOP_BODY")).hits == 37);
  CHECK(count_of(report, r.debug, line_of("SQUARE_BODY")).hits == 5);
  CHECK(count_of(report, r.debug, line_of("AFTER_JUMP")).hits == 1);
  // `acc += square(k);` is entered before each call and again by each return.
  CHECK(count_of(report, r.debug, line_of("CALL_SQUARE")).hits == 10);
  // fact(6): `return n * fact(n - 1);` runs for n = 6..2: entered, then re-entered by the return.
  CHECK(count_of(report, r.debug, line_of("FACT_RECURSE")).hits == 10);
  // The `if (depth == 0) longjmp` line runs at each depth, 3 down to 0.
  CHECK(count_of(report, r.debug, line_of("LONGJMP")).hits == 4);
}

TEST_CASE("lines: every instruction of the recording is counted once") {
  const Recording& r = recording();
  const query::LineReport report = query::count_lines(r.trace, r.debug);
  CHECK(report.instructions == r.trace.history.frontier);
  std::uint64_t sum = report.without_line;
  for (const query::LineCount& c : report.lines) sum += c.instructions;
  CHECK(sum == report.instructions);
  // Lines with code that never ran are listed with 0 (none here but those
  // after `return` in main, if any): every listed line has code.
  for (const query::LineCount& c : report.lines) CHECK(!r.debug.addresses_of(c.line).empty());
}

TEST_CASE("lines: counting up to a point counts only that prefix") {
  const Recording& r = recording();
  const query::LineReport none = query::count_lines(r.trace, r.debug, 0);
  CHECK(none.instructions == 0);
  const query::LineReport half = query::count_lines(r.trace, r.debug, r.trace.history.frontier / 2);
  CHECK(half.instructions == r.trace.history.frontier / 2);
}

TEST_CASE("lines: split into intervals on 2 and 3 threads, the answer is the single-threaded one") {
  const Recording& r = recording();
  const query::LineReport one = query::count_lines(r.trace, r.debug, UINT64_MAX, query::IntervalPlan{1});
  CHECK(count_of(one, r.debug, line_of("LOOP_BODY")).hits == 37);
  // Intervals of a few instructions: seams fall inside runs, after calls,
  // returns and taken branches, and inside the 37-iteration loop.
  for (unsigned threads : {2u, 3u}) {
    for (std::uint64_t interval : {7u, 50u, 1000u}) {
      CAPTURE(threads);
      CAPTURE(interval);
      const query::LineReport split = query::count_lines(r.trace, r.debug, UINT64_MAX, query::IntervalPlan{threads, interval});
      CHECK(split.instructions == one.instructions);
      CHECK(split.without_line == one.without_line);
      REQUIRE(split.lines.size() == one.lines.size());
      for (std::size_t i = 0; i < one.lines.size(); ++i) {
        CAPTURE(r.debug.describe(one.lines[i].line));
        CHECK(split.lines[i].line == one.lines[i].line);
        CHECK(split.lines[i].hits == one.lines[i].hits);
        CHECK(split.lines[i].instructions == one.lines[i].instructions);
      }
      CHECK(count_of(split, r.debug, line_of("LOOP_BODY")).hits == 37);
      CHECK(count_of(split, r.debug, line_of("CALL_SQUARE")).hits == 10);
    }
  }
  // A prefix, split.
  const std::uint64_t half = r.trace.history.frontier / 2;
  const query::LineReport a = query::count_lines(r.trace, r.debug, half, query::IntervalPlan{1});
  const query::LineReport b = query::count_lines(r.trace, r.debug, half, query::IntervalPlan{2, 13});
  CHECK(b.instructions == half);
  for (std::size_t i = 0; i < a.lines.size(); ++i) CHECK(a.lines[i].hits == b.lines[i].hits);
}

TEST_CASE("lines: a split count stops when cancelled (gdb's Ctrl-C in a session) and says so") {
  const Recording& r = recording();
  std::atomic<bool> cancel{true};
  query::IntervalPlan plan{2, 50};
  plan.cancel = &cancel;
  CHECK_THROWS_AS(query::count_lines(r.trace, r.debug, UINT64_MAX, plan), query::Interrupted);
  cancel = false;  // not cancelled: the same plan answers
  CHECK(count_of(query::count_lines(r.trace, r.debug, UINT64_MAX, plan), r.debug, line_of("LOOP_BODY")).hits == 37);
}

TEST_CASE("run map: runs are told apart by their whole 64-bit range, above 4 GiB and beyond 2^47") {
  const Recording& r = recording();
  // Code everywhere is `addi x0, x0, 0` (nop), 4 bytes an instruction.
  query::RunMap map(r.debug, [](vm::Addr, std::span<std::uint8_t> out) {
    const std::uint8_t nop[4] = {0x13, 0, 0, 0};
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = nop[i % 4];
    return true;
  });
  const vm::Addr low = 0x10000, high = low + (vm::Addr{1} << 32), far = vm::Addr{1} << 50;
  query::RunInfo& a = map.lookup(low, low + 16);
  query::RunInfo& b = map.lookup(high, high + 16);
  query::RunInfo& c = map.lookup(high, high + 8);
  query::RunInfo& d = map.lookup(far, far + 12);
  CHECK(&a != &b);
  CHECK(&b != &c);
  CHECK(b.start == high);
  CHECK(b.end == high + 16);
  CHECK(b.insns == 4);
  CHECK(c.insns == 2);
  CHECK(d.start == far);
  CHECK(d.insns == 3);
  // Looked up again: the same descriptions.
  CHECK(&map.lookup(high, high + 16) == &b);
  CHECK(&map.lookup(far, far + 12) == &d);
  CHECK(&map.lookup(low, low + 16) == &a);
  std::set<vm::Addr> starts;
  map.for_each([&](query::RunInfo& info) { starts.insert(info.start); });
  CHECK(starts == std::set<vm::Addr>{low, high, far});
  CHECK(query::RunMap::key_of(low, low + 16) != query::RunMap::key_of(high, high + 16));
}
