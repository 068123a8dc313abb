// timeline/history_environment.hpp - serving a Machine from a History.
//
// HistoryEnvironment serves a Machine from the recorded history
// (trace/history.hpp): behind the frontier it answers from the recorded
// events (a call the history does not hold there is a divergence); at or
// past the frontier it asks the live host (live mode) and appends, or
// refuses (replay mode: the end).
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "trace/history.hpp"
#include "vm/environment.hpp"

namespace rvrr::timeline {

// The recorded reply to a call made at `icount`, when the history is
// authoritative there (behind the frontier, or a call already recorded at
// it): the reply, or a refusal naming the divergence. nullopt: the call is
// at or past the frontier and not recorded (the live host or the end decides).
std::optional<vm::HostReply> recorded_reply(const trace::History& history, std::uint64_t icount,
                                            const vm::HostRequest& request);

// Serves a re-run strictly behind the frontier from a History that nobody
// changes while it runs: what each worker of a parallel scan uses
// (timeline/parallel_scan.hpp), one per worker, since HistoryEnvironment
// keeps mutable bookkeeping (what output was shown). Guest output is dropped:
// execution behind the position gdb sees has passed there before, and shown it.
class HistoryReader : public vm::Environment {
 public:
  explicit HistoryReader(const trace::History& history) : history_(history) {}
  vm::HostReply call(std::uint64_t icount, const vm::HostRequest& request) override;
  void output(std::uint64_t, int, std::span<const std::uint8_t>) override {}

 private:
  const trace::History& history_;
};

class HistoryEnvironment : public vm::Environment {
 public:
  enum class Mode { Live, Replay };
  // `live` is consulted only in Live mode, past the frontier (usually a HostEnvironment).
  HistoryEnvironment(std::shared_ptr<trace::History> history, Mode mode,
                     std::shared_ptr<vm::Environment> live, trace::HistorySink* sink = nullptr);

  vm::HostReply call(std::uint64_t icount, const vm::HostRequest& request) override;
  // Output is forwarded to `output_to` only the first time execution passes it
  // (icount >= printed_up_to_), so going back and forth never prints twice.
  void output(std::uint64_t icount, int fd, std::span<const std::uint8_t> bytes) override;

  // The caller (Timeline) reports how far execution has gone; advances the
  // frontier. With progress marks on, the sink gets one whenever the frontier
  // is `every / 2` past the last, promising the next within `every`: the
  // caller must advance the frontier by at most frontier_step_limit() at a time.
  void advance_frontier(std::uint64_t icount);
  // Progress marks for a trace written as a debugging session goes (`rvrr
  // record` places its own, at exact multiples). 0 = none. Marks the frontier now.
  void mark_progress_every(std::uint64_t every);
  // How far one run may take the frontier (see advance_frontier); no limit
  // without marks.
  std::uint64_t frontier_step_limit() const { return progress_every_ != 0 ? progress_every_ / 2 : UINT64_MAX; }
  trace::History& history() { return *history_; }
  const trace::History& history() const { return *history_; }
  Mode mode() const { return mode_; }
  // Where guest output goes (default: the host's stdout/stderr).
  std::function<void(int fd, std::span<const std::uint8_t>)> output_to;
  // Append a debugger write at the current frontier (live mode only).
  void record_write(trace::DebuggerWrite write);
  void truncate(std::uint64_t icount);

 private:
  std::shared_ptr<trace::History> history_;
  Mode mode_;
  std::shared_ptr<vm::Environment> live_;
  trace::HistorySink* sink_;
  std::uint64_t printed_up_to_ = 0;  // output at icount below this was already shown
  std::uint64_t progress_every_ = 0;
  std::uint64_t last_mark_ = 0;
  void mark_progress();
};

}  // namespace rvrr::timeline
