// tests/query/test_profile.cpp - exact profiles: totals, calls, recursion,
// longjmp and windows on tests/fixtures/query_guest.c.
#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "query_fixture.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

namespace {

const query::FunctionCost& cost_of(const query::Profile& p, const debuginfo::DebugInfo& d, const std::string& name) {
  for (const query::FunctionCost& f : p.functions)
    if (query::function_name(d, f.func) == name) return f;
  static const query::FunctionCost none;
  return none;
}

std::vector<std::string> names(const query::PathCost& pc, const debuginfo::DebugInfo& d) {
  std::vector<std::string> out;
  for (std::uint32_t f : pc.path) out.push_back(query::function_name(d, f));
  return out;
}

std::uint64_t folded_total(const std::string& folded) {
  std::istringstream in(folded);
  std::string line;
  std::uint64_t total = 0;
  while (std::getline(in, line)) total += std::stoull(line.substr(line.rfind(' ') + 1));
  return total;
}

}  // namespace

TEST_CASE("profile: self counts, path counts and folded stacks each sum to the instructions executed") {
  const Recording& r = recording();
  const query::Profile p = query::profile_trace(r.trace, r.debug, {});
  CHECK(p.instructions == r.trace.history.frontier);
  std::uint64_t self = 0, paths = 0, lines = p.without_line;
  for (const auto& f : p.functions) self += f.self;
  for (const auto& pc : p.paths) paths += pc.self;
  for (const auto& l : p.lines) lines += l.instructions;
  CHECK(self == p.instructions);
  CHECK(paths == p.instructions);
  CHECK(lines == p.instructions);
  CHECK(folded_total(query::folded_stacks(p, r.debug)) == p.instructions);
}

TEST_CASE("profile: calls, inclusive counts and recursion") {
  const Recording& r = recording();
  const query::Profile p = query::profile_trace(r.trace, r.debug, {});
  CHECK(cost_of(p, r.debug, "square").calls == 5);
  CHECK(cost_of(p, r.debug, "fact").calls == 6);       // 1 from main, 5 recursive
  CHECK(cost_of(p, r.debug, "deep").calls == 4);       // deep(3) .. deep(0)
  CHECK(cost_of(p, r.debug, "after_jump").calls == 1);
  CHECK(cost_of(p, r.debug, "main").calls == 1);
  // _start is the root: everything runs under it.
  CHECK(cost_of(p, r.debug, "_start").inclusive == p.instructions);
  // A leaf's inclusive count is its self count; recursion is counted once.
  CHECK(cost_of(p, r.debug, "square").inclusive == cost_of(p, r.debug, "square").self);
  CHECK(cost_of(p, r.debug, "fact").inclusive == cost_of(p, r.debug, "fact").self);
  std::uint64_t under_main = 0;
  for (const auto& pc : p.paths) {
    auto n = names(pc, r.debug);
    if (n.size() >= 2 && n[1] == "main") under_main += pc.self;
  }
  CHECK(cost_of(p, r.debug, "main").inclusive == under_main);
  // Recursion shows as nested paths: fact six deep.
  bool six_deep = false;
  for (const auto& pc : p.paths) {
    auto n = names(pc, r.debug);
    if (n == std::vector<std::string>{"_start", "main", "fact", "fact", "fact", "fact", "fact", "fact"}) six_deep = true;
  }
  CHECK(six_deep);
}

TEST_CASE("profile: the shadow stack survives a longjmp out of nested calls") {
  const Recording& r = recording();
  const query::Profile p = query::profile_trace(r.trace, r.debug, {});
  bool found = false;
  for (const auto& pc : p.paths) {
    auto n = names(pc, r.debug);
    if (n.back() == "after_jump") {
      CHECK(n == std::vector<std::string>{"_start", "main", "after_jump"});
      found = true;
    }
    // Nothing ran under deep but deep itself.
    for (std::size_t i = 0; i + 1 < n.size(); ++i)
      if (n[i] == "deep") CHECK(n[i + 1] == "deep");
  }
  CHECK(found);
}

TEST_CASE("profile: a window counts exactly its instructions, and windows add up") {
  const Recording& r = recording();
  const std::uint64_t end = r.trace.history.frontier;
  const query::Profile whole = query::profile_trace(r.trace, r.debug, {});
  for (std::uint64_t mid : {std::uint64_t{1}, end / 3, end / 2 + 7, end - 1}) {
    CAPTURE(mid);
    const query::Profile a = query::profile_trace(r.trace, r.debug, {0, mid});
    const query::Profile b = query::profile_trace(r.trace, r.debug, {mid, UINT64_MAX});
    CHECK(a.instructions == mid);
    CHECK(b.instructions == end - mid);
    CHECK(folded_total(query::folded_stacks(a, r.debug)) == mid);
    std::map<std::string, std::uint64_t> self;
    for (const auto& f : a.functions) self[query::function_name(r.debug, f.func)] += f.self;
    for (const auto& f : b.functions) self[query::function_name(r.debug, f.func)] += f.self;
    for (const auto& f : whole.functions) CHECK(self[query::function_name(r.debug, f.func)] == f.self);
    // Paths in the second window are the real ones (the stack before it was traced too).
    for (const auto& pc : b.paths) CHECK(names(pc, r.debug).front() == "_start");
  }
}

TEST_CASE("profile: split into intervals on 2 and 3 threads, the profile is the single-threaded one") {
  const Recording& r = recording();
  const std::uint64_t end = r.trace.history.frontier;
  for (const query::ProfileWindow window : {query::ProfileWindow{}, query::ProfileWindow{end / 3, 2 * end / 3}}) {
    const query::Profile one = query::profile_trace(r.trace, r.debug, window, query::IntervalPlan{1});
    for (unsigned threads : {2u, 3u}) {
      // Intervals of a few instructions: seams inside calls, returns, the
      // recursion of fact and the longjmp out of deep.
      for (std::uint64_t interval : {5u, 37u, 400u}) {
        CAPTURE(threads);
        CAPTURE(interval);
        CAPTURE(window.from);
        const query::Profile split = query::profile_trace(r.trace, r.debug, window, query::IntervalPlan{threads, interval});
        CHECK(split.instructions == one.instructions);
        CHECK(split.without_line == one.without_line);
        CHECK(split.window.from == one.window.from);
        CHECK(split.window.to == one.window.to);
        CHECK(query::folded_stacks(split, r.debug) == query::folded_stacks(one, r.debug));
        REQUIRE(split.functions.size() == one.functions.size());
        for (std::size_t i = 0; i < one.functions.size(); ++i) {
          CAPTURE(query::function_name(r.debug, one.functions[i].func));
          CHECK(split.functions[i].func == one.functions[i].func);
          CHECK(split.functions[i].self == one.functions[i].self);
          CHECK(split.functions[i].inclusive == one.functions[i].inclusive);
          CHECK(split.functions[i].calls == one.functions[i].calls);
        }
        REQUIRE(split.lines.size() == one.lines.size());
        for (std::size_t i = 0; i < one.lines.size(); ++i) {
          CHECK(split.lines[i].line == one.lines[i].line);
          CHECK(split.lines[i].instructions == one.lines[i].instructions);
        }
      }
    }
  }
}
