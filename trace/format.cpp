// trace/format.cpp - trace header/footer helpers and record encoding.
#include "trace/format.hpp"

#include <cstdio>

namespace rvrr::trace {

const char* rvrr_version_string() { return "0.1.0"; }

vm::MachineOptions TraceHeader::machine_options() const {
  vm::MachineOptions options;
  options.argv = argv;
  options.envp = envp;
  options.epoch_ns = epoch_ns;
  options.memory_limit = memory_limit;
  options.stack_size = stack_size;
  return options;
}

TraceHeader make_trace_header(std::vector<std::uint8_t> program, std::string program_name,
                              const vm::MachineOptions& options) {
  TraceHeader header;
  header.rvrr_version = rvrr_version_string();
  header.program_sha256 = sha256(program);
  header.program = std::move(program);
  header.program_name = std::move(program_name);
  header.argv = options.argv;
  header.envp = options.envp;
  header.epoch_ns = options.epoch_ns;
  header.memory_limit = options.memory_limit;
  header.stack_size = options.stack_size;
  return header;
}

const char* trace_end_name(TraceEnd end) {
  switch (end) {
    case TraceEnd::Exited: return "exited";
    case TraceEnd::Fault: return "fault";
    case TraceEnd::Stopped: return "stopped";
    case TraceEnd::HostFailure: return "host failure";
    case TraceEnd::Interrupted: return "interrupted";
  }
  return "unknown";
}

namespace {

std::string hex32(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

// Little-endian appends.
struct Out {
  std::vector<std::uint8_t> b;
  void u8(std::uint8_t v) { b.push_back(v); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void bytes(std::span<const std::uint8_t> v) {
    u32(static_cast<std::uint32_t>(v.size()));
    b.insert(b.end(), v.begin(), v.end());
  }
  void str(const std::string& s) {
    bytes(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
  void strs(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
};

void put_u32_at(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

std::string describe_state_divergence(std::uint64_t icount, std::uint64_t actual, std::uint64_t recorded) {
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "the final state at instruction %llu differs from the recording (state hash 0x%016llx, recorded 0x%016llx)",
                static_cast<unsigned long long>(icount), static_cast<unsigned long long>(actual),
                static_cast<unsigned long long>(recorded));
  return buf;
}

std::string describe_end(const TraceFooter& f) {
  switch (f.end) {
    case TraceEnd::Exited:
      return "exited with status " + std::to_string(f.exit_code);
    case TraceEnd::Fault: {
      std::string s = std::string("killed by ") + vm::signal_name(f.signal) + " at pc " + hex32(f.pc);
      // The VM's message already names the address; without one, give it.
      if (!f.message.empty()) s += ": " + f.message;
      else if (f.signal == vm::Signal::Segv || f.signal == vm::Signal::Bus) s += " (address " + hex32(f.fault_addr) + ")";
      return s;
    }
    case TraceEnd::Stopped:
      if (!f.has_state_hash) return "stopped with the program still running";
      return "stopped with the program still running (pc " + hex32(f.pc) + ")";
    case TraceEnd::HostFailure:
      return "stopped by a host failure: " + f.message;
    case TraceEnd::Interrupted:
      return "interrupted" + (f.message.empty() ? std::string() : " by " + f.message) +
             " with the program still running (pc " + hex32(f.pc) + ")";
  }
  return "ended in an unknown way";
}

std::vector<std::uint8_t> encode_trace_start(const TraceHeader& h) {
  Out body;
  body.str(h.rvrr_version);
  body.bytes(h.program);
  body.b.insert(body.b.end(), h.program_sha256.begin(), h.program_sha256.end());
  body.str(h.program_name);
  body.strs(h.argv);
  body.strs(h.envp);
  body.u64(h.epoch_ns);
  body.u64(h.memory_limit);
  body.u32(h.stack_size);

  Out file;
  file.b.assign(kTraceMagic, kTraceMagic + kTraceMagicSize);
  file.u32(h.format_version);
  std::size_t len_at = file.b.size();
  file.u32(static_cast<std::uint32_t>(body.b.size()));
  file.b.insert(file.b.end(), body.b.begin(), body.b.end());
  file.u32(crc32(std::span<const std::uint8_t>(file.b).subspan(len_at)));
  return file.b;
}

std::vector<std::uint8_t> encode_record(RecordType type, std::span<const std::uint8_t> body) {
  Out r;
  r.b.reserve(body.size() + 13);
  r.u32(static_cast<std::uint32_t>(body.size()));
  r.u8(static_cast<std::uint8_t>(type));
  r.u32(crc32(r.b));
  r.b.insert(r.b.end(), body.begin(), body.end());
  r.u32(crc32(body));
  return r.b;
}

std::vector<std::uint8_t> encode_event_body(const HostEvent& e) {
  Out o;
  o.u64(e.icount);
  o.u8(static_cast<std::uint8_t>(e.request.op));
  o.i64(e.request.handle);
  o.i64(e.request.arg0);
  o.i64(e.request.arg1);
  o.str(e.request.path);
  o.i64(e.reply.value);
  o.bytes(e.reply.data);
  return o.b;
}

std::vector<std::uint8_t> encode_write_body(const DebuggerWrite& w, std::uint32_t version) {
  Out o;
  o.u64(w.icount);
  o.u8(static_cast<std::uint8_t>(w.target));
  if (version >= 3) o.u64(w.where);
  else o.u32(static_cast<std::uint32_t>(w.where));
  o.bytes(w.bytes);
  return o.b;
}

std::vector<std::uint8_t> encode_footer_body(const TraceFooter& f, std::uint32_t version) {
  Out o;
  o.u64(f.final_icount);
  o.u8(static_cast<std::uint8_t>(f.end));
  o.u32(static_cast<std::uint32_t>(f.exit_code));
  o.u8(static_cast<std::uint8_t>(f.signal));
  if (version >= 3) {
    o.u64(f.pc);
    o.u64(f.fault_addr);
  } else {
    o.u32(static_cast<std::uint32_t>(f.pc));
    o.u32(static_cast<std::uint32_t>(f.fault_addr));
  }
  o.str(f.message);
  o.u8(f.has_state_hash ? 1 : 0);
  o.u64(f.state_hash);
  return o.b;
}

void reseal_record(std::vector<std::uint8_t>& file, const RecordLocation& record) {
  std::size_t start = static_cast<std::size_t>(record.offset);
  std::size_t crc_at = start + 9 + record.body_size;
  if (crc_at + 4 > file.size()) throw TraceError("reseal_record: record lies outside the file");
  std::span<const std::uint8_t> f(file);
  put_u32_at(file, start + 5, crc32(f.subspan(start, 5)));
  put_u32_at(file, crc_at, crc32(f.subspan(start + 9, record.body_size)));
}

}  // namespace rvrr::trace
