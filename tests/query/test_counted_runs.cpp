// tests/query/test_counted_runs.cpp - line hits and profiles taken from
// translated code that counts runs (vm::ExecTraceSink::run_counters) are the
// interpreter's, on one thread and split, with and without a window; and the
// translating tier really does count for them.
#include <doctest/doctest.h>

#include <span>

#include "query_fixture.hpp"
#include "timeline/replay_session.hpp"
#include "vm/jit.hpp"
#include "vm/run_counters.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

namespace {

// Every block translated on its first entry, so the small guest runs translated code; restored after.
struct TierScope {
  vm::Tier saved = vm::current_tier();
  std::uint32_t saved_threshold = vm::jit_threshold();
  TierScope() { vm::set_jit_threshold(1); }
  ~TierScope() {
    vm::set_tier(saved);
    vm::set_jit_threshold(saved_threshold);
  }
};

void check_same(const query::LineReport& a, const query::LineReport& b) {
  CHECK(a.instructions == b.instructions);
  CHECK(a.without_line == b.without_line);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CAPTURE(i);
    CHECK(a.lines[i].line == b.lines[i].line);
    CHECK(a.lines[i].hits == b.lines[i].hits);
    CHECK(a.lines[i].instructions == b.lines[i].instructions);
  }
}

void check_same(const query::Profile& a, const query::Profile& b, const debuginfo::DebugInfo& d) {
  CHECK(a.instructions == b.instructions);
  CHECK(a.without_line == b.without_line);
  CHECK(query::folded_stacks(a, d) == query::folded_stacks(b, d));
  REQUIRE(a.functions.size() == b.functions.size());
  for (std::size_t i = 0; i < a.functions.size(); ++i) {
    CHECK(a.functions[i].func == b.functions[i].func);
    CHECK(a.functions[i].self == b.functions[i].self);
    CHECK(a.functions[i].inclusive == b.functions[i].inclusive);
    CHECK(a.functions[i].calls == b.functions[i].calls);
  }
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].line == b.lines[i].line);
    CHECK(a.lines[i].instructions == b.lines[i].instructions);
  }
}

// A line counter that notes whether translated code counted any run for it.
class PeekingCounter : public query::LineCounter {
 public:
  using LineCounter::LineCounter;
  void counted_until(std::uint64_t icount) override {
    const std::uint64_t* counts = run_counters()->data();
    for (std::size_t id = 0; id < vm::counted_exits(); ++id) counted_ += counts[id];
    LineCounter::counted_until(icount);
  }
  std::uint64_t counted() const { return counted_; }

 private:
  std::uint64_t counted_ = 0;
};

}  // namespace

TEST_CASE("counted runs: line hits and profiles, whole and in windows, are the interpreter's, on one thread and split") {
  // trace_guest: 740k instructions of loops, calls and host calls (the query guest is too short to translate).
  const Recording& r = recording("trace_guest.elf");
  TierScope scope;
  const std::uint64_t end = r.trace.history.frontier;
  const query::ProfileWindow windows[] = {{}, {0, end / 2}, {end / 3, 2 * end / 3}};
  vm::set_tier(vm::Tier::Interp);
  const query::LineReport lines = query::count_lines(r.trace, r.debug, UINT64_MAX, query::IntervalPlan{1});
  const query::LineReport half = query::count_lines(r.trace, r.debug, end / 2, query::IntervalPlan{1});
  std::vector<query::Profile> profiles;
  for (const query::ProfileWindow& w : windows)
    profiles.push_back(query::profile_trace(r.trace, r.debug, w, query::IntervalPlan{1}));

  vm::set_tier(vm::Tier::Auto);
  const std::uint64_t asked_again = query::asked_again_without_counts();
  // Intervals shorter than the exact tail of a run (vm's kFastSlack, 4096)
  // are interpreted whole; the longer ones count inside.
  for (const query::IntervalPlan plan : {query::IntervalPlan{1}, query::IntervalPlan{2, 37}, query::IntervalPlan{2, 5000},
                                         query::IntervalPlan{2, 60000}, query::IntervalPlan{3, 200000}}) {
    CAPTURE(plan.threads);
    CAPTURE(plan.interval);
    check_same(query::count_lines(r.trace, r.debug, UINT64_MAX, plan), lines);
    check_same(query::count_lines(r.trace, r.debug, end / 2, plan), half);
    for (std::size_t k = 0; k < std::size(windows); ++k) {
      CAPTURE(windows[k].from);
      CAPTURE(windows[k].to);
      check_same(query::profile_trace(r.trace, r.debug, windows[k], plan), profiles[k], r.debug);
    }
  }
  // Counted runs kept the sinks' rules on every thread and at every seam:
  // no question was asked a second time without them.
  CHECK(query::asked_again_without_counts() == asked_again);
}

// Replays trace_guest (or `guest`) in the default tier into the sink make(map) returns,
// then calls check(sink, machine).
template <typename Make, typename Check>
void replay_translated(Make make, Check check, const std::string& guest = "trace_guest.elf") {
  const Recording& r = recording(guest);
  TierScope scope;
  vm::set_tier(vm::Tier::Auto);
  timeline::ReplaySession session(r.trace, [](int, std::span<const std::uint8_t>) {});
  const vm::Memory& memory = session.machine().memory();
  query::RunMap map(r.debug, [&memory](vm::Addr a, std::span<std::uint8_t> out) { return memory.read_bytes(a, out); });
  auto sink = make(map);
  session.run_to(UINT64_MAX, &sink);
  check(sink, session.machine());
}

TEST_CASE("counted runs: the translating tier counts runs for a line count instead of reporting each") {
  if (!vm::jit_supported()) return;
  replay_translated([](query::RunMap& map) { return PeekingCounter(map); },
                    [](PeekingCounter& counter, const vm::Machine& m) {
                      CHECK(counter.counted() > 10000);
                      CHECK(counter.finish().instructions == m.icount());
                    });
}

// A line counter that looks at the jumps translated code counted for it
// (RunMap::count_jumps_in_functions), before they are drained.
class JumpPeeker : public query::LineCounter {
 public:
  explicit JumpPeeker(query::RunMap& map) : LineCounter(map), map_(map) {}
  void counted_until(std::uint64_t icount) override {
    const std::uint64_t* counts = run_counters()->data();
    for (std::size_t id = 0; id < vm::counted_exits(); ++id) {
      if (counts[id] == 0) continue;
      const vm::CountedExit& e = vm::counted_exit(id);
      const query::RunInfo& info = map_.lookup(e.start, e.end);
      if (info.transfer != query::Transfer::Jump) continue;
      jumps_ += counts[id];
      if (!query::RunMap::stays_in_function(info, e) || map_.debug().functions()[info.first_func].entry == e.target)
        ++left_function_;
    }
    LineCounter::counted_until(icount);
  }
  std::uint64_t jumps() const { return jumps_; }
  std::uint64_t left_function() const { return left_function_; }

 private:
  query::RunMap& map_;
  std::uint64_t jumps_ = 0, left_function_ = 0;
};

TEST_CASE("counted runs: jumps inside a function are counted, and no jump that leaves one (a tail call)") {
  if (!vm::jit_supported()) return;
  // linux_compute's quicksort loops through `j`; tail_guest's is_odd and
  // is_even call each other by `j` alone.
  replay_translated([](query::RunMap& map) { return JumpPeeker(map); },
                    [](JumpPeeker& peeker, const vm::Machine& m) {
                      CHECK(peeker.jumps() > 1000);
                      CHECK(peeker.left_function() == 0);
                      CHECK(peeker.finish().instructions == m.icount());
                    },
                    std::string(RVRR_EXAMPLES_DIR) + "/linux_compute.elf");
  replay_translated([](query::RunMap& map) { return JumpPeeker(map); },
                    [](JumpPeeker& peeker, const vm::Machine& m) {
                      CHECK(peeker.left_function() == 0);
                      CHECK(peeker.finish().instructions == m.icount());
                    },
                    "tail_guest.elf");
}

TEST_CASE("counted runs: a profile of the trace guest keeps the profiler's rules (no second replay without counts)") {
  if (!vm::jit_supported()) return;
  replay_translated([](query::RunMap& map) { return query::Profiler(map, {}); },
                    [](query::Profiler& profiler, const vm::Machine& m) {
                      CHECK(profiler.counts_exact());
                      CHECK(profiler.finish().instructions == m.icount());
                    });
}

TEST_CASE("counted runs: every call of every function, with its registers, is the interpreter's, on one thread and split") {
  const Recording& r = recording("trace_guest.elf");
  TierScope scope;
  std::size_t calls = 0;
  const std::uint64_t asked_again = query::asked_again_without_counts();
  for (std::uint32_t f = 0; f < r.debug.functions().size(); ++f) {
    CAPTURE(r.debug.functions()[f].name);
    vm::set_tier(vm::Tier::Interp);
    const std::vector<query::CallRecord> want =
        query::find_calls(r.trace, r.debug, f, UINT64_MAX, query::IntervalPlan{1});
    vm::set_tier(vm::Tier::Auto);
    for (const query::IntervalPlan plan :
         {query::IntervalPlan{1}, query::IntervalPlan{2, 9973}, query::IntervalPlan{3, 100'003}}) {
      CAPTURE(plan.threads);
      const std::vector<query::CallRecord> got = query::find_calls(r.trace, r.debug, f, UINT64_MAX, plan);
      if (plan.threads == 1) calls += got.size();
      check_same_calls(got, want);
    }
  }
  CHECK(calls >= 10);  // trace_guest inlines most of its helpers
  // Counted runs kept the finder's rules, at the seams too: no question was asked twice.
  CHECK(query::asked_again_without_counts() == asked_again);
}

TEST_CASE("counted runs: a split profile and call search of recursive code keep the rules (returns into frames an interval does not know)") {
  // linux_compute's quicksort returns, interval after interval, into frames
  // made before the interval began, and counted runs follow those returns.
  const Recording& r = recording(std::string(RVRR_EXAMPLES_DIR) + "/linux_compute.elf");
  TierScope scope;
  vm::set_tier(vm::Tier::Auto);
  std::string error;
  const auto quicksort = query::function_index_named(r.debug, "quicksort", error);
  REQUIRE_MESSAGE(quicksort.has_value(), error);
  const query::Profile one = query::profile_trace(r.trace, r.debug, {}, query::IntervalPlan{1});
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *quicksort, UINT64_MAX, query::IntervalPlan{1});
  const std::uint64_t asked_again = query::asked_again_without_counts();
  for (const query::IntervalPlan plan : {query::IntervalPlan{2, 100'003}, query::IntervalPlan{3, 1'000'003}}) {
    CAPTURE(plan.interval);
    check_same(query::profile_trace(r.trace, r.debug, {}, plan), one, r.debug);
    check_same_calls(query::find_calls(r.trace, r.debug, *quicksort, UINT64_MAX, plan), calls);
  }
  CHECK(query::asked_again_without_counts() == asked_again);
}
