// tests/vm/test_guest_programs.cpp - loader + layout + syscalls + interpreter
// together: tiny hand-encoded programs built into ELF files in memory.
#include <doctest/doctest.h>

#include "tests/vm/elf_builder.hpp"
#include "vm/elf_loader.hpp"
#include "vm/machine.hpp"

using namespace rvrr::vm;
using namespace rvrr::test;

namespace {

std::vector<std::uint8_t> words(std::initializer_list<std::uint32_t> ws) {
  std::vector<std::uint8_t> b;
  for (std::uint32_t w : ws)
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(w >> (8 * i)));
  return b;
}

// 0x10000: write(1, "hi!\n", 4... 5 with the NUL) then exit(argc);
// 0x10034: "hi!\n\0"; 0x10040: semihosting WRITE0 then EXIT_EXTENDED(9).
std::vector<std::uint8_t> program_text() {
  auto b = words({
      0x00100513,  // li a0, 1
      0x00000597,  // auipc a1, 0
      0x03058593,  // addi a1, a1, 48      -> 0x10034
      0x00400613,  // li a2, 4
      0x04000893,  // li a7, 64 (write)
      0x00000073,  // ecall
      0x00012503,  // lw a0, 0(sp)         argc
      0x05d00893,  // li a7, 93 (exit)
      0x00000073,  // ecall
      0, 0, 0, 0,
      0x0a216968,  // "hi!\n"
      0, 0,
      0x00400513,  // 0x10040: li a0, 4 (WRITE0)
      0x00000597,  // auipc a1, 0
      0xff058593,  // addi a1, a1, -16     -> 0x10034
      0x01f01013,  // slli x0, x0, 0x1f
      0x00100073,  // ebreak
      0x40705013,  // srai x0, x0, 7
      0xff010113,  // addi sp, sp, -16
      0x000202b7,  // lui t0, 0x20
      0x02628293,  // addi t0, t0, 38      ADP_Stopped_ApplicationExit
      0x00512023,  // sw t0, 0(sp)
      0x00900293,  // li t0, 9
      0x00512223,  // sw t0, 4(sp)
      0x02000513,  // li a0, 0x20 (EXIT_EXTENDED)
      0x00010593,  // mv a1, sp
      0x01f01013,  // slli x0, x0, 0x1f
      0x00100073,  // ebreak
      0x40705013,  // srai x0, x0, 7
  });
  return b;
}

}  // namespace

TEST_CASE("guest programs: Linux ABI write and exit(argc)") {
  const auto elf = build_elf(0x10000, {TestSegment{.vaddr = 0x10000, .paddr = 0x10000, .flags = 5, .data = program_text()}});
  ElfLoadResult r = load_elf(elf);
  REQUIRE_MESSAGE(r.image, r.error);
  MachineOptions o;
  o.argv = {"prog", "a", "b"};
  Machine m(*r.image, o);
  NullEnvironment env;
  StopInfo s = m.run(RunOptions{}, env);
  CHECK(s.kind() == StopKind::Exited);
  CHECK(s.exit_code() == 3);
  CHECK(env.out == "hi!\n");
  CHECK(m.icount() == 8);  // the exiting ecall does not retire
}

TEST_CASE("guest programs: semihosting WRITE0 and EXIT_EXTENDED with __stack") {
  const auto elf = build_elf(0x10040,
                             {TestSegment{.vaddr = 0x10000, .paddr = 0x10000, .flags = 5, .data = program_text()},
                              TestSegment{.vaddr = 0x20000, .paddr = 0x20000, .flags = 6, .data = {}, .memsz = 0x100}},
                             {{"__stack", 0x24000}, {"__heap_start", 0x20100}, {"__heap_end", 0x23000}});
  ElfLoadResult r = load_elf(elf);
  REQUIRE_MESSAGE(r.image, r.error);
  MachineOptions o;
  o.argv = {"prog"};
  Machine m(*r.image, o);
  CHECK(m.reg(2) < 0x24000);
  CHECK(m.reg(2) >= 0x23000);
  NullEnvironment env;
  StopInfo s = m.run(RunOptions{}, env);
  CHECK(s.kind() == StopKind::Exited);
  CHECK(s.exit_code() == 9);
  CHECK(env.out == "hi!\n");
}
