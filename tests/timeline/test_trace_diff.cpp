// tests/timeline/test_trace_diff.cpp - where two recordings of one program part.
//
// The guest (tests/fixtures/trace_guest.elf) reads stdin, hashes it, computes,
// reads the clock, prints and exits with a status from the hash. Recorded
// with chosen inputs, the answers are known by construction: the same input
// gives equal runs; a byte changed in place changes the read's result (and
// the data) but not the path; a longer input changes the path where the
// hashing loop runs once more. The exact divergence point is checked against
// a brute-force comparison of both runs' pcs, instruction by instruction.
#include <doctest/doctest.h>

#include "timeline/recorder.hpp"
#include "timeline/replay_session.hpp"
#include "timeline/trace_diff.hpp"
#include "trace/format.hpp"
#include "trace/trace_test_util.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

TraceData record(const std::string& name, const std::string& input, std::uint64_t epoch = 1'700'000'000'000'000'000ull,
                 const std::string& program = guest_path(), std::vector<std::string> args = {}) {
  RecordOptions o;
  o.live.args = std::move(args);
  o.live.epoch_ns = epoch;
  o.live.live = std::make_shared<ScriptedHost>(input);
  o.live.output_to = [](int, std::span<const std::uint8_t>) {};
  fs::path trace = temp_path(name);
  record_program(program, o, trace.string());
  return read_trace_file(trace.string());
}

// The first count where the two runs' pcs differ (or one has ended), by
// stepping both from the start.
std::uint64_t brute_force_parting(const TraceData& a, const TraceData& b) {
  ReplaySession ra(a, [](int, std::span<const std::uint8_t>) {});
  ReplaySession rb(b, [](int, std::span<const std::uint8_t>) {});
  for (std::uint64_t n = 0;; ++n) {
    ra.run_to(n);
    rb.run_to(n);
    const bool ea = ra.machine().icount() < n || ra.machine().halted();
    const bool eb = rb.machine().icount() < n || rb.machine().halted();
    if (ea != eb || ra.machine().pc() != rb.machine().pc()) return n;
    if (ea && eb) return UINT64_MAX;
  }
}

}  // namespace

TEST_CASE("two recordings with the same input compare equal") {
  TraceData a = record("diff-same-a.rvrr", "hello there\n");
  TraceData b = record("diff-same-b.rvrr", "hello there\n");
  TraceDiff d = diff_traces(a, b);
  CHECK(d.same_program);
  CHECK_FALSE(d.control.has_value());
  CHECK_FALSE(d.host_call.has_value());
  CHECK_FALSE(d.state.has_value());
  CHECK(d.same_end);
  CHECK(d.error.empty());
  CHECK(d.equal());
}

TEST_CASE("a byte changed in place: the read's result differs at that byte, the path does not") {
  TraceData a = record("diff-byte-a.rvrr", "hello there\n");
  TraceData b = record("diff-byte-b.rvrr", "hello thEre\n");
  TraceDiff d = diff_traces(a, b);
  CHECK_FALSE(d.equal());
  CHECK_FALSE(d.control.has_value());  // the guest never branches on the bytes' values
  REQUIRE(d.host_call.has_value());
  CHECK(d.host_call->byte_offset == 8);
  CHECK(d.host_call->a.what.find("read") != std::string::npos);
  // The read is the second host call (after getrandom).
  CHECK(d.host_call->icount == a.history.events.at(1).icount);
  CHECK(d.host_call->a.icount == d.host_call->b.icount);
  CHECK(d.host_call->a.bytes.at(8 - d.host_call->byte_window_start) == 'e');
  CHECK(d.host_call->b.bytes.at(8 - d.host_call->byte_window_start) == 'E');
  // The states part at the instruction that made the read (its result in memory).
  REQUIRE(d.state.has_value());
  CHECK(d.state->icount == d.host_call->icount);
  CHECK(d.state->a.pc == d.state->b.pc);
}

TEST_CASE("a longer input: the path parts where the hashing loop runs once more") {
  TraceData a = record("diff-len-a.rvrr", "hello\n");
  TraceData b = record("diff-len-b.rvrr", "hello!\n");
  TraceDiff d = diff_traces(a, b);
  CHECK_FALSE(d.equal());
  REQUIRE(d.control.has_value());
  const std::uint64_t expected = brute_force_parting(a, b);
  CHECK(d.control->icount == expected);
  CHECK(d.control->a.pc != d.control->b.pc);
  CHECK(d.control->icount > a.history.events.at(1).icount);  // after the read
  REQUIRE(d.host_call.has_value());
  CHECK(d.host_call->byte_offset == 5);
  // State parts no later than the path (the read's count or length came first).
  REQUIRE(d.state.has_value());
  CHECK(d.state->icount <= d.control->icount);
}

TEST_CASE("other wall-clock epochs: still equal, the guest reads only the monotonic clock") {
  // The guest calls clock_gettime(CLOCK_MONOTONIC): counted from the start
  // of the run, not from the epoch. The epoch is noted, nothing differs.
  TraceData a = record("diff-epoch-a.rvrr", "hello there\n", 1'700'000'000'000'000'000ull);
  TraceData b = record("diff-epoch-b.rvrr", "hello there\n", 1'800'000'000'000'000'000ull);
  TraceDiff d = diff_traces(a, b);
  CHECK(d.equal());
  REQUIRE(d.notes.size() == 1);
  CHECK(d.notes[0].find("epoch") != std::string::npos);
}

TEST_CASE("other arguments: the runs start in different states (the guest ignores them: same path)") {
  TraceData a = record("diff-args-a.rvrr", "hello there\n");
  TraceData b = record("diff-args-b.rvrr", "hello there\n", 1'700'000'000'000'000'000ull, guest_path(), {"-v"});
  TraceDiff d = diff_traces(a, b);
  CHECK_FALSE(d.equal());
  REQUIRE(d.notes.size() == 1);
  CHECK(d.notes[0].find("arguments differ") == 0);
  REQUIRE(d.state.has_value());
  CHECK(d.state->icount == 0);
  CHECK(d.state->a.what.rfind("the initial states differ", 0) == 0);
  CHECK_FALSE(d.control.has_value());
  CHECK_FALSE(d.host_call.has_value());
}

TEST_CASE("traces of different programs are not compared") {
  TraceData a = record("diff-prog-a.rvrr", "x\n");
  TraceData b = record("diff-prog-b.rvrr", "x\n", 1, std::string(RVRR_SOURCE_DIR) + "/tests/fixtures/fault_guest.elf");
  TraceDiff d = diff_traces(a, b);
  CHECK_FALSE(d.same_program);
  CHECK_FALSE(d.equal());
  CHECK(d.program_b.find("sha256") != std::string::npos);
}

TEST_CASE("long runs that part near the end: found exactly, only the tail after the state difference is traced") {
  // tests/fixtures/late_input_guest.c: 4 units (~20M instructions) of
  // computation, then read(4 bytes) and a branch on byte 2.
  const std::string program = std::string(RVRR_SOURCE_DIR) + "/tests/fixtures/late_input_guest.elf";
  TraceData a = record("diff-late-a.rvrr", "abcd", 1'700'000'000'000'000'000ull, program, {"4"});
  TraceData b = record("diff-late-b.rvrr", "abXd", 1'700'000'000'000'000'000ull, program, {"4"});
  const std::uint64_t length = a.history.frontier;
  REQUIRE(length > 20'000'000);
  REQUIRE(a.history.events.size() == 1);
  const std::uint64_t read_at = a.history.events[0].icount;
  CHECK(read_at > length - 100);
  TraceDiff d = diff_traces(a, b);
  CHECK_FALSE(d.equal());
  REQUIRE(d.host_call.has_value());
  CHECK(d.host_call->icount == read_at);
  CHECK(d.host_call->byte_offset == 2);
  // The read's result is the first state difference; the branch on it parts the paths just after.
  REQUIRE(d.state.has_value());
  CHECK(d.state->icount == read_at);
  REQUIRE(d.control.has_value());
  CHECK(d.control->icount > read_at);
  CHECK(d.control->icount < read_at + 20);
  CHECK(d.control->a.pc != d.control->b.pc);
  // Cost: each history replayed about once, untraced; the traced lockstep
  // starts where the states part.
  INFO("replayed " << d.replayed << ", traced " << d.traced << ", length " << length);
  CHECK(d.traced < length / 4);
  CHECK(d.replayed < 3 * length);
}
