// query/replay_query.cpp - driving a ReplaySession with a sink.
#include "query/replay_query.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <optional>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "timeline/history_environment.hpp"
#include "timeline/replay_session.hpp"
#include "timeline/session_setup.hpp"
#include "vm/debug_points.hpp"

namespace rvrr::query {

namespace {

// Replays [0, to) into `sink` and returns finish(sink) (default: sink.finish());
// throws QueryError on a divergence.
template <typename MakeSink, typename Finish>
auto traced(const trace::TraceData& trace, const debuginfo::DebugInfo& debug, std::uint64_t to, MakeSink make,
            Finish finish) {
  timeline::ReplaySession session(trace, [](int, std::span<const std::uint8_t>) {});
  const vm::Memory& memory = session.machine().memory();
  RunMap map(debug, [&memory](vm::Addr a, std::span<std::uint8_t> out) { return memory.read_bytes(a, out); });
  auto sink = make(map);
  const vm::StopInfo stop = session.run_to(to, &sink);
  if (stop.kind() == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message());
  return finish(sink);
}
template <typename MakeSink>
auto traced(const trace::TraceData& trace, const debuginfo::DebugInfo& debug, std::uint64_t to, MakeSink make) {
  return traced(trace, debug, to, make, [](auto& sink) { return sink.finish(); });
}

}  // namespace

namespace {
std::atomic<std::uint64_t> g_asked_again{0};
}

void note_asked_again() { g_asked_again.fetch_add(1, std::memory_order_relaxed); }
std::uint64_t asked_again_without_counts() { return g_asked_again.load(std::memory_order_relaxed); }

debuginfo::DebugInfo debug_info_of(const trace::TraceData& trace) {
  try {
    return debuginfo::DebugInfo(trace.header.program);
  } catch (const debuginfo::DebugInfoError& e) {
    throw QueryError(std::string("the trace's program: ") + e.what());
  }
}

namespace {

// One thread's share of a parallel line count: its own map and counter,
// and for each interval it ran the first and last run (for the seams).
class LineWorker : public IntervalWorker {
 public:
  explicit LineWorker(const debuginfo::DebugInfo& debug)
      : map_(debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return machine_->memory().read_bytes(a, out); }),
        counter_(map_) {}
  void begin(std::size_t, const vm::Machine& m) override {
    machine_ = &m;
    counter_.restart();
  }
  vm::ExecTraceSink& sink() override { return counter_; }
  void end(std::size_t index) override {
    counter_.take_counts();  // while the interval's machine lives
    seams_.emplace_back(index, Seam{counter_.first_run(), counter_.last_run()});
  }

  struct Seam {
    const RunInfo* first = nullptr;
    const RunInfo* last = nullptr;
  };
  std::vector<std::pair<std::size_t, Seam>> seams_;
  LineCounter& counter() { return counter_; }

 private:
  const vm::Machine* machine_ = nullptr;
  RunMap map_;
  LineCounter counter_;
};

}  // namespace

LineReport count_lines(const trace::TraceData& trace, const debuginfo::DebugInfo& debug, std::uint64_t to,
                       IntervalPlan plan) {
  if (plan.threads <= 1 || !trace.history.writes.empty())
    return traced(trace, debug, to, [](RunMap& map) { return LineCounter(map); });
  const timeline::SessionSetup setup = timeline::make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
  return count_lines(RecordedRun{setup.initial, setup.env->history()}, debug, to, plan);
}

LineReport count_lines(const RecordedRun& recorded, const debuginfo::DebugInfo& debug, std::uint64_t to,
                       IntervalPlan plan) {
  IntervalRun run;
  try {
    run = replay_intervals(recorded, to, plan, [&] { return std::make_unique<LineWorker>(debug); });
  } catch (const Interrupted&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw QueryError(e.what());
  }
  // Sum the workers' counts (each lists every line, in the same order).
  LineReport total;
  std::vector<LineWorker::Seam> seams(run.intervals);
  for (auto& w : run.workers) {
    auto& worker = static_cast<LineWorker&>(*w);
    const LineReport r = worker.counter().finish();
    if (total.lines.empty()) total.lines = r.lines;
    else
      for (std::size_t i = 0; i < r.lines.size(); ++i) {
        total.lines[i].hits += r.lines[i].hits;
        total.lines[i].instructions += r.lines[i].instructions;
      }
    total.instructions += r.instructions;
    total.without_line += r.without_line;
    for (const auto& [index, seam] : worker.seams_) seams[index] = seam;
  }
  // Each interval's first run was counted as an entry; it is one only if
  // the run before it (the end of the interval before) makes it one.
  std::vector<std::size_t> position(debug.lines().size(), 0);
  for (std::size_t i = 0; i < total.lines.size(); ++i) position[total.lines[i].line] = i;
  for (std::size_t k = 1; k < seams.size(); ++k) {
    const RunInfo* before = seams[k - 1].last;
    const RunInfo* first = seams[k].first;
    if (before == nullptr || first == nullptr || first->first_line == kNoLine) continue;
    if (!RunMap::enters(*before, *first)) --total.lines[position[first->first_line]].hits;
  }
  return total;
}

namespace {

// One thread's share of a parallel profile: its own map and profiler, which
// keeps the stack's moves per interval on a PartialStack (the stack an interval starts on is
// known only once the intervals before it are merged).
class ProfileWorker : public IntervalWorker {
 public:
  ProfileWorker(const debuginfo::DebugInfo& debug, ProfileWindow window, bool counts)
      : map_(debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return machine_->memory().read_bytes(a, out); }),
        profiler_(map_, window, 0, counts) {}
  void begin(std::size_t index, const vm::Machine& m) override {
    machine_ = &m;
    profiler_.restart_logging(&moves_[index], m.icount());
  }
  vm::ExecTraceSink& sink() override { return profiler_; }
  void end(std::size_t index) override {
    profiler_.take_counts();  // while the interval's machine lives
    profiler_.end_logging();
    last_[index] = profiler_.last_run();
    end_icount_ = std::max(end_icount_, profiler_.icount());
  }
  std::map<std::size_t, PartialStack> moves_;  // by interval (node-based: the pointer the profiler holds stays valid)
  std::map<std::size_t, const RunInfo*> last_;           // each interval's last run
  std::uint64_t end_icount_ = 0;
  RunMap map_;
  Profiler profiler_;

 private:
  const vm::Machine* machine_ = nullptr;
};

}  // namespace

Profile profile_trace(const trace::TraceData& trace, const debuginfo::DebugInfo& debug, ProfileWindow window,
                      IntervalPlan plan) {
  if (plan.threads <= 1 || !trace.history.writes.empty()) {
    // Counted runs first; again without when they broke the profiler's rules (query/profile.hpp).
    std::optional<Profile> p = traced(
        trace, debug, window.to, [&](RunMap& map) { return Profiler(map, window); },
        [](Profiler& sink) { return sink.counts_exact() ? std::optional<Profile>(sink.finish()) : std::nullopt; });
    if (p) return std::move(*p);
    note_asked_again();
    return traced(trace, debug, window.to, [&](RunMap& map) { return Profiler(map, window, 0, false); });
  }
  const timeline::SessionSetup setup = timeline::make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
  return profile_run(RecordedRun{setup.initial, setup.env->history()}, debug, window, plan);
}

namespace {
IntervalRun profile_intervals(const RecordedRun& recorded, const debuginfo::DebugInfo& debug, ProfileWindow window,
                              const IntervalPlan& plan, bool counts) {
  try {
    return replay_intervals(recorded, window.to, plan,
                            [&] { return std::make_unique<ProfileWorker>(debug, window, counts); });
  } catch (const Interrupted&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw QueryError(e.what());
  }
}
}  // namespace

Profile profile_run(const RecordedRun& recorded, const debuginfo::DebugInfo& debug, ProfileWindow window,
                    IntervalPlan plan) {
  // nullopt: counted runs broke the profiler's rules (query/profile.hpp), on a thread or at a seam.
  auto attempt = [&](bool counts) -> std::optional<Profile> {
    IntervalRun run = profile_intervals(recorded, debug, window, plan, counts);
    for (const auto& w : run.workers)
      if (!static_cast<ProfileWorker&>(*w).profiler_.counts_exact()) return std::nullopt;
    std::vector<std::uint64_t> lines;
    std::uint64_t without_line = 0, end_icount = 0;
    std::vector<const PartialStack*> moves(run.intervals, nullptr);
    std::vector<const RunInfo*> last(run.intervals, nullptr);
    for (auto& w : run.workers) {
      auto& worker = static_cast<ProfileWorker&>(*w);
      worker.profiler_.add_lines(lines, without_line);
      end_icount = std::max(end_icount, worker.end_icount_);
      for (const auto& [index, m] : worker.moves_) moves[index] = &m;
      for (const auto& [index, r] : worker.last_) last[index] = r;
    }
    // The stack's moves in execution order, on one tree: the single-threaded one.
    CallTree tree;
    const RunMap& functions = static_cast<ProfileWorker&>(*run.workers[0]).map_;  // any map: for function entries
    for (std::size_t k = 0; k < run.intervals; ++k)
      if (moves[k] != nullptr && !moves[k]->apply(tree, k == 0 ? nullptr : last[k - 1], functions))
        return std::nullopt;
    if (lines.empty()) lines.assign(debug.lines().size(), 0);
    return Profiler::make(tree, lines, without_line, window, end_icount, debug);
  };
  if (std::optional<Profile> p = attempt(true)) return std::move(*p);
  note_asked_again();
  return std::move(*attempt(false));  // without counts there is nothing to break
}

// One replay: traced for the shadow stack, stopping where CallStopReader
// (query/calls.hpp) reads registers.
namespace {
// find_calls with counted runs or without (nullopt: they broke the finder's rules, query/calls.hpp).
std::optional<std::vector<CallRecord>> find_calls_once(const trace::TraceData& trace,
                                                       const debuginfo::DebugInfo& debug, const CallTarget& target,
                                                       std::uint64_t to, bool counts) {
  timeline::SessionSetup setup = timeline::make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
  vm::Machine m = std::move(setup.initial);
  const trace::History& history = setup.env->history();
  timeline::HistoryReader reader(history);
  const std::uint64_t end = std::min(to, history.frontier + (history.halted_at_frontier ? 1 : 0));
  RunMap map(debug, [&m](vm::Addr a, std::span<std::uint8_t> out) { return m.memory().read_bytes(a, out); });
  CallFinder finder(map, target, 0, counts);
  CallStopReader stops(finder);
  bool skip = false;
  while (m.icount() < end && !m.halted()) {
    vm::RunOptions run;
    run.stop_at = end;
    run.points = &stops.points();
    run.skip_points_at_start = skip;
    run.trace = &finder;
    const vm::StopInfo stop = m.run(run, reader);
    if (stop.kind() == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message());
    if (stop.kind() != vm::StopKind::Breakpoint) break;
    skip = true;
    stops.stopped(m);
  }
  if (m.icount() == end && !m.halted()) {
    stops.ended(m);
    finder.end_of_history();
  }
  if (!finder.counts_exact()) return std::nullopt;
  std::vector<CallRecord> calls = finder.finish();
  stops.reads().fill(calls, m.xlen());
  return calls;
}
}  // namespace

namespace {

// One thread's share of a split call search: its own map, finder and
// register reader; per interval, what the finder found (IntervalCalls) and
// its last run (for the seam).
class CallWorker : public IntervalWorker {
 public:
  // `end`: where the history asked about ends (the last interval's end).
  CallWorker(const debuginfo::DebugInfo& debug, const CallTarget& target, bool counts,
             const std::vector<vm::Addr>& returns, std::uint64_t end)
      : map_(debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return machine_->memory().read_bytes(a, out); }),
        finder_(map_, target, 0, counts),
        reader_(finder_),
        end_(end) {
    for (const vm::Addr to : returns) reader_.expect_return(to);
  }
  void begin(std::size_t index, const vm::Machine& m) override {
    machine_ = &m;
    finder_.restart_logging(&intervals_[index], m.icount());
  }
  vm::ExecTraceSink& sink() override { return finder_; }
  const vm::DebugPoints* points() override { return &reader_.points(); }
  void stopped(const vm::Machine& m) override { reader_.stopped(m); }
  void end(std::size_t index) override {
    if (machine_->icount() == end_ && !machine_->halted()) {
      reader_.ended(*machine_);
      finder_.end_of_history();
    }
    if (!finder_.counts_exact()) exact_ = false;  // while the interval's machine lives
    finder_.end_logging();
    last_[index] = finder_.last_run();
  }
  std::map<std::size_t, IntervalCalls> intervals_;  // node-based: the pointer the finder holds stays valid
  std::map<std::size_t, const RunInfo*> last_;
  RunMap map_;
  CallFinder finder_;
  CallStopReader reader_;
  bool exact_ = true;

 private:
  const vm::Machine* machine_ = nullptr;
  std::uint64_t end_;
};

}  // namespace

void read_call_registers(const RecordedRun& recorded, std::vector<CallRecord>& calls,
                         const std::atomic<bool>* cancel) {
  CallRegisterReader reader(calls);
  vm::Machine m = recorded.start;
  timeline::HistoryReader history(recorded.history);
  constexpr std::uint64_t kSlice = 1 << 22;  // instructions between polls of `cancel`
  for (const std::uint64_t at : reader.stops()) {
    while (m.icount() < at && !m.halted()) {
      if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) throw Interrupted();
      vm::RunOptions run;
      run.stop_at = cancel != nullptr ? std::min(at, m.icount() + kSlice) : at;
      const vm::StopInfo stop = m.run(run, history);
      if (stop.kind() == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message());
      if (stop.kind() != vm::StopKind::Limit) break;
    }
    if (m.icount() != at) break;  // the program ended first (cannot happen: the calls ran)
    reader.read(at, m);
  }
}

std::vector<CallRecord> find_calls_run(const RecordedRun& recorded, const debuginfo::DebugInfo& debug,
                                       const CallTarget& target, std::uint64_t to, IntervalPlan plan) {
  const RunMap code(debug, [&](vm::Addr a, std::span<std::uint8_t> out) { return recorded.start.memory().read_bytes(a, out); });
  const std::uint64_t end = std::min(to, recorded.history.frontier);
  std::vector<vm::Addr> returns;
  for (const std::uint32_t func : target.funcs) {
    const std::vector<vm::Addr> to_this = code.direct_call_returns(debug.functions()[func].entry);
    returns.insert(returns.end(), to_this.begin(), to_this.end());
  }
  // nullopt: counted runs broke the finder's rules (query/calls.hpp), on a thread or at a seam.
  auto attempt = [&](bool counts) -> std::optional<std::vector<CallRecord>> {
    IntervalRun run;
    try {
      run = replay_intervals(recorded, to, plan,
                             [&] { return std::make_unique<CallWorker>(debug, target, counts, returns, end); });
    } catch (const Interrupted&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw QueryError(e.what());
    }
    std::vector<IntervalCalls*> intervals(run.intervals, nullptr);
    std::vector<const RunInfo*> last(run.intervals, nullptr);
    CallStopReader::Reads reads;
    for (auto& w : run.workers) {
      auto& worker = static_cast<CallWorker&>(*w);
      if (!worker.exact_) return std::nullopt;
      for (auto& [index, c] : worker.intervals_) intervals[index] = &c;
      for (const auto& [index, r] : worker.last_) last[index] = r;
      reads.absorb(std::move(worker.reader_.reads()));
    }
    // The intervals in execution order on one stack: the single-threaded finder's calls.
    CallMerge merge(static_cast<CallWorker&>(*run.workers[0]).map_, target);
    std::size_t local_calls = 0;
    for (const IntervalCalls* c : intervals) local_calls += c != nullptr ? c->calls.size() : 0;
    merge.reserve(local_calls + local_calls / 64 + 16);  // and the few the seams enter
    for (std::size_t k = 0; k < run.intervals; ++k)
      if (intervals[k] != nullptr && !merge.add(*intervals[k], k == 0 ? nullptr : last[k - 1])) return std::nullopt;
    std::vector<CallRecord> calls = merge.finish();
    reads.fill(calls, recorded.start.xlen());
    // A return no interval stopped at: an indirect call or a tail call
    // returning in a later interval than it was made in. Rare; read them
    // in one more replay.
    std::vector<CallRecord> unread;
    for (const CallRecord& c : calls)
      if (c.end == CallEnd::Returned && !c.have_exit_regs) unread.push_back(c);
    if (!unread.empty()) {
      read_call_registers(recorded, unread, plan.cancel);
      for (const CallRecord& u : unread) {
        auto it = std::lower_bound(calls.begin(), calls.end(), u.entry,
                                   [](const CallRecord& c, std::uint64_t n) { return c.entry < n; });
        if (it == calls.end() || it->entry != u.entry) continue;
        it->ret_a0 = u.ret_a0;
        it->ret_a1 = u.ret_a1;
        it->ret_fa0 = u.ret_fa0;
        it->ret_fa1 = u.ret_fa1;
        it->have_exit_regs = u.have_exit_regs;
      }
    }
    return calls;
  };
  if (auto calls = attempt(true)) return std::move(*calls);
  note_asked_again();
  return std::move(*attempt(false));  // without counts there is nothing to break
}

std::vector<CallRecord> find_calls(const trace::TraceData& trace, const debuginfo::DebugInfo& debug,
                                   const CallTarget& target, std::uint64_t to, IntervalPlan plan) {
  if (!trace.history.writes.empty()) return find_calls_two_passes(trace, debug, target, to);
  if (plan.threads > 1) {
    const timeline::SessionSetup setup = timeline::make_replay_setup(trace, [](int, std::span<const std::uint8_t>) {});
    return find_calls_run(RecordedRun{setup.initial, setup.env->history()}, debug, target, to, plan);
  }
  if (auto calls = find_calls_once(trace, debug, target, to, true)) return std::move(*calls);
  note_asked_again();
  return std::move(*find_calls_once(trace, debug, target, to, false));
}

std::vector<CallRecord> find_calls_two_passes(const trace::TraceData& trace, const debuginfo::DebugInfo& debug,
                                              const CallTarget& target, std::uint64_t to) {
  std::optional<std::vector<CallRecord>> found = traced(
      trace, debug, to, [&](RunMap& map) { return CallFinder(map, target); },
      [](CallFinder& sink) { return sink.counts_exact() ? std::optional(sink.finish()) : std::nullopt; });
  if (!found) note_asked_again();
  if (!found) found = traced(trace, debug, to, [&](RunMap& map) { return CallFinder(map, target, 0, false); });
  std::vector<CallRecord>& calls = *found;
  CallRegisterReader reader(calls);
  // The inlined calls' entries are found on the way, at breakpoints (a
  // traced run cannot see them: they need not start a block).
  const CallEntries asked(debug, target);
  vm::DebugPoints inlined_entries;
  for (const auto& [entry, k] : asked.inlined_entries()) inlined_entries.add_breakpoint(entry);
  const vm::DebugPoints* points = asked.inlined_entries().empty() ? nullptr : &inlined_entries;
  CallStopReader::Reads inlined;
  timeline::ReplaySession session(trace, [](int, std::span<const std::uint8_t>) {});
  std::vector<std::uint64_t> stops = reader.stops();
  const std::uint64_t end = std::min(to, session.end_of_history());
  if (points != nullptr && (stops.empty() || stops.back() < end)) stops.push_back(end);
  for (const std::uint64_t at : stops) {
    vm::StopInfo stop = session.run_to(at, nullptr, points);
    for (; stop.kind() == vm::StopKind::Breakpoint; stop = session.run_to(at, nullptr, points))
      read_inlined_entry(asked, session.machine(), inlined);
    if (stop.kind() == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message());
    if (session.machine().icount() != at) break;  // the program ended first (cannot happen: the calls ran)
    reader.read(at, session.machine());
  }
  // One entered exactly where the history asked about ends (as CallStopReader::ended).
  const vm::Machine& m = session.machine();
  if (points != nullptr && m.icount() == end && !m.halted() && inlined_entries.has_breakpoint(m.pc()) &&
      (inlined.inlined.empty() || inlined.inlined.back().first != end))
    read_inlined_entry(asked, m, inlined);
  inlined.fill(calls, m.xlen());
  return calls;
}

}  // namespace rvrr::query
