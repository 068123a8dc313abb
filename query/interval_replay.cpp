// query/interval_replay.cpp - the untraced pass that cuts intervals, and the workers that trace them.
#include "query/interval_replay.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "timeline/history_environment.hpp"
#include "timeline/parallel_scan.hpp"
#include "timeline/session_setup.hpp"
#include "vm/machine_delta.hpp"

namespace rvrr::query {

unsigned query_threads() { return timeline::default_scan_threads(); }

namespace {

struct Job {
  std::size_t index;
  vm::Machine start;
  std::uint64_t to;
};

// The jobs the cutting pass made and nobody has taken yet.
class JobQueue {
 public:
  void push(Job job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    ready_.notify_one();
  }
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  // The next job; nullopt once closed and empty. `wait`: block until one comes.
  std::optional<Job> pop(bool wait) {
    std::unique_lock lock(mutex_);
    if (wait) ready_.wait(lock, [&] { return !jobs_.empty() || closed_; });
    if (jobs_.empty()) return std::nullopt;
    Job j = std::move(jobs_.front());
    jobs_.pop_front();
    return j;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return jobs_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> jobs_;
  bool closed_ = false;
};

// Runs one job with `worker`'s sink; returns the divergence, if any.
std::optional<std::string> run_job(Job& job, IntervalWorker& worker, const trace::History& history,
                                   const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) return std::string("interrupted");
  timeline::HistoryReader reader(history);
  worker.begin(job.index, job.start);
  std::optional<std::string> error;
  bool skip = false;  // off the breakpoint it stopped at
  for (;;) {
    if (job.start.icount() >= job.to || job.start.halted()) break;
    vm::RunOptions run;
    run.stop_at = job.to;
    run.trace = &worker.sink();
    run.points = worker.points();
    run.skip_points_at_start = skip;
    const vm::StopInfo stop = job.start.run(run, reader);
    if (stop.kind() == vm::StopKind::HostFailure) {
      error = "the replay diverged from the trace: " + stop.message();
      break;
    }
    if (stop.kind() == vm::StopKind::Breakpoint) {
      worker.stopped(job.start);
      skip = true;
      continue;
    }
    if (stop.kind() != vm::StopKind::Limit) break;  // the program ended (exit, fault)
  }
  worker.end(job.index);
  return error;
}

}  // namespace

IntervalRun replay_intervals(const trace::TraceData& trace, std::uint64_t to, const IntervalPlan& plan,
                             const std::function<std::unique_ptr<IntervalWorker>()>& make) {
  const timeline::SessionSetup setup = timeline::make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
  return replay_intervals(RecordedRun{setup.initial, setup.env->history()}, to, plan, make);
}

namespace {

// The register hashes at the seams between intervals: where a job ended
// (executed), and where the next one started when that state was rebuilt
// from plan.states. They differ only when the stored states are not what
// this build executes.
struct SeamHashes {
  std::mutex mutex;
  std::map<std::size_t, std::uint64_t> ended;    // by job index
  std::map<std::size_t, std::uint64_t> rebuilt;  // by job index
  void end(std::size_t index, std::uint64_t hash) {
    std::lock_guard lock(mutex);
    ended[index] = hash;
  }
  // Every job that starts at a rebuilt state follows one that ended there
  // (kept states lie before the program's end), with the same registers.
  bool agree() {
    std::lock_guard lock(mutex);
    for (const auto& [index, hash] : rebuilt)
      if (auto it = ended.find(index - 1); it == ended.end() || it->second != hash) return false;
    return true;
  }
  bool used_states() {
    std::lock_guard lock(mutex);
    return !rebuilt.empty();
  }
};

IntervalRun replay_intervals_once(const RecordedRun& recorded, std::uint64_t to, const IntervalPlan& plan,
                                  const std::function<std::unique_ptr<IntervalWorker>()>& make, SeamHashes& seams) {
  const unsigned threads = std::max(1u, plan.threads);
  const std::uint64_t interval = std::max<std::uint64_t>(1, plan.interval);
  const std::uint64_t job_intervals = std::max<std::uint64_t>(1, plan.job_intervals);
  IntervalRun out;
  for (unsigned i = 0; i < threads; ++i) out.workers.push_back(make());

  const trace::History& history = recorded.history;
  vm::Machine cutter = recorded.start;  // a copy-on-write copy, made on this thread
  timeline::HistoryReader cutter_reader(history);
  // The recorded end: an exit or fault stops *at* its instruction, which a replay runs to see it.
  const std::uint64_t end = std::min(to, history.frontier + (history.halted_at_frontier ? 1 : 0));

  JobQueue queue;
  std::mutex error_mutex;
  std::optional<std::string> error;
  auto note = [&](std::optional<std::string> e) {
    if (!e) return;
    std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
  };
  // A job's failure (out of memory), on any thread, is an error of the whole
  // run: it must neither end a pool thread nor unwind this one past the
  // pool's joinable threads (either would end the process).
  auto guarded = [&](Job& job, IntervalWorker& worker) {
    try {
      note(run_job(job, worker, history, plan.cancel));
      if (job.start.icount() == job.to && !job.start.halted()) seams.end(job.index, job.start.register_hash());
    } catch (const std::exception& e) {
      note(std::string("a split replay failed: ") + e.what());
    }
  };
  std::vector<std::thread> pool;
  try {
    for (unsigned i = 1; i < threads; ++i) {
      pool.emplace_back([&, worker = out.workers[i].get()] {
        while (std::optional<Job> job = queue.pop(true)) guarded(*job, *worker);
      });
    }
  } catch (const std::system_error& e) {  // no more threads: stop the ones started, then fail
    queue.close();
    for (std::thread& t : pool) t.join();
    throw std::runtime_error(std::string("cannot start a thread: ") + e.what());
  }
  // Cut: replay untraced to each boundary and queue a copy there. When
  // enough is queued for the others, run one job here instead (bounding
  // the copies held and keeping this thread busy).
  const std::size_t max_queued = 2 * static_cast<std::size_t>(threads);
  std::uint64_t at = 0;
  std::size_t index = 0;
  auto cancelled = [&] { return plan.cancel != nullptr && plan.cancel->load(std::memory_order_relaxed); };
  // Like a job's, a failure here (out of memory) must not unwind past the
  // pool's joinable threads: it is the whole run's error.
  try {
    while (at < end && !cutter.halted()) {
      if (cancelled()) break;
      if (threads > 1 && queue.size() >= max_queued) {
        if (std::optional<Job> job = queue.pop(false)) guarded(*job, *out.workers[0]);
        continue;
      }
      if (threads == 1) {  // nothing to share the work with: one traced run, no cutting pass
        Job job{index++, cutter, end};
        guarded(job, *out.workers[0]);
        break;
      }
      // A job spans plan.job_intervals intervals; the cutter stops at each
      // interval's end, where the states are kept.
      const std::uint64_t job_end = std::min(end, at + interval * job_intervals);
      queue.push(Job{index++, cutter, job_end});
      bool stopped = false;
      bool applied = false;  // a kept state was applied on the way to job_end
      while (at < job_end && !stopped) {
        const std::uint64_t next = std::min(job_end, at + interval);
        // `next` is where the next interval starts (a boundary: at moves by
        // whole intervals), unless it is the end.
        const bool boundary = next < end;
        // A state its owner keeps there.
        if (recorded.state_at && boundary) {
          if (const vm::Machine* kept = recorded.state_at(next)) {
            cutter = *kept;
            at = next;
            continue;
          }
        }
        // State k of plan.states is at (k + 1) * interval.
        const std::size_t state = static_cast<std::size_t>(next / interval) - 1;
        timeline::StoredStates* states = boundary ? plan.states : nullptr;
        if (states != nullptr) {
          if (const vm::MachineDelta* delta = states->at(state)) {
            if (delta->cpu.icount == next && delta->cpu.xlen == cutter.xlen()) {
              // Applied in place (a copy per interval costs ~5% of a split
              // question). One that fails half-applied leaves the cutter
              // unusable: the run fails, and replay_intervals asks again
              // without the states.
              if (!vm::apply_delta(cutter, *delta)) {
                std::lock_guard lock(seams.mutex);
                seams.rebuilt[index] = 0;
                throw std::runtime_error("a kept state does not apply");
              }
              applied = true;
              at = next;
              continue;
            }
            states->drop_from(state);  // kept by a build whose states differ: execute, and keep ours
          }
        }
        std::optional<vm::Machine> base;  // the state at `at`, to keep the one at `next` as its difference
        if (states != nullptr && states->wants(state)) base.emplace(cutter);
        vm::RunOptions run;
        run.stop_at = next;
        const vm::StopInfo stop = cutter.run(run, cutter_reader);
        if (stop.kind() == vm::StopKind::HostFailure) {
          note("the replay diverged from the trace: " + stop.message());
          stopped = true;
        } else if (cutter.icount() != next) {
          stopped = true;  // the program ended inside this interval
        } else {
          if (base && !cutter.halted()) states->add(state, *base, cutter);
          at = next;
        }
      }
      if (stopped) break;
      // Where job `index` starts came from a kept state: the job before,
      // which executes to there, must end in the same registers.
      if (applied && at == job_end && job_end < end) {
        std::lock_guard lock(seams.mutex);
        seams.rebuilt[index] = cutter.register_hash();
      }
    }
  } catch (const std::exception& e) {
    note(std::string("a split replay failed: ") + e.what());
  }
  queue.close();
  while (std::optional<Job> job = queue.pop(false)) guarded(*job, *out.workers[0]);
  for (std::thread& t : pool) t.join();
  if (cancelled()) throw Interrupted();
  if (error) throw std::runtime_error(*error);
  out.intervals = index;
  return out;
}

}  // namespace

IntervalRun replay_intervals(const RecordedRun& recorded, std::uint64_t to, const IntervalPlan& plan,
                             const std::function<std::unique_ptr<IntervalWorker>()>& make) {
  SeamHashes seams;
  try {
    IntervalRun run = replay_intervals_once(recorded, to, plan, make, seams);
    if (seams.agree()) return run;
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception&) {
    if (!seams.used_states()) throw;  // a failure of the replay itself
  }
  // A stored state is not where this build's execution goes (kept by a
  // build that executes differently: the registers at a seam differ, or a
  // job started there diverged from the trace): forget them all and ask
  // again, keeping the states this run executes to instead.
  plan.states->drop_from(0);
  SeamHashes again;
  return replay_intervals_once(recorded, to, plan, make, again);
}

}  // namespace rvrr::query
