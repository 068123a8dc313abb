// tests/server/fake_target.hpp - a scripted Target for Debugger conversations.
//
// Registers and two pages of memory at 0x10000 are plain arrays; resume/seek
// answers come from a test-supplied function, so each test states exactly
// what "the timeline" did and checks what gdb is told.
#pragma once
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>

#include "server/target.hpp"

namespace rvrr::server::test {

class FakeTarget : public Target {
 public:
  static constexpr vm::Addr kMemBase = 0x10000;
  static constexpr std::uint32_t kMemSize = 0x2000;

  std::array<std::uint32_t, 33> regs{};  // 32 = pc
  std::array<std::uint8_t, kMemSize> mem{};
  std::uint64_t icount = 0;
  bool replay = false;  // writes refused, as in `rvrr replay`
  vm::DebugPoints debug_points;
  std::function<timeline::StopEvent(timeline::Direction, timeline::ResumeKind, const timeline::CancelToken&)> on_resume;
  std::vector<timeline::CheckpointInfo> pinned;
  std::optional<std::uint64_t> end;       // history_end(); unset: now (writes drop nothing)
  std::optional<vm::Addr> fault;          // fault_address()

  FakeTarget() { regs[32] = kMemBase + 0x74; }

  std::uint64_t now() const override { return icount; }
  std::uint32_t reg(unsigned regno) const override { return regno == 0 ? 0 : regs.at(regno); }
  // f0..f31, fcsr (32); empty = a target without float registers.
  std::vector<std::uint64_t> fregs;
  std::optional<std::uint64_t> float_reg(unsigned index) const override {
    if (index < fregs.size()) return fregs[index];
    return std::nullopt;
  }
  std::size_t read_memory_prefix(vm::Addr addr, std::span<std::uint8_t> out) const override {
    if (addr < kMemBase || addr >= kMemBase + kMemSize) return 0;
    const std::size_t n = std::min<std::uint64_t>(out.size(), std::uint64_t(kMemBase) + kMemSize - addr);
    if (n != 0) std::memcpy(out.data(), mem.data() + (addr - kMemBase), n);
    return n;
  }
  const vm::DebugPoints& points() const override { return debug_points; }
  void add_breakpoint(vm::Addr pc) override { debug_points.add_breakpoint(pc); }
  bool remove_breakpoint(vm::Addr pc) override { return debug_points.remove_breakpoint(pc); }
  void add_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) override {
    debug_points.add_watch(addr, len, kind);
  }
  bool remove_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) override {
    return debug_points.remove_watch(addr, len, kind);
  }
  void clear_points() override { debug_points.clear(); }
  timeline::StopEvent resume(timeline::Direction d, timeline::ResumeKind k,
                             const timeline::CancelToken& cancel) override {
    if (on_resume) return on_resume(d, k, cancel);
    return timeline::StopEvent::step(d == timeline::Direction::Forward ? ++icount : (icount ? --icount : 0));
  }
  timeline::StopEvent seek(std::uint64_t target, const timeline::CancelToken&) override {
    icount = target;
    return timeline::StopEvent::seek_done(target);
  }
  std::optional<timeline::StopEvent> restart(std::uint64_t id) override {
    for (const auto& cp : pinned)
      if (cp.id == id) return seek(cp.icount, timeline::CancelToken{});
    return std::nullopt;
  }
  std::optional<std::string> write_register(unsigned regno, std::uint32_t value) override {
    if (replay) return std::string("a replay cannot change the past");
    regs.at(regno) = value;
    end.reset();  // live: a write makes now the end of history
    return std::nullopt;
  }
  std::optional<std::string> write_float_register(unsigned index, std::uint64_t value) override {
    if (replay) return std::string("a replay cannot change the past");
    fregs.at(index) = value;
    end.reset();
    return std::nullopt;
  }
  std::optional<std::string> write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes) override {
    if (replay) return std::string("a replay cannot change the past");
    if (addr < kMemBase || std::uint64_t(addr) + bytes.size() > std::uint64_t(kMemBase) + kMemSize)
      return std::string("unmapped");
    std::memcpy(mem.data() + (addr - kMemBase), bytes.data(), bytes.size());
    end.reset();  // live: a write makes now the end of history
    return std::nullopt;
  }
  std::uint64_t history_end() const override { return end.value_or(icount); }
  std::optional<vm::Addr> fault_address() const override { return fault; }
  bool read_only() const override { return replay; }
  std::uint64_t pin_checkpoint() override {
    pinned.push_back({pinned.size() + 1, icount, true});
    return pinned.back().id;
  }
  std::vector<timeline::CheckpointInfo> checkpoints() const override { return pinned; }
  timeline::TimelineStats stats() const override {
    timeline::TimelineStats s;
    s.now = icount;
    s.history_end = 1000;
    s.history_complete = true;
    s.checkpoints = pinned.size();
    s.checkpoint_bytes = 3 << 20;
    s.budget_bytes = 256ull << 20;
    s.instructions_executed = 123456;
    return s;
  }
  std::size_t mapped_pages() const override { return 2; }
};

}  // namespace rvrr::server::test
