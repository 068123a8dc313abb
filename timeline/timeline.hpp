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
#include <functional>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "timeline/guest_memory_map.hpp"
#include "timeline/heap_walk.hpp"
#include "timeline/history_environment.hpp"
#include "timeline/memory_history.hpp"
#include "timeline/progress.hpp"
#include "timeline/recording_index.hpp"
#include "timeline/stop_event.hpp"
#include "vm/debug_points.hpp"
#include "vm/elf_loader.hpp"
#include "vm/machine.hpp"

namespace rvrr::trace {
class TraceWriter;
}  // namespace rvrr::trace

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
  // Index history on a worker thread as it grows (live) or from the start
  // (replay), behind the run (timeline/index_builder.hpp), so a far
  // reverse-continue finds it indexed. Off: stretches are indexed only by
  // the scans that run them. Not for the replay of a cut-short trace.
  bool index_in_background = false;
  bool index_at_idle_priority = false;  // the indexer takes only CPU time nobody else wants
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
  // The background indexer (TimelineOptions::index_in_background).
  enum class Indexing : std::uint8_t { Off, Running, Done, Failed } indexing = Indexing::Off;
  std::uint64_t indexing_at = 0;           // the instruction it has reached
  std::uint64_t background_stretches = 0;  // stretches it added to the index
  double indexing_seconds = 0;             // time it spent running (its build cost so far)
  std::string indexing_failure;            // Failed: why
  unsigned scan_threads = 1;  // threads a reverse scan re-runs intervals on
  std::uint64_t parallel_scan_jobs = 0;     // intervals re-run by parallel scans so far
  std::uint64_t parallel_scan_batches = 0;  // ... in this many batches (jobs > batches: some ran together)
  std::uint64_t forward_scan_jobs = 0;      // intervals re-run at once by forward continues
};

class Timeline {
 public:
  // `initial` is the machine at icount 0. The environment decides live vs replay.
  Timeline(vm::Machine initial, std::shared_ptr<HistoryEnvironment> env, TimelineOptions options);
  ~Timeline();

  std::uint64_t now() const;
  // The machine at now and at count 0. Tests and `rvrr trace` inspect them;
  // a debugger reads and writes through the operations below instead.
  const vm::Machine& machine() const;
  const vm::Machine& start_machine() const;

  // ---- the state at now, as a debugger reads it ----
  unsigned xlen() const;                          // 32 or 64
  std::uint64_t reg(unsigned regno) const;        // x0..x31, 32 = pc
  std::optional<std::uint64_t> float_reg(unsigned index) const;  // f0..f31 (raw), 32 = fcsr
  // Copies [addr, addr+out.size()) into `out` and returns how many leading
  // bytes were readable: all of them, or up to the first page that is not
  // mapped (a debugger may answer a read with that prefix).
  std::size_t read_memory(vm::Addr addr, std::span<std::uint8_t> out) const;
  std::optional<vm::Addr> fault_address() const;  // the faulting address when stopped by a fault
  std::size_t mapped_pages() const;
  // The guest's memory regions now, named from the program it runs.
  std::vector<MemoryRegion> memory_map(const vm::ElfImage& image, const std::string& program_name) const;

  // ---- breakpoints and watchpoints a debugger has inserted ----
  const vm::DebugPoints& points() const;
  void add_breakpoint(vm::Addr pc);
  bool remove_breakpoint(vm::Addr pc);  // false if none was there
  void add_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind);
  bool remove_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind);
  void clear_points();

  // Ends a live recording: goes to the end of history (and, when the program
  // had ended there, runs the exit or fault once more, without points, so the
  // footer describes it), then writes the footer (finish_live_trace).
  void finish_trace(trace::TraceWriter& writer, const std::string& interrupted_by);

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
  // 32 = pc. RV32 keeps the low 32 bits of `value`; RV64 all of them.
  std::optional<std::string> write_register(unsigned regno, std::uint64_t value);
  std::optional<std::string> write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes);
  // f0..f31 (raw 64 bits) for index 0..31, fcsr for 32; like write_register.
  std::optional<std::string> write_float_register(unsigned index, std::uint64_t value);

  // The nearest write to [addr, addr+len) by an instruction before now
  // (Backward) or after now (Forward, within the history already known: it
  // never runs a live program on; the instruction at now is not "after", as
  // a continue steps off it). Found: moves to the writing instruction (pc
  // at it, memory as it was before it, as gdb shows a watchpoint hit going
  // forward) and describes the write; so a repeated search walks on. A
  // write that leaves the bytes as they were does not count (as for gdb's
  // `watch`: memset of zeros over zeros is not "the last write"). Not
  // found: nothing moves. Cost: backward, a reverse-continue with one write
  // watchpoint (the index and the hit cache skip what cannot hold a write);
  // forward, a continue with it, from past the stretches the index says
  // never wrote those pages.
  WriteSearch find_write(Direction direction, vm::Addr addr, std::uint32_t len, const CancelToken& cancel);
  // Every access to [addr, addr+len) from count 0 to the end of the known
  // history, in order: the writes, and the reads too when `reads`. `each`
  // returns false to stop early. Nothing moves. Returns the failure
  // (Interrupted, Divergence) that stopped the walk, if any. Cost: one
  // re-execution of the history with watchpoints on the range.
  std::optional<StopEvent> memory_accesses(vm::Addr addr, std::uint32_t len, bool reads, const CancelToken& cancel,
                                           const std::function<bool(const MemoryAccess&)>& each);

  // The heap blocks live at now, from the allocator calls in [0, now) (see
  // heap_walk.hpp). Nothing moves. Cost: one re-execution of the history so
  // far with breakpoints on the allocator's entries.
  HeapWalk heap_walk(const AllocatorEntries& entries, const CancelToken& cancel);
  // Forward from now to `icount` ignoring breakpoints, like a seek, telling
  // `trace` every straight-line run that executes (vm/exec_trace.hpp). For
  // questions about the whole history. Returns SeekDone, or an edge.
  StopEvent run_traced(std::uint64_t icount, vm::ExecTraceSink& trace, const CancelToken& cancel);

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
  // Waits until the background indexer has indexed all of history so far
  // (TimelineOptions::index_in_background), or `stop()` (polled every 20 ms)
  // says to give up. True when it is done; false if stopped, off or failed.
  bool wait_for_index(const std::function<bool()>& stop = {});
  // The state at instruction 0 (before any debugger write there), kept for
  // the whole session: with environment().history(), what a replay of the
  // history so far starts from.
  const vm::Machine& start_of_history() const;
  // The checkpoint's state at exactly `icount`, if one is kept there (valid
  // until the timeline next moves or thins its checkpoints).
  const vm::Machine* checkpoint_at(std::uint64_t icount) const;
  // Re-runs history [0, to) on a copy of the start of history with `trace`
  // seeing every instruction (vm/exec_trace.hpp), for questions about the
  // whole history so far (line hits, profiles). The position, checkpoints
  // and index are untouched; guest output is not printed again. `to` is
  // capped at the end of history. Returns false when cancelled or when the
  // re-run does not reach `to` (a divergence). Cost: one traced replay of
  // [0, to); polls `cancel` every slice. With `points`, the re-run also
  // stops at each breakpoint among them (before the instruction there, the
  // sink having seen everything before it), calls `at_point` with the
  // machine, and goes on; `at_point` may add breakpoints to `points`. A
  // breakpoint at `to` itself is reported too (the run ends there), unless
  // the program ended: what a sink's last run did may show only there.
  bool trace_history(std::uint64_t to, vm::ExecTraceSink& trace, const CancelToken& cancel,
                     const vm::DebugPoints* points = nullptr,
                     const std::function<void(const vm::Machine&)>& at_point = {});

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace rvrr::timeline
