// tests/trace/test_trace_format.cpp - trace write -> read, torn tails, corruption.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "trace/checksums.hpp"
#include "trace/format.hpp"

using namespace rvrr;
using namespace rvrr::trace;
namespace fs = std::filesystem;

namespace {

fs::path temp_path(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("rvrr-trace-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::vector<std::uint8_t> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

TraceHeader sample_header() {
  vm::MachineOptions options;
  options.argv = {"prog", "--flag", "arg with spaces"};
  options.envp = {"HOME=/home/x", "LANG=C"};
  options.epoch_ns = 1700000000123456789ull;
  options.memory_limit = 64ull << 20;
  options.stack_size = 1u << 20;
  std::vector<std::uint8_t> program(3000);
  for (std::size_t i = 0; i < program.size(); ++i) program[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return make_trace_header(program, "prog", options);
}

HostEvent event(std::uint64_t icount, vm::HostOp op, std::int64_t count, std::vector<std::uint8_t> data) {
  HostEvent e;
  e.icount = icount;
  e.request.op = op;
  e.request.arg0 = count;
  e.reply.value = static_cast<std::int64_t>(data.size());
  e.reply.data = std::move(data);
  return e;
}

// Writes a small but varied trace; returns its path.
// `version`: the format version to write (older ones for the compatibility tests).
fs::path write_sample(const std::string& name, bool with_footer = true, std::uint32_t version = kTraceFormatVersion) {
  fs::path p = temp_path(name);
  TraceHeader header = sample_header();
  header.format_version = version;
  TraceWriter w(p.string(), header);
  w.on_event(event(100, vm::HostOp::Read, 5, {'h', 'e', 'l', 'l', 'o'}));
  HostEvent open;
  open.icount = 150;
  open.request.op = vm::HostOp::Open;
  open.request.path = "data/input.txt";
  open.reply.value = 3;
  w.on_event(open);
  w.on_event(event(200, vm::HostOp::Random, 4, {1, 2, 3, 4}));
  w.on_write({250, DebuggerWrite::Target::Register, 10, {42, 0, 0, 0}});
  w.on_event(event(300, vm::HostOp::Read, 2, {'x', 'y'}));
  w.on_truncate(260);  // a debugging session rewrote the past after 260
  w.on_event(event(270, vm::HostOp::Random, 1, {9}));
  if (with_footer) {
    TraceFooter f;
    f.final_icount = 1000;
    f.end = TraceEnd::Exited;
    f.exit_code = 3;
    f.pc = 0x10074;
    f.has_state_hash = true;
    f.state_hash = 0x0123456789abcdefull;
    w.finish(f);
  }
  CHECK_FALSE(w.error().has_value());
  return p;
}

std::string error_of(std::span<const std::uint8_t> bytes) {
  try {
    read_trace(bytes);
  } catch (const TraceError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("checksums match the standard algorithms") {
  std::string s = "123456789";
  std::span<const std::uint8_t> b(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  CHECK(crc32(b) == 0xCBF43926u);
  CHECK(to_hex(sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string abc = "abc";
  CHECK(to_hex(sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(abc.data()), 3))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string long56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(to_hex(sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(long56.data()),
                                                    long56.size()))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("trace round trip: header, events, writes, truncation, footer") {
  fs::path p = write_sample("roundtrip.rvrr");
  TraceData t = read_trace_file(p.string());
  TraceHeader h = sample_header();
  CHECK(t.header.format_version == kTraceFormatVersion);
  CHECK(t.header.rvrr_version == rvrr_version_string());
  CHECK(t.header.program == h.program);
  CHECK(t.header.program_sha256 == h.program_sha256);
  CHECK(t.header.program_name == "prog");
  CHECK(t.header.argv == h.argv);
  CHECK(t.header.envp == h.envp);
  CHECK(t.header.epoch_ns == h.epoch_ns);
  CHECK(t.header.memory_limit == h.memory_limit);
  CHECK(t.header.stack_size == h.stack_size);
  vm::MachineOptions mo = t.header.machine_options();
  CHECK(mo.argv == h.argv);
  CHECK(mo.epoch_ns == h.epoch_ns);

  CHECK(t.complete);
  CHECK(t.completeness() == "complete");
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->final_icount == 1000);
  CHECK(t.footer->end == TraceEnd::Exited);
  CHECK(t.footer->exit_code == 3);
  CHECK(t.footer->state_hash == 0x0123456789abcdefull);
  CHECK(describe_end(*t.footer) == "exited with status 3");

  // The truncation at 260 dropped the write at 250? No: writes at >= 260 go; 250 stays.
  // Events 100, 150, 200 stay; 300 was truncated; 270 came after.
  REQUIRE(t.history.events.size() == 4);
  CHECK(t.history.events[0].icount == 100);
  CHECK(t.history.events[0].reply.data == std::vector<std::uint8_t>{'h', 'e', 'l', 'l', 'o'});
  CHECK(t.history.events[1].request.path == "data/input.txt");
  CHECK(t.history.events[1].reply.value == 3);
  CHECK(t.history.events[2].request.op == vm::HostOp::Random);
  CHECK(t.history.events[3].icount == 270);
  REQUIRE(t.history.writes.size() == 1);
  CHECK(t.history.writes[0].where == 10);
  CHECK(t.history.writes[0].bytes == std::vector<std::uint8_t>{42, 0, 0, 0});
  CHECK(t.history.frontier == 1000);
  CHECK(t.history.halted_at_frontier);  // the footer says: exited
  CHECK(t.events_recorded == 5);
  CHECK(t.truncations == 1);
  CHECK(t.records.size() == 8);
  CHECK(t.records.back().type == RecordType::Footer);
}

TEST_CASE("a torn tail is tolerated at every cut point past the header") {
  fs::path p = write_sample("torn.rvrr");
  std::vector<std::uint8_t> full = slurp(p);
  TraceData whole = read_trace(full);
  const std::size_t header_end = whole.records.front().offset;
  for (std::size_t cut = header_end; cut < full.size(); ++cut) {
    CAPTURE(cut);
    std::span<const std::uint8_t> prefix(full.data(), cut);
    TraceData t;
    REQUIRE_NOTHROW(t = read_trace(prefix));
    CHECK_FALSE(t.complete);
    CHECK(t.header.program == whole.header.program);
    CHECK(t.completeness().find("cut short after") == 0);
    // Every record that ends before the cut is kept.
    std::size_t expect = 0;
    for (const auto& r : whole.records) {
      if (r.offset + r.total_size() <= cut) ++expect;
    }
    CHECK(t.records.size() == expect);
  }
  // Cut inside the header: a clear error, never a crash.
  for (std::size_t cut = 1; cut < header_end; ++cut) {
    CAPTURE(cut);
    std::string err = error_of(std::span<const std::uint8_t>(full.data(), cut));
    CHECK(err.find("truncated trace header") != std::string::npos);
  }
}

TEST_CASE("a trace cut short knows how far history goes") {
  fs::path p = write_sample("nofooter.rvrr", false);
  TraceData t = read_trace_file(p.string());
  CHECK_FALSE(t.complete);
  CHECK_FALSE(t.footer.has_value());
  CHECK(t.history.frontier == 271);  // just past the last event
  CHECK_FALSE(t.history.halted_at_frontier);
  CHECK(t.completeness() == "cut short after 4 events (no footer)");
}

TEST_CASE("progress marks: a cut-short trace is proven to its last mark and bounded by the next one due") {
  const fs::path p = temp_path("progress.rvrr");
  {
    TraceWriter w(p.string(), sample_header());
    w.on_progress(0, 1000);
    w.on_event(event(100, vm::HostOp::Random, 1, {7}));
    w.on_progress(1000, 2000);
    w.on_progress(2000, 3000);
    CHECK_FALSE(w.error().has_value());
  }  // no footer: killed
  const TraceData t = read_trace_file(p.string());
  CHECK(t.progress_marks == 3);
  CHECK(t.history.open_ended);
  CHECK(t.history.frontier == 2000);
  CHECK(t.history.open_end_bound == 3000);
  std::vector<std::uint8_t> bytes = slurp(p);
  const std::size_t good = bytes.size();
  // A mark before an event it follows, or one that goes back, is corrupt.
  {
    TraceWriter w(p.string(), sample_header());
    w.on_event(event(100, vm::HostOp::Random, 1, {7}));
    w.on_progress(100, 1000);
  }
  CHECK(error_of(slurp(p)).find("progress mark at instruction 100 out of order") != std::string::npos);
  {
    TraceWriter w(p.string(), sample_header());
    w.on_progress(1000, 2000);
    w.on_progress(500, 3000);
  }
  CHECK(error_of(slurp(p)).find("out of order") != std::string::npos);
  // A debugging session that goes back voids the marks past the new end and marks it.
  {
    TraceWriter w(p.string(), sample_header());
    w.on_progress(1000, 2000);
    w.on_truncate(500);
    w.on_progress(500, 1500);
  }
  const TraceData back = read_trace_file(p.string());
  CHECK(back.history.frontier == 500);
  CHECK(back.history.open_end_bound == 1500);
  // A format-3 writer writes none; no marks, no bound.
  TraceHeader old = sample_header();
  old.format_version = 3;
  {
    TraceWriter w(p.string(), old);
    w.on_progress(0, 1000);
  }
  const TraceData t3 = read_trace_file(p.string());
  CHECK(t3.progress_marks == 0);
  CHECK(t3.history.open_end_bound == UINT64_MAX);
  CHECK(good > 0);
}

TEST_CASE("a zero-filled tail (crash after a power loss) reads as cut short") {
  std::vector<std::uint8_t> bytes = slurp(write_sample("zeros.rvrr", false));
  bytes.insert(bytes.end(), 300, 0);
  TraceData t = read_trace(bytes);
  CHECK_FALSE(t.complete);
  CHECK(t.torn_bytes == 300);
  CHECK(t.history.events.size() == 4);
}

TEST_CASE("a corrupt byte is a clear error naming the offset") {
  std::vector<std::uint8_t> good = slurp(write_sample("corrupt.rvrr"));
  TraceData whole = read_trace(good);
  const RecordLocation& second = whole.records[1];
  std::vector<std::uint8_t> bad = good;
  bad[second.body_offset() + 3] ^= 0x40;
  std::string err = error_of(bad);
  CHECK(err == "corrupt record at offset " + std::to_string(second.offset) + ": checksum mismatch");

  // Header corruption.
  std::vector<std::uint8_t> bad_header = good;
  bad_header[40] ^= 1;
  CHECK(error_of(bad_header) == "corrupt trace header (checksum mismatch)");

  // Flipping any single byte anywhere is an error (the record prefix and
  // body are both checksummed), never a crash and never a silent success.
  for (std::size_t i = 0; i < good.size(); ++i) {
    CAPTURE(i);
    std::vector<std::uint8_t> flipped = good;
    flipped[i] ^= 0xFF;
    CHECK_FALSE(error_of(flipped).empty());
  }
  // A damaged length in the middle is named as such.
  std::vector<std::uint8_t> bad_len = good;
  bad_len[whole.records[2].offset + 1] ^= 0x10;
  CHECK(error_of(bad_len) == "corrupt record at offset " + std::to_string(whole.records[2].offset) +
                                 ": damaged length or type (checksum mismatch)");
}

TEST_CASE("a resealed record with bad content is still rejected cleanly") {
  std::vector<std::uint8_t> good = slurp(write_sample("reseal.rvrr"));
  TraceData whole = read_trace(good);
  std::vector<std::uint8_t> bad = good;
  // Make the first event's op an unknown host call, fix the checksum.
  bad[whole.records[0].body_offset() + 8] = 0x77;
  reseal_record(bad, whole.records[0]);
  CHECK(error_of(bad) ==
        "corrupt record at offset " + std::to_string(whole.records[0].offset) + ": bad a valid host call number");
  // Out-of-order events.
  std::vector<std::uint8_t> swapped = good;
  swapped[whole.records[2].body_offset()] = 50;  // event 200 -> 50, before 150
  reseal_record(swapped, whole.records[2]);
  CHECK(error_of(swapped).find("after one at instruction 150") != std::string::npos);
}

TEST_CASE("foreign, empty, missing and newer files are refused clearly") {
  std::string elf = "\x7f" "ELF\x01\x01\x01 and some more bytes";
  CHECK(error_of(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(elf.data()), elf.size())) ==
        "not an rvrr trace (no RVRRTRACE signature at the start)");
  CHECK(error_of({}) == "empty file: not an rvrr trace");

  std::vector<std::uint8_t> newer = slurp(write_sample("newer.rvrr"));
  newer[9] = 7;  // the format version field
  CHECK(error_of(newer) == "trace format version 7 is newer than this rvrr (version " +
                              std::to_string(kTraceFormatVersion) + ")");

  fs::path empty = temp_path("empty.rvrr");
  spit(empty, {});
  try {
    read_trace_file(empty.string());
    FAIL("no error");
  } catch (const TraceError& e) {
    CHECK(std::string(e.what()) == empty.string() + ": empty file: not an rvrr trace");
  }
  CHECK_THROWS_WITH_AS(read_trace_file(temp_path("does-not-exist.rvrr").string()),
                       doctest::Contains("cannot open trace: No such file or directory"), TraceError);
  CHECK_THROWS_WITH_AS(read_trace_file(temp_path("").string()), doctest::Contains("is a directory"), TraceError);
  CHECK_THROWS_AS(TraceWriter("/nonexistent-dir/x.rvrr", sample_header()), TraceError);
}

TEST_CASE("trailing records after the footer are corrupt") {
  std::vector<std::uint8_t> bytes = slurp(write_sample("after-footer.rvrr"));
  std::size_t footer_at = bytes.size();
  auto extra = encode_record(RecordType::Truncate, std::vector<std::uint8_t>(8, 0));
  bytes.insert(bytes.end(), extra.begin(), extra.end());
  CHECK(error_of(bytes) == "corrupt trace: record at offset " + std::to_string(footer_at) + " follows the footer");
}

TEST_CASE("an interrupted end round-trips (format version 2), and version 1 traces are still read") {
  fs::path p = temp_path("interrupted.rvrr");
  {
    TraceHeader header = sample_header();
    header.format_version = 2;  // 32-bit addresses in the records
    TraceWriter w(p.string(), header);
    w.on_event(event(100, vm::HostOp::Read, 5, {'h', 'e', 'l', 'l', 'o'}));
    TraceFooter f;
    f.final_icount = 5000;
    f.end = TraceEnd::Interrupted;
    f.pc = 0x10080;
    f.message = "SIGINT";
    f.has_state_hash = true;
    f.state_hash = 77;
    w.finish(f);
  }
  std::vector<std::uint8_t> bytes = slurp(p);
  CHECK(bytes[9] == 2);  // the version field
  TraceData t = read_trace(bytes);
  CHECK(t.complete);
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->end == TraceEnd::Interrupted);
  CHECK(t.footer->message == "SIGINT");
  CHECK(t.history.frontier == 5000);
  CHECK_FALSE(t.history.halted_at_frontier);
  CHECK_FALSE(t.history.open_ended);
  REQUIRE(t.history.recorded_end.has_value());
  CHECK(t.history.recorded_end->kind == RecordedEnd::Kind::Running);
  CHECK(t.history.recorded_end->state_hash == std::optional<std::uint64_t>(77));
  CHECK(describe_end(*t.footer) == "interrupted by SIGINT with the program still running (pc 0x00010080)");
  CHECK(std::string(trace_end_name(TraceEnd::Interrupted)) == "interrupted");

  // Version 1 (no Interrupted end yet, records as in version 2): its traces read as before...
  std::vector<std::uint8_t> v1 = slurp(write_sample("version1.rvrr", true, 2));
  v1[9] = 1;
  TraceData old = read_trace(v1);
  CHECK(old.header.format_version == 1);
  CHECK(old.complete);
  CHECK(old.footer->end == TraceEnd::Exited);
  // ... and an end kind version 1 did not have is corrupt there.
  bytes[9] = 1;
  CHECK(error_of(bytes).find("bad a valid end kind") != std::string::npos);
}

TEST_CASE("format version 3 keeps 64-bit addresses (RV64): debugger write locations, the end pc and fault address") {
  fs::path p = temp_path("v3.rvrr");
  {
    TraceHeader header = sample_header();
    header.format_version = 3;  // as 4, which adds progress marks only
    TraceWriter w(p.string(), header);
    w.on_write({250, DebuggerWrite::Target::Memory, 0x3fffffef08ull, {1, 2, 3}});
    TraceFooter f;
    f.final_icount = 1000;
    f.end = TraceEnd::Fault;
    f.signal = vm::Signal::Segv;
    f.pc = 0x100000010ull;
    f.fault_addr = 0x2000000008ull;
    f.message = "store";
    w.finish(f);
  }
  std::vector<std::uint8_t> bytes = slurp(p);
  CHECK(bytes[9] == 3);
  TraceData t = read_trace(bytes);
  REQUIRE(t.history.writes.size() == 1);
  CHECK(t.history.writes[0].where == 0x3fffffef08ull);
  REQUIRE(t.footer.has_value());
  CHECK(t.footer->pc == 0x100000010ull);
  CHECK(t.footer->fault_addr == 0x2000000008ull);
  CHECK(t.header.format_version == 3);
  // The same trace written as version 2 keeps only the low 32 bits (what version 2 could hold).
  fs::path p2 = write_sample("v2.rvrr", true, 2);
  CHECK(slurp(p2)[9] == 2);
  CHECK(read_trace(slurp(p2)).footer->pc == 0x10074);
}
