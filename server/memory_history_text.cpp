// server/memory_history_text.cpp - see memory_history_text.hpp.
#include "server/memory_history_text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "server/json_writer.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::server {

std::string hex_bytes(const std::vector<std::uint8_t>& bytes, std::size_t max) {
  std::string out;
  char b[4];
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    std::snprintf(b, sizeof b, "%02x", bytes[i]);
    if (i != 0) out += ' ';
    out += b;
  }
  if (bytes.size() > max) out += " ... (" + std::to_string(bytes.size() - max) + " more)";
  return out;
}

CodePlace code_place(const debuginfo::DebugInfo* debug, vm::Addr pc) {
  CodePlace p;
  if (debug == nullptr) return p;
  if (const debuginfo::Function* f = debug->function_at(pc)) p.function = f->name;
  if (auto id = debug->line_id_at(pc)) {
    const debuginfo::SourceLine& l = debug->lines()[*id];
    p.file = debug->files()[l.file];
    p.line = l.line;
  }
  return p;
}

std::string code_place_text(const CodePlace& place) {
  std::string out = place.function;
  if (!place.file.empty()) out += (out.empty() ? "" : " ") + ("at " + place.file + ":" + std::to_string(place.line));
  return out;
}

std::string format_code_place(vm::Addr pc, const debuginfo::DebugInfo* debug) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%08llx", static_cast<unsigned long long>(pc));
  const CodePlace place = code_place(debug, pc);
  std::string out = b;
  if (!place.function.empty()) out += " in " + place.function;
  if (!place.file.empty()) out += " at " + place.file + ":" + std::to_string(place.line);
  return out;
}

std::string code_place_json(const CodePlace& place) {
  std::string out;
  if (!place.function.empty()) out += ",\"function\":" + json_string(place.function);
  if (!place.file.empty()) out += ",\"file\":" + json_string(place.file) + ",\"line\":" + std::to_string(place.line);
  return out;
}

std::string access_kind_text(const timeline::MemoryAccess& a) {
  if (!a.write) return "read";
  if (a.by_host_call) return "write by the host call " + a.host_call;
  if (a.by_debugger) return "write by the debugger (set while recording)";
  return a.read_too ? "read and write (an atomic)" : "write";
}

std::string format_write_search(const timeline::WriteSearch& search, bool forward, vm::Addr addr, std::uint32_t len,
                                std::uint64_t from, const debuginfo::DebugInfo* debug) {
  char range[64];
  std::snprintf(range, sizeof range, "0x%08llx (%u byte%s)", static_cast<unsigned long long>(addr), static_cast<unsigned>(len),
                len == 1 ? "" : "s");
  const std::string where = std::string(forward ? "after" : "before") + " instruction " + trace::group_digits(from);
  if (!search.found) {
    switch (search.event.kind()) {
      case timeline::StopKind::Interrupted:
        return "Interrupted: no write to " + std::string(range) + " found " + where + " so far; not moved\n";
      case timeline::StopKind::Divergence:
        return "Replay diverged: " + search.event.message() + "\n";
      default:
        return "No write to " + std::string(range) + " " + where +
               (forward ? " in the recorded history" : "") + "; not moved\n";
    }
  }
  const timeline::MemoryAccess& a = *search.found;
  std::string text = std::string(forward ? "Next" : "Last") + " write to " + range + " " + where + ": instruction " +
                     trace::group_digits(a.icount) + " at pc " + format_code_place(a.pc, debug) + "\n";
  if (a.by_host_call) text += "  by the host call " + a.host_call + "\n";
  if (a.by_debugger) text += "  by the debugger (a `set var` while recording), before this instruction\n";
  text += "  old: " + hex_bytes(a.before) + "\n";
  text += "  new: " + hex_bytes(a.after) + "\n";
  text += "Now at instruction " + std::to_string(a.icount) +
          (a.by_debugger ? ": just after the debugger's write\n"
                         : ": the writing instruction, before it runs (stepi shows the new value)\n");
  return text;
}

namespace {

// Hex digits for a column of addresses: 8 (RV32's width), or more for RV64
// addresses above 4 GiB, so the columns stay under their headers.
int address_digits(vm::Addr highest) {
  int digits = 8;
  while (digits < 16 && (highest >> (4 * digits)) != 0) ++digits;
  return digits;
}

}  // namespace

std::string format_heap(const timeline::HeapWalk& walk, std::uint64_t icount, const debuginfo::DebugInfo* debug) {
  if (walk.failure) {
    return walk.failure->kind() == timeline::StopKind::Interrupted ? std::string("Interrupted: no heap shown\n")
                                                                 : "Replay diverged: " + walk.failure->message() + "\n";
  }
  std::uint64_t bytes = 0;
  for (const auto& b : walk.live) bytes += b.size;
  std::string out = "Live heap blocks at instruction " + trace::group_digits(icount) + ": " +
                    trace::group_digits(walk.live.size()) + (walk.live.size() == 1 ? " block, " : " blocks, ") +
                    trace::group_digits(bytes) + " bytes (" + trace::group_digits(walk.calls) +
                    " allocator calls so far)\n";
  if (walk.call_in_progress) out += "  (an allocator call is in progress here: its block is not counted yet)\n";
  if (walk.live.empty()) return out;
  vm::Addr highest = 0;
  for (const auto& b : walk.live) highest = std::max(highest, b.addr);
  const int digits = address_digits(highest);
  out += "  address   " + std::string(static_cast<std::size_t>(digits - 8), ' ') +
         "  size        allocated at instruction  by           call site\n";
  char line[160];
  std::map<vm::Addr, std::pair<std::uint64_t, std::uint64_t>> sites;  // call pc -> blocks, bytes
  for (const auto& b : walk.live) {
    std::snprintf(line, sizeof line, "  0x%0*llx  %10u  %24s  %-11s  ", digits, static_cast<unsigned long long>(b.addr),
                  static_cast<unsigned>(b.size), trace::group_digits(b.icount).c_str(), b.function.c_str());
    out += line + format_code_place(b.call_pc, debug) + "\n";
    auto& s = sites[b.call_pc];
    s.first += 1;
    s.second += b.size;
  }
  out += "By allocation site:\n";
  for (const auto& [pc, s] : sites)
    out += "  " + format_code_place(pc, debug) + ": " + trace::group_digits(s.first) +
           (s.first == 1 ? " block, " : " blocks, ") + trace::group_digits(s.second) + " bytes\n";
  return out;
}

std::string format_memory_map(const std::vector<timeline::MemoryRegion>& regions, std::uint64_t icount) {
  std::string out = "Memory map at instruction " + trace::group_digits(icount) + ":\n";
  vm::Addr highest = 0;
  for (const timeline::MemoryRegion& r : regions) highest = std::max(highest, r.end);
  const int digits = address_digits(highest);
  const std::string pad(static_cast<std::size_t>(digits - 8), ' ');
  out += "  start     " + pad + "  end       " + pad + "  perms  pages  resident  written  region\n";
  std::uint64_t pages = 0, resident = 0, written = 0;
  char line[160];
  for (const timeline::MemoryRegion& r : regions) {
    std::snprintf(line, sizeof line, "  0x%0*llx  0x%0*llx  %s  %5u  %8u  %7u  ", digits,
                  static_cast<unsigned long long>(r.start), digits,
                  static_cast<unsigned long long>(r.end), timeline::perms_text(r.perms).substr(0, 3).c_str(),
                  r.pages, r.resident, r.written);
    out += line;
    out += r.name.empty() ? std::string("(anonymous)") : r.name;
    if (r.kind == "segment") out += " (ELF segment)";
    out += "\n";
    pages += r.pages;
    resident += r.resident;
    written += r.written;
  }
  out += "  " + trace::group_digits(pages) + " pages mapped (" + trace::human_bytes(pages * 4096) + "), " +
         trace::group_digits(resident) + " resident, " + trace::group_digits(written) + " written since the start\n";
  return out;
}

}  // namespace rvrr::server
