// vm/machine.cpp - Machine: construction, snapshots, run/step, hashes.
#include "vm/machine.hpp"

#include "vm/hash.hpp"
#include "vm/jit_internal.hpp"
#include "vm/jit.hpp"
#include "vm/machine_impl.hpp"
#include "vm/process_layout.hpp"
#include "vm/run_counters.hpp"
#include "vm/memory_internals.hpp"

namespace rvrr::vm {

Machine::Machine(const ElfImage& image, const MachineOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->xlen = image.xlen == 64 ? 64 : 32;
  const ProcessStart start = layout_process(image, options, impl_->memory, impl_->sys);
  impl_->pc = start.pc;
  if (impl_->xlen == 64) impl_->x64[2] = start.sp;
  else impl_->regs[2] = start.sp;
}
Machine::Machine(const Machine& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
Machine& Machine::operator=(const Machine& o) {
  if (this != &o) impl_ = std::make_unique<Impl>(*o.impl_);
  return *this;
}
Machine::Machine(Machine&&) noexcept = default;
Machine& Machine::operator=(Machine&&) noexcept = default;
Machine::~Machine() = default;

namespace {
// A traced run whose sink needs only coverage (ExecTraceSink::coverage_only)
// may use the translating tier: translated code reports the code it ran
// through m.cover_filter (vm/jit.cpp) and the pages it read through
// read-TLB fills (Memory::Internals::observe_reads). Undone when the run
// ends, however it ends.
class CoverageRun {
 public:
  CoverageRun(Machine::Impl& m, bool on) : m_(m) {
    if (!on) return;
    filter_.assign(kCoverFilter, 0);
    m.cover_filter = filter_.data();
    Memory::Internals::observe_reads(m.memory, m.trace->read_page_bits());
  }
  ~CoverageRun() {
    if (m_.cover_filter == nullptr) return;
    m_.cover_filter = nullptr;
    Memory::Internals::observe_reads(m_.memory, nullptr);
  }
  CoverageRun(const CoverageRun&) = delete;
  CoverageRun& operator=(const CoverageRun&) = delete;

 private:
  Machine::Impl& m_;
  std::vector<std::uint64_t> filter_;
};

// A traced run whose sink takes counts (ExecTraceSink::run_counters) may use
// the translating tier too: translated code counts runs in the sink's
// counters and reports the rest through m.jit_reports (vm/jit.cpp). `on`:
// the run translates and its sink is not coverage-only. ended() tells the
// sink where the run ended (call it however the run ended, but not while an
// exception unwinds).
class CountingRun {
 public:
  CountingRun(Machine::Impl& m, bool on) : m_(m), on_(on) {
    if (!on) return;
    RunCounters& counters = *m.trace->run_counters();
    m.run_counts = counters.data();
    m.jit_reports = counters.report_buffer();
    m.count_ready = false;  // the run's first run is reported (ExecTraceSink::run_counters)
  }
  ~CountingRun() {
    m_.run_counts = nullptr;
    m_.jit_reports = nullptr;
  }
  CountingRun(const CountingRun&) = delete;
  CountingRun& operator=(const CountingRun&) = delete;
  void ended() const {
    if (on_) m_.trace->counted_until(m_.icount);
  }

 private:
  Machine::Impl& m_;
  bool on_;
};

// May this run use the translating tier? Traced runs only for a coverage-only
// sink, or (`counting`: the plain traced path) one that takes counts.
bool translates(const Machine::Impl& m, bool counting = false) {
  const bool sink_ok = m.trace == nullptr || m.trace->coverage_only() ||
                       (counting && m.trace->run_counters() != nullptr);
  return sink_ok && current_tier() == Tier::Auto && jit_supported();
}

// The fast path (the limit checked at block ends) until close to stop_at,
// then the exact loop for the rest. A soft stop (RunOptions::soft_stop) runs
// the fast path right up to stop_at, may overshoot it by less than
// kFastSlack and never needs the exact loop. fast(limit) and exact(limit)
// run the two loops.
template <class Fast, class Exact>
StopInfo fast_then_exact(const Machine::Impl& m, std::uint64_t stop_at, bool soft, Fast fast, Exact exact) {
  const std::uint64_t fast_to = soft ? stop_at : stop_at - kFastSlack;
  for (;;) {
    if (soft ? m.icount < stop_at : stop_at - m.icount > kFastSlack) {
      const StopInfo stop = fast(fast_to);
      if (stop.kind() == StopKind::Limit && !soft) continue;
      return stop;  // soft: at or just past stop_at
    }
    return exact(stop_at);
  }
}

// Step off a stop exactly (ignoring points there), then run on with patched
// pages until close to stop_at, and finish exactly.
template <bool kTrace>
StopInfo run_with_points(Machine::Impl& m, Environment& env, std::uint64_t stop_at, const DebugPoints* points,
                         bool skip_at_start) {
  if (skip_at_start) {
    const StopInfo stop = interpret<true, true, kTrace>(m, env, m.icount + 1, points, true);
    if (stop.kind() != StopKind::Limit || m.icount >= stop_at) return stop;
  }
  // The translating tier runs in pages without breakpoints when no watchpoint is set (vm/jit.hpp).
  const bool translate = !points->has_watches() && translates(m, true);
  const bool coverage_only = kTrace && m.trace->coverage_only();
  const CoverageRun coverage(m, kTrace && translate && coverage_only);
  const CountingRun counting(m, kTrace && translate && !coverage_only);
  const StopInfo stop = fast_then_exact(
      m, stop_at, false,
      [&](std::uint64_t limit) {
        return translate ? interpret<false, true, kTrace, true>(m, env, limit, points, false)
                         : interpret<false, true, kTrace>(m, env, limit, points, false);
      },
      [&](std::uint64_t limit) { return interpret<true, true, kTrace>(m, env, limit, points, false); });
  counting.ended();
  return stop;
}
}  // namespace

StopInfo Machine::run(const RunOptions& options, Environment& env) {
  Impl& m = *impl_;
  if (m.halted) return m.halt;
  Memory::Internals::release_retired(m.memory);
  if (m.pc & 1) {  // only set_pc can make it odd (IALIGN is 16)
    StopInfo s = StopInfo::fault(Signal::Bus, m.pc, "misaligned pc");
    m.halted = true;
    m.halt = s;
    return s;
  }
  const std::uint64_t stop_at = options.stop_at;
  StopInfo stop;
  const DebugPoints* points = options.points && !options.points->empty() ? options.points : nullptr;
  m.trace = options.trace;  // read by the kTrace instantiations only
  if (m.icount >= stop_at) {
    stop = StopInfo::limit();
  } else if (m.xlen == 64) {
    stop = interpret64(m, env, stop_at, points, points && options.skip_points_at_start);
  } else if (points) {
    // Step off a stop exactly (ignoring points there), then run on with
    // patched pages until close to stop_at, and finish exactly.
    stop = options.trace ? run_with_points<true>(m, env, stop_at, points, options.skip_points_at_start)
                         : run_with_points<false>(m, env, stop_at, points, options.skip_points_at_start);
  } else if (options.trace) {
    const bool translate = translates(m, true);
    const bool coverage_only = options.trace->coverage_only();
    const CoverageRun coverage(m, translate && coverage_only);
    const CountingRun counting(m, translate && !coverage_only);
    stop = fast_then_exact(
        m, stop_at, options.soft_stop,
        [&](std::uint64_t limit) {
          return translate ? interpret<false, false, true, true>(m, env, limit, nullptr, false)
                           : interpret<false, false, true>(m, env, limit, nullptr, false);
        },
        [&](std::uint64_t limit) { return interpret<true, false, true>(m, env, limit, nullptr, false); });
    counting.ended();
  } else {
    // The translating tier only in this plain fast path (see vm/jit.hpp).
    const bool translate = translates(m);
    stop = fast_then_exact(
        m, stop_at, options.soft_stop,
        [&](std::uint64_t limit) {
          return translate ? interpret<false, false, false, true>(m, env, limit, nullptr, false)
                           : interpret<false, false>(m, env, limit, nullptr, false);
        },
        [&](std::uint64_t limit) { return interpret<true, false>(m, env, limit, nullptr, false); });
  }
  m.trace = nullptr;
  if (stop.kind() == StopKind::Exited || stop.kind() == StopKind::Fault) {
    m.halted = true;
    m.halt = stop;
  }
  return stop;
}

StopInfo Machine::step(Environment& env, const DebugPoints* points, bool skip_points_at_start) {
  RunOptions o;
  o.stop_at = impl_->icount + 1;
  o.points = points;
  o.skip_points_at_start = skip_points_at_start;
  return run(o, env);
}

std::uint64_t Machine::icount() const { return impl_->icount; }
std::uint64_t Machine::translated_instructions() const { return impl_->translated; }
unsigned Machine::xlen() const { return impl_->xlen; }
std::uint32_t Machine::reg(unsigned index) const { return static_cast<std::uint32_t>(reg64(index)); }
void Machine::set_reg(unsigned index, std::uint32_t value) { set_reg64(index, value); }
std::uint64_t Machine::reg64(unsigned index) const {
  if (index >= 32) return 0;
  return impl_->xlen == 64 ? impl_->x64[index] : impl_->regs[index];
}
void Machine::set_reg64(unsigned index, std::uint64_t value) {
  if (index == 0 || index >= 32) return;
  if (impl_->xlen == 64) impl_->x64[index] = value;
  else impl_->regs[index] = static_cast<std::uint32_t>(value);
}
std::uint64_t Machine::freg(unsigned index) const { return index < 32 ? impl_->fregs[index] : 0; }
void Machine::set_freg(unsigned index, std::uint64_t value) {
  if (index < 32) impl_->fregs[index] = value;
}
std::uint32_t Machine::fcsr() const { return impl_->fcsr; }
void Machine::set_fcsr(std::uint32_t value) { impl_->fcsr = value & 0xff; }
Addr Machine::pc() const { return impl_->pc; }
void Machine::set_pc(Addr pc) { impl_->pc = impl_->xlen == 64 ? pc : static_cast<std::uint32_t>(pc); }
Memory& Machine::memory() { return impl_->memory; }
const Memory& Machine::memory() const { return impl_->memory; }
bool Machine::halted() const { return impl_->halted; }
const StopInfo& Machine::halt_reason() const { return impl_->halt; }

std::uint64_t Machine::register_hash() const {
  Hasher h;
  // RV64 hashes all 64 bits (and its width); RV32 hashes as it always did.
  if (impl_->xlen == 64) {
    h.add(64u);
    for (unsigned i = 0; i < 32; ++i) h.add(i == 0 ? 0 : impl_->x64[i]);
  } else {
    for (unsigned i = 0; i < 32; ++i) h.add(i == 0 ? 0 : impl_->regs[i]);
  }
  h.add(impl_->pc);
  h.add(impl_->icount);
  // Float state only once the guest has touched it, so integer-only states
  // hash as they did before F/D existed (traces recorded then still verify).
  bool fp_used = impl_->fcsr != 0;
  for (std::uint64_t f : impl_->fregs) fp_used |= f != 0;
  if (fp_used) {
    for (std::uint64_t f : impl_->fregs) h.add(f);
    h.add(impl_->fcsr);
  }
  return h.value();
}

namespace {
std::uint64_t hash_state(const Machine& m, const Machine::Impl& impl, bool with_epoch) {
  Hasher h;
  h.add(m.register_hash());
  h.add(impl.reserved ? (0x100000000ull | impl.reservation) : 0);
  for (std::uint32_t v : impl.csrs) h.add(v);
  h.add(impl.memory.hash());
  h.add(impl.sys.hash(with_epoch));
  h.add(impl.halted);
  return h.value();
}
}  // namespace

std::uint64_t Machine::state_hash() const { return hash_state(*this, *impl_, true); }
std::uint64_t Machine::state_hash_without_epoch() const { return hash_state(*this, *impl_, false); }

std::size_t Machine::mapped_pages() const { return impl_->memory.page_count(); }

ProcessLayout Machine::layout() const {
  const SyscallState& s = impl_->sys;
  ProcessLayout l;
  l.brk_start = s.brk_start;
  l.brk = s.brk;
  l.heap_start = s.heap_start;
  l.heap_end = s.heap_end;
  l.stack_base = s.stack_base;
  l.stack_top = s.stack_top;
  l.linker_layout = s.linker_layout;
  return l;
}

}  // namespace rvrr::vm
