// Naming pcs in write histories and diffs (server/memory_history_text.hpp):
// the function and file:line from the DWARF of tests/fixtures/query_guest.elf.
#include <doctest/doctest.h>

#include "../debuginfo/guest_source.hpp"
#include "server/memory_history_text.hpp"

using namespace rvrr;

namespace {

const debuginfo::DebugInfo& guest_debug() {
  static const debuginfo::DebugInfo d(query_test::read_bytes(query_test::fixture("query_guest.elf")));
  return d;
}

// The first pc of `line` of query_guest.c.
vm::Addr pc_of_line(std::uint32_t line) {
  const debuginfo::DebugInfo& d = guest_debug();
  for (debuginfo::LineId id = 0; id < d.lines().size(); ++id) {
    if (d.lines()[id].line == line && d.files()[d.lines()[id].file].ends_with("query_guest.c"))
      return d.addresses_of(id).front().first;
  }
  FAIL("no code for line " << line);
  return 0;
}

}  // namespace

TEST_CASE("format_code_place names the function and file:line of a pc") {
  const debuginfo::DebugInfo& d = guest_debug();
  const std::uint32_t line = query_test::line_of("SQUARE_BODY");
  const vm::Addr pc = pc_of_line(line);
  const server::CodePlace place = server::code_place(&d, pc);
  CHECK(place.function == "square");
  CHECK(place.file.ends_with("query_guest.c"));
  CHECK(place.line == line);
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", static_cast<unsigned>(pc));
  CHECK(server::format_code_place(pc, &d) == std::string(hex) + " in square at " + place.file + ":" + std::to_string(line));
  CHECK(server::code_place_json(place) ==
        ",\"function\":\"square\",\"file\":\"" + place.file + "\",\"line\":" + std::to_string(line));
  // Without debug info, or where it knows nothing: the bare pc.
  CHECK(server::format_code_place(pc) == hex);
  CHECK(server::format_code_place(0x10, &d) == "0x00000010");
  CHECK(server::code_place_json(server::code_place(&d, 0x10)).empty());
}

TEST_CASE("a write search names the writer; a host-call write keeps its host call") {
  const debuginfo::DebugInfo& d = guest_debug();
  const std::uint32_t line = query_test::line_of("MIX_BODY");
  timeline::WriteSearch search;
  timeline::MemoryAccess a;
  a.icount = 1234;
  a.pc = pc_of_line(line);
  a.write = true;
  a.before = {0, 0, 0, 0};
  a.after = {1, 0, 0, 0};
  search.found = a;
  const std::string text = server::format_write_search(search, false, 0x2000, 4, 2000, &d);
  INFO(text);
  CHECK(text.find(" in mix at ") != std::string::npos);
  CHECK(text.find("query_guest.c:" + std::to_string(line) + "\n") != std::string::npos);

  search.found->by_host_call = true;
  search.found->host_call = "read(fd 0, 4 bytes)";
  search.found->pc = d.function_named("sys_exit")->entry;
  const std::string host = server::format_write_search(search, true, 0x2000, 4, 2000, &d);
  INFO(host);
  CHECK(host.find(" in sys_exit at ") != std::string::npos);
  CHECK(host.find("  by the host call read(fd 0, 4 bytes)\n") != std::string::npos);
}
