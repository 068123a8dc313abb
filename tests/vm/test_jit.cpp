// tests/vm/test_jit.cpp - the translating tier against the interpreter.
//
// Every test runs the same machine twice, once per tier, and compares the
// whole state (Machine::state_hash: registers, pc, icount, memory, syscall
// state) at every stop. The threshold is 1 so short programs run translated
// code; each test also checks that translated code did run (when the build
// has the tier), so none of them can pass by interpreting everything.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <vector>

#include "vm/debug_points.hpp"
#include "vm/jit.hpp"
#include "vm/machine.hpp"
#include "vm/run_counters.hpp"
#include "vm_fixture.hpp"

using namespace rvrr::vm;
using namespace rvrr::vm::test;
namespace e = rvrr::vm::test::enc;

namespace {

// Restores the process-wide tier and threshold when a test ends.
struct TierScope {
  Tier saved = current_tier();
  std::uint32_t saved_threshold = jit_threshold();
  explicit TierScope(std::uint32_t threshold = 1) { set_jit_threshold(threshold); }
  ~TierScope() {
    set_tier(saved);
    set_jit_threshold(saved_threshold);
  }
};

struct Pair {
  Machine interp, jit;
};

// Runs both machines with the same options, each in its tier; checks that the stops and states agree.
StopInfo run_both(Pair& p, const RunOptions& o) {
  NullEnvironment env_a, env_b;
  set_tier(Tier::Interp);
  const std::uint64_t before = p.interp.translated_instructions();
  const StopInfo a = p.interp.run(o, env_a);
  CHECK(p.interp.translated_instructions() == before);  // the interp tier never translates
  set_tier(Tier::Auto);
  const StopInfo b = p.jit.run(o, env_b);
  CHECK(static_cast<int>(a.kind()) == static_cast<int>(b.kind()));
  CHECK(static_cast<int>(a.signal()) == static_cast<int>(b.signal()));
  CHECK(a.addr() == b.addr());
  CHECK(a.message() == b.message());
  CHECK(p.interp.pc() == p.jit.pc());
  CHECK(p.interp.icount() == p.jit.icount());
  CHECK(p.interp.state_hash() == p.jit.state_hash());
  return a;
}

bool translating() { return jit_supported(); }

// The program's text segment writable too (self-modifying code).
Machine make_rwx_machine(const Program& p) {
  ElfImage img = make_image(p.bytes);
  img.segments[0].perms = PermRead | PermWrite | PermExec;
  MachineOptions o;
  o.argv = {"test"};
  return Machine(img, o);
}

// Rewrites the 8-byte `li rd, value` at byte offset `at`.
void patch_li(Program& p, std::size_t at, unsigned rd, std::uint32_t value) {
  Program q;
  q.li(rd, value);
  std::copy(q.bytes.begin(), q.bytes.end(), p.bytes.begin() + static_cast<std::ptrdiff_t>(at));
}

}  // namespace

TEST_CASE("jit: random programs stop in the same state in both tiers at budgets, breakpoints and watchpoints") {
  TierScope scope;
  Rng rnd{0x5eed1234};
  std::uint64_t translated = 0, stops = 0;
  for (int round = 0; round < 24; ++round) {
    CAPTURE(round);
    std::vector<Addr> starts;
    const bool looping = round % 3 != 0;
    Program p = looping ? looping_program(rnd, 200 + static_cast<int>(rnd() % 1000), 30 + rnd() % 40, &starts)
                        : random_program(rnd, 400);
    if (!looping) {
      p.h(e::kCEbreak);
      for (Addr a = kCodeBase + 8; a < p.here(); a += 2) starts.push_back(a);
    }
    Machine base = make_machine(p);
    Pair m{base, base};
    for (int k = 0; k < 40 && !m.interp.halted(); ++k) {
      CAPTURE(k);
      RunOptions o;
      DebugPoints points;
      const std::uint32_t kind = rnd() % 8;
      // Budgets both below and well above the fast loop's slack (4096), so
      // the translating tier runs and the exact loop finishes.
      o.stop_at = m.interp.icount() + 1 + rnd() % (kind < 5 ? 30000 : 6000);
      if (kind == 4) {  // a breakpoint somewhere in the program
        points.add_breakpoint(starts[rnd() % starts.size()]);
        o.points = &points;
        o.skip_points_at_start = rnd() & 1;
      } else if (kind == 5) {  // a watchpoint on the data the program loads and stores
        points.add_watch(kDataBase + 0x100 + rnd() % 256, 1 + rnd() % 4,
                         static_cast<WatchKind>(1 + rnd() % 3));
        o.points = &points;
        o.skip_points_at_start = true;
      } else if (kind == 6) {
        o.stop_at = m.interp.icount() + 1;  // a single step
      }
      run_both(m, o);
      ++stops;
    }
    translated += m.jit.translated_instructions();
  }
  CHECK(stops > 250);
  MESSAGE("stops compared: " << stops << ", instructions translated: " << translated);
  if (translating()) CHECK(translated > 100000);
}

TEST_CASE("jit: a budget ends translated loops on the exact instruction") {
  TierScope scope;
  // addi a0,a0,1 ; bne a0,a1,-4 : a hot one-block loop, stopped at every budget from 4097 on.
  Program p;
  p.li(a1, 1000000);
  p.w(e::addi(a0, a0, 1));
  p.w(e::bne(a0, a1, -4));
  p.h(e::kCEbreak);
  Machine base = make_machine(p);
  for (std::uint64_t stop_at : {4097ull, 4098ull, 5000ull, 5001ull, 12345ull, 100001ull, 1999999ull}) {
    CAPTURE(stop_at);
    Pair m{base, base};
    RunOptions o;
    o.stop_at = stop_at;
    CHECK(run_both(m, o).kind() == StopKind::Limit);
    CHECK(m.jit.icount() == stop_at);
    if (translating() && stop_at > 6000) CHECK(m.jit.translated_instructions() > 0);
  }
  Pair m{base, base};
  CHECK(run_both(m, RunOptions{}).kind() == StopKind::Fault);  // the c.ebreak
  CHECK(m.jit.reg(a0) == 1000000);
  if (translating()) CHECK(m.jit.translated_instructions() > 1900000);
}

TEST_CASE("jit: a load or store that faults inside a translated block stops on that instruction") {
  TierScope scope;
  // lw a0, 0(s0) / sw / lw straddling: walk s0 up through the data segment until it leaves it.
  struct Case { std::uint32_t word; Addr start; std::int32_t stride; };
  const Case cases[] = {
      {e::lw(a0, s0, 0), kDataBase, 4},                            // load from the unmapped page after the data
      {e::sw(a0, s0, 0), kDataBase, 4},                            // store to it
      {e::lw(a0, s0, 0), kDataBase + 2, 4},                        // misaligned, straddling into it
      {e::i(0, s0, 1, a0, 0x03), kDataBase + 1, 2},                // lh, odd addresses
      {e::s(0, a0, s0, 1, 0x23), kDataBase + 3, 4},                // sh straddling
  };
  for (const Case& c : cases) {
    CAPTURE(c.word);
    Program p;
    p.li(s0, c.start);
    const Addr loop = p.here();
    p.w(e::addi(t0, t0, 1));
    p.w(c.word);
    p.w(e::addi(s0, s0, c.stride));
    p.w(e::add(a1, a1, t0));
    p.w(e::jal(zero, static_cast<std::int32_t>(loop - p.here())));
    Machine base = make_machine(p);
    Pair m{base, base};
    const StopInfo s = run_both(m, RunOptions{});
    CHECK(s.kind() == StopKind::Fault);
    CHECK(s.signal() == Signal::Segv);
    CHECK(m.jit.pc() == loop + 4);
    if (translating()) CHECK(m.jit.translated_instructions() > 0);
  }
}

TEST_CASE("jit: self-modifying code and fence.i behave as in the interpreter") {
  TierScope scope;
  SUBCASE("a store rewrites an instruction of a hot loop half-way") {
    // addi a0,a0,1 becomes addi a0,a0,2 after 1500 of 3000 iterations.
    Program p;
    p.li(t1, 3000);
    p.li(t2, 1500);
    p.li(t3, e::addi(a0, a0, 2));
    const std::size_t li_at = p.bytes.size();
    p.li(t4, 0);
    const Addr loop = p.here();
    p.w(e::addi(a0, a0, 1));
    p.w(e::addi(t0, t0, 1));
    p.w(e::bne(t0, t2, 12));
    p.w(e::sw(t3, t4, 0));
    p.w(0x0000100fu);  // fence.i
    p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));  // blt t0, t1, loop
    p.h(e::kCEbreak);
    patch_li(p, li_at, t4, loop);
    Machine base = make_rwx_machine(p);
    Pair m{base, base};
    CHECK(run_both(m, RunOptions{}).kind() == StopKind::Fault);
    CHECK(m.jit.reg(a0) == 4500);
    if (translating()) CHECK(m.jit.translated_instructions() > 5000);
  }
  SUBCASE("a store rewrites the next instruction of its own block") {
    Program p;
    p.li(t1, 3000);
    p.li(t3, e::addi(a0, a0, 2));
    const std::size_t li_at = p.bytes.size();
    p.li(t4, 0);
    const Addr loop = p.here();
    p.w(e::addi(t0, t0, 1));
    p.w(e::sw(t3, t4, 0));
    const Addr next = p.here();
    p.w(e::addi(a0, a0, 1));  // rewritten by the sw just before it, on the first iteration
    p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));
    p.h(e::kCEbreak);
    patch_li(p, li_at, t4, next);
    Machine base = make_rwx_machine(p);
    Pair m{base, base};
    // Stop at a few budgets on the way, then run to the end.
    for (std::uint64_t at : {5000ull, 5003ull, 9001ull}) {
      RunOptions o;
      o.stop_at = at;
      run_both(m, o);
    }
    CHECK(run_both(m, RunOptions{}).kind() == StopKind::Fault);
    CHECK(m.jit.reg(a0) == 6000);
  }
  SUBCASE("a snapshot keeps the old code while its copy rewrites it") {
    Program p;
    p.li(t1, 6000);
    p.li(t3, e::addi(a0, a0, 3));
    const std::size_t li_at = p.bytes.size();
    p.li(t4, 0);
    const Addr loop = p.here();
    p.w(e::addi(a0, a0, 1));
    p.w(e::addi(t0, t0, 1));
    p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));
    p.w(e::sw(t3, t4, 0));  // after the loop: rewrite it, then run it again
    p.w(e::addi(t1, t1, 6000));
    p.w(e::jal(zero, static_cast<std::int32_t>(loop - p.here())));
    patch_li(p, li_at, t4, loop);
    Machine base = make_rwx_machine(p);
    Pair m{base, base};
    RunOptions o;
    o.stop_at = 20000;  // inside the first loop, its code translated
    run_both(m, o);
    Pair snap{m.interp, m.jit};  // copy-on-write snapshots sharing the translated page
    o.stop_at = 50000;           // past the rewrite
    run_both(m, o);
    o.stop_at = 45000;  // the snapshots run on through the rewrite on their own
    run_both(snap, o);
    CHECK(m.jit.state_hash() != snap.jit.state_hash());
    if (translating()) CHECK(snap.jit.translated_instructions() > 0);
  }
}

TEST_CASE("jit: breakpoints set after code was translated still hit, in its page and in other pages") {
  TierScope scope;
  // Page 0: a loop calling f 20000 times. Page 1: f, whose `addi a1` runs only on call 12345.
  Program p;
  p.li(t1, 20000);
  p.li(t2, 12345);
  const Addr loop = p.here();
  p.w(e::addi(t0, t0, 1));
  const Addr call = p.here();
  p.w(e::jal(ra, 0));  // patched below
  const Addr in_loop = p.here();
  p.w(e::addi(a2, a2, 1));
  p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));  // blt t0, t1, loop
  p.h(e::kCEbreak);
  while (p.here() < kCodeBase + 0x1000) p.h(0x0001);  // c.nop
  const Addr f = p.here();
  p.w(e::addi(a0, a0, 3));
  p.w(e::bne(t0, t2, 8));
  const Addr rare = p.here();
  p.w(e::addi(a1, a1, 1));
  p.w(e::jalr(zero, ra, 0));
  const std::uint32_t j = e::jal(ra, static_cast<std::int32_t>(f - call));
  for (int k = 0; k < 4; ++k) p.bytes[call - kCodeBase + k] = static_cast<std::uint8_t>(j >> (8 * k));
  Machine base = make_machine(p);
  for (Addr bp : {rare, in_loop}) {
    CAPTURE(bp);
    Pair m{base, base};
    RunOptions warm;
    warm.stop_at = 30000;  // both pages translated (threshold 1)
    run_both(m, warm);
    const std::uint64_t translated = m.jit.translated_instructions();
    DebugPoints points;
    points.add_breakpoint(bp);
    RunOptions o;
    o.points = &points;
    CHECK(run_both(m, o).kind() == StopKind::Breakpoint);
    CHECK(m.jit.pc() == bp);
    if (translating()) CHECK(m.jit.translated_instructions() > translated);  // blocks without the breakpoint ran translated
    o.skip_points_at_start = true;
    const StopInfo s = run_both(m, o);
    CHECK(s.kind() == (bp == rare ? StopKind::Fault : StopKind::Breakpoint));
  }
}

namespace {
// loop: addi t0 ; j l2 ; (skipped) ; l2: addi a2 ; blt t0, t1, loop ; c.ebreak ; nop (never reached):
// two blocks of one page, each going on into the other, 50000 times.
struct TwoBlocks {
  Program p;
  Addr loop = 0, l2 = 0, after = 0;
  TwoBlocks() {
    p.li(t1, 50000);
    loop = p.here();
    p.w(e::addi(t0, t0, 1));
    p.w(e::jal(zero, 8));
    p.w(e::addi(a3, a3, 1));  // never runs
    l2 = p.here();
    p.w(e::addi(a2, a2, 1));
    p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));
    p.h(e::kCEbreak);
    after = p.here();
    p.w(e::kNop);
  }
  // Both tiers run 20000 instructions: both blocks translated (threshold 1).
  Pair warmed() const {
    Machine base = make_machine(p);
    Pair m{base, base};
    RunOptions warm;
    warm.stop_at = 20000;
    run_both(m, warm);
    return m;
  }
};
}  // namespace

TEST_CASE("jit: a block does not go straight on into a translated block holding a breakpoint") {
  TierScope scope;
  // The breakpoint goes on l2 once both blocks are translated.
  const TwoBlocks t;
  const Addr l2 = t.l2;
  Pair m = t.warmed();
  DebugPoints points;
  points.add_breakpoint(l2);
  RunOptions o;
  o.points = &points;
  CHECK(run_both(m, o).kind() == StopKind::Breakpoint);
  CHECK(m.jit.pc() == l2);
  CHECK(m.jit.icount() <= 20000 + 4);
  o.skip_points_at_start = true;
  CHECK(run_both(m, o).kind() == StopKind::Breakpoint);  // the next pass
}

TEST_CASE("jit: a breakpoint moved inside a hot page is hit where it now is, not where the last run remembered") {
  TierScope scope;
  // Two blocks of one page that go on into each other through the
  // dispatcher (their page holds a breakpoint), which remembers for each
  // run's entry how it may go into them.
  const TwoBlocks t;
  const Addr a = t.loop, b = t.l2;
  const Addr elsewhere = t.after;  // in the page, never reached: makes it a breakpoint page
  Pair m = t.warmed();
  DebugPoints points;
  points.add_breakpoint(elsewhere);
  RunOptions o;
  o.points = &points;
  o.stop_at = 30000;  // blocks a and b entered through the dispatcher many times, none holding a breakpoint
  CHECK(run_both(m, o).kind() == StopKind::Limit);
  for (Addr bp : {b, a, b}) {
    CAPTURE(bp);
    points = DebugPoints();
    points.add_breakpoint(elsewhere);
    points.add_breakpoint(bp);
    o.stop_at = ~0ull;
    o.skip_points_at_start = true;
    const std::uint64_t before = m.jit.icount();
    CHECK(run_both(m, o).kind() == StopKind::Breakpoint);
    CHECK(m.jit.pc() == bp);
    CHECK(m.jit.icount() <= before + 4);  // the next time round the loop
  }
}

TEST_CASE("jit: in a page holding a breakpoint, a block goes on into another unless the breakpoint lies in it") {
  TierScope scope;
  // One page: loop: addi t0 ; jal ra, f ; back: 40 x addi a2 (three 64-byte
  // chunks) ; blt t0, t1, loop ; c.ebreak ; f: addi a3 ; ret. Blocks go on
  // into each other by a jump, a taken branch and a jalr (f's return). A
  // breakpoint at each instruction in turn, once all is translated: the run
  // stops there within one time round the loop (45 instructions).
  Program p;
  p.li(t1, 50000);
  const Addr loop = p.here();
  p.w(e::addi(t0, t0, 1));
  const Addr call = p.here();
  p.w(e::kNop);  // jal ra, f: patched below
  for (int k = 0; k < 40; ++k) p.w(e::addi(a2, a2, 1));
  p.w(e::b(static_cast<std::int32_t>(loop - p.here()), t1, t0, 4));  // blt t0, t1, loop
  const Addr end = p.here();
  p.h(e::kCEbreak);
  const Addr f = p.here();
  p.w(e::addi(a3, a3, 1));
  p.w(e::jalr(zero, ra, 0));
  const std::uint32_t j = e::jal(ra, static_cast<std::int32_t>(f - call));
  for (int k = 0; k < 4; ++k) p.bytes[call - kCodeBase + k] = static_cast<std::uint8_t>(j >> (8 * k));
  std::vector<Addr> bps;
  for (Addr a = loop; a < end; a += 4) bps.push_back(a);
  bps.push_back(f);
  bps.push_back(f + 4);
  const Machine base = make_machine(p);
  for (const Addr bp : bps) {
    CAPTURE(bp);
    Pair m{base, base};
    RunOptions warm;
    warm.stop_at = 20000;  // every block translated (threshold 1)
    run_both(m, warm);
    DebugPoints points;
    points.add_breakpoint(end);  // never reached in this run: its chunk is not the loop's first
    points.add_breakpoint(bp);
    RunOptions o;
    o.points = &points;
    CHECK(run_both(m, o).kind() == StopKind::Breakpoint);
    CHECK(m.jit.pc() == bp);
    CHECK(m.jit.icount() <= 20000 + 45);
    o.skip_points_at_start = true;  // and again the next time round
    CHECK(run_both(m, o).kind() == StopKind::Breakpoint);
    CHECK(m.jit.pc() == bp);
    CHECK(m.jit.icount() <= 20000 + 90);
  }
}

TEST_CASE("jit: F/D loads and stores in translated blocks, up to the fault at the data's end") {
  TierScope scope;
  for (Addr start : {kDataBase, kDataBase + 4, kDataBase + 6}) {  // aligned, 8-byte misaligned, straddling
    CAPTURE(start);
    Program p;
    p.li(s0, start);
    p.li(t0, 0x3ff00000);  // 1.0 as a double's high word
    p.w(e::sw(t0, s0, 4));
    const Addr loop = p.here();
    p.w(e::i(0, s0, 3, 1, 0x07));           // fld f1, 0(s0)
    p.w(e::r(0x01, 1, 2, 7, 2, 0x53));      // fadd.d f2, f2, f1
    p.w(e::s(8, 2, s0, 3, 0x27));           // fsd f2, 8(s0)
    p.w(e::i(4, s0, 2, 3, 0x07));           // flw f3, 4(s0)
    p.w(e::s(16, 3, s0, 2, 0x27));          // fsw f3, 16(s0)
    p.w(e::addi(s0, s0, 2));
    p.w(e::jal(zero, static_cast<std::int32_t>(loop - p.here())));
    Machine base = make_machine(p);
    Pair m{base, base};
    RunOptions o;
    o.stop_at = 30001;
    run_both(m, o);
    const StopInfo s = run_both(m, RunOptions{});
    CHECK(s.kind() == StopKind::Fault);
    if (translating()) CHECK(m.jit.translated_instructions() > 20000);
  }
}

namespace {
// Code ranges and read pages reported to a sink, as byte and page sets.
struct CoverageSink : ExecTraceSink {
  bool coverage = false;
  std::vector<std::uint64_t> bits = std::vector<std::uint64_t>((1u << 20) / 64);
  std::vector<std::pair<Addr, Addr>> ranges;
  void executed(std::span<const ExecutedRun> runs) override {
    for (const ExecutedRun& r : runs) ranges.emplace_back(r.start, r.end);
  }
  std::uint64_t* read_page_bits() override { return bits.data(); }
  bool coverage_only() const override { return coverage; }
  bool ran(Addr a) const {
    return std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return r.first <= a && a < r.second; });
  }
  bool read(Addr page_addr) const { return bits[(page_addr >> 12) >> 6] >> ((page_addr >> 12) & 63) & 1; }
};
}  // namespace

TEST_CASE("jit: a coverage-only traced run translates, covers every instruction that ran and none that did not, and "
          "reports exactly the pages read") {
  TierScope scope;
  // A loop that reads one data page, writes another and skips a cold call
  // every time; then a tight self-looping block; then c.ebreak. `cold` never runs.
  Program p;
  p.li(s11, kDataBase);
  p.li(s10, kDataBase + 0x2000);
  p.li(s0, 20000);
  p.li(t1, 0xffffffffu);
  const Addr loop = p.here();
  p.w(e::lw(t2, s11, 0));
  p.w(e::addi(t0, t0, 1));
  p.w(e::bne(t0, t1, 8));  // always taken: over the cold call
  const Addr cold_call = p.here();
  p.w(e::jal(ra, 0));  // patched to call `cold`
  p.w(e::sw(t0, s10, 0));
  p.w(e::addi(s0, s0, -1));
  p.w(e::bne(s0, zero, static_cast<std::int32_t>(loop - p.here())));
  p.li(a0, 5000);
  const Addr tight = p.here();
  p.w(e::addi(a0, a0, -1));
  p.w(e::bne(a0, zero, -4));
  p.h(e::kCEbreak);
  const Addr cold = p.here();
  p.w(e::jalr(zero, ra, 0));
  const std::uint32_t j = e::jal(ra, static_cast<std::int32_t>(cold - cold_call));
  for (int k = 0; k < 4; ++k) p.bytes[cold_call - kCodeBase + k] = static_cast<std::uint8_t>(j >> (8 * k));
  const Machine base = make_machine(p);

  for (const bool with_breakpoint : {false, true}) {
    CAPTURE(with_breakpoint);
    DebugPoints points;
    points.add_breakpoint(tight + 4);  // the self-loop's branch: stops in its first iteration
    RunOptions o;
    if (with_breakpoint) o.points = &points;
    Pair m{base, base};
    CoverageSink exact, cover;
    cover.coverage = true;
    NullEnvironment env_a, env_b;
    set_tier(Tier::Interp);
    o.trace = &exact;
    const StopInfo a = m.interp.run(o, env_a);
    set_tier(Tier::Auto);
    o.trace = &cover;
    const StopInfo b = m.jit.run(o, env_b);
    CHECK(static_cast<int>(a.kind()) == static_cast<int>(b.kind()));
    CHECK(m.interp.state_hash() == m.jit.state_hash());
    if (translating()) CHECK(m.jit.translated_instructions() > 50000);
    // A superset of what ran: every byte of every instruction the interpreter ran.
    for (const auto& [start, end] : exact.ranges)
      for (Addr x = start; x < end; x += 2) {
        CAPTURE(x);
        CHECK(cover.ran(x));
      }
    // ... and nothing that never ran: the cold call and `cold`.
    CHECK_FALSE(exact.ran(cold_call));
    CHECK_FALSE(cover.ran(cold_call));
    CHECK_FALSE(cover.ran(cold));
    // Pages read: exactly the interpreter's (the stored-to page is not one).
    CHECK(cover.bits == exact.bits);
    CHECK(cover.read(kDataBase));
    CHECK_FALSE(cover.read(kDataBase + 0x2000));
  }
}

namespace {
// A sink that takes counts: the runs reported to it, in order, its counters
// and the counts counted_until gave.
struct CountingSink : ExecTraceSink {
  std::vector<ExecutedRun> runs;
  RunCounters counters;
  std::vector<std::uint64_t> ends;
  void executed(std::span<const ExecutedRun> r) override { runs.insert(runs.end(), r.begin(), r.end()); }
  RunCounters* run_counters() override { return &counters; }
  void counted_until(std::uint64_t icount) override { ends.push_back(icount); }
};

// What the instruction at pc is, as far as counted runs care.
constexpr unsigned kBranch = 1, kJal = 2, kOther = 3;
unsigned transfer_of(const Machine& m, Addr pc) {
  std::uint8_t w[4] = {};
  REQUIRE(m.memory().read_bytes(pc, std::span(w, 2)));
  const unsigned half = w[0] | w[1] << 8;
  if ((half & 3) != 3) {  // RV32C: c.beqz/c.bnez (funct3 110/111), c.j (101), c.jal (001), quadrant 1
    const unsigned f3 = half >> 13;
    if ((half & 3) == 1 && (f3 == 6 || f3 == 7)) return kBranch;
    if ((half & 3) == 1 && (f3 == 5 || f3 == 1)) return kJal;
    return kOther;
  }
  const unsigned opcode = w[0] & 0x7f;
  return opcode == 0x63 ? kBranch : opcode == 0x6f ? kJal : kOther;
}

// The instructions of [start, end) in `m`'s memory (2 or 4 bytes each).
std::vector<Addr> instructions_of(const Machine& m, Addr start, Addr end) {
  std::vector<Addr> pcs;
  for (Addr pc = start; pc < end;) {
    std::uint8_t b[2] = {};
    REQUIRE(m.memory().read_bytes(pc, std::span(b, 2)));
    pcs.push_back(pc);
    pc += (b[0] & 3) == 3 ? 4 : 2;
  }
  return pcs;
}
}  // namespace

TEST_CASE("jit: a traced run with counters translates; its reported and counted runs name every instruction that "
          "ran, and keep the rules of ExecTraceSink::run_counters") {
  TierScope scope;
  // Random looping programs (CSR accesses among them keep blocks short), and
  // one whose loops, jumps, call and return translate whole: a loop that
  // skips an instruction, calls a function with a loop of its own and jumps
  // over an instruction without link.
  Program structured;
  {
    Program& p = structured;
    p.li(s0, 3000);
    p.li(t1, 0x7fffffff);
    const Addr loop = p.here();
    p.w(e::addi(t0, t0, 3));
    p.w(e::bne(t0, t1, 8));  // taken: over the next one
    p.w(e::addi(t2, t2, 1));
    const Addr call = p.here();
    p.w(e::jal(ra, 0));      // patched to call `func`
    p.w(e::jal(zero, 8));    // over the next one
    p.w(e::addi(t3, t3, 1));
    p.w(e::addi(s0, s0, -1));
    p.w(e::bne(s0, zero, static_cast<std::int32_t>(loop - p.here())));
    p.h(e::kCEbreak);
    const Addr func = p.here();
    p.li(a0, 20);
    p.w(e::addi(a0, a0, -1));
    p.w(e::bne(a0, zero, -4));
    p.w(e::jalr(zero, ra, 0));
    const std::uint32_t j = e::jal(ra, static_cast<std::int32_t>(func - call));
    for (int k = 0; k < 4; ++k) p.bytes[call - kCodeBase + k] = static_cast<std::uint8_t>(j >> (8 * k));
  }
  for (std::uint64_t seed = 0; seed <= 4; ++seed) {
    CAPTURE(seed);
    Rng rnd(seed);
    const Machine base = make_machine(seed == 0 ? structured : looping_program(rnd, 600, 300));
    // Reference: the interpreter's exact runs, as executions per instruction.
    Machine a = base;
    CountingSink exact;  // the interpreter never counts
    set_tier(Tier::Interp);
    NullEnvironment env_a;
    RunOptions o;
    o.trace = &exact;
    a.run(o, env_a);
    CHECK(exact.ends.empty());
    std::map<Addr, std::uint64_t> want, got;
    for (std::size_t k = 0; k < exact.runs.size(); ++k) {
      const ExecutedRun& r = exact.runs[k];
      for (Addr pc : instructions_of(a, r.start, r.end)) ++want[pc];
      if (k > 0) CHECK(r.start == exact.runs[k - 1].next);  // the interpreter says where each run went
    }

    // Translated, in slices (runs end at limits as well as at the program's end).
    set_tier(Tier::Auto);
    Machine b = base;
    CountingSink sink;
    NullEnvironment env_b;
    // (A run's last kFastSlack instructions are interpreted: the structured program takes longer slices.)
    const std::uint64_t slice_length = seed == 0 ? 50000 : 7919;
    for (std::uint64_t stop_at = slice_length; !b.halted(); stop_at += slice_length) {
      RunOptions slice;
      slice.trace = &sink;
      slice.stop_at = stop_at;
      const StopInfo stop = b.run(slice, env_b);
      if (stop.kind() != StopKind::Limit) break;
    }
    CHECK(b.state_hash() == a.state_hash());
    if (!translating()) continue;
    CHECK(b.translated_instructions() > 20000);
    REQUIRE_FALSE(sink.ends.empty());
    CHECK(sink.ends.back() == b.icount());
    // Reported runs: in order, each naming its own instructions and where
    // execution went on (the next run's start); where the count advanced
    // further, counted runs came between, the first of them at the `next`
    // of the run before (which the first run of each slice never lacks).
    std::set<Addr> counted_starts;
    for (std::size_t id = 0; id < counted_exits(); ++id)
      if (sink.counters.data()[id] != 0) counted_starts.insert(counted_exit(id).start);
    std::uint64_t icount = 0, reported = 0, gaps = 0;
    const ExecutedRun* before = nullptr;
    for (const ExecutedRun& r : sink.runs) {
      const std::vector<Addr> pcs = instructions_of(b, r.start, r.end);
      REQUIRE(r.icount_after >= icount + pcs.size());
      if (r.icount_after > icount + pcs.size()) {
        ++gaps;
        REQUIRE(before != nullptr);
        CHECK(counted_starts.count(before->next) == 1);
      } else if (before != nullptr) {
        CHECK(r.start == before->next);
      }
      icount = r.icount_after;
      reported += pcs.size();
      for (Addr pc : pcs) ++got[pc];
      before = &r;
    }
    std::uint64_t counted = 0;
    sink.counters.drain([&](const CountedExit& e, std::uint64_t count) {
      const std::vector<Addr> pcs = instructions_of(b, e.start, e.end);
      CHECK(pcs.size() == e.insns);
      CHECK(transfer_of(b, pcs.back()) == kBranch);  // a conditional branch, never a jump or call
      counted += count * e.insns;
      for (Addr pc : pcs) got[pc] += count;
    });
    CHECK(gaps > 0);
    CHECK(counted > 100);
    if (seed == 0) CHECK(counted > b.icount() / 2);  // most of it
    CHECK(reported + counted == b.icount());
    CHECK(got == want);
  }
}

TEST_CASE("a soft stop lands at most kMaxOvershoot past its count, in the state an exact run to that count has") {
  TierScope scope;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    Rng rnd(seed);
    const Machine base = make_machine(looping_program(rnd, 600, 400));
    for (const Tier tier : {Tier::Interp, Tier::Auto}) {
      CAPTURE(tier_name(tier));
      set_tier(tier);
      Machine soft = base;
      NullEnvironment env;
      for (std::uint64_t stop_at = 10007; stop_at < 200000; stop_at += 37411) {
        RunOptions o;
        o.stop_at = stop_at;
        o.soft_stop = true;
        const StopInfo s = soft.run(o, env);
        if (s.kind() != StopKind::Limit) break;  // the program ended first
        CHECK(soft.icount() >= stop_at);
        CHECK(soft.icount() <= stop_at + RunOptions::kMaxOvershoot);
        Machine exact = base;
        NullEnvironment env2;
        RunOptions e;
        e.stop_at = soft.icount();
        CHECK(exact.run(e, env2).kind() == StopKind::Limit);
        CHECK(exact.state_hash() == soft.state_hash());
      }
    }
  }
}
