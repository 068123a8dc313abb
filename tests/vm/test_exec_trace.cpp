// tests/vm/test_exec_trace.cpp - traced runs report exactly what executed.
//
// The reference is single-stepping: the pc before every instruction. A traced
// run's stretches, laid end to end, must name those same instructions in the
// same order (each stretch sequential in memory, its length the difference of
// counts), and the final state must equal an untraced run's.
#include <doctest/doctest.h>

#include <vector>

#include "vm_fixture.hpp"

namespace rvrr::vm::test {
namespace {

struct Collect : ExecTraceSink {
  std::vector<ExecutedRun> runs;
  std::vector<std::uint64_t> bits = std::vector<std::uint64_t>((1u << 20) / 64);
  bool want_reads = true;
  void executed(std::span<const ExecutedRun> r) override { runs.insert(runs.end(), r.begin(), r.end()); }
  std::uint64_t* read_page_bits() override { return want_reads ? bits.data() : nullptr; }
  bool read(Addr page_addr) const { return bits[(page_addr >> 12) >> 6] >> ((page_addr >> 12) & 63) & 1; }
};

// The pc before each instruction of `m` until it stops or reaches `limit`.
std::vector<Addr> stepped_pcs(Machine m, std::uint64_t limit) {
  std::vector<Addr> pcs;
  NullEnvironment env;
  while (m.icount() < limit) {
    const Addr pc = m.pc();
    const std::uint64_t before = m.icount();
    m.step(env);
    if (m.icount() == before) break;  // stopped without retiring
    pcs.push_back(pc);
  }
  return pcs;
}

// Checks that `runs` (starting at count `from`) describe exactly `pcs`.
void check_runs_match(const std::vector<ExecutedRun>& runs, const std::vector<Addr>& pcs, std::uint64_t from) {
  std::size_t k = 0;
  std::uint64_t count = from;
  for (const ExecutedRun& r : runs) {
    REQUIRE(r.end > r.start);
    REQUIRE(r.icount_after > count);
    const std::uint64_t n = r.icount_after - count;
    REQUIRE(k + n <= pcs.size());
    CHECK(pcs[k] == r.start);
    for (std::uint64_t i = 1; i < n; ++i) {
      const Addr step = pcs[k + i] - pcs[k + i - 1];
      REQUIRE((step == 2 || step == 4));  // sequential inside a stretch
    }
    const Addr tail = r.end - pcs[k + n - 1];
    CHECK((tail == 2 || tail == 4));  // end is just past the last instruction
    k += n;
    count = r.icount_after;
  }
  CHECK(k == pcs.size());
}

TEST_CASE("traced runs name every executed instruction, in order, for random looping programs") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    Rng rnd(seed);
    Program p = looping_program(rnd, 900, 12);
    Machine m = make_machine(p);
    const std::vector<Addr> pcs = stepped_pcs(m, ~0ull);
    REQUIRE(pcs.size() > 1000);

    Machine plain = m;
    run(plain);
    Collect sink;
    NullEnvironment env;
    RunOptions o;
    o.trace = &sink;
    StopInfo s = m.run(o, env);
    CHECK(s.kind() != StopKind::Limit);
    CHECK(m.state_hash() == plain.state_hash());
    CHECK(sink.runs.size() > kExecTraceBatch);  // batches were delivered
    check_runs_match(sink.runs, pcs, 0);
    // The program loads through s11 = kDataBase + 0x100; it never loads from its stack page.
    CHECK(sink.read(kDataBase));
  }
}

TEST_CASE("traced runs split by limits concatenate to the same stretches of instructions") {
  Rng rnd(42);
  Program p = looping_program(rnd, 700, 10);
  Machine m = make_machine(p);
  const std::vector<Addr> pcs = stepped_pcs(m, ~0ull);
  Collect sink;
  sink.want_reads = false;
  NullEnvironment env;
  std::uint64_t limit = 0;
  Rng cuts(7);
  for (;;) {
    limit += 1 + cuts() % 9000;
    RunOptions o;
    o.trace = &sink;
    o.stop_at = limit;
    StopInfo s = m.run(o, env);
    CHECK(m.icount() <= limit);
    if (s.kind() != StopKind::Limit) break;
    CHECK(m.icount() == limit);
  }
  check_runs_match(sink.runs, pcs, 0);
}

TEST_CASE("traced runs with breakpoints and watchpoints stop exactly and still name every instruction") {
  Rng rnd(9);
  std::vector<Addr> starts;
  Program p = looping_program(rnd, 800, 8, &starts);
  Machine m = make_machine(p);
  const std::vector<Addr> pcs = stepped_pcs(m, ~0ull);
  DebugPoints pts;
  pts.add_breakpoint(starts[starts.size() / 3]);
  pts.add_breakpoint(starts[starts.size() / 2]);
  pts.add_watch(kDataBase + 0x100, 8, WatchKind::Write);
  Collect sink;
  NullEnvironment env;
  int stops = 0;
  bool skip = false;
  for (;;) {
    RunOptions o;
    o.trace = &sink;
    o.points = &pts;
    o.skip_points_at_start = skip;
    StopInfo s = m.run(o, env);
    if (s.kind() != StopKind::Breakpoint && s.kind() != StopKind::Watchpoint) break;
    ++stops;
    if (s.kind() == StopKind::Breakpoint) CHECK(pts.has_breakpoint(m.pc()));
    skip = true;
  }
  CHECK(stops > 4);
  check_runs_match(sink.runs, pcs, 0);
}

// The RV64 loop (vm/interpreter64.cpp) reports the same way. The random
// programs use only encodings that are valid on RV64 too (the base ISA,
// c.addi, csrr/csrrw), so they run there with 64-bit semantics.
TEST_CASE("rv64: traced runs name every executed instruction, with limits, breakpoints and watchpoints") {
  auto machine64 = [](const Program& p) {
    ElfImage img = make_image(p.bytes);
    img.xlen = 64;
    MachineOptions o;
    o.argv = {"test"};
    return Machine(img, o);
  };
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    CAPTURE(seed);
    Rng rnd(seed);
    std::vector<Addr> starts;
    Program p = looping_program(rnd, 900, 12, &starts);
    Machine m = machine64(p);
    REQUIRE(m.xlen() == 64);
    const std::vector<Addr> pcs = stepped_pcs(m, ~0ull);
    REQUIRE(pcs.size() > 1000);

    Machine plain = m;
    run(plain);
    Machine whole = m;
    Collect sink;
    NullEnvironment env;
    RunOptions o;
    o.trace = &sink;
    whole.run(o, env);
    CHECK(whole.state_hash() == plain.state_hash());
    check_runs_match(sink.runs, pcs, 0);
    CHECK(sink.read(kDataBase));

    // Cut by limits, breakpoints and a watchpoint: the same stretches.
    DebugPoints pts;
    pts.add_breakpoint(starts[starts.size() / 3]);
    pts.add_watch(kDataBase + 0x100, 8, WatchKind::Write);
    Collect cut;
    Rng cuts(seed + 100);
    std::uint64_t limit = 0;
    bool skip = false;
    int stops = 0;
    for (;;) {
      limit += 1 + cuts() % 9000;
      RunOptions ro;
      ro.trace = &cut;
      ro.points = &pts;
      ro.stop_at = limit;
      ro.skip_points_at_start = skip;
      StopInfo s = m.run(ro, env);
      if (s.kind() == StopKind::Breakpoint || s.kind() == StopKind::Watchpoint) {
        ++stops;
        skip = true;
        limit = m.icount();
        continue;
      }
      skip = false;
      if (s.kind() != StopKind::Limit) break;
      CHECK(m.icount() == limit);
    }
    CHECK(stops > 2);
    CHECK(m.state_hash() == plain.state_hash());
    check_runs_match(cut.runs, pcs, 0);
  }
}

}  // namespace
}  // namespace rvrr::vm::test
