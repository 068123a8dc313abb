// server/target.hpp - what the Debugger needs from the execution it serves.
//
// An interface (not the Timeline itself) so the Debugger's conversations can
// be tested with a scripted fake as well as a real Timeline. TimelineTarget is
// the production adapter; every call forwards one-to-one, so the semantics,
// preconditions and costs are those documented in timeline/timeline.hpp.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "server/query_memo.hpp"
#include "timeline/guest_memory_map.hpp"
#include "timeline/stop_event.hpp"
#include "query/interval_replay.hpp"
#include "timeline/timeline.hpp"
#include "vm/debug_points.hpp"
#include "vm/types.hpp"

namespace rvrr::server {

class Target {
 public:
  virtual ~Target() = default;

  virtual std::uint64_t now() const = 0;
  // x0..x31 for 0..31, pc for 32. Precondition: regno <= 32.
  virtual std::uint32_t reg(unsigned regno) const = 0;
  // The register width in bits (32 or 64) and the full register: what 'g',
  // 'p', 'P' and target.xml are sized by. A 32-bit target needs neither.
  virtual unsigned xlen() const { return 32; }
  virtual std::uint64_t reg64(unsigned regno) const { return reg(regno); }
  // f0..f31 (raw 64 bits; a single is NaN-boxed) for 0..31, fcsr for 32;
  // nullopt for a target without float registers (the default).
  virtual std::optional<std::uint64_t> float_reg(unsigned index) const { return std::nullopt; }
  // Copies [addr, addr+out.size()) and returns how many leading bytes were
  // readable (all, or up to the first unmapped page).
  virtual std::size_t read_memory_prefix(vm::Addr addr, std::span<std::uint8_t> out) const = 0;
  // false if any byte is unmapped (then `out` is unspecified).
  bool read_memory(vm::Addr addr, std::span<std::uint8_t> out) const {
    return read_memory_prefix(addr, out) == out.size();
  }

  // Breakpoints and watchpoints (never in guest memory).
  virtual const vm::DebugPoints& points() const = 0;
  virtual void add_breakpoint(vm::Addr pc) = 0;
  virtual bool remove_breakpoint(vm::Addr pc) = 0;
  virtual void add_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) = 0;
  virtual bool remove_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) = 0;
  virtual void clear_points() = 0;

  // Long operations: may run on a worker thread; poll `cancel`.
  virtual timeline::StopEvent resume(timeline::Direction direction, timeline::ResumeKind kind,
                                     const timeline::CancelToken& cancel) = 0;
  virtual timeline::StopEvent seek(std::uint64_t icount, const timeline::CancelToken& cancel) = 0;
  virtual std::optional<timeline::StopEvent> restart(std::uint64_t id) = 0;

  // Refusal -> the reason.
  virtual std::optional<std::string> write_register(unsigned regno, std::uint32_t value) = 0;
  virtual std::optional<std::string> write_register64(unsigned regno, std::uint64_t value) {
    return write_register(regno, static_cast<std::uint32_t>(value));
  }
  virtual std::optional<std::string> write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes) = 0;
  // f0..f31 (raw 64 bits) for 0..31, fcsr for 32. Refused by default (a
  // target without float registers).
  virtual std::optional<std::string> write_float_register(unsigned index, std::uint64_t value) {
    return std::string("this target has no float registers");
  }

  // The end of history (the frontier, live; the trace's end, replay). A write
  // behind it in a live session discards [now, history_end).
  virtual std::uint64_t history_end() const { return stats().history_end; }
  // Where the current machine faulted (the address the fault is about), if it
  // is halted at a fault.
  virtual std::optional<vm::Addr> fault_address() const { return std::nullopt; }
  // A replay: every debugger write is refused.
  virtual bool read_only() const { return false; }

  // Re-runs history [0, to) with `trace` seeing every instruction (and
  // stopping at `points` for `at_point`), leaving the position alone
  // (Timeline::trace_history). false: not offered, cancelled, or the re-run
  // diverged.
  virtual bool trace_history(std::uint64_t to, vm::ExecTraceSink& trace, const timeline::CancelToken& cancel,
                             const vm::DebugPoints* points = nullptr,
                             const std::function<void(const vm::Machine&)>& at_point = {}) {
    return false;
  }
  // The history so far as a recorded execution (its start and its host
  // calls), so whole-history questions can be split across threads as `rvrr
  // trace` splits them (query/replay_query.hpp). nullopt: not offered.
  virtual std::optional<query::RecordedRun> recorded_run() const { return std::nullopt; }
  // A key for the execution [0, to) (server/query_memo.hpp): equal keys, the
  // same execution. nullopt: not known (answers are not kept).
  virtual std::optional<std::uint64_t> history_key(std::uint64_t to) const { return std::nullopt; }

  // The nearest write to [addr, addr+len) before/after now; see
  // Timeline::find_write. By default (a target without history) none is found.
  virtual timeline::WriteSearch find_write(timeline::Direction, vm::Addr, std::uint32_t,
                                           const timeline::CancelToken&) {
    timeline::WriteSearch none;
    none.event = timeline::StopEvent::seek_done(now());
    return none;
  }

  // The live heap blocks now (nullopt: the program has no malloc/free symbols);
  // see Timeline::heap_walk.
  virtual std::optional<timeline::HeapWalk> heap_walk(const timeline::CancelToken&) { return std::nullopt; }
  // The guest's memory map now (empty: not known).
  virtual std::vector<timeline::MemoryRegion> memory_map() const { return {}; }

  virtual std::uint64_t pin_checkpoint() = 0;
  virtual std::vector<timeline::CheckpointInfo> checkpoints() const = 0;
  virtual timeline::TimelineStats stats() const = 0;
  virtual std::size_t mapped_pages() const = 0;
};

class TimelineTarget final : public Target {
 public:
  explicit TimelineTarget(timeline::Timeline& timeline) : timeline_(timeline) {}
  // The program being run (for naming regions in memory maps).
  void set_program(vm::ElfImage image, std::string name) {
    image_ = std::move(image);
    program_name_ = std::move(name);
  }
  std::optional<query::RecordedRun> recorded_run() const override {
    // The session's checkpoints on interval boundaries start jobs there.
    return query::RecordedRun{timeline_.start_of_history(), timeline_.environment().history(),
                              [this](std::uint64_t icount) { return timeline_.checkpoint_at(icount); }};
  }

  std::uint64_t now() const override { return timeline_.now(); }
  std::uint32_t reg(unsigned regno) const override { return static_cast<std::uint32_t>(timeline_.reg(regno)); }
  unsigned xlen() const override { return timeline_.xlen(); }
  std::uint64_t reg64(unsigned regno) const override { return timeline_.reg(regno); }
  std::optional<std::uint64_t> float_reg(unsigned index) const override { return timeline_.float_reg(index); }
  std::size_t read_memory_prefix(vm::Addr addr, std::span<std::uint8_t> out) const override {
    return timeline_.read_memory(addr, out);
  }
  const vm::DebugPoints& points() const override { return timeline_.points(); }
  void add_breakpoint(vm::Addr pc) override { timeline_.add_breakpoint(pc); }
  bool remove_breakpoint(vm::Addr pc) override { return timeline_.remove_breakpoint(pc); }
  void add_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) override { timeline_.add_watch(addr, len, kind); }
  bool remove_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) override {
    return timeline_.remove_watch(addr, len, kind);
  }
  void clear_points() override { timeline_.clear_points(); }
  timeline::StopEvent resume(timeline::Direction d, timeline::ResumeKind k,
                             const timeline::CancelToken& cancel) override {
    return timeline_.resume(d, k, cancel);
  }
  timeline::StopEvent seek(std::uint64_t icount, const timeline::CancelToken& cancel) override {
    return timeline_.seek(icount, cancel);
  }
  std::optional<timeline::StopEvent> restart(std::uint64_t id) override { return timeline_.restart(id); }
  std::optional<std::string> write_register64(unsigned regno, std::uint64_t value) override {
    return timeline_.write_register(regno, value);
  }
  std::optional<std::string> write_register(unsigned regno, std::uint32_t value) override {
    return timeline_.write_register(regno, value);
  }
  std::optional<std::string> write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes) override {
    return timeline_.write_memory(addr, bytes);
  }
  std::optional<std::string> write_float_register(unsigned index, std::uint64_t value) override {
    return timeline_.write_float_register(index, value);
  }
  std::optional<vm::Addr> fault_address() const override { return timeline_.fault_address(); }
  bool read_only() const override {
    return timeline_.environment().mode() == timeline::HistoryEnvironment::Mode::Replay;
  }
  bool trace_history(std::uint64_t to, vm::ExecTraceSink& trace, const timeline::CancelToken& cancel,
                     const vm::DebugPoints* points, const std::function<void(const vm::Machine&)>& at_point) override {
    return timeline_.trace_history(to, trace, cancel, points, at_point);
  }
  std::optional<std::uint64_t> history_key(std::uint64_t to) const override {
    return history_prefix_hash(timeline_.environment().history(), to);
  }
  timeline::WriteSearch find_write(timeline::Direction d, vm::Addr addr, std::uint32_t len,
                                   const timeline::CancelToken& cancel) override {
    return timeline_.find_write(d, addr, len, cancel);
  }
  std::optional<timeline::HeapWalk> heap_walk(const timeline::CancelToken& cancel) override {
    const timeline::AllocatorEntries entries = timeline::allocator_entries(image_);
    if (!entries.any()) return std::nullopt;
    return timeline_.heap_walk(entries, cancel);
  }
  std::vector<timeline::MemoryRegion> memory_map() const override {
    return timeline_.memory_map(image_, program_name_);
  }
  std::uint64_t pin_checkpoint() override { return timeline_.pin_checkpoint(); }
  std::vector<timeline::CheckpointInfo> checkpoints() const override { return timeline_.checkpoints(); }
  timeline::TimelineStats stats() const override { return timeline_.stats(); }
  std::size_t mapped_pages() const override { return timeline_.mapped_pages(); }

 private:
  timeline::Timeline& timeline_;
  vm::ElfImage image_;
  std::string program_name_;
};

}  // namespace rvrr::server
