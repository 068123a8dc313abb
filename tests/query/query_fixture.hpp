// tests/query/query_fixture.hpp - a recording of the query guest, made once per test binary.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "../debuginfo/guest_source.hpp"
#include "debuginfo/debug_info.hpp"
#include "query/replay_query.hpp"
#include "timeline/recorder.hpp"
#include "trace/format.hpp"
#include "vm/environment.hpp"

namespace rvrr::query_test {

struct Recording {
  trace::TraceData trace;
  debuginfo::DebugInfo debug;
};

// A recording of tests/fixtures/`elf` (default: the query guest), made on first use.
inline const Recording& recording(const std::string& elf = "query_guest.elf") {
  static std::map<std::string, Recording> made;
  if (auto it = made.find(elf); it != made.end()) return it->second;
  Recording rec = [&elf] {
    namespace fs = std::filesystem;
    // A fixture's name, or an absolute path (a built example).
    const std::string program = elf.starts_with("/") ? elf : fixture(elf);
    const fs::path path = fs::temp_directory_path() / ("rvrr-query-test-" + std::to_string(::getpid()) + "-" +
                                                       fs::path(elf).filename().string() + ".rvrr");
    timeline::RecordOptions o;
    o.live.epoch_ns = 1;
    o.live.live = std::make_shared<vm::NullEnvironment>();
    o.live.output_to = [](int, std::span<const std::uint8_t>) {};
    timeline::record_program(program, o, path.string());
    Recording r{trace::read_trace_file(path.string()), {}};
    r.debug = query::debug_info_of(r.trace);
    std::error_code ec;
    fs::remove(path, ec);
    return r;
  }();
  return made.emplace(elf, std::move(rec)).first->second;
}

// The LineCount of query_guest.c's line `line` (hits 0 if the line has no code: a test bug).
inline query::LineCount count_of(const query::LineReport& report, const debuginfo::DebugInfo& d, std::uint32_t line) {
  for (const query::LineCount& c : report.lines)
    if (d.lines()[c.line].line == line && d.files()[d.lines()[c.line].file].ends_with("query_guest.c")) return c;
  return {};
}

}  // namespace rvrr::query_test
