// timeline/replay_session.hpp - re-executing a recorded trace, forward only.
//
// A ReplaySession is one machine plus a cursor into the trace's events. It
// runs forward deterministically: every host call must be the one the trace
// holds at that instruction count, and every recorded event must be asked for
// (a call the program skips is a divergence too). At the end it compares the
// final instruction count, how the program ended and the full state hash with
// the trace's footer. Divergences stop the machine (vm::StopKind::HostFailure)
// with a precise message; nothing is "best effort".
//
// For going backwards, the server builds a Timeline from make_replay_setup();
// this class is for `rvrr replay --check`, tests and tools.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "timeline/history_environment.hpp"
#include "timeline/session_setup.hpp"
#include "trace/format.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

struct ReplayResult {
  vm::StopInfo stop;            // how the replay's last run ended
  std::uint64_t icount = 0;
  std::uint64_t state_hash = 0;
  bool matches = false;         // no divergence and the end agrees with the footer
  bool verified_footer = false; // there was a footer to compare with (false: trace cut short)
  std::string diagnostic;       // when !matches: where, expected, actual
};

class ReplaySession {
 public:
  // Throws TraceError when the trace's program cannot be loaded. `output_to`
  // null: guest output goes to the host's stdout/stderr (once).
  explicit ReplaySession(trace::TraceData trace,
                         std::function<void(int fd, std::span<const std::uint8_t>)> output_to = {});
  static ReplaySession open(const std::string& path,
                            std::function<void(int fd, std::span<const std::uint8_t>)> output_to = {});
  ReplaySession(ReplaySession&&) noexcept;
  ~ReplaySession();

  const trace::TraceData& trace() const { return trace_; }
  vm::Machine& machine() { return machine_; }
  HistoryEnvironment& environment() { return *env_; }
  std::uint64_t end_of_history() const { return env_->history().frontier; }

  // Run forward until `icount` (capped at the end of history), applying
  // recorded debugger writes at their counts. Returns the machine's stop
  // (Limit on arrival; Exited/Fault if the program ends first; HostFailure on
  // divergence, with the message). Cost: full interpreter speed between events.
  // `trace`: every instruction run is reported to it (vm/exec_trace.hpp), at
  // the cost of the traced run loop. `points`: stops at them too
  // (Breakpoint); the next run_to from there goes on past the one stopped at.
  vm::StopInfo run_to(std::uint64_t icount, vm::ExecTraceSink* trace = nullptr, const vm::DebugPoints* points = nullptr);
  // Run to the end of history and compare with the footer.
  ReplayResult run_to_end(vm::ExecTraceSink* trace = nullptr);

  class Checker;  // the environment adapter that notices skipped events
 private:
  ReplaySession(SessionSetup&& setup, trace::TraceData&& trace);
  trace::TraceData trace_;
  vm::Machine machine_;
  std::shared_ptr<HistoryEnvironment> env_;
  std::unique_ptr<Checker> checker_;
  std::size_t next_write_ = 0;   // index into history().writes not yet applied
  std::uint64_t stopped_at_point_ = UINT64_MAX;  // the count of the last stop at a point
};

}  // namespace rvrr::timeline
