// server/trace_dump.cpp - formatting a trace's events.
#include "server/trace_dump.hpp"

#include <cstdio>
#include <sstream>

#include "server/json_writer.hpp"
#include "timeline/session_setup.hpp"
#include "trace/host_call_text.hpp"
#include "trace/summary.hpp"

namespace rvrr::server {

namespace {

constexpr std::size_t kTextPreview = 48;  // bytes of data shown per event in the text form

std::string hex_bytes(const std::vector<std::uint8_t>& data, std::size_t limit = SIZE_MAX) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < data.size() && i < limit; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", data[i]);
    out += buf;
  }
  return out;
}

// "hello\n" as C would write it, at most `limit` bytes.
std::string escaped(const std::vector<std::uint8_t>& data, std::size_t limit) {
  std::string out = "\"";
  for (std::size_t i = 0; i < data.size() && i < limit; ++i) {
    const std::uint8_t c = data[i];
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '"' || c == '\\') out += std::string("\\") + static_cast<char>(c);
    else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  out += '"';
  if (data.size() > limit) out += "...";
  return out;
}

std::string reply_text(const trace::HostEvent& e) {
  std::string out = " = " + std::to_string(e.reply.value);
  if (!e.reply.data.empty()) {
    out += e.request.op == vm::HostOp::Random ? " " + hex_bytes(e.reply.data, kTextPreview / 2) +
                                                    (e.reply.data.size() > kTextPreview / 2 ? "..." : "")
                                              : " " + escaped(e.reply.data, kTextPreview);
  }
  return out;
}

std::string write_target(const trace::DebuggerWrite& w) {
  if (w.target == trace::DebuggerWrite::Target::Memory) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "memory 0x%08llx", static_cast<unsigned long long>(w.where));
    return buf;
  }
  if (w.where == 32) return "register pc";
  if (w.where < 32) return std::string("register ") + "x" + std::to_string(w.where);
  if (w.where == timeline::kFcsrWrite) return "register fcsr";
  return "register f" + std::to_string(w.where - timeline::kFirstFloatWrite);
}

// Host calls and debugger writes merged by instruction count (writes at a
// count apply after the call made at that count).
template <typename OnEvent, typename OnWrite>
void for_each_record(const trace::History& h, OnEvent on_event, OnWrite on_write) {
  std::size_t e = 0, w = 0;
  while (e < h.events.size() || w < h.writes.size()) {
    if (w == h.writes.size() || (e < h.events.size() && h.events[e].icount <= h.writes[w].icount)) {
      on_event(h.events[e++]);
    } else {
      on_write(h.writes[w++]);
    }
  }
}

}  // namespace

std::string dump_trace_text(const trace::TraceData& trace, const std::string& path) {
  std::ostringstream os;
  os << trace::format_trace_summary(trace::summarize_trace(trace, path));
  os << "events:        " << trace.history.events.size() + trace.history.writes.size()
     << " (instruction count: event)\n";
  for_each_record(
      trace.history,
      [&](const trace::HostEvent& e) {
        os << e.icount << ": " << trace::describe_request(e.request) << reply_text(e) << "\n";
      },
      [&](const trace::DebuggerWrite& w) {
        os << w.icount << ": debugger write " << write_target(w) << " = " << hex_bytes(w.bytes) << "\n";
      });
  if (trace.footer) {
    os << trace.footer->final_icount << ": end: " << trace::describe_end(*trace.footer) << "\n";
  } else {
    os << trace.history.frontier << ": end: " << trace.completeness() << "\n";
  }
  return os.str();
}

std::string dump_trace_json(const trace::TraceData& trace, const std::string& path) {
  const trace::TraceSummary s = trace::summarize_trace(trace, path);
  JsonWriter j;
  j.begin_object();
  j.key("header").begin_object();
  j.field("path", s.path).field("format_version", s.format_version).field("rvrr_version", s.rvrr_version);
  j.field("program", s.program_name).field("program_size", s.program_size).field("program_sha256", s.program_sha256);
  j.key("argv").begin_array();
  for (const std::string& a : s.argv) j.value(a);
  j.end_array();
  j.field("env_count", static_cast<std::uint64_t>(s.env_count)).field("epoch_ns", s.epoch_ns);
  j.field("memory_limit", s.memory_limit).field("length", s.length).field("complete", s.complete);
  j.field("truncations", s.truncations);
  j.end_object();
  j.key("events").begin_array();
  for_each_record(
      trace.history,
      [&](const trace::HostEvent& e) {
        j.begin_object();
        j.field("icount", e.icount).field("kind", "host_call");
        j.field("call", trace::host_call_name(e.request.op)).field("text", trace::describe_request(e.request));
        j.field("handle", e.request.handle).field("arg0", e.request.arg0).field("arg1", e.request.arg1);
        if (e.request.op == vm::HostOp::Open) j.field("path", e.request.path);
        j.field("value", e.reply.value).field("data_hex", hex_bytes(e.reply.data));
        j.end_object();
      },
      [&](const trace::DebuggerWrite& w) {
        j.begin_object();
        j.field("icount", w.icount).field("kind", "debugger_write");
        j.field("target", w.target == trace::DebuggerWrite::Target::Memory ? "memory" : "register");
        j.field("where", w.where).field("text", write_target(w)).field("bytes_hex", hex_bytes(w.bytes));
        j.end_object();
      });
  j.end_array();
  j.key("end").begin_object();
  if (trace.footer) {
    const trace::TraceFooter& f = *trace.footer;
    j.field("icount", f.final_icount).field("kind", trace::trace_end_name(f.end));
    j.field("text", trace::describe_end(f));
    if (f.end == trace::TraceEnd::Exited) j.field("exit_code", static_cast<int>(f.exit_code));
    j.field("pc", f.pc);
    if (f.has_state_hash) j.field("state_hash", f.state_hash);
  } else {
    j.field("icount", trace.history.frontier).field("kind", "cut_short").field("text", trace.completeness());
  }
  j.end_object();
  j.end_object();
  return j.str();
}

}  // namespace rvrr::server
