// tests/vm/test_load_warnings.cpp - warnings about a program before it runs.
#include <doctest/doctest.h>

#include "vm/load_warnings.hpp"

using namespace rvrr::vm;

namespace {

// The symbols picolibc.ld gives a program linked with --defsym=__ram_size=1M
// --defsym=__stack_size=64K, with or without --defsym=__heap_end=__stack-__stack_size.
ElfImage picolibc(bool fixed_recipe) {
  ElfImage img;
  img.entry = 0x10000000;
  img.segments.push_back(ElfSegment{0x10000000, 0x10000000, 0x1000, PermRead | PermExec, {}});
  img.symbols = {{"__stack", 0x20100000}, {"__stack_size", 0x10000}, {"__heap_start", 0x20000538},
                 {"__heap_end", fixed_recipe ? 0x200f0000u : 0x200ff800u}, {"sys_semihost_get_cmdline", 0x10001dd2}};
  return img;
}

MachineOptions args(std::vector<std::string> a) {
  MachineOptions o;
  o.argv = {"prog.elf"};
  o.argv.insert(o.argv.end(), a.begin(), a.end());
  return o;
}

}  // namespace

TEST_CASE("load warnings: a picolibc heap that runs into the stack") {
  CHECK(load_warnings(picolibc(true), args({})).empty());
  auto w = load_warnings(picolibc(false), args({}));
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("heap (0x20000538-0x200ff800) overlaps the stack (0x200f0000-0x20100000)") != std::string::npos);
  CHECK(w[0].find("--defsym=__heap_end=__stack-__stack_size") != std::string::npos);
  // picolibc's default layout (no __stack_size symbol: the script's own 2 KiB) and Linux programs: nothing to say.
  ElfImage deflt = picolibc(false);
  deflt.symbols.erase("__stack_size");
  CHECK(load_warnings(deflt, args({})).empty());
  ElfImage linux_prog;
  linux_prog.segments = picolibc(false).segments;
  CHECK(load_warnings(linux_prog, args({"a b", ""})).empty());
}

TEST_CASE("load warnings: semihosting arguments picolibc's crt0 would re-split") {
  CHECK(load_warnings(picolibc(true), args({"a", "--b=c", "x\ty"})).empty());
  for (auto bad : std::vector<std::vector<std::string>>{{"a b"}, {""}, {"ok", "", "two words"}}) {
    CAPTURE(bad);
    auto w = load_warnings(picolibc(true), args(bad));
    REQUIRE(w.size() == 1);
    CHECK(w[0].find("cannot reach the program intact") != std::string::npos);
  }
  auto w = load_warnings(picolibc(true), args({"a b", ""}));
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("arguments 'a b', ''") != std::string::npos);
}

TEST_CASE("load warnings: too many semihosting arguments, or too long a command line") {
  std::vector<std::string> many(62, "x");
  CHECK(load_warnings(picolibc(true), args(many)).empty());
  many.push_back("y");
  auto w = load_warnings(picolibc(true), args(many));
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("only the first 62 of 63 arguments") != std::string::npos);
  // 1023 bytes fit picolibc's 1024-byte buffer (with the NUL); 1024 do not.
  CHECK(load_warnings(picolibc(true), args({std::string(1023, 'a')})).empty());
  w = load_warnings(picolibc(true), args({std::string(1000, 'a'), std::string(23, 'b')}));
  REQUIRE(w.size() == 1);
  CHECK(w[0].find("1024-byte command line") != std::string::npos);
  CHECK(w[0].find("no arguments at all") != std::string::npos);
}
