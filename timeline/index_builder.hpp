// timeline/index_builder.hpp - indexing history on a worker thread, behind the run that makes it.
//
// A live run (`rvrr record`, `rvrr debug`) or a replay should not leave the
// recording index (recording_index.hpp) to the first far reverse-continue,
// which would then re-run all of history. An IndexBuilder follows behind: a
// worker thread re-runs history from a copy of a state at a stretch boundary,
// stretch after stretch, with the index hooks on (vm/exec_trace.hpp), and
// hands each finished stretch back. On a machine with two hardware threads the
// run that makes history keeps one and the builder takes the other; the run
// itself pays only publish() per slice (a lock and a copy of the few host
// calls recorded since the last one).
//
// Determinism: the worker replays the recorded host calls and debugger writes
// (HistoryReader over its own copy, or over a History nobody changes), so it
// reaches exactly the states the run reached; a stretch is finished only once
// everything recorded at its end is known (history has grown past its end, or
// can no longer grow), so its entry equals the one a scan would build.
//
// Thread safety: the worker owns its machine (a copy made by the caller, on
// the caller's thread: copying flushes the source's TLB); memory pages are
// shared copy-on-write with the caller's machines (atomic use counts; a page's
// decoding is attached with a compare-exchange, vm/memory_internals.hpp), as
// for parallel scans (parallel_scan.hpp). The worker reads only its own
// History copy (live: fed by publish() under the lock) or a History that does
// not change while it exists (replay); results go through the lock. Nothing
// else is shared.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "timeline/history_environment.hpp"
#include "timeline/recording_index.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

// Whether sessions and recordings index history on a worker thread, and
// whether it yields to a busy machine. Unset RVRR_BACKGROUND_INDEX: on when
// there is more than one hardware thread (with one, it would only slow the
// run that makes history down), yielding (it takes only CPU time nobody
// else wants, so a busy machine's recording is not slowed: see
// index_builder.cpp). RVRR_BACKGROUND_INDEX=0: off; =1: on, never yielding
// (tests and benchmarks whose result must not depend on the machine's other
// load).
struct BackgroundIndexChoice {
  bool on = false;
  bool idle_priority = true;
};
BackgroundIndexChoice default_index_in_background();

class IndexBuilder {
 public:
  // `start`: a copy of the state (debugger writes applied) at a multiple of
  // `span`. `known`: stretch numbers already indexed, ascending (run through
  // without the hooks). `fixed`: the History of a replay, which must not
  // change while the builder exists (then publish() is not used), or null for
  // a live run, whose history arrives through publish().
  // `idle_priority`: the worker pauses when it finds no hardware thread free
  // (it stays in the host's normal scheduling class, so nobody waiting for
  // its lock or its end is ever stuck behind a starved thread).
  // `keep_states`: also keep the state at each stretch end, from the first
  // stretch on, as its difference from the one before (encoded as
  // TRACE.states keeps them, timeline/state_sidecar.hpp; take_states()),
  // while the stretches follow each other from instruction 0 and the
  // states fit kMaxStateBytes: `rvrr record` saves them for split questions.
  IndexBuilder(vm::Machine start, std::uint64_t span, std::vector<std::uint64_t> known, const trace::History* fixed,
               bool idle_priority, bool keep_states = false);
  ~IndexBuilder();  // stops the worker (within a slice) and joins it
  IndexBuilder(const IndexBuilder&) = delete;
  IndexBuilder& operator=(const IndexBuilder&) = delete;

  // Live only, on the thread that grows `history`: hand over what it holds
  // beyond what was handed before, and its frontier. `final`: history ends
  // at the frontier (the guest exited or faulted there; the last stretch
  // ends there). Skipped if the worker holds the lock just now (the next
  // publish hands over the rest), unless `final` or `wait`.
  void publish(const trace::History& history, bool final, bool wait = false);
  // The states kept so far (keep_states), state k at (k+1) * span; the
  // next call gives the ones after them.
  std::vector<std::vector<std::uint8_t>> take_states();
  // Stretches finished since the last call, ascending. `wait` false: none
  // if the worker holds the lock just now (a caller that must not stall).
  std::vector<IndexedStretch> take(bool wait = true);
  // Blocks until every stretch of what was published is indexed (or the
  // worker failed), or `stop()` (polled every 20 ms, if given) says so.
  // Returns true when done.
  bool wait_done(const std::function<bool()>& stop);
  // Everything published is indexed (and nothing more can be, until more is published).
  bool done() const;
  std::uint64_t position() const { return position_.load(std::memory_order_relaxed); }
  std::uint64_t executed() const { return executed_.load(std::memory_order_relaxed); }
  // Time the worker spent running (not waiting for history), in seconds: the index's build cost.
  double busy_seconds() const { return static_cast<double>(busy_ns_.load(std::memory_order_relaxed)) * 1e-9; }
  // Why the worker stopped early (a re-run that did not match history), if it did.
  std::optional<std::string> failure() const;

 private:
  void work();
  bool known(std::uint64_t k) const;

  const std::uint64_t span_;
  const std::vector<std::uint64_t> known_;
  const trace::History* fixed_;
  const bool yields_;               // pauses when the machine is busy (idle_priority)
  trace::History local_;          // live: the worker's copy (only the worker touches it)
  vm::Machine machine_;           // the worker's
  // Published, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;    // the worker waits for more history; wait_done for progress
  std::vector<trace::HostEvent> in_events_;
  std::vector<trace::DebuggerWrite> in_writes_;
  std::uint64_t in_frontier_ = 0;
  bool in_final_ = false;
  std::vector<IndexedStretch> out_;
  std::vector<std::vector<std::uint8_t>> out_states_;
  // The worker's: keeping states (until a stretch breaks the chain), the next one's number, their bytes.
  bool keep_states_;
  std::uint64_t next_state_ = 0;
  std::uint64_t state_bytes_ = 0;
  bool idle_ = false;             // the worker is waiting with nothing left to do
  std::optional<std::string> failure_;
  bool stop_ = false;
  // Publisher-side bookkeeping (the publishing thread only).
  std::size_t events_sent_ = 0, writes_sent_ = 0;
  std::uint64_t frontier_sent_ = 0;
  bool final_sent_ = false;
  std::atomic<bool> stop_flag_{false};
  std::atomic<std::uint64_t> position_{0};
  std::atomic<std::uint64_t> executed_{0};
  std::atomic<std::uint64_t> busy_ns_{0};
  std::thread worker_;            // last: starts once everything above exists
};

}  // namespace rvrr::timeline
