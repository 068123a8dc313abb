// tests/debuginfo/test_debug_info.cpp - symbols, lines and parameters of a
// guest whose source we hold (tests/fixtures/query_guest.c).
#include <doctest/doctest.h>

#include "debuginfo/debug_info.hpp"
#include "guest_source.hpp"

using namespace rvrr::debuginfo;
using namespace rvrr::query_test;

namespace {

const DebugInfo& guest() {
  static const DebugInfo d(read_bytes(fixture("query_guest.elf")));
  return d;
}

// The lowest address whose line is `line` of query_guest.c.
std::optional<Addr> first_address_of(const DebugInfo& d, std::uint32_t line) {
  for (LineId id : d.lines_sorted()) {
    const SourceLine& l = d.lines()[id];
    if (l.line == line && d.files()[l.file].ends_with("query_guest.c")) return d.addresses_of(id).front().first;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("debuginfo: a pc inside a function names it, with its entry and range") {
  const DebugInfo& d = guest();
  REQUIRE(d.has_dwarf());
  const Function* sq = d.function_named("square");
  REQUIRE(sq != nullptr);
  CHECK(sq->from_dwarf);
  CHECK(sq->end > sq->entry);
  CHECK(d.function_at(sq->entry) == sq);
  CHECK(d.function_at(sq->end - 2) == sq);
  CHECK(d.function_at(sq->end) != sq);
  // The line of `return x * x;` lies inside square.
  auto pc = first_address_of(d, line_of("SQUARE_BODY"));
  REQUIRE(pc);
  CHECK(d.function_at(*pc) == sq);
  CHECK(d.function_at(0x10) == nullptr);  // below the program
}

TEST_CASE("debuginfo: pc -> file:line, and the line table lists every line with code") {
  const DebugInfo& d = guest();
  const std::uint32_t body = line_of("LOOP_BODY");
  auto pc = first_address_of(d, body);
  REQUIRE(pc);
  auto id = d.line_id_at(*pc);
  REQUIRE(id);
  CHECK(d.lines()[*id].line == body);
  CHECK(d.describe(*id).ends_with("query_guest.c:" + std::to_string(body)));
  // Lines without code (comments, blank lines, the typedef) are not in the table.
  for (LineId l : d.lines_sorted()) {
    CHECK(d.lines()[l].line != 1);
    CHECK(!d.addresses_of(l).empty());
  }
  // The whole table at once agrees with the per-line answers.
  const auto table = d.line_table();
  REQUIRE(table.size() == d.lines().size());
  for (LineId l = 0; l < table.size(); ++l) CHECK(table[l] == d.addresses_of(l));
  // find_file: by trailing components, not by substring.
  CHECK(d.find_file("query_guest.c").has_value());
  CHECK(d.find_file("fixtures/query_guest.c").has_value());
  CHECK(!d.find_file("uery_guest.c").has_value());
}

TEST_CASE("debuginfo: a line's code never spans another function's entry (line programs of dropped code sit at 0)") {
  // picolibc is linked with --gc-sections: the line programs of the
  // functions it dropped remain, all at address 0. libdw sorts every row by
  // address, so the last of them was read as running up to the next real
  // row, claiming main's code for lock.c:143. heap_guest.elf is
  // tests/e2e/guests/heap_blocks.c built as examples/ builds picolibc
  // programs (--specs=picolibc.specs --oslib=semihost -O1 -g, rv32imac).
  for (const char* name : {"query_guest.elf", "heap_guest.elf"}) {
    CAPTURE(name);
    const DebugInfo d(read_bytes(fixture(name)));
    std::size_t checked = 0;
    for (LineId l = 0; l < d.lines().size(); ++l) {
      for (const auto& [lo, hi] : d.addresses_of(l)) {
        for (const Function& f : d.functions()) {
          if (!f.from_dwarf || f.entry == 0) continue;
          if (lo < f.entry && f.entry < hi) FAIL_CHECK(d.describe(l) << " spans the entry of " << f.name);
          ++checked;
        }
      }
    }
    CHECK(checked > 0);
    // main's first instruction is on a line of the guest's own source.
    const Function* main_fn = d.function_named("main");
    REQUIRE(main_fn != nullptr);
    auto id = d.line_id_at(main_fn->entry);
    REQUIRE(id);
    const std::string& file = d.files()[d.lines()[*id].file];
    CHECK((file.ends_with("query_guest.c") || file.ends_with("heap_blocks.c")));
  }
}

TEST_CASE("debuginfo: formal parameters with their DWARF types") {
  const DebugInfo& d = guest();
  const Function* deep = d.function_named("deep");
  REQUIRE(deep != nullptr);
  REQUIRE(deep->params.size() == 2);
  CHECK(deep->params[0].name == "depth");
  CHECK(deep->params[0].type.kind == ParamType::Kind::Signed);
  CHECK(deep->params[0].type.size == 4);
  CHECK(deep->params[0].type.name == "int");
  CHECK(deep->params[1].name == "p");
  CHECK(deep->params[1].type.kind == ParamType::Kind::Pointer);
  CHECK(deep->params[1].type.size == 4);
  CHECK(deep->params[1].type.name == "unsigned char *");
  const Function* main_fn = d.function_named("main");
  REQUIRE(main_fn != nullptr);
  CHECK(main_fn->params.empty());
}

TEST_CASE("debuginfo: inlined calls with their entry, caller and call site") {
  // clone_guest.c (-O2): sys_exit is inlined into _start at line 33, and
  // nowhere else; query_guest (-O0) inlines nothing.
  const DebugInfo d(read_bytes(fixture("clone_guest.elf")));
  std::vector<const InlinedCall*> exits;
  for (const InlinedCall& c : d.inlined_calls())
    if (c.name == "sys_exit") exits.push_back(&c);
  REQUIRE(exits.size() == 1);
  const InlinedCall& c = *exits[0];
  CHECK(d.functions()[c.caller].name == "_start");
  CHECK(c.call_line == 33);
  CHECK(c.call_file.ends_with("clone_guest.c"));
  CHECK(d.function_at(c.entry) == &d.functions()[c.caller]);  // its code is _start's
  CHECK(d.function_named("sys_exit") == nullptr);
  CHECK(guest().inlined_calls().empty());
}

TEST_CASE("debuginfo: without DWARF, functions come from the ELF symtab") {
  const DebugInfo d(read_bytes(fixture("query_guest_nodebug.elf")));
  CHECK(!d.has_dwarf());
  CHECK(d.lines().empty());
  const Function* sq = d.function_named("square");
  REQUIRE(sq != nullptr);
  CHECK(!sq->from_dwarf);
  CHECK(sq->params.empty());
  CHECK(d.function_at(sq->entry + 2) == sq);
  // Same ranges as the DWARF says.
  const Function* dwarf_sq = guest().function_named("square");
  CHECK(sq->entry == dwarf_sq->entry);
  CHECK(sq->end == dwarf_sq->end);
  CHECK(!d.line_id_at(sq->entry).has_value());
}

TEST_CASE("debuginfo: not an ELF is a clear error") {
  const std::vector<std::uint8_t> junk = {'n', 'o', 't', ' ', 'e', 'l', 'f'};
  CHECK_THROWS_AS(DebugInfo{junk}, DebugInfoError);
  CHECK_THROWS_AS(DebugInfo{std::vector<std::uint8_t>{}}, DebugInfoError);
}

TEST_CASE("debuginfo: a truncated or damaged ELF never crashes: an error or fewer answers") {
  const std::vector<std::uint8_t> whole = read_bytes(fixture("query_guest.elf"));
  for (std::size_t len : {std::size_t{4}, std::size_t{52}, std::size_t{200}, whole.size() / 2, whole.size() - 1}) {
    CAPTURE(len);
    const std::vector<std::uint8_t> cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(len));
    try {
      const DebugInfo d(cut);
      for (const Function& f : d.functions()) CHECK(f.end > f.entry);
      (void)d.function_at(0x10074);
      (void)d.line_id_at(0x10074);
    } catch (const DebugInfoError&) {
      // fine: one clear error
    }
  }
  // Bytes flipped all over the DWARF sections: still no crash.
  std::vector<std::uint8_t> damaged = whole;
  for (std::size_t i = whole.size() / 3; i < damaged.size(); i += 7) damaged[i] ^= 0x5a;
  try {
    const DebugInfo d(damaged);
    (void)d.lines_sorted();
  } catch (const DebugInfoError&) {
  }
}
