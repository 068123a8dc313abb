// tests/timeline/test_trace_end.cpp - the end of a trace: interrupted
// recordings (Ctrl-C/SIGTERM while the guest waits in a read) and replays that
// check where they end against the recording's footer.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "stdin_pipe.hpp"
#include "timeline/recorder.hpp"
#include "timeline/replay_session.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "trace/format.hpp"
#include "trace/host_call_text.hpp"
#include "trace/summary.hpp"
#include "trace/trace_test_util.hpp"
#include "vm/host_interrupt.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;
using rvrr::test::StdinPipe;

namespace {

// Raises `interrupt` (and sets `cancel`, if given) after a while, from another thread.
std::thread interrupt_later(vm::HostInterrupt& interrupt, CancelToken* cancel = nullptr) {
  return std::thread([&interrupt, cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (cancel) cancel->requested.store(true);
    interrupt.raise();
  });
}

void discard(int, std::span<const std::uint8_t>) {}

bool is_ecall_at_pc(const vm::Machine& m) {
  std::uint8_t insn[4] = {};
  return m.memory().read_bytes(m.pc(), insn) && insn[0] == 0x73 && insn[1] == 0 && insn[2] == 0 && insn[3] == 0;
}

struct Recorded {
  fs::path path;
  RecordResult result;
};

Recorded record_scripted(const std::string& name, std::uint64_t max_instructions = 0) {
  Recorded rec;
  rec.path = temp_path(name);
  RecordOptions o;
  o.live.epoch_ns = 42;
  o.live.live = std::make_shared<ScriptedHost>("hello there\n");
  o.live.output_to = discard;
  o.max_instructions = max_instructions;
  rec.result = record_program(guest_path(), o, rec.path.string());
  return rec;
}

// The first byte of the data of the trace's read event: changed, checksum fixed.
std::vector<std::uint8_t> with_input_changed(const fs::path& path) {
  std::vector<std::uint8_t> bytes = slurp(path);
  TraceData t = read_trace(bytes);
  std::size_t event = 0;
  for (const RecordLocation& r : t.records) {
    if (r.type != RecordType::HostEvent) continue;
    if (t.history.events[event++].request.op != vm::HostOp::Read) continue;
    // icount, op, handle, arg0, arg1, path length (empty), value, data length: then the data.
    const std::size_t data_at = r.body_offset() + 8 + 1 + 8 + 8 + 8 + 4 + 8 + 4;
    REQUIRE(bytes[data_at] == 'h');
    bytes[data_at] = 'j';
    reseal_record(bytes, r);
    return bytes;
  }
  FAIL("no read event");
  return bytes;
}

}  // namespace

TEST_CASE("live: an interrupt stops the guest inside its stdin read; going on retries it, recorded once") {
  StdinPipe in;
  auto interrupt = std::make_shared<vm::HostInterrupt>();
  fs::path path = temp_path("live-interrupt.rvrr");
  LiveOptions o;
  o.epoch_ns = 7;
  o.interrupt = interrupt;
  o.output_to = discard;
  SessionSetup setup = make_live_setup(slurp(guest_path()), "trace_guest.elf", o, path.string());
  std::shared_ptr<TraceWriter> writer = setup.writer;
  std::uint64_t at = 0, end = 0;
  {
    Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
    CancelToken cancel;
    std::thread later = interrupt_later(*interrupt, &cancel);
    StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    later.join();
    REQUIRE(e.kind() == StopKind::Interrupted);
    CHECK(e.signal() == vm::Signal::Int);
    at = t.now();
    CHECK(is_ecall_at_pc(t.machine()));  // stopped at the read, which did not retire
    CHECK(t.stats().history_end == at);
    REQUIRE(t.environment().history().events.size() == 1);  // getrandom only: the read did not happen
    // The next operation starts afresh (as the server does for each one).
    cancel.requested.store(false);
    interrupt->clear();
    // History behind the read still works both ways.
    CHECK(t.seek(at - 5, cancel).kind() == StopKind::SeekDone);
    CHECK(t.seek(at, cancel).kind() == StopKind::SeekDone);

    // The user types; the guest goes on and reads it, exactly once.
    in.put("typed later\n");
    e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    REQUIRE(e.kind() == StopKind::HistoryEnd);
    CHECK(e.exited());
    end = t.now();
    const auto& events = t.environment().history().events;
    REQUIRE(events.size() == 3);
    CHECK(events[1].icount == at);
    CHECK(events[1].request.op == vm::HostOp::Read);
    CHECK(std::string(events[1].reply.data.begin(), events[1].reply.data.end()) == "typed later\n");
    finish_live_trace(*writer, t.machine(), t.stats().history_end);
  }
  TraceData trace = read_trace_file(path.string());
  CHECK(trace.complete);
  CHECK(trace.events_recorded == 3);
  CHECK(trace.footer->final_icount == end);
  ReplaySession session(trace, discard);
  ReplayResult r = session.run_to_end();
  CHECK(r.diagnostic == "");
  CHECK(r.matches);
}

TEST_CASE("record: interrupted inside a read, the trace is finished, marked interrupted, and replays to there") {
  StdinPipe in;
  auto interrupt = std::make_shared<vm::HostInterrupt>();
  fs::path path = temp_path("record-interrupt.rvrr");
  RecordOptions o;
  o.live.epoch_ns = 9;
  o.live.interrupt = interrupt;
  o.live.output_to = discard;
  o.interrupted_by = [] { return std::string("SIGTERM"); };
  std::thread later = interrupt_later(*interrupt);
  RecordResult r = record_program(guest_path(), o, path.string());
  later.join();
  CHECK(r.interrupted);
  CHECK(r.events == 1);  // getrandom; the read it waited in is not in the trace
  CHECK(r.footer.end == TraceEnd::Interrupted);
  CHECK(r.footer.message == "SIGTERM");
  CHECK_FALSE(r.trace_error.has_value());

  TraceData t = read_trace_file(path.string());
  CHECK(t.complete);
  CHECK(t.header.format_version == kTraceFormatVersion);
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->end == TraceEnd::Interrupted);
  CHECK(t.footer->final_icount == r.instructions);
  CHECK(t.footer->has_state_hash);
  CHECK(t.history.frontier == r.instructions);
  CHECK_FALSE(t.history.open_ended);
  CHECK(describe_end(*t.footer).rfind("interrupted by SIGTERM with the program still running (pc 0x", 0) == 0);
  std::string info = format_trace_summary(summarize_trace(t, path.string()));
  INFO(info);
  CHECK(info.find("length:        " + group_digits(r.instructions) + " instructions\n") != std::string::npos);
  CHECK(info.find("ended:         interrupted by SIGTERM") != std::string::npos);
  CHECK(info.find("after " + group_digits(r.instructions) + " instructions") != std::string::npos);

  ReplaySession session(t, discard);
  ReplayResult rr = session.run_to_end();
  CHECK(rr.diagnostic == "");
  CHECK(rr.matches);
  CHECK(rr.verified_footer);
  CHECK(rr.icount == r.instructions);

  // `rvrr replay`: history ends where the recording was interrupted, not past it.
  SessionSetup setup = make_replay_setup(t, discard);
  Timeline timeline(std::move(setup.initial), setup.env, TimelineOptions{});
  CancelToken cancel;
  StopEvent e = timeline.resume(Direction::Forward, ResumeKind::Continue, cancel);
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(timeline.now() == r.instructions);
  e = timeline.seek(r.instructions + 1000, cancel);
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(timeline.now() == r.instructions);
  CHECK(timeline.machine().state_hash() == r.footer.state_hash);
}

TEST_CASE("replay (Timeline): an end that differs from the footer is a divergence naming both ends") {
  Recorded rec = record_scripted("end-exit.rvrr");
  REQUIRE(rec.result.stop.kind() == vm::StopKind::Exited);
  const std::string recorded = "the recording exited with status " + std::to_string(rec.result.stop.exit_code()) +
                               " at instruction " + std::to_string(rec.result.instructions);
  CancelToken cancel;
  {  // The trace as recorded: no divergence.
    SessionSetup setup = make_replay_setup(read_trace_file(rec.path.string()), discard);
    Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
    StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    CHECK(e.kind() == StopKind::HistoryEnd);
    CHECK(e.exited());
  }
  // One input byte changed (checksum fixed): every host call still matches,
  // but the program ends differently.
  TraceData tampered = read_trace(with_input_changed(rec.path));
  SessionSetup setup = make_replay_setup(tampered, discard);
  Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
  StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
  INFO(e.message());
  CHECK(e.kind() == StopKind::Divergence);
  CHECK(e.message().find(recorded) != std::string::npos);
  CHECK(e.message().find("the replay exited with status ") != std::string::npos);
  // Every arrival at the end says so, a seek there too; the past stays reachable.
  CHECK(t.seek(1000, cancel).kind() == StopKind::SeekDone);
  e = t.seek(rec.result.instructions + 10, cancel);
  CHECK(e.kind() == StopKind::Divergence);
  CHECK(t.resume(Direction::Backward, ResumeKind::Step, cancel).kind() != StopKind::Divergence);
}

TEST_CASE("replay (Timeline): a recording that stopped running checks the final state hash") {
  Recorded rec = record_scripted("end-stopped.rvrr", 20000);  // well after the read
  REQUIRE(rec.result.stop.kind() == vm::StopKind::Limit);
  REQUIRE(rec.result.footer.end == TraceEnd::Stopped);
  CancelToken cancel;
  {
    SessionSetup setup = make_replay_setup(read_trace_file(rec.path.string()), discard);
    Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
    StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
    CHECK(e.kind() == StopKind::HistoryEnd);
    CHECK(t.now() == 20000);
  }
  SessionSetup setup = make_replay_setup(read_trace(with_input_changed(rec.path)), discard);
  Timeline t(std::move(setup.initial), setup.env, TimelineOptions{});
  StopEvent e = t.resume(Direction::Forward, ResumeKind::Continue, cancel);
  INFO(e.message());
  CHECK(e.kind() == StopKind::Divergence);
  CHECK(e.message().find("divergence at instruction 20000") == 0);
  CHECK(e.message().find("differs from the recording (state hash") != std::string::npos);
  CHECK(t.now() == 20000);
}
