// tests/timeline/test_jit_tiers.cpp - recordings do not depend on the tier:
// a trace recorded with the translating tier is byte for byte the trace the
// interpreter records, and each replays in the other tier to the recorded
// final state.
#include <doctest/doctest.h>

#include <string>

#include "timeline/recorder.hpp"
#include "timeline/replay_session.hpp"
#include "trace/format.hpp"
#include "trace/trace_test_util.hpp"
#include "vm/jit.hpp"

using namespace rvrr;
using namespace rvrr::timeline;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

struct TierScope {
  vm::Tier saved = vm::current_tier();
  std::uint32_t saved_threshold = vm::jit_threshold();
  TierScope() { vm::set_jit_threshold(1); }  // translate every block on its first entry
  ~TierScope() {
    vm::set_tier(saved);
    vm::set_jit_threshold(saved_threshold);
  }
};

RecordResult record_in(vm::Tier tier, const std::string& program, std::vector<std::string> args,
                       const fs::path& path) {
  vm::set_tier(tier);
  RecordOptions o;
  o.live.args = std::move(args);
  o.live.epoch_ns = 42;
  o.live.live = std::make_shared<ScriptedHost>("hello there\n");
  o.live.output_to = [](int, std::span<const std::uint8_t>) {};
  return record_program(program, o, path.string());
}

ReplayResult replay_in(vm::Tier tier, const fs::path& path) {
  vm::set_tier(tier);
  ReplaySession session(read_trace(slurp(path)), [](int, std::span<const std::uint8_t>) {});
  return session.run_to_end();
}

}  // namespace

TEST_CASE("jit tiers: a trace recorded in either tier is the same trace and replays in the other") {
  TierScope scope;
  struct Guest { std::string path; std::vector<std::string> args; };
  const Guest guests[] = {
      {guest_path(), {"x"}},
      {std::string(RVRR_EXAMPLES_DIR) + "/linux_compute.elf", {"linux_compute", "8"}},
  };
  for (const Guest& g : guests) {
    CAPTURE(g.path);
    if (!fs::exists(g.path)) continue;  // examples not built
    const fs::path a = temp_path("tier-interp.rvrr"), b = temp_path("tier-auto.rvrr");
    const RecordResult ra = record_in(vm::Tier::Interp, g.path, g.args, a);
    const RecordResult rb = record_in(vm::Tier::Auto, g.path, g.args, b);
    CHECK(ra.instructions == rb.instructions);
    CHECK(ra.footer.state_hash == rb.footer.state_hash);
    CHECK(slurp(a) == slurp(b));
    for (const auto& [path, tier] : {std::pair{a, vm::Tier::Auto}, std::pair{b, vm::Tier::Interp}}) {
      const ReplayResult r = replay_in(tier, path);
      CHECK(r.matches);
      CHECK(r.verified_footer);
      CHECK(r.diagnostic == "");
      CHECK(r.icount == ra.instructions);
      CHECK(r.state_hash == ra.footer.state_hash);
    }
  }
}
