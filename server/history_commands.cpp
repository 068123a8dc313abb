// server/history_commands.cpp - `rvrr trace writes|diff|memory`: questions to a recording.
//
// The answers come from timeline/ (memory_history, trace_diff,
// guest_memory_map); this file opens the traces and formats: text for
// people, --json for tools (one object on stdout).
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "query/answer_cache.hpp"
#include "query/answer_codec.hpp"
#include "server/commands.hpp"
#include "server/cut_short.hpp"
#include "server/json_writer.hpp"
#include "server/memory_history_text.hpp"
#include "timeline/guest_memory_map.hpp"
#include "timeline/timeline.hpp"
#include "timeline/trace_diff.hpp"
#include "trace/format.hpp"
#include "trace/host_call_text.hpp"
#include "trace/store.hpp"
#include "vm/elf_loader.hpp"

namespace rvrr::server {

namespace fs = std::filesystem;
using trace::group_digits;

namespace {


std::string json_hex(const std::vector<std::uint8_t>& bytes) {
  std::string out = "\"";
  char b[4];
  for (std::uint8_t x : bytes) {
    std::snprintf(b, sizeof b, "%02x", x);
    out += b;
  }
  return out + "\"";
}

// A trace opened for questions: its data and a Timeline replaying it.
struct OpenTrace {
  fs::path path;
  trace::Sha256Digest file_sha256{};  // names this exact trace (the answer cache)
  trace::TraceHeader header;
  std::unique_ptr<timeline::Timeline> timeline;
};

// The DWARF and symbols of a trace's program, to name pcs; nullopt when
// libelf cannot read it (the answers then give bare pcs).
std::optional<debuginfo::DebugInfo> debug_info_of(const trace::TraceHeader& header) {
  try {
    return debuginfo::DebugInfo(header.program);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

OpenTrace open_trace(const std::string& spec) {
  OpenTrace t;
  t.path = trace::resolve_trace(spec);
  trace::TraceData data = trace::read_trace_file(t.path.string());
  close_cut_short(data, t.path.string());
  t.file_sha256 = data.file_sha256;
  timeline::SessionSetup setup = timeline::make_replay_setup(data, [](int, std::span<const std::uint8_t>) {});
  t.header = setup.header;
  t.timeline = std::make_unique<timeline::Timeline>(std::move(setup.initial), setup.env, timeline::TimelineOptions{});
  return t;
}

// ADDR[,LEN]: ADDR is 0x.. hex, decimal, or an ELF symbol of the traced program.
struct Range {
  vm::Addr addr = 0;
  std::uint32_t len = 1;
};

std::optional<std::uint64_t> parse_unsigned(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int base = 10;
  std::size_t start = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    start = 2;
  }
  std::uint64_t v = 0;
  for (std::size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    int d = c >= '0' && c <= '9' ? c - '0'
            : base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
            : base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
    if (d < 0 || v > (UINT64_MAX >> 4)) return std::nullopt;
    v = v * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return v;
}

std::optional<Range> parse_range(const std::string& text, const trace::TraceHeader& header, std::string& error) {
  const std::size_t comma = text.find(',');
  const std::string where = text.substr(0, comma);
  Range r;
  if (comma != std::string::npos) {
    std::optional<std::uint64_t> len = parse_unsigned(text.substr(comma + 1));
    if (!len || *len == 0 || *len > (1u << 20)) {
      error = "bad LEN in '" + text + "' (a byte count from 1 to 1048576)";
      return std::nullopt;
    }
    r.len = static_cast<std::uint32_t>(*len);
  }
  std::optional<std::uint64_t> addr = parse_unsigned(where);
  const vm::ElfLoadResult elf = vm::load_elf(header.program);
  if (!addr) {
    if (elf.image) {
      if (auto a = elf.image->symbol(where)) addr = *a;
    }
    if (!addr) {
      error = "bad ADDR '" + where + "' (0x.. hex, decimal, or a symbol of the program)";
      return std::nullopt;
    }
  }
  // The program's address space: 4 GiB for RV32.
  const std::uint64_t top = elf.image && elf.image->xlen == 32 ? 0xffffffffull : ~0ull;
  if (*addr > top || (r.len > 0 && r.len - 1 > top - *addr)) {
    error = "the range " + text + " goes past the end of the program's address space (" +
            (top == ~0ull ? std::string("64-bit") : std::string("32-bit: up to 0xffffffff")) + ")";
    return std::nullopt;
  }
  r.addr = static_cast<vm::Addr>(*addr);
  return r;
}

}  // namespace

int trace_writes_command(const CliRequest& request) {
  const bool json = request.options.json;
  OpenTrace t;
  std::optional<Range> range;
  try {
    t = open_trace(request.trace);
    std::string error;
    range = parse_range(request.operands.at(0), t.header, error);
    if (!range) {
      std::fprintf(stderr, "rvrr: %s\n", error.c_str());
      return kExitUsage;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
  // A complete listing is kept in TRACE.answers (query/answer_cache.hpp): asked again, no replay.
  query::AnswerCache cache(t.path.string(), t.file_sha256);
  const std::string question = "writes " + std::to_string(range->addr) + " " + std::to_string(range->len) +
                               (request.options.reads ? " reads" : "");
  std::optional<std::vector<timeline::MemoryAccess>> cached;
  if (std::optional<query::Answer> bytes = cache.get(question)) cached = query::decode_accesses(*bytes);
  std::vector<timeline::MemoryAccess> accesses;
  std::optional<timeline::StopEvent> failure;
  if (cached) {
    accesses = std::move(*cached);
  } else {
    timeline::CancelToken never;
    failure = t.timeline->memory_accesses(range->addr, range->len, request.options.reads, never,
                                          [&](const timeline::MemoryAccess& a) {
                                            accesses.push_back(a);
                                            return true;
                                          });
    if (!failure && cache.enabled()) cache.put(question, query::encode_accesses(accesses));
  }
  const std::optional<debuginfo::DebugInfo> debug = debug_info_of(t.header);
  const debuginfo::DebugInfo* names = debug ? &*debug : nullptr;
  // An AMO counts as both.
  std::size_t writes = 0, reads = 0;
  for (const auto& a : accesses) {
    writes += a.write ? 1 : 0;
    reads += !a.write || a.read_too ? 1 : 0;
  }
  const std::uint64_t length = t.timeline->stats().history_end;
  if (json) {
    std::string out = "{\"trace\":" + json_string(t.path.string()) + ",\"address\":" + std::to_string(range->addr) +
                      ",\"length\":" + std::to_string(range->len) + ",\"instructions\":" + std::to_string(length) +
                      ",\"writes\":" + std::to_string(writes) + ",\"reads\":" + std::to_string(reads) +
                      ",\"complete\":" + (failure ? "false" : "true") + ",\"accesses\":[";
    for (std::size_t i = 0; i < accesses.size(); ++i) {
      const auto& a = accesses[i];
      if (i) out += ",";
      out += "{\"icount\":" + std::to_string(a.icount) + ",\"pc\":" + std::to_string(a.pc) +
             code_place_json(code_place(names, a.pc)) +
             ",\"access\":" + (!a.write ? "\"read\"" : a.read_too ? "\"read+write\"" : "\"write\"") +
             ",\"by\":" + (a.by_host_call ? "\"host call\"" : a.by_debugger ? "\"debugger\"" : "\"guest\"");
      if (a.by_host_call) out += ",\"host_call\":" + json_string(a.host_call);
      if (a.write) {
        out += ",\"old\":" + json_hex(a.before) + ",\"new\":" + json_hex(a.after) +
               ",\"changed\":" + (a.before != a.after ? "true" : "false") + "}";
      } else {
        out += ",\"bytes\":" + json_hex(a.before) + "}";
      }
    }
    out += "]";
    if (failure) out += ",\"error\":" + json_string(failure->message());
    std::printf("%s}\n", out.c_str());
  } else {
    char head[160];
    std::snprintf(head, sizeof head, "%s to 0x%08llx (%u byte%s) in %s instructions of %s:\n",
                  request.options.reads ? "Accesses" : "Writes", static_cast<unsigned long long>(range->addr),
                  static_cast<unsigned>(range->len), range->len == 1 ? "" : "s", group_digits(length).c_str(),
                  t.header.program_name.c_str());
    std::string out = head;
    out += "  instruction  pc          access  bytes (old -> new), where\n";
    for (const auto& a : accesses) {
      char line[64];
      std::snprintf(line, sizeof line, "%13s  %s  %-6s  ", group_digits(a.icount).c_str(),
                    format_code_place(a.pc).c_str(), !a.write ? "read" : a.read_too ? "r+w" : "write");
      out += line;
      out += a.write ? hex_bytes(a.before, 16) + " -> " + hex_bytes(a.after, 16) : hex_bytes(a.before, 16);
      if (a.by_host_call) out += "  by the host call " + a.host_call;
      if (a.by_debugger) out += "  by the debugger (set while recording)";
      if (a.write && a.before == a.after) out += "  (the same bytes)";
      if (const std::string place = code_place_text(code_place(names, a.pc)); !place.empty()) out += "  in " + place;
      out += "\n";
    }
    out += group_digits(writes) + (writes == 1 ? " write" : " writes");
    if (request.options.reads) out += ", " + group_digits(reads) + (reads == 1 ? " read" : " reads");
    out += "\n";
    std::fputs(out.c_str(), stdout);
  }
  std::fflush(stdout);
  if (failure) {
    std::fprintf(stderr, "rvrr: %s: the replay stopped early: %s\n", t.path.c_str(),
                 failure->message().empty() ? "interrupted" : failure->message().c_str());
    return 1;
  }
  return 0;
}

namespace {

std::string side_json(const timeline::DiffSide& s, const debuginfo::DebugInfo* debug) {
  std::string out = "{\"exists\":" + std::string(s.exists ? "true" : "false") + ",\"icount\":" + std::to_string(s.icount) +
                    ",\"pc\":" + std::to_string(s.pc) + ",\"ended\":" + (s.ended ? "true" : "false") +
                    ",\"what\":" + json_string(s.what);
  if (!s.bytes.empty()) out += ",\"bytes\":" + json_hex(s.bytes);
  if (s.exists) out += code_place_json(code_place(debug, s.pc));
  return out + "}";
}

std::string point_json(const std::optional<timeline::DiffPoint>& p, const debuginfo::DebugInfo* debug) {
  if (!p) return "null";
  std::string out = "{\"icount\":" + std::to_string(p->icount) + ",\"a\":" + side_json(p->a, debug) +
                    ",\"b\":" + side_json(p->b, debug);
  if (!p->a.bytes.empty() || !p->b.bytes.empty())
    out += ",\"byte_offset\":" + std::to_string(p->byte_offset) + ",\"bytes_start\":" + std::to_string(p->byte_window_start);
  return out + "}";
}

std::string end_json(const std::string& path, const std::string& program, const timeline::RunEndText& e) {
  std::string out = "{\"trace\":" + json_string(path) + ",\"program\":" + json_string(program) +
                    ",\"instructions\":" + std::to_string(e.instructions) + ",\"end\":" + json_string(e.description);
  return out + "}";
}

std::string side_text(const char* name, const timeline::DiffSide& s, const debuginfo::DebugInfo* debug) {
  std::string out = std::string("  ") + name + ": ";
  if (!s.exists) return out + s.what + "\n";
  out += "instruction " + group_digits(s.icount) + ", pc " + format_code_place(s.pc, debug) + ": " + s.what;
  if (s.ended) out += " (the run ends here)";
  return out + "\n";
}

// The sides ("A", "B") whose debugger write (`set var` while recording)
// right after the state point's instruction is what made the states part.
std::vector<const char*> states_parted_by_debugger(const timeline::DiffPoint& p, const trace::TraceData& a,
                                                   const trace::TraceData& b) {
  std::vector<const char*> sides;
  for (const auto& [side, data] : {std::pair<const char*, const trace::TraceData*>{"A", &a}, {"B", &b}})
    if (!data->history.writes_at(p.icount + 1).empty()) sides.push_back(side);
  return sides;
}

std::string debugger_writes_json(const trace::TraceData& t) {
  const auto& w = t.history.writes;
  return "{\"count\":" + std::to_string(w.size()) +
         ",\"first\":" + (w.empty() ? std::string("null") : std::to_string(w.front().icount)) + "}";
}

}  // namespace

int trace_diff_command(const CliRequest& request) {
  fs::path pa, pb;
  trace::TraceData a, b;
  timeline::TraceDiff d;
  try {
    pa = trace::resolve_trace(request.trace);
    pb = trace::resolve_trace(request.operands.at(0));
    a = trace::read_trace_file(pa.string());
    b = trace::read_trace_file(pb.string());
    close_cut_short(a, pa.string());
    close_cut_short(b, pb.string());
    d = timeline::diff_traces(a, b);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
  // One program (diff compares only traces of the same one): A's names both sides.
  const std::optional<debuginfo::DebugInfo> debug = d.same_program ? debug_info_of(a.header) : std::nullopt;
  const debuginfo::DebugInfo* names = debug ? &*debug : nullptr;
  if (request.options.json) {
    std::string notes;
    for (const std::string& n : d.notes) notes += (notes.empty() ? "" : ",") + json_string(n);
    std::string out = "{\"equal\":" + std::string(d.equal() ? "true" : "false") +
                      ",\"same_program\":" + (d.same_program ? "true" : "false") +
                      ",\"a\":" + end_json(pa.string(), d.program_a, d.end_a) +
                      ",\"b\":" + end_json(pb.string(), d.program_b, d.end_b) + ",\"notes\":[" + notes + "]";
    if (d.same_program) {
      std::string state = point_json(d.state, names);
      if (d.state) {
        std::string by;
        for (const char* side : states_parted_by_debugger(*d.state, a, b))
          by += (by.empty() ? "\"" : ",\"") + std::string(side[0] == 'A' ? "a" : "b") + "\"";
        state.insert(state.size() - 1, ",\"by_debugger_write\":[" + by + "]");
      }
      out += ",\"control\":" + point_json(d.control, names) + ",\"host_call\":" + point_json(d.host_call, names) +
             ",\"state\":" + state + ",\"same_end\":" + (d.same_end ? "true" : "false") +
             ",\"debugger_writes\":{\"a\":" + debugger_writes_json(a) + ",\"b\":" + debugger_writes_json(b) + "}";
    }
    if (!d.error.empty()) out += ",\"error\":" + json_string(d.error);
    std::printf("%s}\n", out.c_str());
  } else {
    std::string out = "A: " + pa.string() + ": " + d.program_a + ", " + group_digits(d.end_a.instructions) +
                      " instructions, " + d.end_a.description + "\n";
    out += "B: " + pb.string() + ": " + d.program_b + ", " + group_digits(d.end_b.instructions) + " instructions, " +
           d.end_b.description + "\n";
    if (!d.same_program) {
      std::fputs(out.c_str(), stdout);
      std::fflush(stdout);
      std::fprintf(stderr, "rvrr: the traces record different programs: nothing to compare\n");
      return kExitUsage;
    }
    for (const std::string& n : d.notes) out += "note: " + n + "\n";
    if (!d.error.empty()) out += "error: " + d.error + "\n";
    if (d.control) {
      out += "control flow: the runs part at instruction " + group_digits(d.control->icount) + "\n";
      out += side_text("A", d.control->a, names) + side_text("B", d.control->b, names);
    } else if (d.error.empty()) {
      out += "control flow: the same path\n";
    }
    if (d.host_call) {
      out += "host calls:   the first that differs is at instruction " + group_digits(d.host_call->icount) + "\n";
      for (auto [name, s] : {std::pair{"A", &d.host_call->a}, std::pair{"B", &d.host_call->b}}) {
        out += side_text(name, *s, names);
        if (!s->bytes.empty())
          out += "     bytes " + std::to_string(d.host_call->byte_window_start) + "..: " + hex_bytes(s->bytes, 32) + "\n";
      }
      if (!d.host_call->a.bytes.empty() || !d.host_call->b.bytes.empty())
        out += "  the results first differ at byte " + std::to_string(d.host_call->byte_offset) + "\n";
    } else {
      out += "host calls:   the same calls with the same results\n";
    }
    if (!a.history.writes.empty() || !b.history.writes.empty()) {
      auto count = [](const trace::TraceData& t) {
        return t.history.writes.empty() ? std::string("none")
                                        : group_digits(t.history.writes.size()) + " (the first at instruction " +
                                              group_digits(t.history.writes.front().icount) + ")";
      };
      out += "debugger writes (set while recording): A " + count(a) + "; B " + count(b) + "\n";
    }
    if (d.state && d.state->icount == 0 && d.state->a.what.rfind("the initial", 0) == 0) {
      out += "state:        the runs start in different states (arguments, environment or limits)\n";
    } else if (d.state) {
      // A debugger write (`set var` while recording) made right after that
      // instruction is what changed the state, not the instruction.
      std::string by;
      for (const char* side : states_parted_by_debugger(*d.state, a, b))
        by += std::string(by.empty() ? "" : " and ") + side + "'s debugger write (set while recording) at " +
              group_digits(d.state->icount + 1);
      if (by.empty()) {
        out += "state:        the instruction at " + group_digits(d.state->icount) + " leaves different states\n";
      } else {
        out += "state:        the states part after instruction " + group_digits(d.state->icount) + ": " + by + "\n";
      }
      out += side_text("A", d.state->a, names) + side_text("B", d.state->b, names);
    } else if (d.error.empty()) {
      out += "state:        the same at every instruction compared\n";
    }
    out += std::string("end:          ") + (d.same_end ? "the same (" + d.end_a.description + ")\n" : "A " + d.end_a.description + "; B " + d.end_b.description + "\n");
    out += d.equal() ? "The two runs are equal.\n" : "The two runs differ.\n";
    std::fputs(out.c_str(), stdout);
  }
  std::fflush(stdout);
  if (!d.same_program) {
    if (request.options.json) std::fprintf(stderr, "rvrr: the traces record different programs: nothing to compare\n");
    return kExitUsage;
  }
  return d.equal() ? 0 : 1;
}
int trace_memory_command(const CliRequest& request) {
  OpenTrace t;
  vm::ElfImage image;
  try {
    t = open_trace(request.trace);
    vm::ElfLoadResult elf = vm::load_elf(t.header.program);
    if (elf.image) image = std::move(*elf.image);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return kExitUsage;
  }
  const std::uint64_t end = t.timeline->stats().history_end;
  const std::uint64_t at = request.options.at.value_or(end);
  if (at > end) {
    std::fprintf(stderr, "rvrr: --at %s is past the end of the recording (%s instructions)\n",
                 group_digits(at).c_str(), group_digits(end).c_str());
    return kExitUsage;
  }
  timeline::CancelToken never;
  timeline::StopEvent e = t.timeline->seek(at, never);
  if (e.kind() == timeline::StopKind::Divergence || e.kind() == timeline::StopKind::Interrupted) {
    std::fprintf(stderr, "rvrr: %s: the replay stopped early: %s\n", t.path.c_str(), e.message().c_str());
    return 1;
  }
  std::vector<timeline::MemoryRegion> regions = t.timeline->memory_map(image, t.header.program_name);
  if (request.options.json) {
    std::string out = "{\"trace\":" + json_string(t.path.string()) + ",\"icount\":" + std::to_string(t.timeline->now()) +
                      ",\"regions\":[";
    for (std::size_t i = 0; i < regions.size(); ++i) {
      const auto& r = regions[i];
      out += std::string(i ? "," : "") + "{\"start\":" + std::to_string(r.start) + ",\"end\":" + std::to_string(r.end) +
             ",\"perms\":" + json_string(timeline::perms_text(r.perms)) + ",\"kind\":" + json_string(r.kind) +
             ",\"name\":" + json_string(r.name) + ",\"pages\":" + std::to_string(r.pages) +
             ",\"resident\":" + std::to_string(r.resident) + ",\"written\":" + std::to_string(r.written) + "}";
    }
    std::printf("%s]}\n", out.c_str());
  } else {
    std::fputs(format_memory_map(regions, t.timeline->now()).c_str(), stdout);
  }
  return 0;
}

}  // namespace rvrr::server
