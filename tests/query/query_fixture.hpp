// tests/query/query_fixture.hpp - a recording of the query guest, made once per test binary.
#pragma once
#include <doctest/doctest.h>
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

// The same calls, field by field (a split search against one thread, a tier against another).
inline void check_same_calls(const std::vector<query::CallRecord>& got, const std::vector<query::CallRecord>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].entry == want[i].entry);
    CHECK(got[i].func == want[i].func);
    CHECK(got[i].depth == want[i].depth);
    CHECK(got[i].caller_func == want[i].caller_func);
    CHECK(got[i].caller_line == want[i].caller_line);
    CHECK(got[i].return_to == want[i].return_to);
    CHECK(static_cast<int>(got[i].end) == static_cast<int>(want[i].end));
    CHECK(got[i].exit == want[i].exit);
    CHECK(got[i].have_entry_regs == want[i].have_entry_regs);
    CHECK(got[i].have_exit_regs == want[i].have_exit_regs);
    CHECK(got[i].a == want[i].a);
    CHECK(got[i].fa == want[i].fa);
    CHECK(got[i].stack == want[i].stack);
    CHECK(got[i].ret_a0 == want[i].ret_a0);
    CHECK(got[i].ret_a1 == want[i].ret_a1);
    CHECK(got[i].ret_fa0 == want[i].ret_fa0);
    CHECK(got[i].ret_fa1 == want[i].ret_fa1);
    CHECK(got[i].inlined == want[i].inlined);
    CHECK(got[i].params_read == want[i].params_read);
  }
}

}  // namespace rvrr::query_test
