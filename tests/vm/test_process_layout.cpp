// tests/vm/test_process_layout.cpp - layout_process: segments, stack, heap, initial stack.
#include <doctest/doctest.h>

#include <stdexcept>

#include "vm/process_layout.hpp"

using namespace rvrr::vm;

namespace {

ElfImage linux_image() {
  ElfImage img;
  img.entry = 0x10074;
  img.segments.push_back(ElfSegment{0x10000, 0x10000, 0x200, PermRead | PermExec, std::vector<std::uint8_t>(0x200, 0x13)});
  img.segments.push_back(ElfSegment{0x10200, 0x10200, 0x1000, PermRead | PermWrite, {1, 2, 3, 4}});
  return img;
}

MachineOptions opts() {
  MachineOptions o;
  o.argv = {"prog", "arg one"};
  o.envp = {"HOME=/", "X=1"};
  o.memory_limit = 64ull << 20;
  o.stack_size = 1u << 20;
  return o;
}

std::uint32_t rd32(const Memory& m, Addr a) {
  std::uint8_t b[4] = {};
  REQUIRE(m.read_bytes(a, b));
  return b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
}
std::string rdstr(const Memory& m, Addr a) {
  std::string s;
  for (std::uint8_t c = 1; s.size() < 1000;) {
    REQUIRE(m.read_bytes(a + static_cast<Addr>(s.size()), std::span(&c, 1)));
    if (!c) break;
    s.push_back(static_cast<char>(c));
  }
  return s;
}

}  // namespace

TEST_CASE("process layout: Linux initial stack holds argc, argv, envp and auxv") {
  Memory mem;
  SyscallState st;
  std::uint32_t regs[32] = {};
  const ElfImage img = linux_image();
  const Addr pc = layout_process(img, opts(), mem, st, regs);
  CHECK(pc == 0x10074);
  const Addr sp = regs[2];
  CHECK(sp % 16 == 0);
  CHECK(sp < st.stack_top);
  CHECK(sp >= st.stack_base);
  CHECK(rd32(mem, sp) == 2);
  CHECK(rdstr(mem, rd32(mem, sp + 4)) == "prog");
  CHECK(rdstr(mem, rd32(mem, sp + 8)) == "arg one");
  CHECK(rd32(mem, sp + 12) == 0);
  CHECK(rdstr(mem, rd32(mem, sp + 16)) == "HOME=/");
  CHECK(rdstr(mem, rd32(mem, sp + 20)) == "X=1");
  CHECK(rd32(mem, sp + 24) == 0);
  std::map<std::uint32_t, std::uint32_t> aux;
  Addr a = sp + 28;
  for (int i = 0; i < 64; ++i, a += 8) {
    const std::uint32_t key = rd32(mem, a);
    aux[key] = rd32(mem, a + 4);
    if (key == 0) break;
  }
  REQUIRE(aux.count(0));
  CHECK(aux[6] == 4096);     // AT_PAGESZ
  CHECK(aux[9] == 0x10074);  // AT_ENTRY
  REQUIRE(aux.count(25));    // AT_RANDOM
  std::uint8_t random[16];
  CHECK(mem.read_bytes(aux[25], random));

  // Segments and regions.
  std::uint8_t b[4];
  REQUIRE(mem.read_bytes(0x10200, b));
  CHECK(b[0] == 1);
  CHECK(b[3] == 4);
  CHECK((mem.perms(0x10000) & PermExec) != 0);
  CHECK(mem.perms(0x10200) == (PermRead | PermWrite | PermExec));  // page shared with text: union
  CHECK(mem.perms(0x11000) == (PermRead | PermWrite));
  CHECK(mem.is_mapped(0x11100));                                   // bss
  CHECK_FALSE(mem.is_mapped(0x12000));
  CHECK(st.brk_start == 0x12000);
  CHECK(st.brk == st.brk_start);
  CHECK(st.brk_limit > st.brk_start);
  CHECK(st.brk_limit < st.stack_base);
  CHECK(st.files.size() == 3);
  CHECK(st.cmdline == "arg one");  // picolibc supplies argv[0] itself
  CHECK(mem.page_count() * kPageSize < (64ull << 20));
}

TEST_CASE("process layout: deterministic, and AT_RANDOM depends on the image only") {
  auto run = [](const ElfImage& img) {
    Memory mem;
    SyscallState st;
    std::uint32_t regs[32] = {};
    layout_process(img, opts(), mem, st, regs);
    return std::pair(mem.hash(), st.hash());
  };
  const ElfImage img = linux_image();
  CHECK(run(img) == run(img));
  ElfImage other = img;
  other.segments[1].bytes[0] = 9;
  CHECK(run(img).first != run(other).first);
}

TEST_CASE("process layout: LMA and VMA both get the bytes") {
  ElfImage img = linux_image();
  img.segments[1].paddr = 0x11800;  // .data stored elsewhere, copied to 0x10200 by crt0
  Memory mem;
  SyscallState st;
  std::uint32_t regs[32] = {};
  layout_process(img, opts(), mem, st, regs);
  CHECK(rd32(mem, 0x11800) == 0x04030201);
  CHECK(rd32(mem, 0x10200) == 0x04030201);
}

TEST_CASE("process layout: picolibc programs use __stack and the heap symbols") {
  ElfImage img;
  img.entry = 0x10000000;
  img.segments.push_back(ElfSegment{0x10000000, 0x10000000, 0x100, PermRead | PermExec, std::vector<std::uint8_t>(0x100, 0x13)});
  img.segments.push_back(ElfSegment{0x20000000, 0x10000100, 0x1c, PermRead | PermWrite, std::vector<std::uint8_t>(0x1c, 7)});
  img.segments.push_back(ElfSegment{0x2000001c, 0x2000001c, 0x814, PermRead | PermWrite, {}});
  img.symbols = {{"__stack", 0x20008000}, {"__heap_start", 0x20000830}, {"__heap_end", 0x20007800}};
  Memory mem;
  SyscallState st;
  std::uint32_t regs[32] = {};
  CHECK(layout_process(img, opts(), mem, st, regs) == 0x10000000);
  for (Addr a = 0x20000000; a < 0x20008000; a += kPageSize) CHECK(mem.perms(a) == (PermRead | PermWrite));
  CHECK_FALSE(mem.is_mapped(0x20008000));
  CHECK(st.heap_start == 0x20000830);
  CHECK(st.heap_end == 0x20007800);
  CHECK(st.stack_top == 0x20008000);
  CHECK(regs[2] < 0x20008000);
  CHECK(regs[2] >= 0x20007800);
  CHECK(rd32(mem, regs[2]) == 2);  // argc is there too, for a crt0 that wants it
}

TEST_CASE("process layout: refusals") {
  Memory mem;
  SyscallState st;
  std::uint32_t regs[32] = {};
  ElfImage big = linux_image();
  big.segments[1].memsz = 100u << 20;
  Memory mem2;
  CHECK_THROWS_WITH_AS(layout_process(big, opts(), mem2, st, regs), doctest::Contains("memory limit"),
                       std::runtime_error);

  ElfImage at_stack = linux_image();
  at_stack.segments[1].vaddr = at_stack.segments[1].paddr = 0x7ffe0000;
  Memory mem3;
  CHECK_THROWS_WITH_AS(layout_process(at_stack, opts(), mem3, st, regs), doctest::Contains("stack"),
                       std::runtime_error);

  ElfImage empty;
  Memory mem4;
  CHECK_THROWS_AS(layout_process(empty, opts(), mem4, st, regs), std::runtime_error);

  MachineOptions huge_args = opts();
  huge_args.stack_size = 8192;
  huge_args.argv.push_back(std::string(20000, 'x'));
  Memory mem5;
  CHECK_THROWS_WITH_AS(layout_process(linux_image(), huge_args, mem5, st, regs), doctest::Contains("do not fit"),
                       std::runtime_error);
}

TEST_CASE("process layout: segments below 64 KiB load as qemu-riscv32 loads them; the rest of low memory faults") {
  // `-Wl,-Ttext=0x10000`: the first segment (ELF headers included) starts at 0xf000.
  for (Addr at : {Addr{0xf000}, Addr{0x1000}, Addr{0x0}}) {
    CAPTURE(at);
    Memory mem;
    SyscallState st;
    std::uint32_t regs[32] = {};
    ElfImage low = linux_image();
    low.segments[0].vaddr = low.segments[0].paddr = at;
    low.segments[1].vaddr = low.segments[1].paddr = at + 0x2000;
    low.entry = at + 0x74;
    CHECK(layout_process(low, opts(), mem, st, regs) == at + 0x74);
    CHECK(mem.is_mapped(at));
    CHECK(rd32(mem, at) == 0x13131313);
    // What the program does not map stays unmapped: null pointers still fault
    // unless the program itself put something at 0.
    CHECK(mem.is_mapped(0) == (at == 0));
    CHECK_FALSE(mem.is_mapped(at + 0x4000));
    CHECK(st.brk_start >= at + 0x3000);
  }
}
