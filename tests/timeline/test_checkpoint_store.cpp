// tests/timeline/test_checkpoint_store.cpp - the checkpoint store alone: lookups,
// page accounting, thinning, and what is never dropped.
#include <doctest/doctest.h>

#include "timeline/checkpoint_store.hpp"
#include "timeline/hit_cache.hpp"
#include "timeline_fixture.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::timeline::test;

namespace {

// Advances `m` to exactly n instructions.
void run_to(vm::Machine& m, std::uint64_t n) {
  vm::NullEnvironment env;
  vm::RunOptions o;
  o.stop_at = n;
  m.run(o, env);
}

}  // namespace

TEST_CASE("checkpoint lookups by count") {
  Guest g = make_guest(10000);
  CheckpointStore store(1ull << 40);
  vm::Machine m = g.machine();
  store.add(m, false);
  for (std::uint64_t n : {100, 200, 300}) {
    run_to(m, n);
    store.add(m, false);
  }
  CHECK(store.size() == 4);
  CHECK(store.at(200)->icount == 200);
  CHECK(store.at(250) == nullptr);
  CHECK(store.at_or_before(250)->icount == 200);
  CHECK(store.at_or_before(200)->icount == 200);
  CHECK(store.before(200)->icount == 100);
  CHECK(store.before(0) == nullptr);
  CHECK(store.after(200)->icount == 300);
  CHECK(store.after(300) == nullptr);
  // Adding at an existing count keeps the one there (and its id).
  const std::uint64_t id = store.at(300)->id;
  CHECK(store.add(m, true) == id);
  CHECK(store.at(300)->pinned);
  CHECK(store.find_id(id)->icount == 300);
  store.drop_after(150);
  CHECK(store.size() == 2);
  CHECK(store.list().back()->icount == 100);
  // The saved machine is the state at its count.
  CHECK(store.at(100)->machine.state_hash() == straight_run(g, 100).state_hash());
}

TEST_CASE("pages shared with the current machine are free; rewritten ones are charged once") {
  Guest g = make_guest(100000, true);
  CheckpointStore store(1ull << 40);
  vm::Machine m = g.machine();
  run_to(m, 2000);  // untouched zero-fill pages may not exist yet: let the guest touch them all
  store.add(m, false);
  vm::Machine copy = m;
  store.add(copy, false);  // same count: not added twice
  CHECK(store.size() == 1);
  const std::uint64_t overhead = store.measure(m);
  CHECK(overhead > 0);                      // page-table estimate only
  CHECK(overhead < 64 * vm::kPageSize);     // no page is unique yet
  run_to(m, 12000);                         // the guest rewrites its 64 big pages and the data page
  const std::uint64_t after = store.measure(m);
  CHECK(after >= overhead + 65 * vm::kPageSize);
  // A second checkpoint at the current state adds only its page-table estimate.
  store.add(m, false);
  const std::uint64_t two = store.measure(m);
  CHECK(two - after < 64 * vm::kPageSize);
}

TEST_CASE("thinning keeps checkpoints dense near now, sparse far away, and never drops 0 or pinned") {
  Guest g = make_guest(400000);
  CheckpointStore store(1ull << 40);
  vm::Machine m = g.machine();
  store.add(m, false);
  std::uint64_t pinned_at = 0;
  for (std::uint64_t n = 1000; n <= 2'000'000; n += 1000) {
    run_to(m, n);
    bool pin = n == 37000;
    store.add(m, pin);
    if (pin) pinned_at = n;
    store.enforce(n, m);
  }
  const std::uint64_t now = 2'000'000;
  std::vector<const Checkpoint*> list = store.list();
  CHECK(list.front()->icount == 0);
  CHECK(store.at(pinned_at) != nullptr);
  // At most kPerBucket per power-of-two distance bucket (+ 0 and the pinned one).
  CHECK(list.size() <= CheckpointStore::kPerBucket * 22 + 2);
  CHECK(list.size() >= 30);
  // The newest checkpoints are kept; gaps grow with distance.
  CHECK(list.back()->icount == now);
  for (std::size_t k = 1; k + 1 < list.size(); ++k) {
    const std::uint64_t c = list[k]->icount;
    if (c == pinned_at) continue;
    const std::uint64_t gap = list[k + 1]->icount - c;
    const std::uint64_t distance = now - c;
    CAPTURE(c);
    CHECK(gap <= std::max<std::uint64_t>(2000, distance / 2));
  }
}

TEST_CASE("thinning around a point far back keeps the newest checkpoint, by count and by budget") {
  // A session that went back to near the start must still reach the end of
  // history (and live execution past it) from close by.
  Guest g = make_guest(400000, true);
  vm::Machine m = g.machine();
  CheckpointStore store(1ull << 40);
  store.add(m, false);
  for (std::uint64_t n = 5000; n <= 200000; n += 5000) {
    run_to(m, n);
    store.add(m, false);
    store.enforce(n, m);
  }
  const vm::Machine start = g.machine();
  store.enforce(10, start);
  CHECK(store.at(200000) != nullptr);
  CHECK(store.size() < 41);  // thinning did happen around 10
  CheckpointStore tight(400 * 1024);
  vm::Machine t = g.machine();
  tight.add(t, false);
  for (std::uint64_t n = 5000; n <= 200000; n += 5000) {
    run_to(t, n);
    tight.add(t, false);
  }
  tight.enforce(10, start);
  CHECK(tight.at(200000) != nullptr);
  CHECK(tight.at(0) != nullptr);
  CHECK(tight.size() == 2);
}

TEST_CASE("over budget, far checkpoints go first; 0 and pinned stay even when alone over budget") {
  Guest g = make_guest(400000, true);
  vm::Machine m = g.machine();
  CheckpointStore store(400 * 1024);
  store.add(m, false);
  run_to(m, 5000);
  store.add(m, true);
  for (std::uint64_t n = 10000; n <= 200000; n += 5000) {
    run_to(m, n);
    store.add(m, false);
    store.enforce(n, m);
  }
  CHECK(store.at(0) != nullptr);
  CHECK(store.at(5000) != nullptr);
  // 0 and the pinned one each hold ~65 rewritten pages: over this budget on
  // their own, so everything evictable went.
  CHECK(store.size() <= 3);
  CheckpointStore roomy(2 * 1024 * 1024);
  vm::Machine m2 = g.machine();
  roomy.add(m2, false);
  for (std::uint64_t n = 10000; n <= 200000; n += 5000) {
    run_to(m2, n);
    roomy.add(m2, false);
    roomy.enforce(n, m2);
    CHECK(roomy.bytes() <= roomy.budget());
  }
  CHECK(roomy.peak_bytes() <= roomy.budget());
  CHECK(roomy.size() >= 3);
  CHECK(roomy.at(200000) != nullptr);  // the newest survives: it is the one near now
}

TEST_CASE("hit cache answers covered stretches and forgets truncated history") {
  HitCache cache;
  PointKey bp = PointKey::breakpoint(0x1000);
  CHECK_FALSE(cache.lookup(bp, 0, 100).known);
  cache.store(bp, 100, 1000, {150, 400, 800});
  auto a = cache.lookup(bp, 100, 1000);
  CHECK(a.known);
  CHECK(a.last == std::optional<std::uint64_t>(800));
  CHECK(cache.lookup(bp, 200, 500).last == std::optional<std::uint64_t>(400));
  CHECK(cache.lookup(bp, 200, 400).last == std::nullopt);  // events at `to` are outside
  CHECK(cache.lookup(bp, 200, 400).known);
  CHECK_FALSE(cache.lookup(bp, 50, 500).known);
  CHECK_FALSE(cache.lookup(PointKey::breakpoint(0x1004), 100, 1000).known);
  vm::WatchRange r{0x2000, 4, vm::WatchKind::Write};
  CHECK_FALSE(cache.lookup(PointKey::watchpoint(r), 100, 1000).known);
  cache.truncate(600);
  CHECK_FALSE(cache.lookup(bp, 100, 1000).known);
  CHECK(cache.lookup(bp, 100, 600).last == std::optional<std::uint64_t>(400));
  // Too many events: the latest are kept and the stretch shrinks to them.
  std::vector<std::uint64_t> many;
  for (std::uint64_t e = 0; e < HitCache::kMaxEvents + 10; ++e) many.push_back(e * 2);
  PointKey hot = PointKey::breakpoint(0x3000);
  cache.store(hot, 0, 1'000'000, many);
  CHECK_FALSE(cache.lookup(hot, 0, 1'000'000).known);
  CHECK(cache.lookup(hot, 100, 1'000'000).known);
  CHECK(cache.lookup(hot, 100, 1'000'000).last == std::optional<std::uint64_t>(many.back()));
}
