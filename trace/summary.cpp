// trace/summary.cpp - summarising a trace for people.
#include "trace/summary.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>

#include "trace/host_call_text.hpp"

namespace rvrr::trace {

TraceSummary summarize_trace(const TraceData& t, const std::string& path) {
  TraceSummary s;
  s.path = path;
  s.file_size = t.file_size;
  s.format_version = t.header.format_version;
  s.rvrr_version = t.header.rvrr_version;
  s.program_name = t.header.program_name;
  s.program_size = t.header.program.size();
  s.program_sha256 = to_hex(t.header.program_sha256);
  s.argv = t.header.argv;
  s.env_count = t.header.envp.size();
  s.epoch_ns = t.header.epoch_ns;
  s.memory_limit = t.header.memory_limit;
  std::uint64_t counts[256] = {};
  for (const HostEvent& e : t.history.events) {
    ++counts[static_cast<std::uint8_t>(e.request.op)];
    if (e.request.op == vm::HostOp::Read) s.input_bytes += e.reply.data.size();
    if (e.request.op == vm::HostOp::Random) s.random_bytes += e.reply.data.size();
  }
  for (unsigned op = 0; op < 256; ++op) {
    if (counts[op]) s.events_by_op.emplace_back(host_call_name(static_cast<vm::HostOp>(op)), counts[op]);
  }
  s.events = t.history.events.size();
  s.debugger_writes = t.history.writes.size();
  s.truncations = t.truncations;
  s.length = t.history.frontier;
  s.complete = t.complete;
  if (t.footer) {
    s.ended = describe_end(*t.footer);
    if (t.footer->end == TraceEnd::Interrupted)  // where it was stopped matters as much as why
      s.ended += ", after " + group_digits(t.footer->final_icount) + " instructions";
    if (t.footer->has_state_hash) s.final_state_hash = t.footer->state_hash;
    if (!t.complete) s.ended += " (" + t.completeness() + ")";
  } else {
    s.ended = t.completeness();
  }
  return s;
}

namespace {
std::string quote_arg(const std::string& a) {
  bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$") == std::string::npos;
  if (plain) return a;
  std::string out = "'";
  for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

std::string format_trace_summary(const TraceSummary& s) {
  std::ostringstream os;
  os << "trace:         " << s.path << " (";
  if (s.file_size >= 1024) os << human_bytes(s.file_size) << " = ";
  os << group_digits(s.file_size) << " bytes, format version "
     << s.format_version << ", recorded by rvrr " << s.rvrr_version << ")\n";
  os << "program:       " << s.program_name << " (" << group_digits(s.program_size) << " bytes, sha256 "
     << s.program_sha256 << ")\n";
  os << "command line:  ";
  for (std::size_t i = 0; i < s.argv.size(); ++i) os << (i ? " " : "") << quote_arg(s.argv[i]);
  os << "\n";
  os << "environment:   " << s.env_count << (s.env_count == 1 ? " variable\n" : " variables\n");
  os << "memory limit:  " << human_bytes(s.memory_limit) << "\n";
  // The guest clock's origin (the host's clock when it was recorded), in UTC.
  std::time_t secs = static_cast<std::time_t>(s.epoch_ns / 1'000'000'000ull);
  std::tm tm {};
  char when[64] = "?";
  if (gmtime_r(&secs, &tm)) std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  os << "guest epoch:   " << when << " (" << s.epoch_ns << " ns)\n";
  os << "length:        " << (s.complete ? "" : "at least ") << group_digits(s.length) << " instructions\n";
  os << "host calls:    " << group_digits(s.events);
  if (!s.events_by_op.empty()) {
    os << " (";
    for (std::size_t i = 0; i < s.events_by_op.size(); ++i) {
      os << (i ? ", " : "") << s.events_by_op[i].first << " " << group_digits(s.events_by_op[i].second);
    }
    os << ")";
  }
  os << "\n";
  if (s.input_bytes || s.random_bytes) {
    os << "input:         " << human_bytes(s.input_bytes) << " read, " << human_bytes(s.random_bytes)
       << " random\n";
  }
  os << "debugger:      " << group_digits(s.debugger_writes) << " writes, " << group_digits(s.truncations)
     << " truncations\n";
  os << "ended:         " << s.ended << "\n";
  if (s.final_state_hash) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(*s.final_state_hash));
    os << "final state:   " << buf << "\n";
  }
  return os.str();
}

}  // namespace rvrr::trace
