// timeline/parallel_scan.hpp - re-running intervals of history on several threads at once.
//
// A backward scan (timeline_reverse.cpp) re-runs the intervals its index and
// hit cache cannot answer, each from its checkpoint with the points on. With
// more than one hardware thread, it hands the next few intervals to
// run_scan_jobs: each job runs on its own thread, on its own vm::Machine copy
// (made by the caller) and its own HistoryReader, and returns what it found
// (events, index stretches, checkpoints); only the calling thread then
// changes the Timeline, merging the results latest interval first, so the
// outcome is the one a single-threaded scan gives.
//
// Thread-safety audit of what a running job reaches:
//  - vm::Machine copy: registers, syscall state and the patched-page cache
//    are per copy (PatchedPages' copy starts empty); memory tables and pages
//    are shared copy-on-write. A shared page (or table) is never written: the
//    first write clones it (use counts are atomic, and the caller keeps the
//    source checkpoints alive, so a page shared between two jobs always
//    counts more than one holder). The one field written on a shared page,
//    its lazily attached decoding, is attached with a compare-exchange
//    (vm/memory_internals.hpp). Copying a Machine flushes the source's write
//    TLB, so copies are made on the calling thread only.
//  - Environment: each job has its own HistoryReader over the History, which
//    nobody changes while jobs run (the caller only waits); a job stays behind
//    the frontier, so it never needs the live host.
//  - Debug points: each job has its own vm::DebugPoints (built from plain lists).
//  - Index recorder: each job has its own StretchRecorder.
//  - Instruction counts for progress: one atomic per job, read by the caller.
//  - The cancel token is an atomic flag, polled by every job between slices.
//  - Process-wide VM state: decoder tables are const, the decoded-page serial
//    and DebugPoints' generation counters are atomics, the shared zero page is
//    never written or decoded, and floating point is in software (no host
//    rounding mode).
// Nothing else is shared: jobs never touch the Timeline, its checkpoint
// store, hit cache, index or statistics.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "timeline/history_environment.hpp"
#include "timeline/recording_index.hpp"
#include "timeline/timeline_impl.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

struct ScanJob {
  explicit ScanJob(vm::Machine at_from) : start(std::move(at_from)) {}
  vm::Machine start;            // the state at `from` (a checkpoint's copy, made by the caller)
  std::uint64_t to = 0;         // re-run [start.icount(), to)
  std::vector<vm::Addr> bps;    // points to re-run with (the hit cache did not answer them)
  std::vector<vm::WatchRange> watches;
  // Stretch bookkeeping, fixed while jobs run: stretch k is [k*span,
  // min((k+1)*span, final_end)); stretches listed in `index_wanted` (whole
  // inside the job, not yet indexed) are indexed on the way.
  std::uint64_t span = 1;
  std::uint64_t final_end = kNoLimit;
  std::vector<std::uint64_t> index_wanted;  // ascending stretch numbers
  // Keep a copy of the state at every `checkpoint_stride`-th stretch boundary
  // the job crosses (bounded: the Timeline thins them anyway).
  std::uint64_t checkpoint_stride = 1;
  // Going forward: stop at the first event (first_event), and give up as
  // soon as an earlier job of the same batch found one (its `order` is below
  // this job's in *earliest, shared by the batch).
  bool stop_at_first = false;
  std::uint64_t order = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> earliest;
};

struct ScanJobResult {
  Hit hit;                                       // the latest event
  std::vector<std::vector<std::uint64_t>> bp_events;  // per job.bps, ascending (the latest kept)
  std::vector<std::vector<std::uint64_t>> w_events;   // per job.watches
  bool complete = false;                         // ran to `to` (the events are all of [from, to))
  std::optional<std::uint64_t> first_event;      // the earliest event's count (before it executes)
  std::optional<Advance> failure;                // Cancelled or Divergence
  std::optional<std::uint64_t> halted_at;        // the guest exited or faulted there
  std::vector<IndexedStretch> stretches;         // newly indexed, ascending
  std::vector<vm::Machine> checkpoints;          // states at stretch boundaries, ascending
  std::uint64_t executed = 0;                    // instructions run
};

// Hardware threads a scan uses: RVRR_SCAN_THREADS if set (for tests and
// benchmarks), else std::thread::hardware_concurrency(), at least 1.
unsigned default_scan_threads();

// Runs every job on its own thread and returns their results in job order.
// `history` must not change until it returns. While waiting, calls
// `progress(instructions run so far by all jobs)` about every 20 ms on the
// calling thread. `cancel` (optional) stops every job within a slice.
std::vector<ScanJobResult> run_scan_jobs(std::vector<ScanJob>& jobs, const trace::History& history,
                                         const CancelToken* cancel,
                                         const std::function<void(std::uint64_t)>& progress);

}  // namespace rvrr::timeline
