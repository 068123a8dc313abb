// tests/query/test_line_hits.cpp - line entries on a guest whose counts are
// known by construction (tests/fixtures/query_guest.c).
#include <doctest/doctest.h>

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
