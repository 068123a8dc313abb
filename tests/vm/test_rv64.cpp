// tests/vm/test_rv64.cpp - RV64: ELF64 loading, the RV64 run loop on
// hand-encoded words (RV64I/M/A/C/F/D specifics), the lp64 initial stack and
// syscalls, and that points (breakpoints, watchpoints, exact limits) work.
#include <doctest/doctest.h>

#include <cstring>

#include "tests/vm/vm_fixture.hpp"
#include "vm/elf_loader.hpp"
#include "vm/rv64_compressed.hpp"

namespace rvrr::vm::test {
namespace {

namespace e = enc;

// RV64-only encodings.
constexpr std::uint32_t ld(unsigned rd, unsigned rs1, std::int32_t imm) { return e::i(imm, rs1, 3, rd, 0x03); }
constexpr std::uint32_t lwu(unsigned rd, unsigned rs1, std::int32_t imm) { return e::i(imm, rs1, 6, rd, 0x03); }
constexpr std::uint32_t sd(unsigned rs2, unsigned rs1, std::int32_t imm) { return e::s(imm, rs2, rs1, 3, 0x23); }
constexpr std::uint32_t addiw(unsigned rd, unsigned rs1, std::int32_t imm) { return e::i(imm, rs1, 0, rd, 0x1b); }
constexpr std::uint32_t slli(unsigned rd, unsigned rs1, unsigned sh) { return e::i(static_cast<std::int32_t>(sh), rs1, 1, rd, 0x13); }
constexpr std::uint32_t srai(unsigned rd, unsigned rs1, unsigned sh) { return e::i(static_cast<std::int32_t>(0x400 | sh), rs1, 5, rd, 0x13); }
constexpr std::uint32_t op32(std::uint32_t f7, unsigned rs2, unsigned rs1, std::uint32_t f3, unsigned rd) {
  return e::r(f7, rs2, rs1, f3, rd, 0x3b);
}

ElfImage image64(const Program& p) {
  ElfImage img = make_image(p.bytes);
  img.xlen = 64;
  return img;
}
Machine machine64(const Program& p) {
  MachineOptions o;
  o.argv = {"test64", "arg"};
  o.envp = {"A=1"};
  return Machine(image64(p), o);
}
// Runs p to a c.ebreak appended here.
Machine run64(Program& p) {
  p.h(e::kCEbreak);
  Machine m = machine64(p);
  StopInfo s = run(m);
  INFO(s.message());
  REQUIRE(s.kind() == StopKind::Fault);
  REQUIRE(s.signal() == Signal::Trap);
  REQUIRE(m.pc() == p.here() - 2);
  return m;
}

// A minimal ELF64 RISC-V executable: one R+X PT_LOAD at 0x10000 holding the
// headers and `code` (entry just past the headers).
std::vector<std::uint8_t> elf64(const std::vector<std::uint8_t>& code, std::uint16_t machine = 243,
                                std::uint64_t vaddr = 0x10000) {
  std::vector<std::uint8_t> b(64 + 56, 0);
  auto p16 = [&](std::size_t at, std::uint16_t v) { b[at] = static_cast<std::uint8_t>(v); b[at + 1] = static_cast<std::uint8_t>(v >> 8); };
  auto p32 = [&](std::size_t at, std::uint32_t v) { for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i)); };
  auto p64 = [&](std::size_t at, std::uint64_t v) { for (int i = 0; i < 8; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i)); };
  const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  std::memcpy(b.data(), ident, sizeof ident);
  p16(16, 2);
  p16(18, machine);
  p32(20, 1);
  p64(24, vaddr + 120);  // e_entry
  p64(32, 64);           // e_phoff
  p16(52, 64);           // e_ehsize
  p16(54, 56);           // e_phentsize
  p16(56, 1);            // e_phnum
  p16(58, 64);           // e_shentsize
  p32(64, 1);            // PT_LOAD
  p32(68, 5);            // PF_R|PF_X
  p64(72, 0);            // p_offset
  p64(80, vaddr);
  p64(88, vaddr);
  b.insert(b.end(), code.begin(), code.end());
  p64(96, b.size());     // p_filesz
  p64(104, b.size());    // p_memsz
  return b;
}

}  // namespace

TEST_CASE("rv64 elf: ELF64 RISC-V loads with its width and program headers; others are refused clearly") {
  Program p;
  p.w(e::addi(a0, zero, 7)).w(e::addi(a7, zero, 93)).w(e::kEcall);
  ElfLoadResult r = load_elf(elf64(p.bytes));
  REQUIRE_MESSAGE(r.image, r.error);
  CHECK(r.image->xlen == 64);
  CHECK(r.image->entry == 0x10000 + 120);
  CHECK(r.image->phdr == 0x10000 + 64);  // inside the loaded segment
  CHECK(r.image->phent == 56);
  CHECK(r.image->phnum == 1);

  ElfLoadResult x86 = load_elf(elf64(p.bytes, 62));
  CHECK(x86.error == "not a RISC-V program (ELF64, e_machine 62)");
  // Linked above 4 GiB: fine (sv39's user space is 256 GiB); above that: refused.
  ElfLoadResult above4g = load_elf(elf64(p.bytes, 243, 0x100000000ull));
  REQUIRE_MESSAGE(above4g.image, above4g.error);
  CHECK(above4g.image->entry == 0x100000000ull + 120);
  ElfLoadResult high = load_elf(elf64(p.bytes, 243, 0x4000000000ull));
  CHECK_FALSE(high.image);
  CHECK(high.error.find("above 256 GiB") != std::string::npos);

  // An RV64 program runs: exit(7).
  MachineOptions options;
  options.argv = {"x"};
  Machine m(*r.image, options);
  CHECK(m.xlen() == 64);
  NullEnvironment env;
  StopInfo s = m.run(RunOptions{}, env);
  CHECK(s.kind() == StopKind::Exited);
  CHECK(s.exit_code() == 7);
  CHECK(m.icount() == 2);
}

TEST_CASE("rv64 cpu: 64-bit registers, *W ops sign-extend, 6-bit shifts") {
  Program p;
  p.w(e::addi(a0, zero, -1));           // a0 = -1 (all 64 bits)
  p.w(e::r(0, a0, a0, 5, a1, 0x33));    // srl a1, a0, a0: shift by 63 -> 1
  p.w(slli(a2, a0, 63));                // a2 = 0x8000000000000000
  p.w(srai(a3, a2, 40));                // a3 = 0xffffffffff800000
  p.w(e::lui(a4, 0x80000));             // lui sign-extends: 0xffffffff80000000
  p.w(addiw(a5, a4, -1));               // addiw wraps to 0x7fffffff
  p.w(op32(0, a4, a4, 0, a6));          // addw a6 = (int32)(0x80000000 * 2) = 0
  p.w(op32(0x20, a0, zero, 0, a7));     // subw a7 = 0 - (-1) = 1
  p.w(op32(0, a0, a4, 1, s2));          // sllw s2 = 0x80000000 << 31 (masked) = 0
  p.w(op32(0x20, a0, a4, 5, s3));       // sraw s3 = (int32)0x80000000 >> 31 = -1
  p.w(op32(0, a0, a4, 5, s4));          // srlw s4 = 0x80000000 >> 31 = 1
  p.w(e::r(0, a0, zero, 3, s5, 0x33));  // sltu s5 = 0 < 0xfff..f = 1
  p.w(e::i(-1, zero, 3, s6, 0x13));     // sltiu s6 = 0 < (u64)-1 = 1
  Machine m = run64(p);
  CHECK(m.reg64(a0) == ~0ull);
  CHECK(m.reg64(a1) == 1);
  CHECK(m.reg64(a2) == 0x8000000000000000ull);
  CHECK(m.reg64(a3) == 0xffffffffff800000ull);
  CHECK(m.reg64(a4) == 0xffffffff80000000ull);
  CHECK(m.reg64(a5) == 0x7fffffffull);
  CHECK(m.reg64(a6) == 0);
  CHECK(m.reg64(a7) == 1);
  CHECK(m.reg64(s2) == 0);
  CHECK(m.reg64(s3) == ~0ull);
  CHECK(m.reg64(s4) == 1);
  CHECK(m.reg64(s5) == 1);
  CHECK(m.reg64(s6) == 1);
  CHECK(m.reg(a4) == 0x80000000u);  // reg(): the low half
}

TEST_CASE("rv64 cpu: M on 64 bits and the W forms, division edge cases") {
  Program p;
  p.w(e::addi(a0, zero, -1));
  p.w(slli(a1, a0, 63));                     // a1 = INT64_MIN
  p.w(e::addi(a2, zero, 3));
  p.w(e::r(1, a0, a0, 3, s2, 0x33));         // mulhu (2^64-1)^2 >> 64 = 2^64-2
  p.w(e::r(1, a2, a0, 1, s3, 0x33));         // mulh -1*3 >> 64 = -1
  p.w(e::r(1, a0, a1, 4, s4, 0x33));         // div INT64_MIN / -1 = INT64_MIN
  p.w(e::r(1, a0, a1, 6, s5, 0x33));         // rem INT64_MIN % -1 = 0
  p.w(e::r(1, zero, a2, 5, s6, 0x33));       // divu 3/0 = all ones
  p.w(e::r(1, zero, a2, 7, s7, 0x33));       // remu 3%0 = 3
  p.w(op32(1, a2, a0, 0, s8));               // mulw -1*3 = -3
  p.w(op32(1, zero, a2, 5, s9));             // divuw 3/0 = sext(0xffffffff) = -1
  p.w(e::r(1, a0, a2, 2, s10, 0x33));        // mulhsu 3 * (2^64-1) >> 64 = 2
  Machine m = run64(p);
  CHECK(m.reg64(s2) == 0xfffffffffffffffeull);
  CHECK(m.reg64(s3) == ~0ull);
  CHECK(m.reg64(s4) == 0x8000000000000000ull);
  CHECK(m.reg64(s5) == 0);
  CHECK(m.reg64(s6) == ~0ull);
  CHECK(m.reg64(s7) == 3);
  CHECK(m.reg64(s8) == static_cast<std::uint64_t>(-3));
  CHECK(m.reg64(s9) == ~0ull);
  CHECK(m.reg64(s10) == 2);
}

TEST_CASE("rv64 cpu: ld/sd/lwu, lr.d/sc.d, amoadd.d, misaligned AMO faults") {
  Program p;
  p.li(s11, kDataBase);
  p.w(e::addi(a0, zero, -2));
  p.w(sd(a0, s11, 8));                                 // sd -2 at +8
  p.w(ld(a1, s11, 8));                                 // a1 = -2
  p.w(lwu(a2, s11, 8));                                // a2 = 0xfffffffe (zero-extended)
  p.w(e::i(8, s11, 0, t0, 0x13));                      // t0 = data+8
  p.w(e::r(0x08, 0, t0, 3, a3, 0x2f));                 // lr.d a3, (t0)
  p.w(e::addi(a4, zero, 5));
  p.w(e::r(0x0c, a4, t0, 3, a5, 0x2f));                // sc.d a5, a4, (t0) -> 0
  p.w(e::r(0x0c, a4, t0, 3, a6, 0x2f));                // sc.d again, no reservation -> 1
  p.w(e::r(0x00, a4, t0, 3, a7, 0x2f));                // amoadd.d a7, a4, (t0): old 5, now 10
  p.w(ld(s2, s11, 8));
  Machine m = run64(p);
  CHECK(m.reg64(a1) == static_cast<std::uint64_t>(-2));
  CHECK(m.reg64(a2) == 0xfffffffeull);
  CHECK(m.reg64(a3) == static_cast<std::uint64_t>(-2));
  CHECK(m.reg64(a5) == 0);
  CHECK(m.reg64(a6) == 1);
  CHECK(m.reg64(a7) == 5);
  CHECK(m.reg64(s2) == 10);

  Program q;
  q.li(t0, kDataBase + 4);
  q.w(e::r(0x08, 0, t0, 3, a3, 0x2f));  // lr.d at a 4-aligned address: SIGBUS
  Machine mq = machine64(q);
  StopInfo s = run(mq);
  CHECK(s.kind() == StopKind::Fault);
  CHECK(s.signal() == Signal::Bus);
}

TEST_CASE("rv64 compressed: RV64 forms expand as the spec says") {
  CHECK(expand_rv64c(0x0000) == 0);
  CHECK(expand_rv64c(0x6008) == ld(a0, s0, 0));            // c.ld a0, 0(s0)
  CHECK(expand_rv64c(0xe408) == sd(a0, s0, 8));            // c.sd a0, 8(s0)
  CHECK(expand_rv64c(0x2505) == addiw(a0, a0, 1));         // c.addiw a0, 1
  CHECK(expand_rv64c(0x2001) == 0);                        // c.addiw x0: reserved
  CHECK(expand_rv64c(0x6502) == ld(a0, sp, 0));            // c.ldsp a0, 0(sp)
  CHECK(expand_rv64c(0xe42a) == sd(a0, sp, 8));            // c.sdsp a0, 8(sp)
  CHECK(expand_rv64c(0x9d0d) == op32(0x20, a1, a0, 0, a0));  // c.subw a0, a1
  CHECK(expand_rv64c(0x9d2d) == op32(0, a1, a0, 0, a0));   // c.addw a0, a1
  CHECK(expand_rv64c(0x1502) == slli(a0, a0, 32));         // c.slli a0, 32
  CHECK(expand_rv64c(0x9002) == e::kEbreak);               // c.ebreak

  // Executed: c.li a0,-1; c.slli a0,32; c.addiw a1,... on a sign-extended value.
  Program p;
  p.h(0x557d);  // c.li a0, -1
  p.h(0x1502);  // c.slli a0, 32 -> 0xffffffff00000000
  p.h(0x85aa);  // c.mv a1, a0
  p.h(0x2585);  // c.addiw a1, 1 -> sext(0x00000001) = 1
  Machine m = run64(p);
  CHECK(m.reg64(a0) == 0xffffffff00000000ull);
  CHECK(m.reg64(a1) == 1);
}

TEST_CASE("rv64 fp: fcvt.l.d, fcvt.d.lu, fmv.x.d/fmv.d.x, fmv.x.w sign-extends") {
  Program q;
  q.w(e::addi(a0, zero, -3));
  q.w(0xd2000053u | (2u << 20) | (a0 << 15) | (1u << 7));        // fcvt.d.l f1, a0 (rm=rne)
  q.w(0xc2000053u | (2u << 20) | (1u << 15) | (7u << 12) | (a1 << 7));  // fcvt.l.d a1, f1 (dyn)
  q.w(0xe2000053u | (1u << 15) | (a2 << 7));                      // fmv.x.d a2, f1
  q.w(0xf2000053u | (a2 << 15) | (2u << 7));                      // fmv.d.x f2, a2
  q.w(0xe2000053u | (2u << 15) | (a3 << 7));                      // fmv.x.d a3, f2
  q.w(e::lui(a4, 0x80000));                                        // a4 = 0xffffffff80000000
  q.w(0xf0000053u | (a4 << 15) | (3u << 7));                      // fmv.w.x f3, a4
  q.w(0xe0000053u | (3u << 15) | (a5 << 7));                      // fmv.x.w a5, f3 -> sext
  q.w(0xd2000053u | (3u << 20) | (a0 << 15) | (4u << 7));        // fcvt.d.lu f4, a0 (2^64-3)
  q.w(0xc2000053u | (3u << 20) | (4u << 15) | (1u << 12) | (a6 << 7));  // fcvt.lu.d a6, f4 (rtz)
  Machine m = run64(q);
  CHECK(m.reg64(a1) == static_cast<std::uint64_t>(-3));
  CHECK(m.reg64(a2) == 0xc008000000000000ull);  // -3.0
  CHECK(m.reg64(a3) == 0xc008000000000000ull);
  CHECK(m.reg64(a5) == 0xffffffff80000000ull);
  CHECK(m.freg(4) == 0x43f0000000000000ull);    // 2^64-3 rounds to 2^64
  CHECK(m.reg64(a6) == ~0ull);                  // 2^64 does not fit: saturates (invalid)
  CHECK((m.fcsr() & 0x10) != 0);
}

TEST_CASE("rv64 process: lp64 initial stack with auxv, exact limits, breakpoints and watchpoints") {
  Program p;
  p.w(e::addi(a0, zero, 1));
  p.w(e::addi(a0, a0, 1));
  p.li(s11, kDataBase);
  p.w(sd(a0, s11, 16));
  p.w(e::addi(a0, a0, 1));
  Machine m = machine64(p);
  // argc, argv[0..1], NULL, envp[0], NULL, auxv: 8-byte words.
  const Addr stack = static_cast<Addr>(m.reg64(sp));
  auto word = [&](Addr a) {
    std::uint8_t b[8] = {};
    m.memory().read_bytes(a, b);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
    return v;
  };
  CHECK(stack % 16 == 0);
  CHECK(word(stack) == 2);
  CHECK(word(stack + 24) == 0);
  CHECK(word(stack + 40) == 0);
  bool pagesz = false, random = false, hwcap = false;
  for (Addr a = stack + 48; word(a) != 0; a += 16) {
    pagesz |= word(a) == 6 && word(a + 8) == 4096;
    random |= word(a) == 25 && word(a + 8) > stack;
    hwcap |= word(a) == 16 && word(a + 8) == 0x112d;
  }
  CHECK(pagesz);
  CHECK(random);
  CHECK(hwcap);

  StopInfo s = run(m, 2);
  CHECK(s.kind() == StopKind::Limit);
  CHECK(m.icount() == 2);
  CHECK(m.reg64(a0) == 2);

  DebugPoints points;
  points.add_watch(kDataBase + 16, 8, WatchKind::Write);
  s = run(m, ~0ull, &points);
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(s.addr() == kDataBase + 16);
  CHECK(m.pc() == kCodeBase + 16);  // at the sd, not executed
  const std::uint64_t at = m.icount();
  DebugPoints bp;
  bp.add_breakpoint(kCodeBase + 20);
  s = run(m, ~0ull, &bp, true);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == kCodeBase + 20);
  CHECK(m.icount() == at + 1);
  CHECK(word(kDataBase + 16) == 2);

  // Snapshots are independent and hashes are deterministic.
  Machine copy = m;
  CHECK(copy.state_hash() == m.state_hash());
  run(m, m.icount() + 1);
  CHECK(copy.state_hash() != m.state_hash());
}

TEST_CASE("rv64 process: the stack ends at 256 GiB (sv39's top); stores, watchpoints and snapshots work there") {
  Program p;
  p.w(e::addi(a0, zero, 5));
  p.w(sd(a0, sp, -8));        // a store just below the initial sp, above 4 GiB
  p.w(e::addi(a0, a0, 1));
  p.w(sd(a0, sp, -8));
  Machine m = machine64(p);
  const Addr stack = m.reg64(sp);
  CHECK(m.layout().stack_top == 0x4000000000ull);
  CHECK(stack < 0x4000000000ull);
  CHECK(stack > 0x4000000000ull - 4096);  // argv/envp/auxv only
  CHECK(m.layout().stack_base == 0x4000000000ull - (8u << 20));
  DebugPoints points;
  points.add_watch(stack - 8, 8, WatchKind::Write);
  StopInfo s = run(m, ~0ull, &points);
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(s.addr() == stack - 8);
  CHECK(m.icount() == 1);
  Machine snap = m;
  s = run(m, ~0ull, &points, true);  // step off: the second store stops it
  CHECK(s.kind() == StopKind::Watchpoint);
  CHECK(m.icount() == 3);
  std::uint8_t b[8] = {};
  REQUIRE(m.memory().read_bytes(stack - 8, b));
  CHECK(b[0] == 5);
  REQUIRE(snap.memory().read_bytes(stack - 8, b));
  CHECK(b[0] == 0);  // the snapshot still has the page as it was
  // A watch on the same offset 4 GiB lower never fires (no aliasing).
  DebugPoints low;
  low.add_watch((stack - 8) & 0xffffffffu, 8, WatchKind::Write);
  s = run(snap, 3, &low);
  CHECK(s.kind() == StopKind::Limit);
}

}  // namespace rvrr::vm::test

namespace rvrr::vm::test {

TEST_CASE("rv64 cpu: a store into the code page is seen by the next fetch (self-modifying code)") {
  Program p;
  // a1 = the word "addi a0, zero, 42"; store it over the instruction at `patched`.
  p.li(a1, e::addi(a0, zero, 42));
  p.w(e::auipc(t0, 0));          // t0 = this pc
  const Addr auipc_at = p.here() - 4;
  p.w(e::addi(a0, zero, 1));     // executed once before the patch (warms the fetch cache)
  p.w(e::sw(a1, t0, 0));         // placeholder offset, fixed below
  const Addr patched = p.here();
  p.w(e::addi(a0, zero, 1));     // replaced by the store above
  const std::int32_t off = static_cast<std::int32_t>(patched - auipc_at);
  const std::uint32_t sw = e::sw(a1, t0, off);
  for (int k = 0; k < 4; ++k) p.bytes[patched - 4 - kCodeBase + k] = static_cast<std::uint8_t>(sw >> (8 * k));
  p.h(e::kCEbreak);
  ElfImage img = make_image(p.bytes);
  img.xlen = 64;
  img.segments[0].perms = PermRead | PermWrite | PermExec;
  MachineOptions o;
  o.argv = {"smc"};
  Machine m(img, o);
  const Machine snapshot = m;  // shares the code page: the store must copy it first
  StopInfo s = run(m);
  REQUIRE(s.kind() == StopKind::Fault);
  CHECK(s.signal() == Signal::Trap);
  CHECK(m.reg64(a0) == 42);
  CHECK(snapshot.reg64(a0) == 0);
}

}  // namespace rvrr::vm::test

namespace rvrr::vm::test {

TEST_CASE("rv64 disassembly: RV64-only encodings by name, compressed ones as their expansion") {
  Program p;
  p.w(sd(a0, s0, 8));                    // 0x10000
  p.w(ld(a1, sp, -16));                  // 0x10004
  p.w(addiw(a0, a0, -1));                // 0x10008
  p.w(op32(0x20, a2, a1, 0, a0));        // 0x1000c subw
  p.w(slli(a0, a0, 40));                 // 0x10010
  p.w(e::r(0x08, 0, t0, 3, a3, 0x2f));   // 0x10014 lr.d
  p.h(0x6008);                           // 0x10018 c.ld a0, 0(s0)
  p.w(e::addi(a0, a0, 1));               // 0x1001a same on both widths
  p.h(0x9002);                           // 0x1001e c.ebreak
  Machine m = machine64(p);
  const Memory& mem = m.memory();
  CHECK(disassemble(mem, kCodeBase, 64) == "sd a0, 8(s0)");
  CHECK(disassemble(mem, kCodeBase + 4, 64) == "ld a1, -16(sp)");
  CHECK(disassemble(mem, kCodeBase + 8, 64) == "addiw a0, a0, -1");
  CHECK(disassemble(mem, kCodeBase + 12, 64) == "subw a0, a1, a2");
  CHECK(disassemble(mem, kCodeBase + 16, 64) == "slli a0, a0, 40");
  CHECK(disassemble(mem, kCodeBase + 20, 64) == "lr.d a3, (t0)");
  CHECK(disassemble(mem, kCodeBase + 24, 64) == "ld a0, 0(s0)");
  CHECK(disassemble(mem, kCodeBase + 26, 64) == disassemble(mem, kCodeBase + 26));
  CHECK(disassemble(mem, kCodeBase + 30, 64) == "c.ebreak");
  CHECK(disassemble(mem, kCodeBase + 24) != "ld a0, 0(s0)");  // RV32 reads c.flw there
}

}  // namespace rvrr::vm::test
