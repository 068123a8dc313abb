// tests/query/test_stored_states.cpp - TRACE.states: the states a split
// question reached, kept for the next one, rebuilt exactly, and never
// trusted blindly.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <iterator>
#include <map>

#include "query_fixture.hpp"
#include "timeline/history_environment.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/state_sidecar.hpp"
#include "vm/machine_delta.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

namespace {

namespace fs = std::filesystem;

// A trace path of our own (only its .states file is written).
struct TracePath {
  fs::path path = fs::temp_directory_path() / ("rvrr-stored-states-" + std::to_string(::getpid()) + ".rvrr");
  ~TracePath() {
    std::error_code ec;
    fs::remove(timeline::StoredStates::path_for(path.string()), ec);
  }
  std::string states() const { return timeline::StoredStates::path_for(path.string()); }
};

std::vector<std::uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void check_same(const query::LineReport& a, const query::LineReport& b) {
  CHECK(a.instructions == b.instructions);
  REQUIRE(a.lines.size() == b.lines.size());
  for (std::size_t i = 0; i < a.lines.size(); ++i) {
    CHECK(a.lines[i].hits == b.lines[i].hits);
    CHECK(a.lines[i].instructions == b.lines[i].instructions);
  }
}

constexpr std::uint64_t kInterval = 60000;

}  // namespace

TEST_CASE("stored states: rebuilt from their differences, each is the state a replay executes to") {
  // heap_guest grows the heap (brk) and trace_guest makes host calls: the
  // system-call state and newly mapped pages travel in the differences.
  for (const char* elf : {"heap_guest.elf", "trace_guest.elf"}) {
    CAPTURE(elf);
    const Recording& r = recording(elf);
    const timeline::SessionSetup setup =
        timeline::make_replay_setup(r.trace, [](int, std::span<const std::uint8_t>) {});
    vm::Machine m = setup.initial, rebuilt = setup.initial;
    timeline::HistoryReader reader(setup.env->history());
    std::size_t states = 0;
    const std::uint64_t step = r.trace.history.frontier / 25 + 1;
    for (std::uint64_t next = step; !m.halted(); next += step) {
      const vm::Machine base = m;
      vm::RunOptions run;
      run.stop_at = next;
      m.run(run, reader);
      if (m.halted()) break;
      std::optional<vm::MachineDelta> d = timeline::decode_state(timeline::encode_state(*vm::delta_between(base, m)), next);
      REQUIRE(d);
      REQUIRE(vm::apply_delta(rebuilt, *d));
      REQUIRE(rebuilt.state_hash() == m.state_hash());
      ++states;
    }
    CHECK(states >= 20);
  }
}

TEST_CASE("stored states: the first split question keeps them, the next rebuilds from them, answers unchanged") {
  const Recording& r = recording("trace_guest.elf");
  const query::LineReport single = query::count_lines(r.trace, r.debug, UINT64_MAX, query::IntervalPlan{1});
  const query::Profile single_profile = query::profile_trace(r.trace, r.debug, {}, query::IntervalPlan{1});
  TracePath t;
  // `jobs`: intervals per job (the commands ask with several; the states
  // between a job's start and its end are applied on the way).
  auto ask = [&](timeline::StoredStates& states, std::uint64_t jobs = 1) {
    query::IntervalPlan plan{2, kInterval};
    plan.job_intervals = jobs;
    plan.states = &states;
    check_same(query::count_lines(r.trace, r.debug, UINT64_MAX, plan), single);
    const query::Profile p = query::profile_trace(r.trace, r.debug, {}, plan);
    CHECK(query::folded_stacks(p, r.debug) == query::folded_stacks(single_profile, r.debug));
    REQUIRE_FALSE(states.save());
  };
  const std::size_t boundaries = (r.trace.history.frontier - 1) / kInterval;  // a job starts at each
  {
    timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
    CHECK(states.status() == "none");
    ask(states);
    CHECK(states.count() == boundaries);
    CHECK(states.used() > 0);  // the profile rebuilt what the line count kept
  }
  const std::vector<std::uint8_t> good = read_all(t.states());
  {
    timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
    CHECK(states.status() == "read the header of " + std::to_string(boundaries) + " states");
    ask(states);
    CHECK(states.used() == 2 * boundaries);  // nothing executed up to a boundary
  }
  CHECK(read_all(t.states()) == good);  // nothing to write again
  for (const std::uint64_t jobs : {2u, 3u}) {
    CAPTURE(jobs);
    timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
    ask(states, jobs);
    CHECK(states.used() == 2 * boundaries);
  }
  CHECK(read_all(t.states()) == good);

  // A byte flipped inside the fifth state: the states from there are
  // executed again, the answers stay, and the file is whole again after.
  std::vector<std::uint8_t> bad = good;
  bad[bad.size() - (boundaries - 4) * (good.size() / (boundaries + 1)) + 100] ^= 0x40;
  write_all(t.states(), bad);
  {
    timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
    ask(states);
    CHECK(states.used() < 2 * boundaries);
  }
  CHECK(read_all(t.states()) == good);

  // Well-formed states that are not where execution goes (a build that
  // executed differently kept them): the seams' registers disagree, the
  // question is asked again without them, and they are replaced. `kept`:
  // how many of the good states are kept, the fourth (state 3) with s0 changed.
  auto ask_with_bad_fourth = [&](std::size_t kept, std::uint64_t jobs) {
    const timeline::StateSidecarKey key{r.trace.file_sha256, trace::rvrr_version_string(), kInterval};
    auto all = std::get<std::vector<std::vector<std::uint8_t>>>(timeline::decode_state_sidecar(good, key));
    std::optional<vm::MachineDelta> d = timeline::decode_state(all.at(3), 4 * kInterval);
    REQUIRE(d);
    d->cpu.regs[8] ^= 0x10;  // s0
    all[3] = timeline::encode_state(*d);
    all.resize(kept);
    write_all(t.states(), timeline::encode_state_sidecar(key, all));
    timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
    ask(states, jobs);
  };
  ask_with_bad_fourth(boundaries, 1);
  CHECK(read_all(t.states()) == good);
  // The same state kept last, in the middle of a job of three intervals
  // (states 3k-4k apply, the rest of the job executes from the bad one):
  // the next job's start is still checked against the job that executed there.
  ask_with_bad_fourth(4, 3);
  CHECK(read_all(t.states()) == good);
  // States whose jobs fault at once: every one's pc 0 (the first seam's
  // registers differ), or the fifth without its code page (registers right,
  // but the job started there never reaches the next seam): asked again
  // without them, too.
  for (const unsigned what : {0u, 1u}) {
    CAPTURE(what);
    const timeline::StateSidecarKey key{r.trace.file_sha256, trace::rvrr_version_string(), kInterval};
    auto all = std::get<std::vector<std::vector<std::uint8_t>>>(timeline::decode_state_sidecar(good, key));
    for (std::size_t k = 0; k < all.size(); ++k) {
      std::optional<vm::MachineDelta> d = timeline::decode_state(all[k], (k + 1) * kInterval);
      REQUIRE(d);
      if (what == 0) {
        d->cpu.pc = 0;
      } else if (k == 4) {
        const std::uint64_t code = d->cpu.pc >> vm::kPageShift;
        std::erase_if(d->pages, [&](const vm::PageChange& p) { return p.page == code; });
        auto at = std::lower_bound(d->pages.begin(), d->pages.end(), code,
                                   [](const vm::PageChange& p, std::uint64_t n) { return p.page < n; });
        d->pages.insert(at, vm::PageChange{code, false, 0, {}});
      }
      all[k] = timeline::encode_state(*d);
    }
    write_all(t.states(), timeline::encode_state_sidecar(key, all));
    for (const std::uint64_t jobs : {1u, 3u}) {
      CAPTURE(jobs);
      timeline::StoredStates states(t.path.string(), r.trace.file_sha256, kInterval);
      ask(states, jobs);
      CHECK(read_all(t.states()) == good);
      write_all(t.states(), timeline::encode_state_sidecar(key, all));
    }
  }

  // For another interval, another trace, or not a state file: not used, and replaced.
  for (const auto& [sha, interval, bytes] :
       {std::tuple{r.trace.file_sha256, kInterval + 1, good}, std::tuple{trace::Sha256Digest{}, kInterval, good},
        std::tuple{r.trace.file_sha256, kInterval, std::vector<std::uint8_t>(good.begin(), good.begin() + 30)}}) {
    write_all(t.states(), bytes);
    timeline::StoredStates states(t.path.string(), sha, interval);
    CHECK(states.count() == 0);
    CHECK(states.status() != "none");
  }
}

TEST_CASE("stored states: a state file's header and states are checked (stale, corrupt, truncated)") {
  const timeline::StateSidecarKey key{trace::Sha256Digest{1, 2, 3}, "test", 1000};
  vm::MachineDelta d;
  d.cpu.icount = 1000;
  d.pages.push_back(vm::PageChange{0x42, true, vm::PermRead, std::vector<std::uint8_t>(vm::kPageSize, 7)});
  const std::vector<std::uint8_t> one = timeline::encode_state(d);
  const std::vector<std::uint8_t> file = timeline::encode_state_sidecar(key, {one});
  auto decoded = timeline::decode_state_sidecar(file, key);
  REQUIRE(std::holds_alternative<std::vector<std::vector<std::uint8_t>>>(decoded));
  CHECK(std::get<0>(decoded).at(0) == one);
  REQUIRE(timeline::decode_state(one, 1000));
  CHECK(timeline::decode_state(one, 1000)->pages.at(0).bytes == d.pages[0].bytes);
  CHECK_FALSE(timeline::decode_state(one, 2000));  // not at its boundary
  for (std::size_t cut = 0; cut < file.size(); cut += 97) {  // every truncation is rejected
    CAPTURE(cut);
    CHECK(std::holds_alternative<std::string>(
        timeline::decode_state_sidecar(std::span(file).first(cut), key)));
  }
  std::vector<std::uint8_t> flipped = file;
  flipped[file.size() - 5] ^= 1;  // a page byte: the state's checksum
  CHECK(std::get<std::string>(timeline::decode_state_sidecar(flipped, key)) == "corrupt: checksum mismatch");
  CHECK(std::get<std::string>(timeline::decode_state_sidecar(file, {key.trace_sha256, "other", 1000})) ==
        "stale: written by another rvrr");
  // A state whose page numbers do not ascend is ill-formed.
  vm::MachineDelta twice = d;
  twice.pages.push_back(d.pages[0]);
  CHECK_FALSE(timeline::decode_state(timeline::encode_state(twice), 1000));
}

TEST_CASE("kept states: a session's checkpoints on interval boundaries start the split's jobs, answers unchanged") {
  const Recording& r = recording("trace_guest.elf");
  const query::LineReport single = query::count_lines(r.trace, r.debug, UINT64_MAX, query::IntervalPlan{1});
  const query::Profile single_profile = query::profile_trace(r.trace, r.debug, {}, query::IntervalPlan{1});
  const timeline::SessionSetup setup = timeline::make_replay_setup(r.trace, [](int, std::span<const std::uint8_t>) {});
  // Checkpoints at every other boundary (a session keeps some, thinned).
  std::map<std::uint64_t, vm::Machine> kept;
  {
    vm::Machine m = setup.initial;
    timeline::HistoryReader reader(setup.env->history());
    for (std::uint64_t at = 2 * kInterval; at < r.trace.history.frontier; at += 2 * kInterval) {
      vm::RunOptions run;
      run.stop_at = at;
      m.run(run, reader);
      REQUIRE(m.icount() == at);
      kept.emplace(at, m);
    }
  }
  REQUIRE(kept.size() >= 3);
  std::size_t asked = 0, given = 0;
  query::RecordedRun run{setup.initial, setup.env->history(), [&](std::uint64_t icount) -> const vm::Machine* {
                           ++asked;
                           auto it = kept.find(icount);
                           if (it == kept.end()) return nullptr;
                           ++given;
                           return &it->second;
                         }};
  check_same(query::count_lines(run, r.debug, UINT64_MAX, query::IntervalPlan{2, kInterval}), single);
  const query::Profile p = query::profile_run(run, r.debug, {}, query::IntervalPlan{3, kInterval});
  CHECK(query::folded_stacks(p, r.debug) == query::folded_stacks(single_profile, r.debug));
  CHECK(given == 2 * kept.size());
  CHECK(asked > given);  // the other boundaries were executed to
}
