// timeline/index_builder.cpp - the background indexer's worker (see index_builder.hpp).
#include "timeline/index_builder.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "timeline/session_setup.hpp"
#include "timeline/state_sidecar.hpp"

namespace rvrr::timeline {

namespace {
// Instructions between two looks at the stop flag and the published
// frontier: ~2-5 ms of execution, so a Timeline that resets the builder
// (a debugger write, the end of a session) never waits long.
constexpr std::uint64_t kWorkerSlice = 1u << 20;
// The worker takes only CPU time nobody else wants: on a machine with a free
// hardware thread it runs at full speed; on a busy one it must not slow the
// recording (or anything else) down. It stays in the normal scheduling class
// and yields by itself: after each slice it looks at how many threads the
// host has ready to run (Linux: /proc/loadavg), and when the others alone
// would fill every hardware thread it pauses for several times that slice.
// (Where that cannot be read: when the slice got much less CPU time than
// wall time.) The host's idle class (SCHED_IDLE) would do the same with no
// code, but a thread in it can be starved for seconds while it holds the
// lock a run or the server then waits for, and an unprivileged process
// cannot lift it out of that class again to join or wait for it.
constexpr double kContendedShare = 0.75;  // fallback: CPU time / wall time below this means busy
constexpr int kPauseFactor = 8;           // pause for this many times the slice's wall time
constexpr std::chrono::milliseconds kMaxPause{100};

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return {};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Threads ready to run on the host just now, this one included (the fourth
// field of /proc/loadavg, "running/total"); 0 where it cannot be read.
unsigned runnable_threads() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return 0;
  unsigned running = 0, total = 0;
  const int got = std::fscanf(f, "%*f %*f %*f %u/%u", &running, &total);
  std::fclose(f);
  return got == 2 ? running : 0;
}

// Whether other threads want every hardware thread (so indexing now would
// take time from them).
bool machine_is_busy(std::chrono::nanoseconds cpu, std::chrono::nanoseconds wall) {
  static const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  if (const unsigned ready = runnable_threads(); ready > 0) return ready - 1 >= hardware;
  return cpu.count() > 0 && static_cast<double>(cpu.count()) < kContendedShare * static_cast<double>(wall.count());
}

}  // namespace

BackgroundIndexChoice default_index_in_background() {
  if (const char* s = std::getenv("RVRR_BACKGROUND_INDEX")) {
    if (std::string(s) == "0") return {false, true};
    if (std::string(s) == "1") return {true, false};
  }
  return {std::thread::hardware_concurrency() > 1, true};
}

IndexBuilder::IndexBuilder(vm::Machine start, std::uint64_t span, std::vector<std::uint64_t> known,
                           const trace::History* fixed, bool idle_priority, bool keep_states)
    : span_(span),
      known_(std::move(known)),
      fixed_(fixed),
      yields_(idle_priority),
      machine_(std::move(start)),
      keep_states_(keep_states && machine_.icount() == 0) {
  position_.store(machine_.icount(), std::memory_order_relaxed);
  if (fixed_ != nullptr) {
    in_frontier_ = fixed_->frontier;
    in_final_ = true;  // a replay's history does not grow (the caller does not build for cut-short traces)
  }
  worker_ = std::thread([this] { work(); });
}

IndexBuilder::~IndexBuilder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_flag_.store(true, std::memory_order_relaxed);
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void IndexBuilder::publish(const trace::History& history, bool final, bool wait) {
  if (fixed_ != nullptr) return;
  if (events_sent_ == history.events.size() && writes_sent_ == history.writes.size() &&
      frontier_sent_ == history.frontier && final_sent_ == final)
    return;  // nothing new: no lock taken
  {
    // The worker may be descheduled while it holds the lock (a busy host).
    // A run need not wait for it every slice: an ordinary publish is skipped
    // when the lock is taken (what it holds goes with the next one); the
    // final one waits (briefly: the worker is in the normal scheduling class).
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    if (final || wait) {
      lock.lock();
    } else if (!lock.try_lock()) {
      return;
    }
    in_events_.insert(in_events_.end(), history.events.begin() + static_cast<std::ptrdiff_t>(events_sent_),
                      history.events.end());
    in_writes_.insert(in_writes_.end(), history.writes.begin() + static_cast<std::ptrdiff_t>(writes_sent_),
                      history.writes.end());
    in_frontier_ = history.frontier;
    in_final_ = final;
    idle_ = false;
  }
  events_sent_ = history.events.size();
  writes_sent_ = history.writes.size();
  frontier_sent_ = history.frontier;
  final_sent_ = final;
  cv_.notify_all();
}

std::vector<std::vector<std::uint8_t>> IndexBuilder::take_states() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(out_states_, {});
}

std::vector<IndexedStretch> IndexBuilder::take(bool wait) {
  std::vector<IndexedStretch> out;
  std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
  if (wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return out;  // the worker holds it (see publish): the stretches come next time
  }
  out.swap(out_);
  return out;
}

bool IndexBuilder::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_ || failure_.has_value();
}

std::optional<std::string> IndexBuilder::failure() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

bool IndexBuilder::wait_done(const std::function<bool()>& stop) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (idle_ || failure_ || stop_) return true;
    if (stop && stop()) return false;
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
}

bool IndexBuilder::known(std::uint64_t k) const { return std::binary_search(known_.begin(), known_.end(), k); }

void IndexBuilder::work() {
  const trace::History& history = fixed_ != nullptr ? *fixed_ : local_;
  HistoryReader env(history);
  StretchRecorder recorder;
  vm::Machine& m = machine_;
  std::optional<vm::Machine> rec_start;  // the state where the stretch being indexed began
  std::uint64_t target = 0;
  bool final = false;
  auto fail = [&](std::string why) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(why);
    cv_.notify_all();
  };
  // Where the stretch that began at `from` ends, as far as is known now.
  auto end_of = [&](std::uint64_t from) {
    const std::uint64_t end = (from / span_ + 1) * span_;
    return final ? std::min(end, target) : end;
  };
  auto apply_writes = [&](std::uint64_t at) {
    // Idempotent (a write sets bytes): applying the writes at a count again
    // when the run resumes there changes nothing.
    for (const trace::DebuggerWrite* w : history.writes_at(at)) apply_debugger_write(m, *w);
  };
  try {
    for (;;) {
      const std::uint64_t at = m.icount();
      {
        // Take what was published; wait when nothing can be done without more.
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
          if (stop_) return;
          if (fixed_ == nullptr) {
            local_.events.insert(local_.events.end(), std::make_move_iterator(in_events_.begin()),
                                 std::make_move_iterator(in_events_.end()));
            local_.writes.insert(local_.writes.end(), std::make_move_iterator(in_writes_.begin()),
                                 std::make_move_iterator(in_writes_.end()));
            in_events_.clear();
            in_writes_.clear();
            local_.frontier = in_frontier_;
          }
          target = in_frontier_;
          final = in_final_;
          // A stretch ending at the frontier is finished only once history has
          // grown past it or can no longer grow: a debugger write may still
          // come at that count, and the stretch's end state includes it.
          const bool can_finish = rec_start && (at < target || final) && at == end_of(rec_start->icount());
          if (at < target || can_finish) break;
          idle_ = true;
          cv_.notify_all();
          cv_.wait(lock);
        }
        idle_ = false;
      }
      const std::uint64_t k = at / span_;
      const std::uint64_t stretch_end = end_of(at);
      if (rec_start && at == end_of(rec_start->icount()) && (at < target || final)) {
        apply_writes(at);  // the end state of a stretch includes the writes at its end
        IndexedStretch s = recorder.finish(rec_start->icount(), at, *rec_start, m);
        std::vector<std::uint8_t> state;
        if (keep_states_) {
          // The chain goes on only from the last state kept, over a whole stretch.
          keep_states_ = rec_start->icount() == next_state_ * span_ && at == (next_state_ + 1) * span_ && !m.halted();
          std::optional<std::vector<std::uint8_t>> kept;
          if (keep_states_) kept = encode_state_within(*rec_start, m, state_bytes_);
          keep_states_ = kept.has_value();
          if (keep_states_) {
            state = std::move(*kept);
            ++next_state_;
            state_bytes_ += state.size();
          }
        }
        rec_start.reset();
        std::lock_guard<std::mutex> lock(mu_);
        out_.push_back(std::move(s));
        if (keep_states_) out_states_.push_back(std::move(state));
        cv_.notify_all();
      }
      if (at >= target) continue;  // waits above (or finishes the short last stretch)
      apply_writes(at);
      if (!rec_start && at % span_ == 0 && !known(k)) {
        recorder.reset();
        rec_start = m;
      }
      // Stretch ends, the frontier and debugger writes are exact stops; the
      // end of a worker slice is only a pause point (a soft stop, which
      // saves the exact loop's last few thousand instructions per slice)
      // when it cannot overshoot one of them.
      std::uint64_t hard = std::min(target, stretch_end);
      if (auto w = history.next_write_at_or_after(at + 1)) hard = std::min(hard, *w);
      const bool pause = at + kWorkerSlice + vm::RunOptions::kMaxOvershoot <= hard;
      const std::uint64_t limit = pause ? at + kWorkerSlice : hard;
      vm::RunOptions run;
      run.stop_at = limit;
      run.soft_stop = pause;
      run.trace = rec_start ? &recorder : nullptr;
      const auto t0 = std::chrono::steady_clock::now();
      const auto cpu0 = thread_cpu_time();
      const vm::StopInfo info = m.run(run, env);
      const auto wall = std::chrono::steady_clock::now() - t0;
      const auto cpu = thread_cpu_time() - cpu0;
      busy_ns_.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count()),
                         std::memory_order_relaxed);
      executed_.fetch_add(m.icount() - at, std::memory_order_relaxed);
      position_.store(m.icount(), std::memory_order_relaxed);
      if (info.kind() != vm::StopKind::Limit || m.icount() < limit || m.icount() > hard) {
        // Behind the frontier the guest neither exits nor faults (that is
        // where history ends): anything else is a re-run that does not match.
        fail(info.message().empty() ? "the re-run stopped at instruction " + std::to_string(m.icount())
                                  : info.message());
        return;
      }
      if (stop_flag_.load(std::memory_order_relaxed)) return;
      if (yields_ && machine_is_busy(cpu, wall)) {
        // Others wanted the hardware threads during that slice: leave them
        // alone for a while (woken early only to stop).
        const auto pause = std::min<std::chrono::nanoseconds>(kPauseFactor * wall, kMaxPause);
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, pause, [&] { return stop_; });
      }
    }
  } catch (const std::exception& e) {  // out of memory: no index, not a dead process
    fail(std::string("indexing failed: ") + e.what());
  }
}

}  // namespace rvrr::timeline
