// tests/timeline/test_recorder.cpp - recording a real guest into a trace.
#include <doctest/doctest.h>

#include <string>

#include "timeline/recorder.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "trace/format.hpp"
#include "trace/host_call_text.hpp"
#include "trace/summary.hpp"
#include "trace/trace_test_util.hpp"
#include "tests/vm/elf_builder.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

RecordOptions guest_options(std::string* output, const std::string& input = "hello there\n") {
  RecordOptions o;
  o.live.args = {"one", "two"};
  o.live.envp = {"LANG=C"};
  o.live.epoch_ns = 1'700'000'000'000'000'000ull;
  o.live.live = std::make_shared<ScriptedHost>(input);
  o.live.output_to = [output](int fd, std::span<const std::uint8_t> b) {
    *output += std::to_string(fd) + ">" + std::string(b.begin(), b.end());
  };
  return o;
}

}  // namespace

TEST_CASE("recording the guest writes a complete, self-contained trace") {
  std::string output;
  fs::path trace = temp_path("recorder-guest.rvrr");
  RecordResult r = record_program(guest_path(), guest_options(&output), trace.string());
  CHECK(r.stop.kind() == vm::StopKind::Exited);
  CHECK_FALSE(r.trace_error.has_value());
  CHECK(r.instructions > 100000);  // the guest's loop runs 40 x 1024 iterations
  CHECK(r.events == 3);            // getrandom(8), read(fd 0, 32), getrandom(4)
  INFO(output);
  CHECK(output.find("1>trace_guest: hash 1>0x") != std::string::npos);
  CHECK(output.find("2>trace_guest: read 2>0x0000000c2> bytes\n") != std::string::npos);

  TraceData t = read_trace_file(trace.string());
  CHECK(t.complete);
  CHECK(t.header.program == slurp(guest_path()));
  CHECK(t.header.program_name == "trace_guest.elf");
  CHECK(t.header.argv == std::vector<std::string>{"trace_guest.elf", "one", "two"});
  CHECK(t.header.envp == std::vector<std::string>{"LANG=C"});
  CHECK(t.header.epoch_ns == 1'700'000'000'000'000'000ull);
  REQUIRE(t.history.events.size() == 3);
  CHECK(t.history.events[0].request.op == vm::HostOp::Random);
  CHECK(t.history.events[0].request.arg0 == 8);
  CHECK(t.history.events[1].request.op == vm::HostOp::Read);
  CHECK(t.history.events[1].reply.data.size() == 12);
  CHECK(t.history.events[2].request.op == vm::HostOp::Random);
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->end == TraceEnd::Exited);
  CHECK(t.footer->exit_code == r.stop.exit_code());
  CHECK(t.footer->final_icount == r.instructions);
  CHECK(t.footer->has_state_hash);
  CHECK(t.footer->state_hash == r.footer.state_hash);
  CHECK(t.file_size == r.trace_bytes);

  TraceSummary s = summarize_trace(t, trace.string());
  std::string text = format_trace_summary(s);
  INFO(text);
  CHECK(text.find("program:       trace_guest.elf (6,824 bytes, sha256 ") != std::string::npos);
  CHECK(text.find("command line:  trace_guest.elf one two\n") != std::string::npos);
  CHECK(text.find("host calls:    3 (read 1, getrandom 2)\n") != std::string::npos);
  CHECK(text.find("ended:         exited with status " + std::to_string(r.stop.exit_code()) + "\n") !=
        std::string::npos);
  CHECK(text.find("length:        " + group_digits(r.instructions) + " instructions\n") != std::string::npos);
}

TEST_CASE("max_instructions stops the recording with a 'stopped' footer") {
  std::string output;
  RecordOptions o = guest_options(&output);
  o.max_instructions = 5000;
  fs::path trace = temp_path("recorder-limit.rvrr");
  RecordResult r = record_program(guest_path(), o, trace.string());
  CHECK(r.stop.kind() == vm::StopKind::Limit);
  CHECK(r.instructions == 5000);
  TraceData t = read_trace_file(trace.string());
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->end == TraceEnd::Stopped);
  CHECK(t.footer->final_icount == 5000);
  CHECK(t.history.frontier == 5000);
}

TEST_CASE("max_instructions is exact past the recorder's slices, which are only pause points") {
  // addi a0, a0, 1 ; addi a1, a1, 1 ; bne a0, zero, -8 : a 3-instruction
  // loop (so iterations end off the pause counts) of 2^32 passes. With a
  // progress callback the recorder pauses every 2^24 instructions (soft
  // stops, which may overshoot); the limits just past a pause must not.
  rvrr::test::TestSegment text;
  for (std::uint32_t w : {0x00150513u, 0x00158593u, 0xfe051ce3u})
    for (int k = 0; k < 4; ++k) text.data.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
  const std::vector<std::uint8_t> elf = rvrr::test::build_elf(0x10000, {text});
  for (const std::uint64_t limit : {(1ull << 24) + 1, (1ull << 24) + 4095, 2 * (1ull << 24) + 7}) {
    CAPTURE(limit);
    std::string output;
    RecordOptions o = guest_options(&output);
    o.max_instructions = limit;
    std::uint64_t pauses = 0;
    o.progress = [&](const Progress&) { ++pauses; };
    fs::path trace = temp_path("recorder-soft-limit.rvrr");
    RecordResult r = record_program(elf, "loop.elf", o, trace.string());
    CHECK(r.stop.kind() == vm::StopKind::Limit);
    CHECK(r.instructions == limit);
    CHECK(pauses >= 2);
    TraceData t = read_trace_file(trace.string());
    REQUIRE(t.footer.has_value());
    CHECK(t.footer->final_icount == limit);
  }
}

TEST_CASE("a recording killed while the program spins: its progress marks bound the history a replay finds") {
  // The 3-instruction loop above (no host call for 2^32 passes), marked
  // every 2^16 instructions; the footer dropped, as a kill -9 leaves it.
  rvrr::test::TestSegment text;
  for (std::uint32_t w : {0x00150513u, 0x00158593u, 0xfe051ce3u})
    for (int k = 0; k < 4; ++k) text.data.push_back(static_cast<std::uint8_t>(w >> (8 * k)));
  const std::vector<std::uint8_t> elf = rvrr::test::build_elf(0x10000, {text});
  constexpr std::uint64_t kMarks = 1 << 16;
  std::string output;
  RecordOptions o = guest_options(&output);
  o.max_instructions = 5 * kMarks + 123;
  o.progress_marks = kMarks;
  const fs::path whole = temp_path("recorder-marks.rvrr");
  record_program(elf, "loop.elf", o, whole.string());
  // Marks stop exactly on their counts: a recording with other pause points writes the same trace.
  o.progress = [](const Progress&) {};
  const fs::path again = temp_path("recorder-marks-again.rvrr");
  record_program(elf, "loop.elf", o, again.string());
  CHECK(slurp(whole) == slurp(again));

  std::vector<std::uint8_t> bytes = slurp(whole);
  const TraceData t = read_trace(bytes);
  CHECK(t.progress_marks == 6);  // at 0, 2^16, ..., 5 * 2^16
  REQUIRE(!t.records.empty());
  REQUIRE(t.records.back().type == RecordType::Footer);
  bytes.resize(t.records.back().offset);
  const fs::path cut = temp_path("recorder-marks-cut.rvrr");
  spit(cut, bytes);
  const TraceData c = read_trace_file(cut.string());
  CHECK_FALSE(c.complete);
  CHECK(c.history.open_ended);
  CHECK(c.history.frontier == 5 * kMarks);  // the last mark proves that much
  CHECK(c.history.open_end_bound == 6 * kMarks);
  // The replay ends where the next mark was due, not never.
  SessionSetup setup = make_replay_setup(c, [](int, std::span<const std::uint8_t>) {});
  Timeline timeline(std::move(setup.initial), setup.env, TimelineOptions{});
  CancelToken cancel;
  const StopEvent e = timeline.resume(Direction::Forward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(timeline.now() == 6 * kMarks);
  CHECK(timeline.seek(7 * kMarks, cancel).kind() == StopKind::HistoryEnd);
  CHECK(timeline.now() == 6 * kMarks);
}

TEST_CASE("recording a program that is not an ELF fails before creating a trace") {
  fs::path bogus = temp_path("not-an-elf.elf");
  spit(bogus, {'h', 'e', 'l', 'l', 'o'});
  fs::path trace = temp_path("never-created.rvrr");
  std::string output;
  CHECK_THROWS_WITH(record_program(bogus.string(), guest_options(&output), trace.string()),
                    doctest::Contains("not-an-elf.elf: "));
  CHECK_FALSE(fs::exists(trace));
  CHECK_THROWS_WITH(record_program(temp_path("missing.elf").string(), guest_options(&output), trace.string()),
                    doctest::Contains("No such file or directory"));
}
