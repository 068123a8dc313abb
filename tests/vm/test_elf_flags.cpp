// tests/vm/test_elf_flags.cpp - the RISC-V e_flags check: soft, single and
// double float ABIs load; the quad float ABI and RVE are refused clearly.
#include <doctest/doctest.h>

#include "tests/vm/elf_builder.hpp"
#include "vm/elf_flags.hpp"
#include "vm/elf_loader.hpp"

using namespace rvrr::vm;
using namespace rvrr::test;

namespace {
std::vector<std::uint8_t> elf_with_flags(std::uint32_t e_flags) {
  TestSegment text{.vaddr = 0x10000, .paddr = 0x10000, .flags = 5, .data = {0x13, 0, 0, 0}};
  auto b = build_elf(0x10000, {text}, {});
  put32(b, 36, e_flags);
  return b;
}
}  // namespace

TEST_CASE("elf flags: soft, single and double float ABIs run; TSO is harmless") {
  for (std::uint32_t flags : {0x0u, 0x1u, 0x2u, 0x3u, 0x4u, 0x5u, 0x15u}) {
    CAPTURE(flags);
    ElfLoadResult r = load_elf(elf_with_flags(flags));
    CHECK(r.image.has_value());
    CHECK(r.error.empty());
  }
  CHECK(std::string(float_abi_name(0x5)) == "double");
  CHECK(std::string(float_abi_name(0x3)) == "single");
  CHECK(std::string(float_abi_name(0x1)) == "soft");
}

TEST_CASE("elf flags: the quad float ABI and RVE are refused with a reason") {
  ElfLoadResult q = load_elf(elf_with_flags(0x7));  // RVC | quad float ABI
  REQUIRE_FALSE(q.image.has_value());
  CHECK(q.error.find("quad-precision float ABI") != std::string::npos);
  CHECK(q.error.find("ilp32d") != std::string::npos);
  ElfLoadResult e = load_elf(elf_with_flags(0x9));  // RVC | RVE
  REQUIRE_FALSE(e.image.has_value());
  CHECK(e.error.find("RV32E") != std::string::npos);
}
