// timeline/timeline_run.cpp - the forward engine under every Timeline operation, and seeks.
#include <algorithm>
#include <cstdio>

#include "timeline/session_setup.hpp"
#include "timeline/timeline_impl.hpp"

namespace rvrr::timeline {

void Timeline::Impl::apply_writes_at(vm::Machine& m, std::uint64_t icount) {
  // Recorded writes were checked when made (or when the trace was read).
  for (const trace::DebuggerWrite* w : env->history().writes_at(icount)) apply_debugger_write(m, *w);
}

void Timeline::Impl::add_checkpoint(const vm::Machine& m, bool pinned) {
  store.add(m, pinned);
  // Thin around where we will be: during a seek that is its target, not the
  // position being left.
  store.enforce(focus != kNoLimit ? focus : now(), current);
}

Advance Timeline::Impl::advance(vm::Machine& m, std::uint64_t target, const vm::DebugPoints* pts,
                                bool skip_first, const CancelToken* cancel, bool checkpoints,
                                vm::ExecTraceSink* trace) {
  if (pts != nullptr && pts->empty()) pts = nullptr;
  bool skip = skip_first;
  const std::uint64_t start = m.icount();
  // Where execution cannot go on (a halted machine, the end of history), a
  // breakpoint on the instruction there still fires, as it does for the
  // same state reached by re-execution; not for a run that starts there,
  // which cannot move: that is gdb's step-resume breakpoint for a signal it
  // delivers, and a hit would tell it a handler ran and returned.
  auto point_at_the_end = [&](std::uint64_t at) {
    return pts != nullptr && at != start && pts->has_breakpoint(m.pc());
  };
  for (;;) {
    const std::uint64_t at = m.icount();
    if (m.halted()) {
      if (point_at_the_end(at)) return Advance{Outcome::Point, vm::StopInfo::breakpoint()};
      return Advance{Outcome::Halted, m.halt_reason()};
    }
    if (at >= target) return Advance{Outcome::Reached, {}};

    // Where history ends for this run.
    std::uint64_t end = kNoLimit;
    const bool open_ended = env->history().open_ended;
    if (!live() && !open_ended) end = frontier();
    if (!live() && open_ended) {
      // A cut-short trace's recording stopped short of its last progress
      // mark's `next` (trace/format.hpp): its history ends there at the
      // latest, even when the program makes no further host call.
      end = env->history().open_end_bound;
      if (at >= end) env->history().close_open_end(at);
    }
    if (options.max_instructions != 0) end = std::min(end, options.max_instructions);
    if (at >= end) {
      // The end (recorded, or --max-instructions).
      if (point_at_the_end(at)) return Advance{Outcome::Point, vm::StopInfo::breakpoint()};
      if (!live() && at == frontier()) {
        // If the trace ends because the guest exited or faulted here, that is
        // what we report. Probe on a copy: a plain instruction must not run
        // past the end of history.
        vm::Machine probe = m;
        vm::StopInfo info = probe.step(*env, nullptr, true);
        if (info.kind() == vm::StopKind::Exited || info.kind() == vm::StopKind::Fault) {
          m = std::move(probe);
          halt_at = at;
          return Advance{Outcome::Halted, info};
        }
      }
      return Advance{Outcome::End, {}};
    }
    if (cancel != nullptr && cancel->cancelled()) return Advance{Outcome::Cancelled, {}};

    std::uint64_t limit = std::min(target, end);
    if (cancel != nullptr) limit = std::min(limit, at + kCancelSlice);
    // A live run's trace gets its progress marks between runs that take the
    // frontier no further than the step limit (a run behind it is not cut).
    if (live()) {
      const std::uint64_t base = std::max(at, frontier());
      const std::uint64_t step = env->frontier_step_limit();
      if (step < UINT64_MAX - base) limit = std::min(limit, base + step);
    }
    if (auto w = env->history().next_write_at_or_after(at + 1)) limit = std::min(limit, *w);
    bool checkpoint_due = false;
    if (checkpoints) {
      const Checkpoint* prev = store.at_or_before(at);
      const Checkpoint* next = store.after(at);
      // Space from the last checkpoint taken, even if the budget evicted it
      // at once: otherwise a full budget would make every instruction "due".
      std::uint64_t base = prev != nullptr ? prev->icount : 0;
      if (last_auto_checkpoint <= at) base = std::max(base, last_auto_checkpoint);
      // On a multiple of the interval: checkpoints then mark the starts of
      // the index's stretches, where backward scans begin.
      std::uint64_t due = (base / interval + 1) * interval;
      if (next == nullptr || next->icount > due) {
        due = std::max(due, at + 1);
        if (due <= limit) {
          limit = due;
          checkpoint_due = true;
        }
      }
    }

    vm::RunOptions run;
    run.stop_at = limit;
    run.points = pts;
    run.skip_points_at_start = skip;
    run.trace = trace;
    vm::StopInfo info = m.run(run, *env);
    const std::uint64_t reached = m.icount();
    executed += reached - at;
    report_progress();
    if (reached > at) skip = false;
    if (live() || open_ended) env->advance_frontier(reached);
    if (builder && live()) builder->publish(env->history(), history_final());

    // A machine that reports another stop exactly at the limit has still
    // arrived there: the debugger writes of that count apply first.
    if (info.kind() != vm::StopKind::Limit && reached == limit && reached > at) apply_writes_at(m, reached);
    switch (info.kind()) {
      case vm::StopKind::Limit:
        if (reached != limit) {
          // The machine must stop exactly at stop_at; anything else is a VM bug.
          vm::StopInfo bad = vm::StopInfo::host_failure("internal error: a run to instruction " + std::to_string(limit) + " stopped at " +
                        std::to_string(reached));
          return Advance{Outcome::Divergence, bad};
        }
        apply_writes_at(m, reached);
        if (checkpoint_due) {
          add_checkpoint(m);
          last_auto_checkpoint = reached;
        }
        break;
      case vm::StopKind::Breakpoint:
      case vm::StopKind::Watchpoint:
        return Advance{Outcome::Point, info};
      case vm::StopKind::Exited:
      case vm::StopKind::Fault:
        halt_at = reached;
        return Advance{Outcome::Halted, info};
      case vm::StopKind::Interrupted:
        // A live read gave up waiting (Ctrl-C): the call did not happen and
        // is made again when execution goes on.
        return Advance{Outcome::Cancelled, info};
      case vm::StopKind::HostFailure:
        // A cut-short trace ran out of recorded host calls: the end of
        // history, not a divergence (the environment closed it at `reached`).
        if (!live() && open_ended && !env->history().open_ended && reached == frontier())
          return Advance{Outcome::End, {}};
        return Advance{Outcome::Divergence, info};
    }
  }
}

Advance Timeline::Impl::reach(vm::Machine& out, std::uint64_t target, const CancelToken* cancel) {
  struct Focus {
    std::uint64_t& slot;
    std::uint64_t saved;
    ~Focus() { slot = saved; }
  } focus_guard{focus, focus};
  focus = target;
  const Checkpoint* cp = store.at_or_before(target);  // a checkpoint at 0 always exists
  // Continue from `out` itself when it is already between that checkpoint and the target.
  if (out.halted() || out.icount() > target || out.icount() < cp->icount) out = cp->machine;
  if (target - out.icount() > kShortRangeFar) {
    Advance a = advance(out, target - kShortRangeNear, nullptr, false, cancel, true);
    if (a.outcome != Outcome::Reached) return a;
    add_checkpoint(out);
  }
  return advance(out, target, nullptr, false, cancel, true);
}

namespace {
std::string describe_machine_end(const vm::Machine& m) {
  if (!m.halted()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "is still running (pc 0x%08llx)", static_cast<unsigned long long>(m.pc()));
    return buf;
  }
  const vm::StopInfo& h = m.halt_reason();
  if (h.kind() == vm::StopKind::Exited) return "exited with status " + std::to_string(h.exit_code());
  return std::string("was killed by ") + vm::signal_name(h.signal());
}
}  // namespace

std::optional<std::string> Timeline::Impl::check_recorded_end(Outcome outcome) {
  if (live()) return std::nullopt;
  const trace::History& h = env->history();
  if (!h.recorded_end || h.open_ended) return std::nullopt;
  const trace::RecordedEnd& want = *h.recorded_end;
  // A seek that lands exactly on the end of a recording that ended running is there too.
  const bool at_end =
      outcome == Outcome::Halted || (outcome == Outcome::End && now() == frontier()) ||
      (outcome == Outcome::Reached && now() == frontier() && want.kind == trace::RecordedEnd::Kind::Running);
  if (!at_end) return std::nullopt;
  if (end_checked_at == now()) return end_divergence;
  const vm::Machine& m = current;
  bool same = now() == frontier();
  if (same) {
    switch (want.kind) {
      case trace::RecordedEnd::Kind::Exited:
        same = m.halted() && m.halt_reason().kind() == vm::StopKind::Exited &&
               m.halt_reason().exit_code() == want.exit_code;
        break;
      case trace::RecordedEnd::Kind::Fault:
        same = m.halted() && m.halt_reason().kind() == vm::StopKind::Fault && m.halt_reason().signal() == want.signal;
        break;
      case trace::RecordedEnd::Kind::Running:
        same = !m.halted();
        break;
    }
  }
  std::optional<std::string> verdict;
  if (!same) {
    verdict = "divergence at instruction " + std::to_string(now()) + ": the recording " + want.description +
              " at instruction " + std::to_string(frontier()) + ", the replay " + describe_machine_end(m) +
              " at instruction " + std::to_string(now());
  } else if (want.state_hash && *want.state_hash != m.state_hash()) {
    verdict = "divergence at instruction " + std::to_string(now()) + " (the end of the recording): " +
              trace::describe_state_divergence(now(), m.state_hash(), *want.state_hash);
  }
  end_checked_at = now();
  end_divergence = verdict;
  return verdict;
}

StopEvent Timeline::Impl::seek_to(std::uint64_t target, const CancelToken* cancel) {
  const bool began_halted = current.halted();
  const std::uint64_t here = now();
  if (target == here) return StopEvent::seek_done(here);
  Advance a;
  const Checkpoint* cp = store.at_or_before(target);
  if (target > here && !current.halted() && (target - here) <= (target - cp->icount)) {
    a = advance(current, target, nullptr, false, cancel, true);
  } else {
    vm::Machine m = cp->machine;
    a = reach(m, target, cancel);
    if (a.outcome == Outcome::Cancelled) {
      // Interrupted on the way forward (from a checkpoint past here): keep
      // what the run covered, as an interrupted continue does. Otherwise
      // (a seek backwards) stay where the user was.
      if (target > here && m.icount() > here) {
        current = std::move(m);
        return StopEvent::interrupted(now());
      }
      return StopEvent::interrupted(here);
    }
    current = std::move(m);
  }
  return event_of(a, Arrival::SeekDone, began_halted);
}

StopEvent Timeline::Impl::event_of(const Advance& a, Arrival reached, bool began_halted) {
  const std::uint64_t here = now();
  if (a.outcome == Outcome::Divergence || a.outcome == Outcome::Cancelled) return failure_event(a, here);
  if (auto diverged = check_recorded_end(a.outcome)) return StopEvent::divergence(here, std::move(*diverged));
  switch (a.outcome) {
    case Outcome::Point:
      if (a.info.kind() == vm::StopKind::Watchpoint) return StopEvent::watchpoint(here, a.info.addr(), a.info.watch());
      return StopEvent::breakpoint(here);
    case Outcome::Halted:
      if (a.info.kind() == vm::StopKind::Exited) return StopEvent::exited(here, a.info.exit_code(), a.info.message());
      // The first arrival at a fault reports it; arriving at it again is the end of history.
      return began_halted ? StopEvent::history_end(here, a.info.signal(), a.info.message())
                          : StopEvent::fault(here, a.info.signal(), a.info.message());
    case Outcome::End:
      return StopEvent::history_end(here);
    default:
      break;
  }
  return reached == Arrival::Step ? StopEvent::step(here) : StopEvent::seek_done(here);
}

const vm::Machine& Timeline::start_of_history() const { return impl_->store.at_or_before(0)->machine; }  // never evicted
const vm::Machine* Timeline::checkpoint_at(std::uint64_t icount) const {
  const Checkpoint* c = impl_->store.at(icount);
  return c != nullptr ? &c->machine : nullptr;
}

bool Timeline::trace_history(std::uint64_t to, vm::ExecTraceSink& trace, const CancelToken& cancel,
                             const vm::DebugPoints* points, const std::function<void(const vm::Machine&)>& at_point) {
  Impl& t = *impl_;
  const Checkpoint* origin = t.store.at_or_before(0);  // never evicted
  if (origin == nullptr) return false;
  to = std::min(to, t.frontier());
  vm::Machine m = origin->machine;
  t.apply_writes_at(m, 0);
  bool skip = false;  // not the point just reported again
  for (;;) {
    const Advance a = t.advance(m, to, points, skip, &cancel, false, &trace);
    if (a.outcome == Outcome::Point && m.icount() < to) {
      if (at_point) at_point(m);
      skip = true;
      continue;
    }
    const bool reached = m.icount() == to && (a.outcome == Outcome::Reached || a.outcome == Outcome::Halted);
    // A breakpoint at `to` itself too (a sink may read the state there: a call returned right at it).
    if (reached && at_point && points != nullptr && !m.halted() && points->has_breakpoint(m.pc())) at_point(m);
    return reached;
  }
}

}  // namespace rvrr::timeline
