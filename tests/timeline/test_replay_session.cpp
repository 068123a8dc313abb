// tests/timeline/test_replay_session.cpp - replaying real recordings, and
// catching every kind of divergence with a precise diagnostic.
#include <doctest/doctest.h>

#include <string>

#include "timeline/recorder.hpp"
#include "timeline/replay_session.hpp"
#include "timeline/session_setup.hpp"
#include "trace/format.hpp"
#include "trace/trace_test_util.hpp"
#include "vm/elf_loader.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

struct Recorded {
  fs::path path;
  RecordResult result;
  std::string output;
};

Recorded record_guest(const std::string& name, const std::string& input = "hello there\n",
                      std::uint64_t max_instructions = 0) {
  Recorded rec;
  rec.path = temp_path(name);
  RecordOptions o;
  o.live.args = {"x"};
  o.live.epoch_ns = 42;
  o.live.live = std::make_shared<ScriptedHost>(input);
  std::string* out = &rec.output;
  o.live.output_to = [out](int fd, std::span<const std::uint8_t> b) {
    *out += std::to_string(fd) + ">" + std::string(b.begin(), b.end());
  };
  o.max_instructions = max_instructions;
  rec.result = record_program(guest_path(), o, rec.path.string());
  return rec;
}

ReplayResult replay(const std::vector<std::uint8_t>& bytes, std::string* output = nullptr) {
  std::string sink;
  std::string* out = output ? output : &sink;
  ReplaySession session(read_trace(bytes), [out](int fd, std::span<const std::uint8_t> b) {
    *out += std::to_string(fd) + ">" + std::string(b.begin(), b.end());
  });
  return session.run_to_end();
}

// Locate the n-th host event record of a given op.
RecordLocation find_event(const TraceData& t, vm::HostOp op) {
  std::size_t i = 0;
  for (const RecordLocation& r : t.records) {
    if (r.type != RecordType::HostEvent) continue;
    if (t.history.events[i].request.op == op) return r;
    ++i;
  }
  FAIL("no such event");
  return {};
}

// Byte offsets inside a HostEvent body (see encode_event_body).
constexpr std::size_t kEventArg0 = 8 + 1 + 8;  // icount, op, handle
constexpr std::size_t kEventDataEmptyPath = 8 + 1 + 8 + 8 + 8 + 4 + 8 + 4;

}  // namespace

TEST_CASE("replaying a recording 20 times gives the recorded final state every time") {
  Recorded rec = record_guest("replay-20.rvrr");
  REQUIRE(rec.result.stop.kind() == vm::StopKind::Exited);
  std::vector<std::uint8_t> bytes = slurp(rec.path);
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    std::string output;
    ReplayResult r = replay(bytes, &output);
    CHECK(r.matches);
    CHECK(r.diagnostic == "");
    CHECK(r.verified_footer);
    CHECK(r.stop.kind() == vm::StopKind::Exited);
    CHECK(r.stop.exit_code() == rec.result.stop.exit_code());
    CHECK(r.icount == rec.result.instructions);
    CHECK(r.state_hash == rec.result.footer.state_hash);
    CHECK(output == rec.output);  // the same output, printed once
  }
}

TEST_CASE("a different input gives a different execution (the trace matters)") {
  Recorded a = record_guest("input-a.rvrr", "hello there\n");
  Recorded b = record_guest("input-b.rvrr", "HELLO THERE\n");
  CHECK(a.result.footer.state_hash != b.result.footer.state_hash);
}

TEST_CASE("a tampered read request diverges at its instruction count") {
  Recorded rec = record_guest("tamper-request.rvrr");
  std::vector<std::uint8_t> bytes = slurp(rec.path);
  TraceData t = read_trace(bytes);
  RecordLocation loc = find_event(t, vm::HostOp::Read);
  const std::uint64_t at = t.history.events[1].icount;
  bytes[loc.body_offset() + kEventArg0] = 16;  // the recorded read asked for 16 bytes, not 32
  reseal_record(bytes, loc);
  ReplayResult r = replay(bytes);
  CHECK_FALSE(r.matches);
  CHECK(r.stop.kind() == vm::StopKind::HostFailure);
  CHECK(r.icount == at);  // stopped at the diverging instruction, which did not retire
  CHECK(r.diagnostic == "divergence at instruction " + std::to_string(at) +
                            ": the trace has read(fd 0, 16 bytes) here, the program asked for read(fd 0, 32 bytes)");
}

TEST_CASE("tampered read data: the replay notices, naming the instruction") {
  Recorded rec = record_guest("tamper-data.rvrr");
  std::vector<std::uint8_t> bytes = slurp(rec.path);
  TraceData t = read_trace(bytes);
  RecordLocation loc = find_event(t, vm::HostOp::Read);
  REQUIRE(bytes[loc.body_offset() + kEventDataEmptyPath] == 'h');
  bytes[loc.body_offset() + kEventDataEmptyPath] = 'j';
  reseal_record(bytes, loc);
  std::string output;
  ReplayResult r = replay(bytes, &output);
  CHECK_FALSE(r.matches);
  INFO(r.diagnostic);
  CHECK(r.diagnostic.rfind("divergence: ", 0) == 0);
  CHECK(r.diagnostic.find("at instruction " + std::to_string(rec.result.instructions)) != std::string::npos);
  CHECK(output != rec.output);  // the guest computed a different hash from different input
}

TEST_CASE("a shorter recorded read changes the path: the next call is out of place") {
  Recorded rec = record_guest("tamper-length.rvrr");
  std::vector<std::uint8_t> bytes = slurp(rec.path);
  TraceData t = read_trace(bytes);
  RecordLocation loc = find_event(t, vm::HostOp::Read);
  const std::uint64_t next_call = t.history.events[2].icount;
  // Reply value and data length 12 -> 2: the guest hashes fewer bytes, so its
  // last getrandom comes earlier than recorded.
  const std::size_t value_at = loc.body_offset() + kEventDataEmptyPath - 12;
  bytes[value_at] = 2;
  bytes[value_at + 8] = 2;
  bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(loc.body_offset() + kEventDataEmptyPath + 2),
              bytes.begin() + static_cast<std::ptrdiff_t>(loc.body_offset() + kEventDataEmptyPath + 12));
  bytes[loc.offset] = static_cast<std::uint8_t>(loc.body_size - 10);
  loc.body_size -= 10;
  reseal_record(bytes, loc);
  ReplayResult r = replay(bytes);
  CHECK_FALSE(r.matches);
  CHECK(r.stop.kind() == vm::StopKind::HostFailure);
  CHECK(r.icount < next_call);
  CHECK(r.diagnostic == "divergence at instruction " + std::to_string(r.icount) +
                            ": the trace has no host call here, the program asked for getrandom(4 bytes)");
}

TEST_CASE("a replay past the end of a cut-short trace stops at its end") {
  Recorded rec = record_guest("cut-short.rvrr");
  std::vector<std::uint8_t> bytes = slurp(rec.path);
  TraceData whole = read_trace(bytes);
  // Drop the footer and half of the last event: as if killed while recording.
  const RecordLocation& last_event = whole.records[whole.records.size() - 2];
  bytes.resize(last_event.offset + 20);
  TraceData cut = read_trace(bytes);
  CHECK_FALSE(cut.complete);
  CHECK(cut.history.events.size() == 2);
  ReplaySession session(cut, [](int, std::span<const std::uint8_t>) {});
  ReplayResult r = session.run_to_end();
  CHECK(r.matches);
  CHECK_FALSE(r.verified_footer);
  CHECK(r.icount == cut.history.events[1].icount + 1);
  // Running on asks the environment for a host call the trace does not hold.
  vm::StopInfo more = session.run_to(UINT64_MAX);
  CHECK(more.kind() == vm::StopKind::Limit);  // capped at the end of history
  CHECK(session.machine().icount() == r.icount);
}

TEST_CASE("a recording stopped by an instruction limit replays to the same state") {
  Recorded rec = record_guest("limited.rvrr", "hello there\n", 7777);
  ReplayResult r = replay(slurp(rec.path));
  CHECK(r.matches);
  CHECK(r.verified_footer);
  CHECK(r.icount == 7777);
  CHECK(r.state_hash == rec.result.footer.state_hash);
}

TEST_CASE("debugger writes in a live session are recorded and replayed") {
  fs::path path = temp_path("with-writes.rvrr");
  LiveOptions o;
  o.epoch_ns = 7;
  o.live = std::make_shared<ScriptedHost>("abc");
  o.output_to = [](int, std::span<const std::uint8_t>) {};
  SessionSetup live = make_live_setup(slurp(guest_path()), "trace_guest.elf", o, path.string());
  vm::ElfLoadResult elf = vm::load_elf(live.header.program);
  REQUIRE(elf.image);
  auto table = elf.image->symbol("table");
  REQUIRE(table.has_value());

  // Run to 20000, poke table[3] as gdb's `set var` would, run to the end.
  vm::RunOptions run;
  run.stop_at = 20000;
  vm::StopInfo stop = live.initial.run(run, *live.env);
  REQUIRE(stop.kind() == vm::StopKind::Limit);
  live.env->advance_frontier(live.initial.icount());
  DebuggerWrite w;
  w.target = DebuggerWrite::Target::Memory;
  w.where = *table + 12;
  w.bytes = {0xde, 0xad, 0xbe, 0xef};
  REQUIRE_FALSE(apply_debugger_write(live.initial, w).has_value());
  live.env->record_write(w);
  DebuggerWrite reg;
  reg.target = DebuggerWrite::Target::Register;
  reg.where = 9;  // s1
  reg.bytes = {1, 2, 3, 4};
  live.env->record_write(reg);
  // (registers are written by the session only through recorded writes:
  // apply it too so the live machine matches the recording)
  REQUIRE_FALSE(apply_debugger_write(live.initial, reg).has_value());
  run.stop_at = UINT64_MAX;
  stop = live.initial.run(run, *live.env);
  REQUIRE(stop.kind() == vm::StopKind::Exited);
  live.env->advance_frontier(live.initial.icount());
  finish_live_trace(*live.writer, live.initial, live.env->history().frontier);
  REQUIRE_FALSE(live.writer->error().has_value());

  TraceData t = read_trace_file(path.string());
  REQUIRE(t.history.writes.size() == 2);
  CHECK(t.history.writes[0].icount == 20000);
  ReplaySession session(t, [](int, std::span<const std::uint8_t>) {});
  ReplayResult r = session.run_to_end();
  CHECK(r.diagnostic == "");
  CHECK(r.matches);
  CHECK(r.state_hash == t.footer->state_hash);

  // Without the writes, the same trace no longer replays to the recorded state.
  TraceData stripped = t;
  stripped.history.writes.clear();
  ReplaySession plain(stripped, [](int, std::span<const std::uint8_t>) {});
  ReplayResult p = plain.run_to_end();
  CHECK_FALSE(p.matches);
}

TEST_CASE("a trace whose embedded program does not load is refused clearly") {
  Recorded rec = record_guest("bad-program.rvrr");
  TraceData t = read_trace(slurp(rec.path));
  t.header.program.resize(10);
  CHECK_THROWS_WITH_AS(ReplaySession{t}, doctest::Contains("the program embedded in the trace does not load"),
                       TraceError);
}

TEST_CASE("a recorded fatal fault replays to the same fault, state and count") {
  fs::path path = temp_path("fault.rvrr");
  RecordOptions o;
  o.live.live = std::make_shared<ScriptedHost>("");
  o.live.output_to = [](int, std::span<const std::uint8_t>) {};
  std::string guest = std::string(RVRR_SOURCE_DIR) + "/tests/fixtures/fault_guest.elf";
  RecordResult rec = record_program(guest, o, path.string());
  REQUIRE(rec.stop.kind() == vm::StopKind::Fault);
  CHECK(rec.stop.signal() == vm::Signal::Segv);
  CHECK(rec.footer.end == TraceEnd::Fault);
  CHECK(describe_end(rec.footer).rfind("killed by SIGSEGV at pc 0x", 0) == 0);
  for (int i = 0; i < 3; ++i) {
    ReplayResult r = replay(slurp(path));
    CHECK(r.matches);
    CHECK(r.stop.kind() == vm::StopKind::Fault);
    CHECK(r.stop.addr() == rec.stop.addr());
    CHECK(r.icount == rec.instructions);
    CHECK(r.state_hash == rec.footer.state_hash);
  }
  // A different random value (tampered) faults at another address: the end differs.
  std::vector<std::uint8_t> bytes = slurp(path);
  TraceData t = read_trace(bytes);
  RecordLocation loc = find_event(t, vm::HostOp::Random);
  bytes[loc.body_offset() + kEventDataEmptyPath] ^= 0x5a;
  reseal_record(bytes, loc);
  ReplayResult bad = replay(bytes);
  CHECK_FALSE(bad.matches);
  CHECK(bad.diagnostic.find("at instruction " + std::to_string(rec.instructions)) != std::string::npos);
}
