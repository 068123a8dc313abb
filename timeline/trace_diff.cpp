// timeline/trace_diff.cpp - two recordings side by side. See trace_diff.hpp.
#include "timeline/trace_diff.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <span>
#include <thread>

#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "timeline/timeline_impl.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::timeline {

StopEvent Timeline::run_traced(std::uint64_t icount, vm::ExecTraceSink& trace, const CancelToken& cancel) {
  Impl& t = *impl_;
  Advance a = t.advance(t.current, icount, nullptr, false, &cancel, true, &trace);
  t.rebalance();
  switch (a.outcome) {
    case Outcome::Reached:
    case Outcome::Point:
      break;
    case Outcome::Halted:
    case Outcome::End:
      if (a.outcome == Outcome::Halted && a.info.kind() == vm::StopKind::Exited)
        return StopEvent::exited(t.now(), a.info.exit_code(), a.info.message());
      return StopEvent::history_end(t.now(), vm::Signal::None, a.info.message());
    case Outcome::Divergence:
    case Outcome::Cancelled:
      return failure_event(a, t.now());
  }
  return StopEvent::seek_done(t.now());
}

namespace {

// Compared in lockstep: large enough that the per-interval costs (a thread
// hand-off, a state hash of every mapped page) vanish next to ~10 ms of
// execution, small enough that the runs it logs stay a few MiB.
constexpr std::uint64_t kInterval = 4'000'000;
// Bytes of a differing host-call result shown around the first difference.
constexpr std::size_t kWindowBefore = 8, kWindowAfter = 16;

// The straight-line runs one interval executed, adjacent ones merged: the
// canonical form of its pc sequence (where the VM split a run at a page end
// or a host call, execution went on at the next address all the same).
struct RunLog : vm::ExecTraceSink {
  std::vector<vm::ExecutedRun> runs;
  void executed(std::span<const vm::ExecutedRun> batch) override {
    for (const vm::ExecutedRun& r : batch) {
      if (!runs.empty() && runs.back().end == r.start) {
        runs.back().end = r.end;
        runs.back().icount_after = r.icount_after;
      } else {
        runs.push_back(r);
      }
    }
  }
};

// The same canonical runs, folded into a hash as they close: the lockstep
// pass compares one number per interval and keeps no log (an interval of a
// tight loop executes millions of runs); only the interval where the hashes
// differ is run again with a RunLog, to find the exact point.
struct RunHash : vm::ExecTraceSink {
  bool open = false;
  vm::ExecutedRun run{};
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  void mix(std::uint64_t v) {
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
  }
  void close() {
    if (!open) return;
    mix(std::uint64_t{run.start} << 32 | run.end);
    mix(run.icount_after);
    open = false;
  }
  void executed(std::span<const vm::ExecutedRun> batch) override {
    for (const vm::ExecutedRun& r : batch) {
      if (open && run.end == r.start) {
        run.end = r.end;
        run.icount_after = r.icount_after;
      } else {
        close();
        run = r;
        open = true;
      }
    }
  }
  std::uint64_t value() {
    close();
    return h;
  }
};

bool same_run(const vm::ExecutedRun& x, const vm::ExecutedRun& y) {
  return x.start == y.start && x.end == y.end && x.icount_after == y.icount_after;
}

struct Side {
  const trace::TraceData* data = nullptr;
  std::unique_ptr<Timeline> timeline;

  explicit Side(const trace::TraceData& d) : data(&d) {
    SessionSetup s = make_replay_setup(d, [](int, std::span<const std::uint8_t>) {});
    timeline = std::make_unique<Timeline>(std::move(s.initial), s.env, TimelineOptions{});
  }
  Timeline& t() { return *timeline; }
  // Where this run is at count n: reachable (history holds n), pc, halted.
  DiffSide at(std::uint64_t n) {
    CancelToken never;
    t().seek(n, never);
    DiffSide s;
    s.icount = n;
    s.pc = t().machine().pc();
    s.ended = t().now() < n || t().machine().halted();
    s.exists = t().now() == n;
    s.what = s.exists ? vm::disassemble(t().machine().memory(), s.pc) : "(the run ended at instruction " +
                                                                             trace::group_digits(t().now()) + ")";
    return s;
  }
};

bool differ(const DiffSide& a, const DiffSide& b) {
  return a.exists != b.exists || a.ended != b.ended || (a.exists && a.pc != b.pc);
}

bool same_event(const trace::HostEvent& x, const trace::HostEvent& y) {
  return x.icount == y.icount && x.request.op == y.request.op && x.request.handle == y.request.handle &&
         x.request.arg0 == y.request.arg0 && x.request.arg1 == y.request.arg1 && x.request.path == y.request.path &&
         x.reply.value == y.reply.value && x.reply.data == y.reply.data && x.reply.ok == y.reply.ok;
}

std::string event_text(const trace::HostEvent& e) {
  return trace::describe_request(e.request) + " = " + std::to_string(e.reply.value);
}

std::string hex_prefix(const trace::Sha256Digest& d) {
  std::string out;
  char b[4];
  for (std::size_t i = 0; i < 6 && i < d.size(); ++i) {
    std::snprintf(b, sizeof b, "%02x", d[i]);
    out += b;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

RunEndText end_of(const trace::TraceData& d) {
  RunEndText e;
  e.instructions = d.history.frontier;
  if (d.footer) {
    e.description = trace::describe_end(*d.footer);
    if (d.footer->has_state_hash) e.state_hash = d.footer->state_hash;
  } else {
    e.description = "cut short (the recording was killed: no recorded end)";
  }
  return e;
}

std::optional<DiffPoint> first_host_call_difference(const trace::TraceData& a, const trace::TraceData& b, Side& sa,
                                                    Side& sb) {
  const auto& ea = a.history.events;
  const auto& eb = b.history.events;
  std::size_t i = 0;
  while (i < ea.size() && i < eb.size() && same_event(ea[i], eb[i])) ++i;
  if (i == ea.size() && i == eb.size()) return std::nullopt;
  DiffPoint p;
  auto side = [&](const std::vector<trace::HostEvent>& events, Side& s, DiffSide& out) {
    if (i >= events.size()) {
      out.exists = false;
      out.what = "no more host calls";
      return;
    }
    const trace::HostEvent& e = events[i];
    out = s.at(e.icount);
    out.what = event_text(e);
  };
  side(ea, sa, p.a);
  side(eb, sb, p.b);
  p.icount = std::min(p.a.exists ? p.a.icount : UINT64_MAX, p.b.exists ? p.b.icount : UINT64_MAX);
  if (i < ea.size() && i < eb.size()) {
    const auto& da = ea[i].reply.data;
    const auto& db = eb[i].reply.data;
    std::size_t k = 0;
    while (k < da.size() && k < db.size() && da[k] == db[k]) ++k;
    if (k < da.size() || k < db.size()) {
      p.byte_offset = k;
      p.byte_window_start = k > kWindowBefore ? k - kWindowBefore : 0;
      auto window = [&](const std::vector<std::uint8_t>& d) {
        const std::size_t from = std::min(p.byte_window_start, d.size());
        const std::size_t to = std::min(k + kWindowAfter, d.size());
        return std::vector<std::uint8_t>(d.begin() + static_cast<std::ptrdiff_t>(from),
                                         d.begin() + static_cast<std::ptrdiff_t>(to));
      };
      p.a.bytes = window(da);
      p.b.bytes = window(db);
    }
  }
  return p;
}

// The first count >= from where the two runs' (pc, ended) differ, stepping
// one instruction at a time (from is where the logs say they part, so this
// is at most a few steps), up to `limit`.
std::optional<DiffPoint> narrow_control(Side& sa, Side& sb, std::uint64_t from, std::uint64_t limit) {
  for (std::uint64_t n = from; n <= limit; ++n) {
    DiffSide a = sa.at(n), b = sb.at(n);
    if (differ(a, b)) return DiffPoint{n, a, b, 0, 0};
    if (a.ended && b.ended) break;
  }
  return std::nullopt;
}

// States equal at lo, different at hi: the first count where they differ,
// by bisection, reported as the instruction that made them differ (hi - 1).
DiffPoint narrow_state(Side& sa, Side& sb, std::uint64_t lo, std::uint64_t hi) {
  CancelToken never;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    sa.t().seek(mid, never);
    sb.t().seek(mid, never);
    if (sa.t().machine().state_hash_without_epoch() == sb.t().machine().state_hash_without_epoch()) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  DiffPoint p;
  p.icount = hi - 1;
  p.a = sa.at(hi - 1);
  p.b = sb.at(hi - 1);
  return p;
}

}  // namespace

TraceDiff diff_traces(const trace::TraceData& a, const trace::TraceData& b) {
  TraceDiff d;
  d.program_a = a.header.program_name;
  d.program_b = b.header.program_name;
  d.same_program = a.header.program_sha256 == b.header.program_sha256;
  d.end_a = end_of(a);
  d.end_b = end_of(b);
  if (!d.same_program) {
    d.program_a += " (sha256 " + hex_prefix(a.header.program_sha256) + "...)";
    d.program_b += " (sha256 " + hex_prefix(b.header.program_sha256) + "...)";
    return d;
  }
  if (a.header.argv != b.header.argv) d.notes.push_back("arguments differ: [" + join(a.header.argv) + "] vs [" + join(b.header.argv) + "]");
  if (a.header.envp != b.header.envp) d.notes.push_back("environments differ");
  if (a.header.epoch_ns != b.header.epoch_ns)
    d.notes.push_back("guest epochs differ (started at other wall-clock times): this matters only if the program "
                      "reads the clock");
  if (a.header.memory_limit != b.header.memory_limit || a.header.stack_size != b.header.stack_size)
    d.notes.push_back("memory limits or stack sizes differ");

  Side sa(a), sb(b);
  CancelToken never;
  // The initial states (arguments, environment on the stack).
  if (sa.t().machine().state_hash_without_epoch() != sb.t().machine().state_hash_without_epoch()) {
    d.state = DiffPoint{0, sa.at(0), sb.at(0), 0, 0};
    d.state->a.what = d.state->b.what = "the initial states differ (arguments, environment or limits)";
  }
  // Phase 1, when the runs start alike: both run untraced, interval by
  // interval, comparing full state hashes. A run is decided by its state and
  // the host results it gets, so where the states are still equal the paths
  // were too: the first interval whose end states differ holds the first
  // state difference (found there by bisection), and control flow cannot
  // part before it. So only what follows is traced (phase 2), and two long
  // runs that part near the end cost one untraced replay each, side by side.
  std::uint64_t c = 0;            // both runs are known to be the same (state and path) up to here
  std::uint64_t equal_state = 0;  // the states are equal at this count (narrowing starts there)
  if (!d.state) {
    const std::uint64_t end = std::min(sa.t().stats().history_end, sb.t().stats().history_end);
    // Long enough that hashing every mapped page at each boundary costs
    // little next to running the interval (a 4 KiB page hashes in about the
    // time of a few thousand instructions).
    const std::uint64_t interval =
        std::max<std::uint64_t>(kInterval, 8192 * std::max(sa.t().machine().mapped_pages(), sb.t().machine().mapped_pages()));
    while (c < end) {
      const std::uint64_t target = std::min(end, c + interval);
      {
        std::thread other([&] { sb.t().seek(target, never); });
        sa.t().seek(target, never);
        other.join();
      }
      if (sa.t().now() != target || sb.t().now() != target) break;  // a run ended early (or diverged): phase 2 says how
      if (sa.t().machine().state_hash_without_epoch() != sb.t().machine().state_hash_without_epoch()) {
        d.state = narrow_state(sa, sb, c, target);
        break;
      }
      c = target;
    }
    equal_state = c;
    // Tracing starts just before the instruction that made the states differ (same state, same path to there).
    if (d.state) c = d.state->icount;
    sa.t().seek(c, never);
    sb.t().seek(c, never);
  }
  for (;;) {
    StopEvent ea, eb;
    const std::uint64_t target = c + kInterval;
    RunHash ha, hb;
    {
      const std::uint64_t from_a = sa.t().now(), from_b = sb.t().now();
      std::thread other([&] { eb = sb.t().run_traced(target, hb, never); });
      ea = sa.t().run_traced(target, ha, never);
      other.join();
      d.traced += (sa.t().now() - from_a) + (sb.t().now() - from_b);
    }
    RunLog la, lb;
    if (ha.value() != hb.value()) {
      // The paths part in this interval: run it again, logging, to find where.
      sa.t().seek(c, never);
      sb.t().seek(c, never);
      std::thread other([&] { eb = sb.t().run_traced(target, lb, never); });
      ea = sa.t().run_traced(target, la, never);
      other.join();
      d.traced += (sa.t().now() - c) + (sb.t().now() - c);
    }
    for (const StopEvent* e : {&ea, &eb}) {
      if (e->kind() == StopKind::Divergence) {
        d.error = std::string(e == &ea ? "A" : "B") + ": the replay diverged from its own trace: " + e->message();
        return d;
      }
    }
    std::size_t i = 0;
    while (i < la.runs.size() && i < lb.runs.size() && same_run(la.runs[i], lb.runs[i])) ++i;
    if (i < la.runs.size() || i < lb.runs.size()) {
      // Identical up to c0; from there both ran straight from the same pc
      // for min(nA, nB) instructions (if they started at the same pc).
      const std::uint64_t c0 = i == 0 ? c : la.runs[i - 1].icount_after;
      std::uint64_t from = c0;
      if (i < la.runs.size() && i < lb.runs.size() && la.runs[i].start == lb.runs[i].start)
        from = std::min(la.runs[i].icount_after, lb.runs[i].icount_after);
      d.control = narrow_control(sa, sb, from, std::max(sa.t().now(), sb.t().now()) + 1);
      break;
    }
    const std::uint64_t here = std::min(sa.t().now(), sb.t().now());
    const bool a_done = ea.kind() != StopKind::SeekDone, b_done = eb.kind() != StopKind::SeekDone;
    if (a_done || b_done) {
      // The same path to here; does one end where the other goes on, or
      // end differently (one exits, the other faults at that pc)?
      const bool same_count = sa.t().now() == sb.t().now();
      DiffSide x = sa.at(here), y = sb.at(here);
      if (differ(x, y)) d.control = DiffPoint{here, x, y, 0, 0};
      // The same path all along: do the states differ at the end (data
      // that never changed the path)? Then find where they started to.
      if (!d.control && !d.state && same_count &&
          sa.t().machine().state_hash_without_epoch() != sb.t().machine().state_hash_without_epoch())
        d.state = narrow_state(sa, sb, equal_state, here);
      break;
    }
    c = here;
  }
  // Where the paths part the states differ (the pcs): the data that made
  // them part came in between. (States are compared at the ends only: a
  // state hash of every interval would cost more than the replay.)
  if (d.control && !d.state && d.control->icount > equal_state && d.control->a.exists && d.control->b.exists)
    d.state = narrow_state(sa, sb, equal_state, d.control->icount);
  d.host_call = first_host_call_difference(a, b, sa, sb);
  d.replayed = sa.t().stats().instructions_executed + sb.t().stats().instructions_executed;
  const trace::TraceFooter* fa = a.footer ? &*a.footer : nullptr;
  const trace::TraceFooter* fb = b.footer ? &*b.footer : nullptr;
  d.same_end = fa && fb && fa->end == fb->end && fa->exit_code == fb->exit_code && fa->signal == fb->signal &&
               fa->final_icount == fb->final_icount && fa->pc == fb->pc;
  return d;
}

}  // namespace rvrr::timeline
