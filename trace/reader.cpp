// trace/reader.cpp - parsing trace files, bounds-checked throughout.
//
// The reader is fuzzed: every length is checked against the bytes actually
// present before anything is allocated or copied.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "trace/format.hpp"
#include "trace/host_call_text.hpp"
#include "vm/host_io.hpp"

namespace rvrr::trace {

namespace {

// Thrown inside body decoding; turned into a TraceError naming the record.
struct Short {
  const char* what;
};

class In {
 public:
  In(std::span<const std::uint8_t> bytes) : b_(bytes) {}
  std::size_t left() const { return b_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return b_[pos_++];
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t(b_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t(b_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }
  std::int64_t i64(const char* what) { return static_cast<std::int64_t>(u64(what)); }
  std::vector<std::uint8_t> bytes(const char* what) {
    std::uint32_t n = u32(what);
    need(n, what);
    std::vector<std::uint8_t> v(b_.begin() + pos_, b_.begin() + pos_ + n);
    pos_ += n;
    return v;
  }
  std::string str(const char* what) {
    std::uint32_t n = u32(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(b_.data()) + pos_, n);
    pos_ += n;
    return s;
  }
  std::vector<std::string> strs(const char* what) {
    std::uint32_t n = u32(what);
    // Each string needs at least its 4-byte length: bound the count before reserving.
    if (n > left() / 4) throw Short{what};
    std::vector<std::string> v;
    v.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(str(what));
    return v;
  }
  void raw(std::uint8_t* out, std::size_t n, const char* what) {
    need(n, what);
    std::memcpy(out, b_.data() + pos_, n);
    pos_ += n;
  }

 private:
  void need(std::size_t n, const char* what) {
    if (n > left()) throw Short{what};
  }
  std::span<const std::uint8_t> b_;
  std::size_t pos_ = 0;
};

std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t(b[at + i]) << (8 * i);
  return v;
}

std::string at_offset(std::uint64_t offset) { return " at offset " + std::to_string(offset); }

TraceHeader parse_header_body(std::span<const std::uint8_t> body, std::uint32_t version) {
  In in(body);
  TraceHeader h;
  h.format_version = version;
  h.rvrr_version = in.str("the rvrr version");
  h.program = in.bytes("the program");
  in.raw(h.program_sha256.data(), h.program_sha256.size(), "the program hash");
  h.program_name = in.str("the program name");
  h.argv = in.strs("argv");
  h.envp = in.strs("the environment");
  h.epoch_ns = in.u64("the epoch");
  h.memory_limit = in.u64("the memory limit");
  h.stack_size = in.u32("the stack size");
  if (in.left() != 0) throw Short{"trailing bytes"};
  return h;
}

HostEvent parse_event(In& in) {
  HostEvent e;
  e.icount = in.u64("the instruction count");
  std::uint8_t op = in.u8("the host call");
  if (op < static_cast<std::uint8_t>(vm::HostOp::Open) || op > static_cast<std::uint8_t>(vm::HostOp::Random)) {
    throw Short{"a valid host call number"};
  }
  e.request.op = static_cast<vm::HostOp>(op);
  e.request.handle = in.i64("the handle");
  e.request.arg0 = in.i64("the arguments");
  e.request.arg1 = in.i64("the arguments");
  e.request.path = in.str("the path");
  e.reply.value = in.i64("the result");
  e.reply.data = in.bytes("the data");
  return e;
}

DebuggerWrite parse_write(In& in, std::uint32_t version) {
  DebuggerWrite w;
  w.icount = in.u64("the instruction count");
  std::uint8_t target = in.u8("the target");
  if (target != 1 && target != 2) throw Short{"a valid write target"};
  w.target = static_cast<DebuggerWrite::Target>(target);
  w.where = version >= 3 ? in.u64("the location") : in.u32("the location");
  w.bytes = in.bytes("the bytes");
  return w;
}

TraceFooter parse_footer(In& in, std::uint32_t version) {
  TraceFooter f;
  f.final_icount = in.u64("the final instruction count");
  std::uint8_t end = in.u8("how it ended");
  const std::uint8_t last_end = version >= 2 ? 5 : 4;  // version 2 added Interrupted
  if (end < 1 || end > last_end) throw Short{"a valid end kind"};
  f.end = static_cast<TraceEnd>(end);
  f.exit_code = static_cast<std::int32_t>(in.u32("the exit code"));
  f.signal = static_cast<vm::Signal>(in.u8("the signal"));
  f.pc = version >= 3 ? in.u64("the pc") : in.u32("the pc");
  f.fault_addr = version >= 3 ? in.u64("the fault address") : in.u32("the fault address");
  f.message = in.str("the message");
  f.has_state_hash = in.u8("the state hash flag") != 0;
  f.state_hash = in.u64("the state hash");
  return f;
}

}  // namespace

std::string TraceData::completeness() const {
  if (complete) return "complete";
  std::ostringstream os;
  os << "cut short after " << history.events.size() << (history.events.size() == 1 ? " event" : " events");
  if (torn_bytes > 0) os << " (" << torn_bytes << " bytes of a torn record dropped)";
  else os << " (no footer)";
  return os.str();
}

TraceData read_trace(std::span<const std::uint8_t> b) {
  TraceData t;
  t.file_size = b.size();
  if (b.empty()) throw TraceError("empty file: not an rvrr trace");
  t.file_sha256 = sha256(b);
  std::size_t magic_have = std::min(b.size(), kTraceMagicSize);
  if (std::memcmp(b.data(), kTraceMagic, magic_have) != 0) {
    throw TraceError("not an rvrr trace (no RVRRTRACE signature at the start)");
  }
  if (b.size() < kTraceMagicSize + 4) throw TraceError("truncated trace header (the file ends in the signature)");
  std::uint32_t version = le32(b, kTraceMagicSize);
  if (version > kTraceFormatVersion) {
    throw TraceError("trace format version " + std::to_string(version) + " is newer than this rvrr (version " +
                     std::to_string(kTraceFormatVersion) + ")");
  }
  if (version == 0) throw TraceError("corrupt trace header: format version 0 does not exist");
  const std::size_t len_at = kTraceMagicSize + 4;
  if (b.size() < len_at + 4) throw TraceError("truncated trace header (the file ends before the header length)");
  std::uint32_t header_len = le32(b, len_at);
  if (header_len > kMaxHeaderSize) {
    throw TraceError("corrupt trace header: length " + std::to_string(header_len) + " is impossible");
  }
  const std::size_t header_end = len_at + 4 + std::size_t(header_len) + 4;
  if (b.size() < header_end) {
    throw TraceError("truncated trace header (the file is " + std::to_string(b.size()) +
                     " bytes, the header needs " + std::to_string(header_end) + ")");
  }
  std::uint32_t want = le32(b, header_end - 4);
  if (crc32(b.subspan(len_at, 4 + header_len)) != want) {
    throw TraceError("corrupt trace header (checksum mismatch)");
  }
  try {
    t.header = parse_header_body(b.subspan(len_at + 4, header_len), version);
  } catch (const Short& s) {
    throw TraceError(std::string("corrupt trace header: bad ") + s.what);
  }
  if (sha256(t.header.program) != t.header.program_sha256) {
    throw TraceError("corrupt trace header: the program does not match its SHA-256");
  }

  // Records.
  std::size_t pos = header_end;
  std::uint64_t last_event = 0, last_write = 0, last_truncate = 0, last_progress = 0;
  bool any_event = false;
  while (pos < b.size()) {
    const std::size_t left = b.size() - pos;
    // Only looked at when something is wrong, so reading stays linear.
    auto rest_is_zero = [&] { return std::all_of(b.begin() + pos, b.end(), [](std::uint8_t v) { return v == 0; }); };
    if (left < 9) {  // the prefix itself is cut
      t.torn_bytes = left;
      break;
    }
    std::uint32_t len = le32(b, pos);
    if (crc32(b.subspan(pos, 5)) != le32(b, pos + 5)) {
      if (rest_is_zero()) {  // a zero-filled tail after a crash
        t.torn_bytes = left;
        break;
      }
      throw TraceError("corrupt record" + at_offset(pos) + ": damaged length or type (checksum mismatch)");
    }
    if (len > kMaxRecordSize) {
      throw TraceError("corrupt record" + at_offset(pos) + ": length " + std::to_string(len) + " is impossible");
    }
    if (left < 13ull + len) {
      // A record the writer did not finish (killed mid-write): everything before it stands.
      t.torn_bytes = left;
      break;
    }
    if (crc32(b.subspan(pos + 9, len)) != le32(b, pos + 9 + len)) {
      throw TraceError("corrupt record" + at_offset(pos) + ": checksum mismatch");
    }
    if (t.footer) throw TraceError("corrupt trace: record" + at_offset(pos) + " follows the footer");
    RecordLocation loc{pos, len, static_cast<RecordType>(b[pos + 4])};
    In in(b.subspan(pos + 9, len));
    try {
      switch (loc.type) {
        case RecordType::HostEvent: {
          HostEvent e = parse_event(in);
          if (any_event && e.icount <= last_event) {
            throw TraceError("corrupt record" + at_offset(pos) + ": host event at instruction " +
                             std::to_string(e.icount) + " after one at instruction " + std::to_string(last_event));
          }
          any_event = true;
          last_event = e.icount;
          e.reply.ok = true;
          t.history.events.push_back(std::move(e));
          ++t.events_recorded;
          break;
        }
        case RecordType::DebuggerWrite: {
          DebuggerWrite w = parse_write(in, version);
          if (!t.history.writes.empty() && w.icount < t.history.writes.back().icount) {
            throw TraceError("corrupt record" + at_offset(pos) + ": debugger write out of order");
          }
          last_write = std::max(last_write, w.icount);
          t.history.writes.push_back(std::move(w));
          ++t.writes_recorded;
          break;
        }
        case RecordType::Truncate: {
          std::uint64_t at = in.u64("the instruction count");
          t.history.truncate(at);
          last_truncate = at;
          last_progress = std::min(last_progress, at);  // later marks are void
          last_write = std::min(last_write, at);
          any_event = !t.history.events.empty();
          last_event = any_event ? t.history.events.back().icount : 0;
          ++t.truncations;
          break;
        }
        case RecordType::Footer:
          t.footer = parse_footer(in, version);
          break;
        case RecordType::Progress: {
          if (version < 4) throw TraceError("corrupt record" + at_offset(pos) + ": a progress mark in a format " +
                                            std::to_string(version) + " trace");
          const std::uint64_t at = in.u64("the instruction count");
          const std::uint64_t next = in.u64("the next mark's count");
          if (next <= at || at < last_progress || (any_event && at <= last_event)) {
            throw TraceError("corrupt record" + at_offset(pos) + ": progress mark at instruction " +
                             std::to_string(at) + " out of order");
          }
          last_progress = at;
          t.history.open_end_bound = next;
          ++t.progress_marks;
          break;
        }
        default:
          throw TraceError("corrupt record" + at_offset(pos) + ": unknown record type " +
                           std::to_string(static_cast<unsigned>(loc.type)));
      }
    } catch (const Short& s) {
      throw TraceError("corrupt record" + at_offset(pos) + ": bad " + s.what);
    }
    if (in.left() != 0) throw TraceError("corrupt record" + at_offset(pos) + ": trailing bytes");
    t.records.push_back(loc);
    pos += loc.total_size();
  }

  // The end of history: what the footer says, or (cut short) as far as the
  // records prove the execution went.
  std::uint64_t proven = std::max({any_event ? last_event + 1 : 0, last_write, last_truncate, last_progress});
  if (t.footer) {
    if (t.footer->final_icount < std::max(any_event ? last_event : 0, last_write)) {
      throw TraceError("corrupt trace: the footer ends at instruction " + std::to_string(t.footer->final_icount) +
                       ", before the last recorded event");
    }
    t.history.frontier = t.footer->final_icount;
    t.history.halted_at_frontier = t.footer->end == TraceEnd::Exited || t.footer->end == TraceEnd::Fault;
    RecordedEnd end;
    end.kind = t.footer->end == TraceEnd::Exited  ? RecordedEnd::Kind::Exited
               : t.footer->end == TraceEnd::Fault ? RecordedEnd::Kind::Fault
                                                  : RecordedEnd::Kind::Running;
    end.exit_code = t.footer->exit_code;
    end.signal = t.footer->signal;
    if (t.footer->has_state_hash) end.state_hash = t.footer->state_hash;
    end.description = describe_end(*t.footer);
    t.history.recorded_end = std::move(end);
  } else {
    t.history.frontier = proven;
    t.history.open_ended = true;
  }
  t.complete = t.footer.has_value() && t.torn_bytes == 0;
  return t;
}

TraceData read_trace_file(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  vm::FileReadError error;
  int error_number;
  const auto* magic = reinterpret_cast<const std::uint8_t*>(kTraceMagic);
  if (!vm::read_file_bytes(path, bytes, error, error_number, std::span(magic, kTraceMagicSize))) {
    switch (error) {
      case vm::FileReadError::IsDirectory: throw TraceError(path + ": is a directory, not a trace file");
      case vm::FileReadError::WrongStart: throw TraceError(path + ": not an rvrr trace (no RVRRTRACE signature at the start)");
      case vm::FileReadError::ReadFailed: throw TraceError(path + ": cannot read trace");
      default: throw TraceError(path + ": cannot open trace: " + std::strerror(error_number));
    }
  }
  try {
    return read_trace(bytes);
  } catch (const TraceError& e) {
    throw TraceError(path + ": " + e.what());
  }
}

}  // namespace rvrr::trace
