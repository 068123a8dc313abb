// timeline/timeline.cpp - the Timeline's public face: forward execution, debugger writes, checkpoints.
#include "timeline/timeline.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "timeline/parallel_scan.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline_impl.hpp"

namespace rvrr::timeline {

Timeline::Impl::Impl(vm::Machine initial, std::shared_ptr<HistoryEnvironment> environment, TimelineOptions opts)
    : current(std::move(initial)),
      env(std::move(environment)),
      options(opts),
      interval(opts.checkpoint_interval != 0 ? opts.checkpoint_interval : kAutoInterval),
      store(opts.checkpoint_memory),
      index(interval) {
  if (!env) throw std::invalid_argument("Timeline needs a HistoryEnvironment");
  scan_threads = opts.scan_threads != 0 ? opts.scan_threads : default_scan_threads();
  // Invariant: the state at count n includes the debugger writes made at n.
  apply_writes_at(current, current.icount());
  add_checkpoint(current);
}

StopEvent Timeline::Impl::forward(ResumeKind kind, const CancelToken& cancel) {
  const bool was_halted = current.halted();
  Advance a;
  if (kind == ResumeKind::Step) {
    // One instruction. A breakpoint at pc does not stop a step (gdb steps off
    // it); a watched access stops before it executes.
    const vm::DebugPoints& w = watches_of_points();
    a = advance(current, now() + 1, w.empty() ? nullptr : &w, false, nullptr, true);
  } else {
    skip_ahead(cancel);
    bool stopped = false;
    const std::uint64_t near = interval / kNearProbeFraction;
    if (scan_threads > 1 && !points.empty() && now() + near < frontier()) {
      // The continues behind gdb's `finish` and `next` usually stop close
      // by: look there alone first, then hand the rest to parallel re-runs.
      a = advance(current, now() + near, &points, false, &cancel, true);
      stopped = a.outcome != Outcome::Reached;
      if (!stopped) forward_parallel(cancel);
    }
    if (!stopped) a = advance(current, kNoLimit, &points, false, &cancel, true);
  }
  return event_of(a, Arrival::Step, was_halted);
}

void Timeline::Impl::skip_ahead(const CancelToken& cancel) {
  if (current.halted()) return;
  sync_index();
  if (points.empty()) {
    // Nothing can stop the run before the end of history: get there as a
    // seek does (from the nearest checkpoint), one instruction short, so the
    // run from there reports the end exactly as a run all the way would.
    if (frontier() > now() + 1) seek_to(frontier() - 1, &cancel);
    return;
  }
  const std::vector<vm::Addr> bps = points.breakpoint_addresses();
  std::uint64_t t = now();
  for (;;) {
    const IndexedStretch* s = index.find(t / index.span());
    // Stop at the first stretch that may hit or is not known, and never
    // jump onto the end of history (the run from there reports it).
    if (s == nullptr || RecordingIndex::may_hit(*s, bps, points.watches()) || s->to >= frontier()) break;
    t = s->to;
  }
  if (t > now()) seek_to(t, &cancel);  // a failed seek leaves the run below to report what stopped it
}

void Timeline::Impl::ensure_builder() {
  if (builder || !options.index_in_background) return;
  // A cut-short trace's replay may still find where its history ends: its
  // History changes, so its stretches are left to scans.
  if (!live() && env->history().open_ended) return;
  const std::uint64_t span = index.span();
  // The first stretch not indexed yet; a replay whose index is whole needs no builder.
  std::uint64_t first = 0;
  while (index.find(first) != nullptr) ++first;
  if (!live() && first * span >= frontier()) return;
  // Start from the latest checkpoint on a stretch boundary at or before it
  // (the one at 0 always is), running through known stretches without hooks.
  const Checkpoint* from = store.at_or_before(0);
  for (const Checkpoint* cp : store.list()) {
    if (cp->icount % span == 0 && cp->icount <= first * span) from = cp;
  }
  std::vector<std::uint64_t> known;
  index.for_each([&](const IndexedStretch& s) {
    if (s.from >= from->icount) known.push_back(s.from / span);
  });
  builder = std::make_unique<IndexBuilder>(from->machine, span, std::move(known),
                                           live() ? nullptr : &env->history(), options.index_at_idle_priority);
}

void Timeline::Impl::sync_index(bool wait) {
  ensure_builder();
  if (!builder) return;
  if (live()) builder->publish(env->history(), history_final(), wait);
  for (IndexedStretch& s : builder->take(wait)) {
    const std::uint64_t k = s.from / index.span();
    if (index.find(k) == nullptr && s.to <= frontier()) {
      index.add(std::move(s));
      ++background_stretches;
    }
  }
}

std::optional<std::string> Timeline::Impl::prepare_write() {
  if (!live()) return std::string("this is a replay, and replays are read-only: the recorded history cannot be changed");
  const std::uint64_t here = now();
  // Behind the frontier, or once the guest ended, the background indexer
  // follows a history that is about to change: take what it has finished,
  // stop it; the next operation starts it again from a checkpoint before
  // what is not indexed (the index forgets the stretches after here). A
  // write at the growing end it simply receives with the history.
  sync_index();
  if (here < frontier() || history_final()) builder.reset();
  if (here < frontier()) {
    // Writing behind the end changes history: the future is discarded and
    // this point becomes the new end.
    env->truncate(here);
    store.drop_after(here);
    cache.truncate(here);
  }
  index.truncate(here);  // also a short last stretch that ended here: history grows on from it now
  halt_at.reset();  // the guest may go on differently now
  if (current.halted()) {
    // A halted machine ignores changes; the state at this count, not yet
    // halted, is what the write modifies (it may let the guest go on).
    vm::Machine m = store.at_or_before(here)->machine;
    reach(m, here, nullptr);
    current = std::move(m);
  }
  return std::nullopt;
}

void Timeline::Impl::finish_write(trace::DebuggerWrite write) {
  write.icount = now();
  env->record_write(std::move(write));
  // Checkpoints hold the state after the writes at their count.
  store.replace_machine(current);
  rebalance();
}

void Timeline::Impl::rebalance() {
  // Checkpoint bytes are charged relative to the current machine, which every
  // operation moves: re-thin around the new position so the budget holds
  // between operations too (cheap when far under budget).
  store.enforce(now(), current);
}

Timeline::Timeline(vm::Machine initial, std::shared_ptr<HistoryEnvironment> env, TimelineOptions options)
    : impl_(std::make_unique<Impl>(std::move(initial), std::move(env), options)) {}

Timeline::~Timeline() = default;

std::uint64_t Timeline::now() const { return impl_->now(); }
const vm::Machine& Timeline::machine() const { return impl_->current; }
const vm::Machine& Timeline::start_machine() const { return impl_->store.at_or_before(0)->machine; }
const vm::DebugPoints& Timeline::points() const { return impl_->points; }

unsigned Timeline::xlen() const { return impl_->current.xlen(); }
std::uint64_t Timeline::reg(unsigned regno) const {
  return regno == 32 ? impl_->current.pc() : impl_->current.reg64(regno);
}
std::optional<std::uint64_t> Timeline::float_reg(unsigned index) const {
  if (index < 32) return impl_->current.freg(index);
  if (index == 32) return impl_->current.fcsr();
  return std::nullopt;
}

std::size_t Timeline::read_memory(vm::Addr addr, std::span<std::uint8_t> out) const {
  const vm::Memory& memory = impl_->current.memory();
  if (memory.read_bytes(addr, out)) return out.size();
  // Some page is not mapped: the readable prefix, page by page.
  constexpr std::uint64_t kPage = std::uint64_t{1} << vm::kPageShift;
  std::size_t got = 0;
  while (got < out.size()) {
    const std::uint64_t at = static_cast<std::uint64_t>(addr) + got;
    const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(out.size() - got, kPage - (at % kPage)));
    if (!memory.read_bytes(static_cast<vm::Addr>(at), out.subspan(got, chunk))) break;
    got += chunk;
  }
  return got;
}

std::optional<vm::Addr> Timeline::fault_address() const {
  const vm::Machine& m = impl_->current;
  if (!m.halted() || m.halt_reason().kind() != vm::StopKind::Fault) return std::nullopt;
  return m.halt_reason().addr();
}

std::size_t Timeline::mapped_pages() const { return impl_->current.mapped_pages(); }

std::vector<MemoryRegion> Timeline::memory_map(const vm::ElfImage& image, const std::string& program_name) const {
  return guest_memory_map(impl_->current, start_machine(), image, program_name);
}

// Every change of the points also refreshes the watches-only copy a step uses.
void Timeline::add_breakpoint(vm::Addr pc) { impl_->points.add_breakpoint(pc); }
bool Timeline::remove_breakpoint(vm::Addr pc) { return impl_->points.remove_breakpoint(pc); }
void Timeline::add_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) {
  impl_->points.add_watch(addr, len, kind);
  impl_->watch_only.add_watch(addr, len, kind);
}
bool Timeline::remove_watch(vm::Addr addr, std::uint32_t len, vm::WatchKind kind) {
  impl_->watch_only.remove_watch(addr, len, kind);
  return impl_->points.remove_watch(addr, len, kind);
}
void Timeline::clear_points() {
  impl_->points.clear();
  impl_->watch_only.clear();
}

void Timeline::finish_trace(trace::TraceWriter& writer, const std::string& interrupted_by) {
  const TimelineStats s = stats();
  CancelToken no_cancel;
  if (s.now != s.history_end) seek(s.history_end, no_cancel);
  if (s.history_complete && !impl_->current.halted()) {
    // The end of a complete history is an exit or a fault the machine has
    // not executed yet at this position: run it, so the footer holds it.
    clear_points();
    resume(Direction::Forward, ResumeKind::Step, no_cancel);
  }
  finish_live_trace(writer, impl_->current, s.history_end, interrupted_by);
}
HistoryEnvironment& Timeline::environment() { return *impl_->env; }

void Timeline::Impl::begin_operation(std::uint64_t expected) {
  op_start_executed = executed;
  op_total = expected;
  op_reported = false;
}

void Timeline::Impl::end_operation() {
  if (options.progress && op_reported) options.progress(Progress{executed - op_start_executed, op_total, true});
  op_reported = false;
}

StopEvent Timeline::resume(Direction direction, ResumeKind kind, const CancelToken& cancel) {
  impl_->sync_index();
  impl_->begin_operation(0);  // where it stops is what it is looking for
  StopEvent e;
  if (direction == Direction::Forward) {
    e = impl_->forward(kind, cancel);
  } else if (kind == ResumeKind::Step) {
    e = impl_->reverse_step();
  } else {
    e = impl_->reverse_continue(cancel);
  }
  impl_->sync_index();
  impl_->rebalance();
  impl_->end_operation();
  return e;
}

StopEvent Timeline::seek(std::uint64_t icount, const CancelToken& cancel) {
  // The distance seek_to will run: from here or from the checkpoint before
  // the target, whichever is nearer (an estimate if it is past the end).
  std::uint64_t expected = 0;
  if (const Checkpoint* cp = impl_->store.at_or_before(icount)) expected = icount - cp->icount;
  if (icount > impl_->now()) expected = std::min(expected, icount - impl_->now());
  impl_->sync_index();
  impl_->begin_operation(expected);
  StopEvent e = impl_->seek_to(icount, &cancel);
  impl_->sync_index();
  impl_->rebalance();
  impl_->end_operation();
  return e;
}

std::optional<std::string> Timeline::write_register(unsigned regno, std::uint64_t value) {
  if (regno > 32) return "no register " + std::to_string(regno) + " (0-31 are x0-x31, 32 is pc)";
  if (auto refused = impl_->prepare_write()) return refused;
  if (regno == 32) {
    impl_->current.set_pc(static_cast<vm::Addr>(value));
  } else {
    impl_->current.set_reg64(regno, value);
  }
  trace::DebuggerWrite w;
  w.target = trace::DebuggerWrite::Target::Register;
  w.where = regno;
  // The register's width: 4 bytes on RV32 (as traces always held), 8 on RV64.
  const unsigned width = impl_->current.xlen() / 8;
  for (unsigned i = 0; i < width; ++i) w.bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  impl_->finish_write(std::move(w));
  return std::nullopt;
}

std::optional<std::string> Timeline::write_float_register(unsigned index, std::uint64_t value) {
  if (index > 32) return "no float register " + std::to_string(index) + " (0-31 are f0-f31, 32 is fcsr)";
  if (auto refused = impl_->prepare_write()) return refused;
  trace::DebuggerWrite w;
  w.target = trace::DebuggerWrite::Target::Register;
  w.where = index < 32 ? kFirstFloatWrite + index : kFcsrWrite;
  const unsigned size = index < 32 ? 8 : 4;
  for (unsigned i = 0; i < size; ++i) w.bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  apply_debugger_write(impl_->current, w);
  impl_->finish_write(std::move(w));
  return std::nullopt;
}

std::optional<std::string> Timeline::write_memory(vm::Addr addr, std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;  // an empty write changes nothing and records nothing
  if (bytes.size() - 1 > ~addr) {
    return std::string("cannot write past the end of the address space");
  }
  std::vector<std::uint8_t> old(bytes.size());
  if (!impl_->current.memory().read_bytes(addr, old)) {
    return "cannot access memory at address 0x" + [&] {
      char buf[24];
      std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(addr));
      return std::string(buf);
    }();
  }
  if (auto refused = impl_->prepare_write()) return refused;
  impl_->current.memory().write_bytes(addr, bytes);
  trace::DebuggerWrite w;
  w.target = trace::DebuggerWrite::Target::Memory;
  w.where = addr;
  w.bytes.assign(bytes.begin(), bytes.end());
  impl_->finish_write(std::move(w));
  return std::nullopt;
}

std::uint64_t Timeline::pin_checkpoint() {
  std::uint64_t id = impl_->store.add(impl_->current, true);
  impl_->store.enforce(impl_->now(), impl_->current);
  return id;
}

std::vector<CheckpointInfo> Timeline::checkpoints() const {
  std::vector<CheckpointInfo> out;
  for (const Checkpoint* cp : impl_->store.list()) out.push_back(CheckpointInfo{cp->id, cp->icount, cp->pinned});
  return out;
}

std::optional<StopEvent> Timeline::restart(std::uint64_t id) {
  // Any checkpoint `checkpoints()` lists, pinned or automatic (an automatic
  // one may have been thinned out since it was listed: then nullopt).
  const Checkpoint* cp = impl_->store.find_id(id);
  if (cp == nullptr) return std::nullopt;
  impl_->current = cp->machine;
  impl_->rebalance();
  return StopEvent::seek_done(impl_->now());
}

const RecordingIndex& Timeline::index() const {
  impl_->sync_index(/*wait=*/true);  // e.g. to be saved: everything finished so far
  return impl_->index;
}

bool Timeline::wait_for_index(const std::function<bool()>& stop) {
  Impl& m = *impl_;
  m.sync_index(/*wait=*/true);
  if (!m.builder) return m.options.index_in_background && (m.live() || !m.env->history().open_ended);  // nothing left
  const bool finished = m.builder->wait_done(stop);
  m.sync_index(/*wait=*/true);
  return finished && !m.builder->failure();
}

bool Timeline::adopt_index(std::vector<IndexedStretch> stretches) {
  Impl& m = *impl_;
  const std::uint64_t span = m.index.span();
  for (const IndexedStretch& s : stretches) {
    const std::uint64_t k = s.from / span;
    if (s.from != k * span || (s.to <= m.frontier() && s.to != m.stretch_end(k))) return false;
  }
  bool added = false;
  for (IndexedStretch& s : stretches) {
    // Past the frontier of a cut-short trace's replay (a lower bound until
    // replay reaches it): not known to be history yet.
    if (s.to <= m.frontier() && m.index.find(s.from / span) == nullptr) {
      m.index.add(std::move(s));
      added = true;
    }
  }
  // A background indexer started before would index them again: start it
  // anew (at the next operation), past what is known now.
  if (added) m.builder.reset();
  return true;
}

TimelineStats Timeline::stats() const {
  Impl& m = *impl_;
  m.sync_index();
  TimelineStats s;
  s.now = m.now();
  s.history_end = m.frontier();
  // Replay: the trace is all there is. Live: complete once the guest exited or faulted.
  const trace::History& h = m.env->history();
  s.history_cut_short = !m.live() && !h.recorded_end;
  s.history_complete = m.history_final();
  s.recording_stopped = !m.live() && h.recorded_end && h.recorded_end->kind == trace::RecordedEnd::Kind::Running;
  s.checkpoints = m.store.size();
  s.checkpoint_bytes = m.store.measure(m.current);
  s.peak_checkpoint_bytes = std::max(m.store.peak_bytes(), s.checkpoint_bytes);
  s.budget_bytes = m.store.budget();
  s.instructions_executed = m.executed;
  s.indexed_stretches = m.index.stretches();
  s.stretch_span = m.index.span();
  s.index_bytes = m.index.bytes();
  s.background_stretches = m.background_stretches;
  if (m.builder) {
    s.indexing_at = m.builder->position();
    s.indexing_seconds = m.builder->busy_seconds();
    if (auto failed = m.builder->failure()) {
      s.indexing = TimelineStats::Indexing::Failed;
      s.indexing_failure = *failed;
    } else {
      s.indexing = m.builder->done() ? TimelineStats::Indexing::Done : TimelineStats::Indexing::Running;
    }
  } else if (m.options.index_in_background && (m.live() || !m.env->history().open_ended)) {
    s.indexing = TimelineStats::Indexing::Done;  // nothing left to index
  }
  s.scan_threads = m.scan_threads;
  s.parallel_scan_jobs = m.parallel_scan_jobs;
  s.parallel_scan_batches = m.parallel_scan_batches;
  s.forward_scan_jobs = m.forward_scan_jobs;
  return s;
}

}  // namespace rvrr::timeline
