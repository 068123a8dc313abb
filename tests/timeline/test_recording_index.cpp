// tests/timeline/test_recording_index.cpp - the per-stretch index: what it records,
// and that reverse scans use it (cost) without changing their answers.
#include <doctest/doctest.h>

#include "timeline/recording_index.hpp"
#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

TEST_CASE("a stretch records the code ranges that ran, pages read and pages written") {
  Guest g = make_guest(50);
  vm::Machine start = g.machine();
  vm::Machine m = start;
  StretchRecorder rec;
  vm::NullEnvironment env;
  vm::RunOptions o;
  o.trace = &rec;
  o.stop_at = 200;
  m.run(o, env);
  REQUIRE(m.icount() == 200);
  IndexedStretch s = rec.finish(0, 200, start, m);
  CHECK(s.may_execute(kCode));
  CHECK(s.may_execute(g.loop));
  CHECK(s.may_execute(g.store_eighth));
  CHECK_FALSE(s.may_execute(g.exit_ecall + 64));  // past the program: never ran
  CHECK(s.host_calls);                            // getrandom and write ran
  // data[0] and data[1] are written; the big region is not (no `pages` variant).
  CHECK(s.may_touch(vm::WatchRange{kData, 4, vm::WatchKind::Write}));
  CHECK_FALSE(s.may_touch(vm::WatchRange{kBig, 4, vm::WatchKind::Write}));
  CHECK_FALSE(s.unmapped);
  // The recorder is empty again after finish.
  vm::Machine later = m;
  o.stop_at = 260;
  later.run(o, env);
  IndexedStretch s2 = rec.finish(200, 260, m, later);
  CHECK_FALSE(s2.may_execute(kCode));  // the set-up code ran only in the first stretch
  CHECK(s2.may_execute(g.loop));
  CHECK_FALSE(s2.host_calls);
  CHECK(s2.read.empty());  // the loop only stores
  // A read watch with no loads and no host calls cannot hit.
  CHECK_FALSE(s2.may_touch(vm::WatchRange{kData, 4, vm::WatchKind::Read}));
  CHECK(s2.may_touch(vm::WatchRange{kData, 4, vm::WatchKind::Access}));
}

TEST_CASE("executed code is kept as exact merged byte ranges") {
  StretchRecorder rec;
  const vm::ExecutedRun runs[] = {{0x1000, 0x1008, 4, 0}, {0x1008, 0x1010, 7, 0}, {0x2000, 0x2004, 8, 0},
                                  {0x1000, 0x1008, 12, 0}, {0x1004, 0x100c, 14, 0}, {0x3000, 0x3002, 15, 0}};
  rec.executed(runs);
  Guest g = make_guest(1);
  vm::Machine m = g.machine();
  IndexedStretch s = rec.finish(0, 15, m, m);
  REQUIRE(s.code.size() == 3);
  CHECK(s.code[0] == std::make_pair(vm::Addr{0x1000}, vm::Addr{0x1010}));
  CHECK(s.code[1] == std::make_pair(vm::Addr{0x2000}, vm::Addr{0x2004}));
  CHECK(s.code[2] == std::make_pair(vm::Addr{0x3000}, vm::Addr{0x3002}));
  CHECK(s.may_execute(0x1000));
  CHECK(s.may_execute(0x100e));
  CHECK_FALSE(s.may_execute(0x1010));  // the byte after a range: exact, no 16-byte lines
  CHECK_FALSE(s.may_execute(0x0ffe));
  CHECK_FALSE(s.may_execute(0x1ffe));
  CHECK(s.may_execute(0x2002));
  CHECK_FALSE(s.may_execute(0x3002));
  CHECK(s.written.empty());
}

TEST_CASE("an RV32 run to the end of the 32-bit space (its end wrapped to 0) is kept up to 4 GiB") {
  StretchRecorder rec;
  const vm::ExecutedRun runs[] = {{0xfffffff0, 0x0, 4, 0}, {0xffffff00, 0xffffffff, 9, 0}};  // the interpreter's, the JIT's
  rec.executed(runs);
  Guest g = make_guest(1);
  vm::Machine m = g.machine();
  IndexedStretch s = rec.finish(0, 9, m, m);
  CHECK(s.may_execute(0xfffffff0));
  CHECK(s.may_execute(0xfffffffc));  // the last instruction of the space
  CHECK(s.may_execute(0xffffff00));
  CHECK_FALSE(s.may_execute(0xfffffe00));
  CHECK_FALSE(s.may_execute(0x0));
}

TEST_CASE("RV64 code above 4 GiB is kept whole: a range at 8 GiB is not one at 4 GiB or at 0") {
  // The recorder kept runs as start << 32 | end, clamped to 4 GiB: all code
  // above it was one byte, so a breakpoint anywhere there "may hit" in every
  // stretch that ran any of it (a program linked at 8 GiB had no index).
  StretchRecorder rec;
  const vm::Addr high = vm::Addr{2} << 32;
  const vm::ExecutedRun runs[] = {{high + 0x1000, high + 0x1008, 4, 0}, {high + 0x1008, high + 0x1010, 7, 0},
                                  {0x1000, 0x1004, 8, 0}, {high + 0x3000, high + 0x3002, 9, 0},
                                  {0x3f'ffff'f000, 0x3f'ffff'f010, 13, 0}};
  rec.executed(runs);
  Guest g = make_guest(1);
  vm::Machine m = g.machine();
  IndexedStretch s = rec.finish(0, 13, m, m);
  REQUIRE(s.code.size() == 4);
  CHECK(s.code[0] == std::make_pair(vm::Addr{0x1000}, vm::Addr{0x1004}));
  CHECK(s.code[1] == std::make_pair(high + 0x1000, high + 0x1010));
  CHECK(s.code[2] == std::make_pair(high + 0x3000, high + 0x3002));
  CHECK(s.code[3] == std::make_pair(vm::Addr{0x3f'ffff'f000}, vm::Addr{0x3f'ffff'f010}));
  CHECK(s.may_execute(high + 0x100e));
  CHECK_FALSE(s.may_execute(high + 0x2000));
  CHECK_FALSE(s.may_execute(high + 0x1010));
  CHECK_FALSE(s.may_execute(vm::Addr{1} << 32 | 0x1000));  // 4 GiB lower: never ran
  CHECK(s.may_execute(0x1002));
  // Beyond any user address space (2^47): conservatively "may".
  StretchRecorder far;
  const vm::ExecutedRun odd[] = {{vm::Addr{1} << 50, (vm::Addr{1} << 50) + 4, 1, 0}};
  far.executed(odd);
  IndexedStretch f = far.finish(0, 1, m, m);
  CHECK(f.may_execute(vm::Addr{1} << 50));
  CHECK(f.may_execute((vm::Addr{1} << 52) + 8));
}

TEST_CASE("the index forgets truncated history and keeps its byte count exact") {
  RecordingIndex index(100);
  for (std::uint64_t k = 0; k < 5; ++k) {
    IndexedStretch s;
    s.from = k * 100;
    s.to = s.from + 100;
    s.code = {{0x10000, 0x10010}, {0x10020, 0x10024}};
    index.add(s);
  }
  CHECK(index.stretches() == 5);
  const std::uint64_t each = index.bytes() / 5;
  index.truncate(300);  // stretches 3 and 4 reach past 300... 3 ends at 400
  CHECK(index.stretches() == 3);
  CHECK(index.bytes() == 3 * each);
  CHECK(index.find(2) != nullptr);
  CHECK(index.find(3) == nullptr);
  IndexedStretch again;
  again.from = 200;
  again.to = 300;
  index.add(again);  // replacing an entry does not count it twice
  CHECK(index.stretches() == 3);
  CHECK(index.bytes() < 3 * each);
}

TEST_CASE("a second reverse-continue to another point costs only the stretches that can hit") {
  Guest g = make_guest(200000);
  TimelineOptions o;
  o.checkpoint_interval = 50000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  // First question: a line run only at the start. Every stretch is scanned once (and indexed).
  rig.t().add_breakpoint(kCode + 8);
  StopEvent e = rig.cont(Direction::Backward);
  REQUIRE(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == 2);
  rig.t().remove_breakpoint(kCode + 8);
  CHECK(rig.t().stats().indexed_stretches >= end / 50000 - 1);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);

  // Second question, another address in the set-up code (so no hit cache
  // knows it): the index rules out every stretch but the first (the last,
  // short one is indexed too: the guest exited there, history is final).
  rig.t().add_breakpoint(kCode + 4);
  const std::uint64_t before = rig.t().stats().instructions_executed;
  e = rig.cont(Direction::Backward);
  REQUIRE(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == 1);
  const std::uint64_t cost = rig.t().stats().instructions_executed - before;
  CHECK(cost <= 50000 + 2);  // stretch 0 once, then the landing from the checkpoint at 0
  CHECK(rig.t().stats().indexed_stretches == (end + 49999) / 50000);


  // Forward again, to a breakpoint the index rules out everywhere but the
  // end: continue jumps over the indexed stretches instead of running them.
  rig.t().remove_breakpoint(kCode + 4);
  rig.t().add_breakpoint(g.exit_ecall);
  const std::uint64_t before_fwd = rig.t().stats().instructions_executed;
  e = rig.cont();
  CHECK(e.kind() == StopKind::Breakpoint);
  CHECK(e.icount() == end);
  CHECK(rig.t().stats().instructions_executed - before_fwd < end / 4);
}

TEST_CASE("a breakpoint the index cannot rule out anywhere costs one pass over history, not one per stretch") {
  // A breakpoint in the middle of the loop's first 32-bit instruction: inside
  // code that runs in every stretch, so no stretch can be skipped, yet never
  // hit. Checkpoints are thinned hard (small budget), so starting each
  // stretch's scan from the checkpoint before it would re-run history over
  // and over.
  Guest g = make_guest(300000, true);
  TimelineOptions o;
  o.checkpoint_interval = 50000;
  o.checkpoint_memory = 600 * 1024;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  rig.t().add_breakpoint(kCode + 8);  // hit only at the start: the scan indexes every stretch
  REQUIRE(rig.cont(Direction::Backward).kind() == StopKind::Breakpoint);
  rig.t().remove_breakpoint(kCode + 8);
  CHECK(rig.t().stats().indexed_stretches >= end / 50000 - 1);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  rig.t().add_breakpoint(g.loop + 2);
  const std::uint64_t before = rig.t().stats().instructions_executed;
  StopEvent e = rig.cont(Direction::Backward);
  CHECK(e.kind() == StopKind::HistoryBegin);
  const std::uint64_t cost = rig.t().stats().instructions_executed - before;
  CHECK(cost <= end + end / 2);
}

TEST_CASE("a forward continue with no points inside known history costs a seek to the end, not the history") {
  Guest g = make_guest(400000, true);
  TimelineOptions o;
  o.checkpoint_interval = 50000;
  Rig rig(g, o);
  REQUIRE(rig.cont().kind() == StopKind::HistoryEnd);
  const std::uint64_t end = rig.t().now();
  REQUIRE(rig.seek(1000).icount() == 1000);
  const std::uint64_t before = rig.t().stats().instructions_executed;
  StopEvent e = rig.cont();
  CHECK(e.kind() == StopKind::HistoryEnd);
  CHECK(e.exited());
  CHECK(e.exit_code() == 7);
  CHECK(e.icount() == end);
  CHECK(rig.t().stats().instructions_executed - before < end / 2);
  CHECK(rig.t().machine().register_hash() == straight_run(g, end).register_hash());
  CHECK(rig.output == "hi\n");  // the guest's output, once
}
