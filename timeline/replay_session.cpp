// timeline/replay_session.cpp - forward replay of a trace with divergence checks.
#include "timeline/replay_session.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "trace/host_call_text.hpp"

namespace rvrr::timeline {

namespace {
constexpr std::uint64_t kSlice = 1ull << 26;  // as the recorder: invisible per-slice cost

std::string describe_stop(const vm::StopInfo& stop, const vm::Machine& machine) {
  vm::StopInfo s = stop;
  if (s.kind() == vm::StopKind::Limit) s = vm::StopInfo::breakpoint();  // -> "stopped"
  return trace::describe_end(trace::footer_for(machine, s)) + " at instruction " + std::to_string(machine.icount());
}
}  // namespace

// Forwards to the HistoryEnvironment, and notices recorded events the program
// went past without asking for them (possible only because the session runs
// strictly forward from 0).
class ReplaySession::Checker : public vm::Environment {
 public:
  explicit Checker(HistoryEnvironment& env) : env_(env) {}

  vm::HostReply call(std::uint64_t icount, const vm::HostRequest& request) override {
    if (auto skipped = skipped_before(icount, &request)) {
      vm::HostReply reply;
      reply.ok = false;
      reply.value = -5;
      reply.error = *skipped;
      return reply;
    }
    vm::HostReply reply = env_.call(icount, request);
    if (reply.ok) {
      const auto& events = env_.history().events;
      while (next_ < events.size() && events[next_].icount <= icount) ++next_;
    }
    return reply;
  }
  void output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) override {
    env_.output(icount, fd, bytes);
  }

  // A diagnostic if a recorded event lies before `icount` and was never asked for.
  std::optional<std::string> skipped_before(std::uint64_t icount, const vm::HostRequest* next_request) const {
    const auto& events = env_.history().events;
    if (next_ >= events.size() || events[next_].icount >= icount) return std::nullopt;
    const trace::HostEvent& missed = events[next_];
    std::ostringstream os;
    os << "divergence at instruction " << missed.icount << ": the trace has " << trace::describe_request(missed.request)
       << " here, the program made no host call there";
    if (next_request) {
      os << " (its next call is " << trace::describe_request(*next_request) << " at instruction " << icount << ")";
    } else {
      os << " (it went on to instruction " << icount << ")";
    }
    return os.str();
  }
  std::size_t unconsumed() const { return env_.history().events.size() - next_; }
  const trace::HostEvent* next_event() const {
    const auto& events = env_.history().events;
    return next_ < events.size() ? &events[next_] : nullptr;
  }

 private:
  HistoryEnvironment& env_;
  std::size_t next_ = 0;
};

ReplaySession::ReplaySession(trace::TraceData trace, std::function<void(int, std::span<const std::uint8_t>)> output_to)
    : ReplaySession(make_replay_setup(trace, std::move(output_to)), std::move(trace)) {}

ReplaySession::ReplaySession(SessionSetup&& setup, trace::TraceData&& trace)
    : trace_(std::move(trace)),
      machine_(std::move(setup.initial)),
      env_(std::move(setup.env)),
      checker_(std::make_unique<Checker>(*env_)) {}

ReplaySession::ReplaySession(ReplaySession&&) noexcept = default;
ReplaySession::~ReplaySession() = default;

ReplaySession ReplaySession::open(const std::string& path,
                                  std::function<void(int, std::span<const std::uint8_t>)> output_to) {
  return ReplaySession(trace::read_trace_file(path), std::move(output_to));
}

vm::StopInfo ReplaySession::run_to(std::uint64_t icount, vm::ExecTraceSink* trace, const vm::DebugPoints* points) {
  const trace::History& history = env_->history();
  // A recording that ended in an exit or a fault ends *at* the instruction
  // that did it (it never retires): replay must execute it to see it stop.
  const std::uint64_t target = std::min(icount, history.frontier + (history.halted_at_frontier ? 1 : 0));
  for (;;) {
    // Debugger writes recorded at this count apply before the next instruction.
    while (next_write_ < history.writes.size() && history.writes[next_write_].icount <= machine_.icount()) {
      const trace::DebuggerWrite& w = history.writes[next_write_++];
      if (auto error = apply_debugger_write(machine_, w)) {
        vm::StopInfo stop = vm::StopInfo::host_failure("divergence at instruction " + std::to_string(machine_.icount()) + ": " + *error);
        return stop;
      }
    }
    if (machine_.halted()) return machine_.halt_reason();
    if (machine_.icount() >= target) return vm::StopInfo{};  // Limit: arrived
    vm::RunOptions run;
    run.trace = trace;
    run.points = points;
    run.skip_points_at_start = machine_.icount() == stopped_at_point_;
    run.stop_at = std::min(target, machine_.icount() + kSlice);
    if (next_write_ < history.writes.size()) run.stop_at = std::min(run.stop_at, history.writes[next_write_].icount);
    vm::StopInfo stop = machine_.run(run, *checker_);
    if (stop.kind() == vm::StopKind::Breakpoint) stopped_at_point_ = machine_.icount();
    if (stop.kind() != vm::StopKind::Limit) return stop;
  }
}

ReplayResult ReplaySession::run_to_end(vm::ExecTraceSink* trace) {
  ReplayResult r;
  r.stop = run_to(UINT64_MAX, trace);
  r.icount = machine_.icount();
  r.state_hash = machine_.state_hash();
  if (r.stop.kind() == vm::StopKind::HostFailure) {
    r.diagnostic = r.stop.message();
    return r;
  }
  if (auto skipped = checker_->skipped_before(r.icount, nullptr)) {
    r.diagnostic = *skipped;
    return r;
  }
  const bool ended = r.stop.kind() == vm::StopKind::Exited || r.stop.kind() == vm::StopKind::Fault;
  if (ended && checker_->unconsumed() > 0) {
    const trace::HostEvent* next = checker_->next_event();
    r.diagnostic = "divergence: the program " + describe_stop(r.stop, machine_) + ", but the trace has " +
                   std::to_string(checker_->unconsumed()) + " more host calls (the first: " +
                   trace::describe_request(next->request) + " at instruction " + std::to_string(next->icount) + ")";
    return r;
  }
  if (!trace_.footer) {
    if (r.icount < end_of_history()) {
      r.diagnostic = "divergence: the program " + describe_stop(r.stop, machine_) +
                     ", but the trace records execution up to instruction " + std::to_string(end_of_history());
      return r;
    }
    r.matches = true;  // everything the cut-short trace holds was replayed
    return r;
  }
  const trace::TraceFooter& f = *trace_.footer;
  r.verified_footer = true;
  bool same_end = false;
  switch (f.end) {
    case trace::TraceEnd::Exited:
      same_end = r.stop.kind() == vm::StopKind::Exited && r.stop.exit_code() == f.exit_code;
      break;
    case trace::TraceEnd::Fault:
      same_end = r.stop.kind() == vm::StopKind::Fault && r.stop.signal() == f.signal;
      break;
    case trace::TraceEnd::Stopped:
    case trace::TraceEnd::HostFailure:
    case trace::TraceEnd::Interrupted:
      same_end = r.stop.kind() == vm::StopKind::Limit;
      break;
  }
  if (!same_end || r.icount != f.final_icount) {
    r.diagnostic = "divergence: the recording " + trace::describe_end(f) + " at instruction " +
                   std::to_string(f.final_icount) + ", the replay " + describe_stop(r.stop, machine_);
    return r;
  }
  if (f.has_state_hash && f.state_hash != r.state_hash) {
    r.diagnostic = "divergence: " + trace::describe_state_divergence(r.icount, r.state_hash, f.state_hash);
    return r;
  }
  r.matches = true;
  return r;
}

}  // namespace rvrr::timeline
