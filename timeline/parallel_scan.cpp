// timeline/parallel_scan.cpp - scan jobs on their own threads (see parallel_scan.hpp).
#include "timeline/parallel_scan.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "timeline/session_setup.hpp"

namespace rvrr::timeline {

namespace {

void apply_writes(vm::Machine& m, const trace::History& history, std::uint64_t icount) {
  for (const trace::DebuggerWrite* w : history.writes_at(icount)) apply_debugger_write(m, *w);
}

// Timeline::Impl::advance for a job: the same slices, debugger writes and
// stop handling, but behind the frontier only (no end of history to meet),
// no checkpoints and nothing written outside the job.
Advance run_to(vm::Machine& m, std::uint64_t target, const vm::DebugPoints* pts, bool skip_first,
               const CancelToken* cancel, vm::Environment& env, const trace::History& history,
               vm::ExecTraceSink* trace, std::atomic<std::uint64_t>& executed, const ScanJob& job) {
  if (pts != nullptr && pts->empty()) pts = nullptr;
  bool skip = skip_first;
  const std::uint64_t start = m.icount();
  for (;;) {
    const std::uint64_t at = m.icount();
    if (m.halted()) {
      if (pts != nullptr && !(skip && at == start) && pts->has_breakpoint(m.pc())) {
        vm::StopInfo info = vm::StopInfo::breakpoint();
        return Advance{Outcome::Point, info};
      }
      return Advance{Outcome::Halted, m.halt_reason()};
    }
    if (at >= target) return Advance{Outcome::Reached, {}};
    if (cancel != nullptr && cancel->cancelled()) return Advance{Outcome::Cancelled, {}};
    if (job.earliest && job.earliest->load(std::memory_order_relaxed) < job.order) {
      // An earlier interval already holds the answer: this one is not needed.
      vm::StopInfo info = vm::StopInfo::limit();
      return Advance{Outcome::End, info};
    }
    std::uint64_t limit = std::min(target, at + kCancelSlice);
    if (auto w = history.next_write_at_or_after(at + 1)) limit = std::min(limit, *w);

    vm::RunOptions run;
    run.stop_at = limit;
    run.points = pts;
    run.skip_points_at_start = skip;
    run.trace = trace;
    vm::StopInfo info = m.run(run, env);
    const std::uint64_t reached = m.icount();
    executed.fetch_add(reached - at, std::memory_order_relaxed);
    if (reached > at) skip = false;
    if (info.kind() != vm::StopKind::Limit && reached == limit && reached > at) apply_writes(m, history, reached);
    switch (info.kind()) {
      case vm::StopKind::Limit:
        if (reached != limit) {
          vm::StopInfo bad = vm::StopInfo::host_failure("internal error: a run to instruction " + std::to_string(limit) + " stopped at " +
                        std::to_string(reached));
          return Advance{Outcome::Divergence, bad};
        }
        apply_writes(m, history, reached);
        break;
      case vm::StopKind::Breakpoint:
      case vm::StopKind::Watchpoint:
        return Advance{Outcome::Point, info};
      case vm::StopKind::Exited:
      case vm::StopKind::Fault:
        return Advance{Outcome::Halted, info};
      case vm::StopKind::Interrupted:
        return Advance{Outcome::Cancelled, info};
      case vm::StopKind::HostFailure:
        return Advance{Outcome::Divergence, info};
    }
  }
}

// One job, start to end: Timeline::Impl::scan_interval's run, on a copy.
ScanJobResult run_job(ScanJob& job, const trace::History& history, const CancelToken* cancel,
                      std::atomic<std::uint64_t>& executed) {
  ScanJobResult out;
  out.bp_events.resize(job.bps.size());
  out.w_events.resize(job.watches.size());
  HistoryReader env(history);
  vm::DebugPoints points;
  vm::DebugPoints watches;
  for (vm::Addr a : job.bps) points.add_breakpoint(a);
  for (const vm::WatchRange& w : job.watches) {
    points.add_watch(w.addr, w.len, w.kind);
    watches.add_watch(w.addr, w.len, w.kind);
  }
  StretchRecorder recorder;
  auto consider = [&](const Hit& h) {
    if (h.better_than(out.hit)) out.hit = h;
  };
  auto push = [](std::vector<std::uint64_t>& v, std::uint64_t e) {
    v.push_back(e);
    if (v.size() > 2 * HitCache::kMaxEvents) v.erase(v.begin(), v.begin() + HitCache::kMaxEvents);
  };
  auto record_watch = [&](std::uint64_t e, const vm::StopInfo& info) {
    consider(Hit{true, e + 1, true, info.addr(), info.watch()});
    for (std::size_t k = 0; k < job.watches.size(); ++k) {
      if (job.watches[k].addr == info.addr() && job.watches[k].kind == info.watch()) {
        push(out.w_events[k], e);
        break;
      }
    }
  };
  const std::uint64_t span = job.span;
  auto stretch_end = [&](std::uint64_t k) { return std::min((k + 1) * span, job.final_end); };

  vm::Machine m = std::move(job.start);
  std::optional<vm::Machine> rec_start;
  auto begin_stretch = [&] {
    const std::uint64_t at = m.icount();
    recorder.reset();
    if (at % span == 0 && std::binary_search(job.index_wanted.begin(), job.index_wanted.end(), at / span)) {
      rec_start = m;
    } else {
      rec_start.reset();
    }
  };
  begin_stretch();
  bool skip = false;
  std::uint64_t boundaries = 0;
  for (;;) {
    const std::uint64_t boundary = std::min(job.to, stretch_end(m.icount() / span));
    Advance a = run_to(m, boundary, &points, skip, cancel, env, history, rec_start ? &recorder : nullptr, executed, job);
    if (a.outcome == Outcome::Reached && m.icount() < job.to) {
      if (rec_start) out.stretches.push_back(recorder.finish(rec_start->icount(), m.icount(), *rec_start, m));
      if (++boundaries % job.checkpoint_stride == 0) out.checkpoints.push_back(m);
      begin_stretch();
      skip = false;
      continue;
    }
    if (a.outcome == Outcome::Reached) {
      if (rec_start && m.icount() == stretch_end(rec_start->icount() / span))
        out.stretches.push_back(recorder.finish(rec_start->icount(), m.icount(), *rec_start, m));
      out.complete = true;
      break;
    }
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) {
      out.failure = a;
      return out;
    }
    if (a.outcome == Outcome::Halted) out.halted_at = m.icount();
    if (a.outcome != Outcome::Point) break;  // halted inside history: nothing more to find
    const std::uint64_t e = m.icount();
    if (e >= job.to) {
      out.complete = true;
      break;
    }
    if (!out.first_event) out.first_event = e;
    if (job.stop_at_first) {
      if (job.earliest) {
        std::uint64_t seen = job.earliest->load(std::memory_order_relaxed);
        while (job.order < seen && !job.earliest->compare_exchange_weak(seen, job.order, std::memory_order_relaxed)) {
        }
      }
      break;
    }
    if (a.info.kind() == vm::StopKind::Breakpoint) {
      const vm::Addr pc = m.pc();
      auto it = std::find(job.bps.begin(), job.bps.end(), pc);
      if (it != job.bps.end()) push(out.bp_events[it - job.bps.begin()], e);
      consider(Hit{true, e, false, pc, vm::WatchKind::Write});
      if (!watches.empty()) {
        // Skipping the breakpoint below also skips this instruction's watch check.
        vm::Machine probe = m;
        vm::StopInfo info = probe.step(env, &watches, false);
        if (info.kind() == vm::StopKind::Watchpoint) record_watch(e, info);
      }
    } else {
      record_watch(e, a.info);
    }
    skip = true;
  }
  return out;
}

ScanJobResult run_job_guarded(ScanJob& job, const trace::History& history, const CancelToken* cancel,
                              std::atomic<std::uint64_t>& executed) {
  try {
    return run_job(job, history, cancel, executed);
  } catch (const std::exception& e) {  // out of memory: a failed scan, not a dead process
    ScanJobResult out;
    vm::StopInfo info = vm::StopInfo::host_failure(std::string("a parallel scan failed: ") + e.what());
    out.failure = Advance{Outcome::Divergence, info};
    return out;
  }
}

}  // namespace

unsigned default_scan_threads() {
  if (const char* s = std::getenv("RVRR_SCAN_THREADS")) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(s, &end, 10);
    if (end != s && *end == '\0' && n >= 1 && n <= 256) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<ScanJobResult> run_scan_jobs(std::vector<ScanJob>& jobs, const trace::History& history,
                                         const CancelToken* cancel,
                                         const std::function<void(std::uint64_t)>& progress) {
  const std::size_t n = jobs.size();
  std::vector<ScanJobResult> results(n);
  std::vector<std::atomic<std::uint64_t>> executed(n);
  std::mutex mu;
  std::condition_variable done_cv;
  std::size_t remaining = n;
  auto finish_one = [&] {
    std::lock_guard<std::mutex> lock(mu);
    --remaining;
    done_cv.notify_one();
  };
  auto total = [&] {
    std::uint64_t sum = 0;
    for (const auto& e : executed) sum += e.load(std::memory_order_relaxed);
    return sum;
  };
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto work = [&, i] {
      results[i] = run_job_guarded(jobs[i], history, cancel, executed[i]);
      finish_one();
    };
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      work();  // no thread to be had: run it here
    }
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    while (remaining > 0) {
      if (done_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return remaining == 0; })) break;
      if (progress) {
        lock.unlock();
        progress(total());
        lock.lock();
      }
    }
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < n; ++i) results[i].executed = executed[i].load(std::memory_order_relaxed);
  return results;
}

}  // namespace rvrr::timeline
