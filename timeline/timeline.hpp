// timeline/timeline.hpp - the whole history of one execution, navigable both ways.
//
// The Timeline is the only owner of the current machine. Going backward means
// restoring an earlier checkpoint (a copy-on-write Machine) and re-running
// forward deterministically, with the HistoryEnvironment serving host results.
// It knows nothing of gdb: the server maps its StopEvents to stop replies.
//
// Thread use: one operation at a time; `cancel` may be set from another thread
// and is polled between slices (at least every ~1M instructions).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "timeline/history.hpp"
#include "timeline/progress.hpp"
#include "timeline/recording_index.hpp"
#include "timeline/stop_event.hpp"
#include "vm/debug_points.hpp"
#include "vm/machine.hpp"

namespace rvrr::timeline {

struct CancelToken {
  std::atomic<bool> requested{false};
  bool cancelled() const { return requested.load(std::memory_order_relaxed); }
};

enum class Direction : std::uint8_t { Forward, Backward };
enum class ResumeKind : std::uint8_t { Continue, Step };

struct TimelineOptions {
  // Budget for checkpoints: bytes of unique pages they hold beyond the current machine.
  std::uint64_t checkpoint_memory = 256ull << 20;  // 256 MiB: see README for why
  std::uint64_t checkpoint_interval = 0;           // 0 = automatic spacing (4M instructions: timeline_impl.hpp says why)
  std::uint64_t max_instructions = 0;              // 0 = unlimited; live runs stop (HistoryEnd) there
  // Optional: told how far resume/seek/restart have got, between slices, then
  // once with finished = true (only if it was told anything during the operation).
  ProgressFn progress;
  // Intervals a reverse-continue re-runs at once, each on its own thread
  // (timeline/parallel_scan.hpp). 0 = every hardware thread (or the
  // RVRR_SCAN_THREADS environment variable); 1 = the single-threaded scan.
  unsigned scan_threads = 0;
};

struct CheckpointInfo {
  std::uint64_t id;
  std::uint64_t icount;
  bool pinned;
};

struct TimelineStats {
  std::uint64_t now = 0;
  std::uint64_t history_end = 0;        // frontier
  bool history_complete = false;        // the guest exited/faulted or the trace ended at history_end
  // Replay of a trace without footer (killed): until the replay finds the
  // first host call it lost, history_end is a lower bound (!history_complete).
  bool history_cut_short = false;
  bool recording_stopped = false;       // replay: the recording was stopped (signal, limit) with the program running
  std::size_t checkpoints = 0;
  std::uint64_t checkpoint_bytes = 0;   // unique pages held only by checkpoints, in bytes
  std::uint64_t peak_checkpoint_bytes = 0;
  std::uint64_t budget_bytes = 0;
  std::uint64_t instructions_executed = 0;  // total, including re-execution
  // The recording index (timeline/recording_index.hpp): stretches known, of how many instructions, bytes held.
  std::size_t indexed_stretches = 0;
  std::uint64_t stretch_span = 0;
  std::uint64_t index_bytes = 0;
  unsigned scan_threads = 1;  // threads a reverse scan re-runs intervals on
  std::uint64_t parallel_scan_jobs = 0;     // intervals re-run by parallel scans so far
  std::uint64_t parallel_scan_batches = 0;  // ... in this many batches (jobs > batches: some ran together)
};

class Timeline {
 public:
  // `initial` is the machine at icount 0. The environment decides live vs replay.
  Timeline(vm::Machine initial, std::shared_ptr<HistoryEnvironment> env, TimelineOptions options);
  ~Timeline();

  std::uint64_t now() const;
  const vm::Machine& machine() const;   // the current state, for register/memory reads
  vm::DebugPoints& points();            // breakpoints/watchpoints gdb has inserted

  // Continue or step in a direction. Forward continue stops at a breakpoint
  // (including one at the current pc, which gdb only leaves inserted when it
  // means it), a watchpoint (before the access), a fault, exit, the end of
  // history (replay) or cancel. Backward continue stops at the latest
  // breakpoint/watchpoint hit strictly before now (watchpoints: just after the
  // access), or at 0 with HistoryBegin. Backward step = seek(now-1), but a
  // watched access on that instruction reports Watchpoint.
  StopEvent resume(Direction direction, ResumeKind kind, const CancelToken& cancel);
  // Go to an exact instruction count within history (live: forward past the
  // frontier executes). Ignores breakpoints. Returns SeekDone, or an edge.
  StopEvent seek(std::uint64_t icount, const CancelToken& cancel);

  // Debugger writes. Live mode at the end of history: applied and recorded.
  // Live mode behind the end: the future is discarded (this becomes the end).
  // Replay mode: refused. Returns an error message on refusal.
  std::optional<std::string> write_register(unsigned regno, std::uint32_t value);  // 32 = pc
  std::optional<std::string> write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes);
  // f0..f31 (raw 64 bits) for index 0..31, fcsr for 32; like write_register.
  std::optional<std::string> write_float_register(unsigned index, std::uint64_t value);

  std::uint64_t pin_checkpoint();                      // at now(); returns its id
  std::vector<CheckpointInfo> checkpoints() const;     // pinned and automatic, ascending icount
  std::optional<StopEvent> restart(std::uint64_t id);  // seek to a listed checkpoint; nullopt if unknown
  TimelineStats stats() const;
  HistoryEnvironment& environment();

  // The recording index (what each stretch did), e.g. to save it next to a trace.
  const RecordingIndex& index() const;
  // Adopts stretches learnt earlier about this very history (a sidecar whose
  // trace hash matched). They must be whole stretches of this history as this
  // Timeline cuts it (span, ends within history); if any is not, none is
  // adopted and false is returned. Stretches already known are kept.
  bool adopt_index(std::vector<IndexedStretch> stretches);

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rvrr::timeline
