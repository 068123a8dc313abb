// trace/format.hpp - the trace file: one self-contained, streamed file.
//
// Layout (all integers little-endian):
//
//   "RVRRTRACE" (9 bytes)  u32 format version
//   u32 header length L    header body (L bytes)    u32 crc32(L, body)
//   records, appended as they happen, each:
//     u32 body length N    u8 type    u32 crc32(N, type)    body (N bytes)    u32 crc32(body)
//
// The record prefix has its own checksum so that a damaged length is told
// apart from a record cut short by a kill: only the latter is tolerated.
//
// The header holds the whole program (so a trace replays on any machine with
// nothing else), its SHA-256, argv, envp and the machine options that decide
// the guest's initial state (epoch_ns, memory limit, stack size). Records are
// host events, debugger writes, truncations (a live debugging session that
// rewrote the past), progress marks (`rvrr record`: how far the execution
// got, and where the next mark is due) and, last, the footer: how the
// execution ended.
//
// Each record is written with one write() call as it happens, so a recording
// killed at any point (kill -9) leaves every complete record readable: the
// reader tolerates a torn tail and reports the trace as cut short. Anything
// else that does not parse is an error (TraceError, one clear line).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "trace/checksums.hpp"
#include "trace/history.hpp"
#include "vm/machine.hpp"
#include "vm/types.hpp"

namespace rvrr::trace {

inline constexpr char kTraceMagic[] = "RVRRTRACE";   // 9 bytes, no terminator on disk
inline constexpr std::size_t kTraceMagicSize = 9;
// Version 2 added TraceEnd::Interrupted; version 3 widened the guest
// addresses it stores (a debugger write's location, the footer's pc and
// fault address) from 32 to 64 bits for RV64; version 4 added progress
// marks (RecordType::Progress). Versions 1-3 are still read, and written
// when a header asks for them (tests).
inline constexpr std::uint32_t kTraceFormatVersion = 4;
// Bounds that separate "corrupt" from "cut short": a length above these is
// never something the writer produced.
inline constexpr std::uint32_t kMaxHeaderSize = 1u << 30;
inline constexpr std::uint32_t kMaxRecordSize = 1u << 30;

// The version string of this rvrr build, stored in traces for diagnostics.
const char* rvrr_version_string();

// Every problem reading or writing a trace. what() is one line meant for users.
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TraceHeader {
  std::uint32_t format_version = kTraceFormatVersion;
  std::string rvrr_version;           // of the rvrr that recorded it
  std::vector<std::uint8_t> program;  // the whole ELF file
  Sha256Digest program_sha256{};      // of `program`; checked on read
  std::string program_name;           // file name the user gave (for messages and trace names)
  std::vector<std::string> argv;      // argv[0] included
  std::vector<std::string> envp;
  std::uint64_t epoch_ns = 0;         // guest wall clock at icount 0
  std::uint64_t memory_limit = 0;
  std::uint32_t stack_size = 0;

  // The options that rebuild the recorded machine at icount 0.
  vm::MachineOptions machine_options() const;
};

// Fills a header (hash and version included) from a program and its options.
TraceHeader make_trace_header(std::vector<std::uint8_t> program, std::string program_name,
                              const vm::MachineOptions& options);

enum class TraceEnd : std::uint8_t {
  Exited = 1,       // the guest exited; exit_code
  Fault = 2,        // a fatal fault; signal, pc, fault_addr, message
  Stopped = 3,      // recording stopped with the guest still running (instruction limit, debugger quit)
  HostFailure = 4,  // the environment refused a call; message
  // Since format version 2: rvrr was told to stop (Ctrl-C, SIGINT/SIGTERM)
  // with the guest still running; message names the signal. The state is
  // complete (count, pc, state hash); a host call the guest was waiting in
  // (a read) did not happen and is not in the trace.
  Interrupted = 5,
};
const char* trace_end_name(TraceEnd end);

struct TraceFooter {
  std::uint64_t final_icount = 0;   // instructions executed (= end of history)
  TraceEnd end = TraceEnd::Stopped;
  std::int32_t exit_code = 0;
  vm::Signal signal = vm::Signal::None;
  std::uint64_t pc = 0;             // pc at the end
  std::uint64_t fault_addr = 0;
  std::string message;
  bool has_state_hash = false;      // false when the recorder did not hold the final state
  std::uint64_t state_hash = 0;     // vm::Machine::state_hash() at final_icount
};

// A footer describing `machine` after `stop` (the last run's result).
TraceFooter footer_for(const vm::Machine& machine, const vm::StopInfo& stop);
// "exited with status 0", "killed by SIGSEGV at pc 0x10074 (...)", ...
std::string describe_end(const TraceFooter& footer);
// "the final state at instruction N differs from the recording (state hash
// 0x…, recorded 0x…)": every replay that checks the footer says it this way.
std::string describe_state_divergence(std::uint64_t icount, std::uint64_t actual, std::uint64_t recorded);

enum class RecordType : std::uint8_t {
  HostEvent = 1,
  DebuggerWrite = 2,
  Truncate = 3,
  Footer = 4,
  // u64 icount, u64 next: the recording reached `icount` (everything before
  // is in the records before this one), and writes the next mark when it
  // reaches `next`. A recording killed after this mark and before the next
  // stopped short of `next`: a replay of the cut-short trace goes no
  // further (History::open_end_bound), even when the program never makes
  // another host call.
  Progress = 5,
};

struct RecordLocation {
  std::uint64_t offset = 0;   // of the length field
  std::uint32_t body_size = 0;
  RecordType type = RecordType::HostEvent;
  std::uint64_t body_offset() const { return offset + 9; }
  std::uint64_t total_size() const { return 13ull + body_size; }
};

struct TraceData {
  TraceHeader header;
  History history;                     // after applying truncations; frontier = end of history
  std::optional<TraceFooter> footer;
  bool complete = false;               // footer present and nothing torn
  std::uint64_t file_size = 0;
  Sha256Digest file_sha256{};          // of the whole file as read: names this exact trace (index sidecar)
  std::uint64_t torn_bytes = 0;        // bytes after the last complete record (cut short)
  std::uint64_t events_recorded = 0;   // host event records, including truncated ones
  std::uint64_t writes_recorded = 0;
  std::uint64_t truncations = 0;
  std::uint64_t progress_marks = 0;
  std::vector<RecordLocation> records; // every complete record, in file order

  // "cut short after 12 events (37 bytes of a torn record dropped)" or "complete".
  std::string completeness() const;
};

// Parse a whole trace. Throws TraceError for a foreign file, a newer format,
// a truncated header or a corrupt record (naming its offset). Never reads out
// of bounds, whatever the input.
TraceData read_trace(std::span<const std::uint8_t> bytes);
// Reads the file first: missing, unreadable, a directory or empty -> TraceError.
TraceData read_trace_file(const std::string& path);

// Serialisation used by the writer (and by tests that craft or tamper traces).
std::vector<std::uint8_t> encode_trace_start(const TraceHeader& header);
std::vector<std::uint8_t> encode_record(RecordType type, std::span<const std::uint8_t> body);
std::vector<std::uint8_t> encode_event_body(const HostEvent& event);
// `version`: the trace's format version (addresses are 4 bytes before 3).
std::vector<std::uint8_t> encode_write_body(const DebuggerWrite& write, std::uint32_t version = kTraceFormatVersion);
std::vector<std::uint8_t> encode_footer_body(const TraceFooter& footer, std::uint32_t version = kTraceFormatVersion);
// Recompute the checksum of the record at `record.offset` in `file` (after a test edits its body).
void reseal_record(std::vector<std::uint8_t>& file, const RecordLocation& record);

// Streams a trace to disk; attach it to a HistoryEnvironment as its sink.
// Every record is one write() as it happens (so kill -9 loses at most the
// record being written); finish() adds the footer and fsyncs. I/O errors do
// not throw from the sink callbacks (they run inside the VM's host calls):
// the first one is kept in error() and later records are dropped.
class TraceWriter : public HistorySink {
 public:
  // Creates (or truncates) `path` and writes the header. Throws TraceError.
  TraceWriter(const std::string& path, const TraceHeader& header);
  ~TraceWriter() override;  // closes without a footer if finish() was not called
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void on_event(const HostEvent& event) override;
  void on_write(const DebuggerWrite& write) override;
  void on_truncate(std::uint64_t icount) override;
  // A progress mark (RecordType::Progress); nothing for a format before 4.
  void on_progress(std::uint64_t icount, std::uint64_t next) override;
  // Writes the footer, fsyncs and closes. Later calls and records are ignored.
  void finish(const TraceFooter& footer);

  const std::string& path() const { return path_; }
  const std::optional<std::string>& error() const { return error_; }
  std::uint64_t bytes_written() const { return bytes_; }
  bool finished() const { return fd_ < 0; }

 private:
  void put(const std::vector<std::uint8_t>& record);
  std::string path_;
  std::uint32_t version_ = kTraceFormatVersion;  // the header's: records are encoded for it
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
  std::optional<std::string> error_;
};

}  // namespace rvrr::trace
