// tests/query/query_fixture.hpp - a recording of the query guest, made once per test binary.
#pragma once
#include <unistd.h>

#include <filesystem>
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

inline const Recording& recording() {
  static const Recording rec = [] {
    namespace fs = std::filesystem;
    const fs::path path = fs::temp_directory_path() / ("rvrr-query-test-" + std::to_string(::getpid()) + ".rvrr");
    timeline::RecordOptions o;
    o.live.epoch_ns = 1;
    o.live.live = std::make_shared<vm::NullEnvironment>();
    o.live.output_to = [](int, std::span<const std::uint8_t>) {};
    timeline::record_program(fixture("query_guest.elf"), o, path.string());
    Recording r{trace::read_trace_file(path.string()), {}};
    r.debug = query::debug_info_of(r.trace);
    std::error_code ec;
    fs::remove(path, ec);
    return r;
  }();
  return rec;
}

// The LineCount of query_guest.c's line `line` (hits 0 if the line has no code: a test bug).
inline query::LineCount count_of(const query::LineReport& report, const debuginfo::DebugInfo& d, std::uint32_t line) {
  for (const query::LineCount& c : report.lines)
    if (d.lines()[c.line].line == line && d.files()[d.lines()[c.line].file].ends_with("query_guest.c")) return c;
  return {};
}

}  // namespace rvrr::query_test
