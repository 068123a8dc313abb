// timeline/timeline_impl.hpp - Timeline's state and internal operations (private to timeline/).
//
// Split by concern: timeline.cpp (public API, forward, debugger writes),
// timeline_run.cpp (the forward engine every operation is built on, seeks),
// timeline_reverse.cpp (backward step and continue, interval scans).
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "timeline/checkpoint_store.hpp"
#include "timeline/hit_cache.hpp"
#include "timeline/index_builder.hpp"
#include "timeline/recording_index.hpp"
#include "timeline/timeline.hpp"

namespace rvrr::timeline {

// Tuning constants, each with its reason.
//
// Automatic checkpoint spacing when TimelineOptions::checkpoint_interval is 0.
// At the interpreter's measured 300-700 MIPS (fast path) a seek near now
// re-executes at most this many instructions (~6-15 ms), and a reverse scan
// with points on (~200-340 MIPS) covers one interval in ~15-20 ms, so a
// Ctrl-C or a near hit is seen quickly. A 1.5-billion-instruction history
// produces ~375 checkpoints, which thinning reduces to ~8 per power-of-two
// distance bucket (~60 in all).
inline constexpr std::uint64_t kAutoInterval = 4'000'000;
// Cancel is polled at least this often (instructions) when a token is given:
// ~5 ms of execution, so Ctrl-C feels immediate.
inline constexpr std::uint64_t kCancelSlice = 1u << 20;
// Short-range checkpoints for reverse stepping: when the nearest checkpoint is
// more than kShortRangeFar behind the target, run to kShortRangeNear before
// the target and keep a checkpoint there, so the next ~2k reverse steps each
// re-execute at most ~2k instructions (microseconds) instead of up to a full
// interval; the far run is paid once per ~2k steps.
inline constexpr std::uint64_t kShortRangeFar = 32 * 1024;
inline constexpr std::uint64_t kShortRangeNear = 2 * 1024;

// A forward continue in known history with several scan threads first runs
// this fraction of a checkpoint interval alone (~1 ms at the automatic
// spacing): a near stop costs no thread start-up or machine copies.
inline constexpr std::uint64_t kNearProbeFraction = 16;

inline constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// How a run of the forward engine ended.
enum class Outcome : std::uint8_t {
  Reached,     // the target count
  Point,       // a breakpoint or watchpoint (info says which); not executed
  Halted,      // exit or fatal fault: the end of history (info)
  Divergence,  // the environment refused a call (info.message)
  End,         // end of the recorded history (replay) or max_instructions
  Cancelled,   // the cancel token fired between slices
};

struct Advance {
  Outcome outcome = Outcome::Reached;
  vm::StopInfo info;
};

// The latest event a backward scan found.
struct Hit {
  bool found = false;
  std::uint64_t pos = 0;  // where to land: i for a breakpoint, j+1 for a watched access by j
  bool watch = false;
  vm::Addr addr = 0;      // breakpoint pc / watch range start
  vm::WatchKind kind = vm::WatchKind::Write;
  // Later position wins. At equal position a breakpoint wins: a watched
  // access by j lands at j+1, but going back, execution reaches j+1 (and a
  // breakpoint there) before it undoes the access, as gdb's record-full and
  // rr report them; the next reverse-continue from j+1 then reports the
  // access (without moving: it is instruction j's).
  bool better_than(const Hit& other) const {
    if (!other.found) return found;
    if (!found) return false;
    if (pos != other.pos) return pos > other.pos;
    return !watch && other.watch;
  }
};

struct ScanResult {
  Hit hit;
  std::optional<Advance> failure;  // Cancelled or Divergence stopped the scan
};

// What the hit cache (and page identity) answer about [from, to) before any
// re-run: the latest hit they know, and the points that must be re-run.
struct ScanPlan {
  std::uint64_t from = 0, to = 0;
  Hit known;
  std::vector<vm::Addr> need_bp;
  std::vector<vm::WatchRange> need_w;
  bool needs_run() const { return !need_bp.empty() || !need_w.empty(); }
};

struct ScanJob;
struct ScanJobResult;

struct Timeline::Impl {
  Impl(vm::Machine initial, std::shared_ptr<HistoryEnvironment> env, TimelineOptions options);

  // ---- state ----
  vm::Machine current;                      // the position gdb sees; now() == current.icount()
  std::shared_ptr<HistoryEnvironment> env;  // never null
  TimelineOptions options;
  std::uint64_t interval;                   // checkpoint spacing in use
  vm::DebugPoints points;                   // what gdb inserted
  CheckpointStore store;                    // invariant: a checkpoint at 0 exists; each holds the
                                            // state after the debugger writes at its count
  HitCache cache;
  RecordingIndex index;                     // per stretch of `interval` instructions (stretch k starts at k*interval)
  StretchRecorder recorder;                 // scratch for building index entries during scans
  // The background indexer (index_builder.hpp), started lazily by sync_index.
  std::unique_ptr<IndexBuilder> builder;
  std::uint64_t background_stretches = 0;   // stretches it added
  std::optional<std::uint64_t> halt_at;     // where the guest exited/faulted, once seen
  std::uint64_t focus = kNoLimit;  // while a seek runs: its target (thinning centres there); else now()
  std::uint64_t last_auto_checkpoint = 0;  // count of the last automatic checkpoint taken (maybe evicted since)
  std::uint64_t executed = 0;               // instructions executed, re-execution included
  unsigned scan_threads = 1;                // intervals a backward scan re-runs at once (parallel_scan.hpp)
  std::uint64_t parallel_scan_jobs = 0;     // statistics: intervals re-run in parallel, in how many batches
  std::uint64_t parallel_scan_batches = 0;
  // Progress of the public operation in flight (options.progress set).
  std::uint64_t op_start_executed = 0;      // `executed` when it began
  std::uint64_t op_total = 0;               // expected instructions, 0 = unknown
  bool op_reported = false;                 // progress was reported during it
  // Scratch point sets (a DebugPoints owns 256 KiB of bitmaps: reuse them).
  vm::DebugPoints scan_points;
  vm::DebugPoints scan_watches;
  vm::DebugPoints watch_only;               // points' watches only, for steps (kept in step by Timeline's point operations)
  // The verdict of check_recorded_end at end_checked_at (deterministic: computed once).
  std::optional<std::uint64_t> end_checked_at;
  std::optional<std::string> end_divergence;

  bool live() const { return env->mode() == HistoryEnvironment::Mode::Live; }
  std::uint64_t frontier() const { return env->history().frontier; }
  std::uint64_t now() const { return current.icount(); }

  // ---- timeline_run.cpp ----
  // Runs `m` forward to `target` (kNoLimit: until something stops it),
  // honouring `pts` (null: none), pausing at debugger-write counts to re-apply
  // them, taking automatic checkpoints as it goes when `checkpoints`, and
  // polling `cancel` (if given) every kCancelSlice instructions.
  // `trace` (optional) sees what executes (vm/exec_trace.hpp).
  Advance advance(vm::Machine& m, std::uint64_t target, const vm::DebugPoints* pts, bool skip_first,
                  const CancelToken* cancel, bool checkpoints, vm::ExecTraceSink* trace = nullptr);
  // Sets `out` to the state at `target` (from the nearest checkpoint at or
  // before it, leaving a short-range checkpoint near the target when that
  // checkpoint is far).
  Advance reach(vm::Machine& out, std::uint64_t target, const CancelToken* cancel);
  // The debugger writes to [addr, addr + len) made at counts in [from, to)
  // (one access per count), with the bytes just before and after each
  // (timeline/memory_history.cpp). `failure` is set when a replay failed.
  std::vector<MemoryAccess> debugger_accesses(vm::Addr addr, std::uint32_t len, std::uint64_t from, std::uint64_t to,
                                              const CancelToken* cancel, std::optional<StopEvent>& failure);
  void apply_writes_at(vm::Machine& m, std::uint64_t icount);
  void add_checkpoint(const vm::Machine& m, bool pinned = false);
  StopEvent seek_to(std::uint64_t target, const CancelToken* cancel);
  // Replay only: when `outcome` left `current` at the end of the recorded
  // history (or halted before it), compares count, exit status or signal and
  // state hash with the trace's footer. Returns the divergence (where,
  // expected, actual), or nullopt when they agree or there is nothing to check.
  std::optional<std::string> check_recorded_end(Outcome outcome);
  const vm::DebugPoints& watches_of_points() const { return watch_only; }

  // ---- timeline.cpp ----
  // Hands the background indexer what history grew by and takes what it
  // finished into the index (starting it first if it should run). Cheap: call
  // it between slices and around every operation.
  // Hands the indexer the history so far and takes what it finished. Not
  // `wait`: skips either when the idle-priority worker holds the lock (see
  // IndexBuilder::publish), so a run never stalls behind it.
  void sync_index(bool wait = false);
  void ensure_builder();
  void begin_operation(std::uint64_t expected);  // progress bookkeeping around resume/seek/restart
  void end_operation();
  void report_progress() {                        // between slices: one branch when no callback
    if (!options.progress) return;
    op_reported = true;
    options.progress(Progress{executed - op_start_executed, op_total, false});
  }
  StopEvent forward(ResumeKind kind, const CancelToken& cancel);
  // Before a forward continue: jump (through checkpoints, like a seek) over
  // the stretches ahead that the index says cannot hit any point, or, with
  // no points at all, to just before the end of history.
  void skip_ahead(const CancelToken& cancel);
  std::optional<std::string> prepare_write();
  void rebalance();  // enforce the checkpoint budget around the current position
  void finish_write(trace::DebuggerWrite write);

  // ---- timeline_reverse.cpp ----
  StopEvent reverse_step();
  StopEvent reverse_continue(const CancelToken& cancel);
  // The latest hit of these points strictly before `to`, found as
  // reverse_continue finds it (index, hit cache, interval scans); nothing moves.
  ScanResult latest_hit(const std::vector<vm::Addr>& bps, const std::vector<vm::WatchRange>& watches,
                        std::uint64_t to, const CancelToken& cancel);
  ScanPlan plan_scan(std::uint64_t from, std::uint64_t to, const std::vector<vm::Addr>& bps,
                     const std::vector<vm::WatchRange>& watches, bool cacheable_watches) const;
  // Remembers a whole re-run's events per point (hit cache).
  void store_scan_events(const ScanPlan& plan, std::vector<std::vector<std::uint64_t>>& bp_events,
                         std::vector<std::vector<std::uint64_t>>& w_events, bool cacheable_watches);
  // The parallel form of one step of reverse_continue: plans up to
  // scan_threads intervals back from `to` (moving `to` past them), re-runs
  // them at once and merges the results latest first. The latest hit among
  // them, or a failure; no hit: `to` is where the next step goes on.
  ScanResult scan_back_parallel(std::uint64_t& to, const std::vector<vm::Addr>& bps,
                                const std::vector<vm::WatchRange>& watches, bool cacheable_watches,
                                const CancelToken& cancel, std::uint64_t& hit_from);
  // A job re-running plan's interval from `start` (the state at plan.from).
  ScanJob make_scan_job(const ScanPlan& plan, const vm::Machine& start) const;
  // Before a forward continue in known history, with more than one scan
  // thread: re-runs the next intervals that may hit (from now, then from the
  // checkpoints ahead) at once, and moves to the earliest event any of them
  // found, or past them when none did, until the end of history is near. The
  // run from there (Impl::advance) then stops exactly where a run from the
  // start would have.
  void forward_parallel(const CancelToken& cancel);
  std::uint64_t forward_scan_jobs = 0;  // statistics: intervals forward_parallel re-ran
  void merge_scan_job(const ScanPlan& plan, ScanJobResult& result, bool cacheable_watches);
  // The latest hit in [from, to). Indexes every whole stretch the run covers.
  ScanResult scan_interval(std::uint64_t from, std::uint64_t to, const std::vector<vm::Addr>& bps,
                           const std::vector<vm::WatchRange>& watches, bool cacheable_watches,
                           const CancelToken* cancel);
  // Where a backward scan ending at `to` starts: a checkpoint, usually the
  // one before `to` (see timeline_reverse.cpp).
  std::uint64_t scan_start(std::uint64_t to) const;
  // Where stretch k ends: (k+1)*span, or earlier where a history that can no
  // longer grow ends (the guest exited or faulted there, or a replayed trace ends).
  std::uint64_t stretch_end(std::uint64_t k) const {
    const std::uint64_t end = (k + 1) * index.span();
    return history_final() ? std::min(end, frontier()) : end;
  }
  // History can no longer grow: a replay of a trace that is not cut short,
  // or a live run whose guest exited or faulted at the frontier.
  bool history_final() const {
    return (!live() && !env->history().open_ended) || (halt_at && *halt_at == frontier());
  }
  // True if no write can have touched `range` in [from, to): the pages under
  // it are the very same page objects in the states at (or before) both ends.
  bool pages_unchanged(std::uint64_t from, std::uint64_t to, const vm::WatchRange& range) const;
  // What an operation reports when its run got where it was going.
  enum class Arrival : std::uint8_t { Step, SeekDone };
  // The one mapping from how a forward run ended to the event an operation
  // reports, at now(): `reached` when it got where it was going. A fault is
  // reported as the signal when the run arrives at it, and as the end of
  // history when the operation began at it (`began_halted`): gdb shows a
  // fault once, then a resume from it is the end. A replay whose recorded end
  // does not match is a Divergence.
  StopEvent event_of(const Advance& a, Arrival reached, bool began_halted);
};

// The event for a scan or run that could not finish (Interrupted or Divergence) at `icount`.
StopEvent failure_event(const Advance& a, std::uint64_t icount);

}  // namespace rvrr::timeline
