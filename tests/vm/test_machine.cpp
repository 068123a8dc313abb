// tests/vm/test_machine.cpp - Machine as a whole: stops, snapshots, determinism,
// self-modifying code, and a (skipped by default) speed benchmark.
#include <doctest/doctest.h>

#include <algorithm>
#include <ctime>
#include <string>
#include <cstdio>
#include <cstdlib>

#include "vm/machine.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;
namespace e = rvrr::vm::test::enc;

namespace {
// A loop mixing ALU, loads, stores, branches and a call; runs forever.
//   a0 = data, s0 = counter, s1 = accumulator
Program mixed_loop() {
  Program p;
  p.li(a0, kDataBase);
  Addr loop = p.here();
  p.w(e::addi(s0, s0, 1));                  // loop: addi s0, s0, 1
  p.w(e::lw(t0, a0, 0));                    // lw t0, 0(a0)
  p.w(e::add(t0, t0, s0));                  // add t0, t0, s0
  p.w(e::sw(t0, a0, 0));                    // sw t0, 0(a0)
  p.w(e::r(0, s0, t0, 4, t1, 0x33));        // xor t1, t0, s0
  p.w(e::i(3, t1, 7, t2, 0x13));            // andi t2, t1, 3
  p.w(e::beq(t2, zero, 8));                 // beq t2, zero, +8
  p.w(e::add(s1, s1, t1));                  // add s1, s1, t1
  p.h(0x0585);                              // c.addi a1, 1
  p.w(e::r(1, t1, s1, 0, t3, 0x33));        // mul t3, s1, t1
  p.w(e::i(4, a0, 2, t4, 0x03));            // lbu t4, 4(a0)
  p.w(e::s(8, t3, a0, 2, 0x23));            // sw t3, 8(a0)
  Addr call = p.here();
  p.w(e::jal(ra, 0));                       // jal ra, func (patched below)
  p.w(e::jal(zero, static_cast<std::int32_t>(loop - p.here())));  // j loop
  Addr func = p.here();
  p.w(e::i(1, t5, t3, 5, 0x13));            // func: srli t5, t3, 1
  p.w(e::jalr(zero, ra, 0));                // ret
  std::uint32_t patched = e::jal(ra, static_cast<std::int32_t>(func - call));
  for (int k = 0; k < 4; ++k) p.bytes[call - kCodeBase + k] = static_cast<std::uint8_t>(patched >> (8 * k));
  return p;
}
}  // namespace

TEST_CASE("machine: stop_at is exact across blocks and pages, and equals stepping") {
  Program p = mixed_loop();
  Machine base = make_machine(p);
  for (std::uint64_t n : {0ull, 1ull, 2ull, 7ull, 13ull, 100ull, 4095ull, 4096ull, 4097ull, 10000ull, 123457ull}) {
    CAPTURE(n);
    Machine m = base;
    StopInfo s = run(m, n);
    CHECK(s.kind() == StopKind::Limit);
    CHECK(m.icount() == n);
    if (n <= 10000) {
      Machine stepped = base;
      NullEnvironment env;
      for (std::uint64_t k = 0; k < n; ++k) REQUIRE(stepped.step(env).kind() == StopKind::Limit);
      CHECK(stepped.icount() == n);
      CHECK(stepped.pc() == m.pc());
      CHECK(stepped.state_hash() == m.state_hash());
    }
  }
  // Two slices give the same state as one run.
  Machine one = base, two = base;
  run(one, 50000);
  run(two, 12345);
  run(two, 50000);
  CHECK(one.state_hash() == two.state_hash());
  CHECK(one.register_hash() == two.register_hash());
}

TEST_CASE("machine: determinism - same program, same state hash") {
  Program p = mixed_loop();
  Machine a = make_machine(p), b = make_machine(p);
  CHECK(a.state_hash() == b.state_hash());
  run(a, 200000);
  run(b, 200000);
  CHECK(a.state_hash() == b.state_hash());
  run(b, 200001);
  CHECK(a.state_hash() != b.state_hash());
}

TEST_CASE("machine: a snapshot is independent and shares pages until written") {
  Program p = mixed_loop();
  Machine m = make_machine(p);
  run(m, 1000);
  Machine snap = m;
  const std::uint64_t snap_hash = snap.state_hash();
  std::size_t shared = 0, total = 0;
  {
    std::vector<const void*> a, b;
    m.memory().for_each_page([&](std::uint64_t, const void* id) { a.push_back(id); });
    snap.memory().for_each_page([&](std::uint64_t, const void* id) { b.push_back(id); });
    REQUIRE(a.size() == b.size());
    for (std::size_t k = 0; k < a.size(); ++k) shared += a[k] == b[k];
    total = a.size();
  }
  CHECK(shared == total);
  run(m, 5000);  // writes the data page
  CHECK(snap.state_hash() == snap_hash);
  CHECK(snap.icount() == 1000);
  std::size_t still_shared = 0;
  {
    std::vector<const void*> a, b;
    m.memory().for_each_page([&](std::uint64_t, const void* id) { a.push_back(id); });
    snap.memory().for_each_page([&](std::uint64_t, const void* id) { b.push_back(id); });
    for (std::size_t k = 0; k < a.size(); ++k) still_shared += a[k] == b[k];
  }
  CHECK(still_shared == total - 1);  // only the data page was cloned
  // Running the snapshot to the same count reproduces the same state.
  run(snap, 5000);
  CHECK(snap.state_hash() == m.state_hash());
}

TEST_CASE("machine: self-modifying code executes the new instruction") {
  Program p;
  // Patched through the debugger interface between runs, then by a guest
  // store into an RWX page.
  p.w(e::addi(a0, zero, 1));                // addi a0, zero, 1
  p.h(e::kCEbreak);
  Machine m = make_machine(p);
  run(m, 1);
  CHECK(m.reg(a0) == 1);
  m.set_pc(kCodeBase);
  const std::uint32_t patched = e::addi(a0, zero, 42);
  std::uint8_t bytes[4];
  for (int k = 0; k < 4; ++k) bytes[k] = static_cast<std::uint8_t>(patched >> (8 * k));
  REQUIRE(m.memory().write_bytes(kCodeBase, bytes));
  run(m, 2);
  CHECK(m.reg(a0) == 42);

  // Guest store into its own (RWX) code page, to the very next instruction.
  Program q;
  q.li(t0, kCodeBase + 0x14);               // address of the "target" instruction (offset 0x14)
  q.li(t1, e::addi(a1, zero, 77));          // the new instruction word
  q.w(e::sw(t1, t0, 0));                    // sw t1, 0(t0)          (offset 0x10)
  q.w(e::addi(a1, zero, 5));                // target: addi a1, zero, 5 -> replaced  (offset 0x14)
  q.h(e::kCEbreak);
  REQUIRE(q.bytes.size() == 0x1a);
  ElfImage img = make_image(q.bytes);
  img.segments[0].perms = PermRead | PermWrite | PermExec;
  MachineOptions o;
  o.argv = {"smc"};
  Machine w(img, o);
  StopInfo s = run(w);
  CHECK(s.signal() == Signal::Trap);
  CHECK(w.reg(a1) == 77);
}

TEST_CASE("machine: a loop that rewrites its own next instruction sees every version") {
  // t0 = &target; each iteration adds 1 to target's immediate, then runs it.
  Program p;
  p.li(t0, 0);                              // patched below (2 words)
  p.li(s1, 5);                              // iterations
  Addr loop = p.here();
  p.w(e::lw(t1, t0, 0));                    // loop: lw t1, 0(t0)
  p.w(e::lui(t2, 0x100));                   // lui t2, 0x100      (1 << 20: imm += 1)
  p.w(e::add(t1, t1, t2));                  // add t1, t1, t2
  p.w(e::sw(t1, t0, 0));                    // sw t1, 0(t0)
  Addr target = p.here();
  p.w(e::addi(a1, a1, 0));                  // target: addi a1, a1, 0 (rewritten)
  p.w(e::addi(s1, s1, -1));                 // addi s1, s1, -1
  p.w(e::bne(s1, zero, static_cast<std::int32_t>(loop - p.here())));  // bne s1, zero, loop
  p.h(e::kCEbreak);
  Program q;
  q.li(t0, target);
  std::copy(q.bytes.begin(), q.bytes.end(), p.bytes.begin());
  ElfImage img = make_image(p.bytes);
  img.segments[0].perms = PermRead | PermWrite | PermExec;
  MachineOptions o;
  o.argv = {"smc"};
  Machine m(img, o);
  run(m, 12);                               // into the loop: the page is decoded
  Machine snap = m;                         // shares the page and its decoded form
  StopInfo s = run(m);
  CHECK(s.signal() == Signal::Trap);
  CHECK(m.reg(a1) == 1 + 2 + 3 + 4 + 5);
  s = run(snap);
  CHECK(s.signal() == Signal::Trap);
  CHECK(snap.reg(a1) == 15);
  CHECK(snap.state_hash() == m.state_hash());
}

TEST_CASE("machine: exit through ecall halts with the status") {
  Program p;
  p.w(e::addi(a0, zero, 3));                // addi a0, zero, 3
  p.w(e::addi(a7, zero, 93));               // addi a7, zero, 93 (exit)
  p.w(e::kEcall);
  Machine m = make_machine(p);
  StopInfo s = run(m);
  CHECK(s.kind() == StopKind::Exited);
  CHECK(s.exit_code() == 3);
  CHECK(m.halted());
  CHECK(m.halt_reason().kind() == StopKind::Exited);
  CHECK(m.icount() == 2);
  CHECK(run(m).kind() == StopKind::Exited);
}

TEST_CASE("machine: registers, pc and x0") {
  Program p;
  p.w(e::kNop);
  Machine m = make_machine(p);
  CHECK(m.pc() == kCodeBase);
  CHECK(m.reg(sp) != 0);
  m.set_reg(0, 5);
  CHECK(m.reg(0) == 0);
  m.set_reg(a0, 9);
  CHECK(m.reg(a0) == 9);
  CHECK(m.mapped_pages() == m.memory().page_count());
  CHECK(disassemble(m.memory(), kCodeBase) == "addi zero, zero, 0");
  CHECK(disassemble(m.memory(), 0x100) == "<unmapped>");
}

TEST_CASE("machine: benchmark of the mixed integer loop" * doctest::skip()) {
  // RVRR_BENCH_ELF=prog.elf runs a real program instead (to its exit), with
  // RVRR_BENCH_ARGS (space-separated) as its arguments. MIPS are per CPU second.
  Program p = mixed_loop();
  Machine m = make_machine(p);
  if (const char* elf = std::getenv("RVRR_BENCH_ELF")) {
    ElfLoadResult r = load_elf_file(elf);
    REQUIRE(r.image);
    MachineOptions o;
    o.argv = {elf};
    if (const char* args = std::getenv("RVRR_BENCH_ARGS")) {
      std::string all = args, word;
      for (char ch : all + " ") {
        if (ch != ' ') { word += ch; continue; }
        if (!word.empty()) o.argv.push_back(word);
        word.clear();
      }
    }
    m = Machine(*r.image, o);
  }
  const char* env_n = std::getenv("RVRR_BENCH_N");
  const std::uint64_t n = env_n ? std::strtoull(env_n, nullptr, 10) : 1000000000ull;
  NullEnvironment env;
  RunOptions ro;
  ro.stop_at = n;
  DebugPoints pts;  // RVRR_BENCH_BP=addr: time the exact path with a breakpoint present
  if (const char* bp = std::getenv("RVRR_BENCH_BP")) {
    pts.add_breakpoint(static_cast<Addr>(std::strtoul(bp, nullptr, 0)));
    ro.points = &pts;
  }
  const std::clock_t t0 = std::clock();
  StopInfo s = m.run(ro, env);
  const std::clock_t t1 = std::clock();
  double sec = static_cast<double>(t1 - t0) / CLOCKS_PER_SEC;
  CHECK((s.kind() == StopKind::Limit || s.kind() == StopKind::Exited));
  std::printf("%s%s: stop %d code %d, %.0f MIPS (%.2f s for %llu instructions)\n", env.out.c_str(),
              std::getenv("RVRR_BENCH_ELF") ? std::getenv("RVRR_BENCH_ELF") : "mixed loop",
              static_cast<int>(s.kind()), s.exit_code(), m.icount() / sec / 1e6, sec,
              static_cast<unsigned long long>(m.icount()));
}

TEST_CASE("machine: the semihosting sequence calls the host; a lone ebreak traps") {
  Program p;
  p.li(t0, kDataBase);
  p.w(e::addi(t1, zero, 'Z'));
  p.w(e::s(0, t1, t0, 0, 0x23));            // sb t1, 0(t0)
  p.w(e::addi(a0, zero, 3));                // a0 = SYS_WRITEC
  p.w(e::add(a1, t0, zero));                // a1 = &'Z'
  p.w(0x01f01013u);                         // slli zero, zero, 0x1f
  p.w(e::kEbreak);                          // ebreak
  p.w(0x40705013u);                         // srai zero, zero, 7
  p.w(e::addi(a0, zero, 0x18));             // a0 = SYS_EXIT
  p.li(a1, 0x20026);                        // ADP_Stopped_ApplicationExit
  p.w(0x01f01013u);
  p.w(e::kEbreak);
  p.w(0x40705013u);
  Machine m = make_machine(p);
  NullEnvironment env;
  StopInfo s = m.run(RunOptions{}, env);
  CHECK(s.kind() == StopKind::Exited);
  CHECK(s.exit_code() == 0);
  CHECK(env.out == "Z");

  Program q;
  q.w(0x01f01013u);                         // slli zero, zero, 0x1f
  q.w(e::kEbreak);                          // ebreak, but not followed by srai
  q.w(e::kNop);
  Machine t = make_machine(q);
  s = run(t);
  CHECK(s.kind() == StopKind::Fault);
  CHECK(s.signal() == Signal::Trap);
  CHECK(t.pc() == kCodeBase + 4);
  CHECK(t.icount() == 1);
}

TEST_CASE("machine: breakpoint and step on an instruction straddling two pages") {
  Program p;
  while (p.bytes.size() < 0xffe) p.h(0x0001);  // c.nop
  p.w(e::addi(a1, zero, 9));                // addi a1, zero, 9 at 0x10ffe
  p.w(e::addi(a2, a1, 1));                  // addi a2, a1, 1 at 0x11002
  p.h(e::kCEbreak);
  Machine m = make_machine(p);
  DebugPoints pts;
  pts.add_breakpoint(0x10ffe);
  pts.add_breakpoint(0x11002);
  StopInfo s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == 0x10ffe);
  CHECK(m.icount() == 0x7ff);
  NullEnvironment env;
  s = m.step(env, &pts);
  CHECK(s.kind() == StopKind::Limit);
  CHECK(m.pc() == 0x11002);
  CHECK(m.reg(a1) == 9);
  s = run(m, ~0ull, &pts);
  CHECK(s.kind() == StopKind::Breakpoint);
  CHECK(m.pc() == 0x11002);
  s = run(m, ~0ull, &pts, true);
  CHECK(s.kind() == StopKind::Fault);
  CHECK(m.reg(a2) == 10);
}

TEST_CASE("machine: random programs give the same state on every run path") {
  // Random mixes of ALU, M, loads/stores (through s11 = data), compressed ops
  // and short branches, run (a) in one go, (b) in slices, (c) by step(), and
  // (d) on the exact path with a never-hit breakpoint: all must agree.
  // Rounds 12.. use long-running looping programs spanning two pages (the
  // never-hit breakpoint then sits inside an instruction of a hot page).
  Rng rnd{0x1234567};
  for (int round = 0; round < 15; ++round) {
    CAPTURE(round);
    const bool looping = round >= 12;
    std::vector<Addr> starts;
    Program p = looping ? looping_program(rnd, 1100, 40, &starts) : random_program(rnd, 400);
    Addr never_hit = 0x50000;
    if (looping) {  // an even address in the program's second page that starts no instruction
      never_hit = kCodeBase + 0x1000;
      while (std::find(starts.begin(), starts.end(), never_hit) != starts.end()) never_hit += 2;
      REQUIRE(never_hit < p.here());
    }
    if (!looping) p.h(e::kCEbreak);
    // Make sure odd halfword offsets are still valid code (branches may land mid-word): they
    // decode to something; whatever it is, every path must agree.
    Machine base = make_machine(p);
    const std::uint64_t cap = looping ? 200000 : 20000;
    Machine a = base, b = base, c = base, d = base;
    StopInfo sa = run(a, cap);
    for (std::uint64_t cut : {std::uint64_t{17}, std::uint64_t{333}, std::uint64_t{4100}, std::uint64_t{9000}, cap}) {
      StopInfo sb = run(b, cut);
      if (sb.kind() != StopKind::Limit) break;
    }
    NullEnvironment env;
    for (std::uint64_t k = 0; k < cap; ++k) {
      RunOptions o;
      o.stop_at = c.icount() + 1;
      if (c.run(o, env).kind() != StopKind::Limit) break;
    }
    DebugPoints never;
    never.add_breakpoint(never_hit);
    CHECK(run(d, cap, &never).kind() != StopKind::Breakpoint);
    CHECK(a.icount() == b.icount());
    CHECK(a.icount() == c.icount());
    CHECK(a.icount() == d.icount());
    CHECK(a.pc() == c.pc());
    CHECK(a.state_hash() == b.state_hash());
    CHECK(a.state_hash() == c.state_hash());
    CHECK(a.state_hash() == d.state_hash());
    CHECK(a.halted() == c.halted());
    if (looping) CHECK(a.icount() > 40000);  // long runs compared
  }
}
