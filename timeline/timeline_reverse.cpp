// timeline/timeline_reverse.cpp - backward step and continue.
//
// Backward execution is re-execution: restore an earlier checkpoint and run
// forward. reverse_step lands on now-1 (cheap thanks to the short-range
// checkpoints reach() leaves). reverse_continue scans the intervals between
// checkpoints from the newest back, each in one forward run with the points
// on, keeps the latest event, and answers repeated questions from the
// HitCache; write watchpoints skip whole intervals whose watched pages are
// the same page objects at both ends (copy-on-write: no write happened).
// With more than one scan thread, scan_back_parallel re-runs the next few
// intervals at once (timeline/parallel_scan.hpp) and merges them latest
// first, so the stop is the single-threaded scan's.
#include <algorithm>
#include <optional>

#include "timeline/parallel_scan.hpp"
#include "timeline/timeline_impl.hpp"

namespace rvrr::timeline {

namespace {

bool ranges_overlap(const std::vector<vm::WatchRange>& watches) {
  for (std::size_t i = 0; i < watches.size(); ++i) {
    for (std::size_t k = i + 1; k < watches.size(); ++k) {
      std::uint64_t a0 = watches[i].addr, a1 = a0 + watches[i].len;
      std::uint64_t b0 = watches[k].addr, b1 = b0 + watches[k].len;
      if (a0 < b1 && b0 < a1) return true;
    }
  }
  return false;
}

// Identities of the pages under `range` (null where unmapped).
std::vector<const void*> page_identities(const vm::Machine& m, const vm::WatchRange& range) {
  const std::uint64_t first = range.addr >> vm::kPageShift;
  const std::uint64_t last = (std::uint64_t{range.addr} + std::max<std::uint32_t>(range.len, 1) - 1) >> vm::kPageShift;
  std::vector<const void*> ids(last - first + 1, nullptr);
  m.memory().for_each_page([&](std::uint64_t page, const void* identity) {
    if (page >= first && page <= last) ids[page - first] = identity;
  });
  return ids;
}

}  // namespace

StopEvent failure_event(const Advance& a, std::uint64_t icount) {
  if (a.outcome == Outcome::Cancelled) return StopEvent::interrupted(icount);
  return StopEvent::divergence(icount, a.info.message().empty() ? std::string("history could not be re-executed")
                                                              : a.info.message());
}

bool Timeline::Impl::pages_unchanged(std::uint64_t from, std::uint64_t to, const vm::WatchRange& range) const {
  // Pages unchanged since an earlier state are unchanged since `from` too.
  const Checkpoint* a = store.at_or_before(from);
  const vm::Machine* b = nullptr;
  if (to == now()) {
    b = &current;
  } else if (const Checkpoint* cb = store.at(to)) {
    b = &cb->machine;
  }
  if (a == nullptr || b == nullptr) return false;
  return page_identities(a->machine, range) == page_identities(*b, range);
}

StopEvent Timeline::Impl::reverse_step() {
  const std::uint64_t here = now();
  if (here == 0) return StopEvent::history_begin();
  vm::Machine m = store.at_or_before(here - 1)->machine;
  Advance a = reach(m, here - 1, nullptr);
  if (a.outcome != Outcome::Reached) return failure_event(a, here);
  const vm::DebugPoints& watches = watches_of_points();
  if (!watches.empty()) {
    // Did the instruction we are stepping back over touch a watched range?
    // Then gdb expects the watchpoint, reported where we are.
    vm::Machine probe = m;
    vm::StopInfo info = probe.step(*env, &watches, false);
    if (info.kind() == vm::StopKind::Watchpoint) return StopEvent::watchpoint(here, info.addr(), info.watch());
  }
  current = std::move(m);
  return StopEvent::step(now());
}

ScanPlan Timeline::Impl::plan_scan(std::uint64_t from, std::uint64_t to, const std::vector<vm::Addr>& bps,
                                   const std::vector<vm::WatchRange>& watches, bool cacheable_watches) const {
  ScanPlan plan;
  plan.from = from;
  plan.to = to;
  auto consider = [&](const Hit& h) {
    if (h.better_than(plan.known)) plan.known = h;
  };
  // What the cache (or copy-on-write page identity) already answers.
  for (vm::Addr a : bps) {
    HitCache::Answer ans = cache.lookup(PointKey::breakpoint(a), from, to);
    if (!ans.known) {
      plan.need_bp.push_back(a);
    } else if (ans.last) {
      consider(Hit{true, *ans.last, false, a, vm::WatchKind::Write});
    }
  }
  for (const vm::WatchRange& w : watches) {
    if (cacheable_watches) {
      HitCache::Answer ans = cache.lookup(PointKey::watchpoint(w), from, to);
      if (ans.known) {
        if (ans.last) consider(Hit{true, *ans.last + 1, true, w.addr, w.kind});
        continue;
      }
    }
    if (w.kind == vm::WatchKind::Write && pages_unchanged(from, to, w)) continue;
    plan.need_w.push_back(w);
  }
  return plan;
}

void Timeline::Impl::store_scan_events(const ScanPlan& plan, std::vector<std::vector<std::uint64_t>>& bp_events,
                                       std::vector<std::vector<std::uint64_t>>& w_events, bool cacheable_watches) {
  for (std::size_t k = 0; k < plan.need_bp.size(); ++k) {
    cache.store(PointKey::breakpoint(plan.need_bp[k]), plan.from, plan.to, std::move(bp_events[k]));
  }
  if (cacheable_watches) {
    for (std::size_t k = 0; k < plan.need_w.size(); ++k) {
      cache.store(PointKey::watchpoint(plan.need_w[k]), plan.from, plan.to, std::move(w_events[k]));
    }
  }
}

ScanResult Timeline::Impl::scan_interval(std::uint64_t from, std::uint64_t to, const std::vector<vm::Addr>& bps,
                                         const std::vector<vm::WatchRange>& watches, bool cacheable_watches,
                                         const CancelToken* cancel) {
  ScanResult out;
  ScanPlan plan = plan_scan(from, to, bps, watches, cacheable_watches);
  out.hit = plan.known;
  auto consider = [&](const Hit& h) {
    if (h.better_than(out.hit)) out.hit = h;
  };
  if (!plan.needs_run()) return out;
  const std::vector<vm::Addr>& need_bp = plan.need_bp;
  const std::vector<vm::WatchRange>& need_w = plan.need_w;

  scan_points.clear();
  scan_watches.clear();
  for (vm::Addr a : need_bp) scan_points.add_breakpoint(a);
  for (const vm::WatchRange& w : need_w) {
    scan_points.add_watch(w.addr, w.len, w.kind);
    scan_watches.add_watch(w.addr, w.len, w.kind);
  }
  std::vector<std::vector<std::uint64_t>> bp_events(need_bp.size());
  std::vector<std::vector<std::uint64_t>> w_events(need_w.size());
  // Bound memory while a hot breakpoint fires millions of times: keep the
  // latest events (HitCache::store trims the stretch accordingly).
  auto push = [](std::vector<std::uint64_t>& v, std::uint64_t e) {
    v.push_back(e);
    if (v.size() > 2 * HitCache::kMaxEvents) v.erase(v.begin(), v.begin() + HitCache::kMaxEvents);
  };
  auto record_watch = [&](std::uint64_t e, const vm::StopInfo& info) {
    consider(Hit{true, e + 1, true, info.addr(), info.watch()});
    for (std::size_t k = 0; k < need_w.size(); ++k) {
      if (need_w[k].addr == info.addr() && need_w[k].kind == info.watch()) {
        push(w_events[k], e);
        break;
      }
    }
  };

  vm::Machine m = store.at_or_before(from)->machine;
  if (m.icount() < from) {
    Advance a = advance(m, from, nullptr, false, cancel, false);
    if (a.outcome != Outcome::Reached) {
      out.failure = a;
      return out;
    }
  }
  // Index every whole stretch this run covers that is not indexed yet: the
  // run goes from stretch boundary to stretch boundary, tracing a stretch it
  // entered at its start (rec_start: the state there).
  const std::uint64_t span = index.span();
  std::optional<vm::Machine> rec_start;
  auto begin_stretch = [&] {
    const std::uint64_t at = m.icount();
    recorder.reset();
    if (at % span == 0 && stretch_end(at / span) <= to && index.find(at / span) == nullptr) {
      rec_start = m;
    } else {
      rec_start.reset();
    }
  };
  begin_stretch();
  bool skip = false;
  bool complete = false;
  for (;;) {
    const std::uint64_t boundary = std::min(to, stretch_end(m.icount() / span));
    Advance a = advance(m, boundary, &scan_points, skip, cancel, true, rec_start ? &recorder : nullptr);
    if (a.outcome == Outcome::Reached && m.icount() < to) {
      if (rec_start) index.add(recorder.finish(rec_start->icount(), m.icount(), *rec_start, m));
      begin_stretch();
      skip = false;
      continue;
    }
    if (a.outcome == Outcome::Reached) {
      if (rec_start && m.icount() == stretch_end(rec_start->icount() / span))
        index.add(recorder.finish(rec_start->icount(), m.icount(), *rec_start, m));
      complete = true;
      break;
    }
    if (a.outcome == Outcome::Cancelled || a.outcome == Outcome::Divergence) {
      out.failure = a;
      return out;
    }
    if (a.outcome != Outcome::Point) break;  // halted/end inside history: nothing more to find
    const std::uint64_t e = m.icount();
    if (e >= to) {
      complete = true;
      break;
    }
    if (a.info.kind() == vm::StopKind::Breakpoint) {
      const vm::Addr pc = m.pc();
      auto it = std::find(need_bp.begin(), need_bp.end(), pc);
      if (it != need_bp.end()) push(bp_events[it - need_bp.begin()], e);
      consider(Hit{true, e, false, pc, vm::WatchKind::Write});
      if (!scan_watches.empty()) {
        // Skipping the breakpoint below also skips this instruction's watch check.
        vm::Machine probe = m;
        vm::StopInfo info = probe.step(*env, &scan_watches, false);
        if (info.kind() == vm::StopKind::Watchpoint) record_watch(e, info);
      }
    } else {
      record_watch(e, a.info);
    }
    skip = true;
  }
  if (complete) store_scan_events(plan, bp_events, w_events, cacheable_watches);
  return out;
}

ScanJob Timeline::Impl::make_scan_job(const ScanPlan& plan, const vm::Machine& start) const {
  // Copied here, on the calling thread (a copy touches its source's TLBs).
  ScanJob job{start};
  job.to = plan.to;
  job.bps = plan.need_bp;
  job.watches = plan.need_w;
  job.span = index.span();
  job.final_end = history_final() ? frontier() : kNoLimit;
  const std::uint64_t first = plan.from / job.span, last = (plan.to - 1) / job.span;
  for (std::uint64_t k = first; k <= last; ++k) {
    if (k * job.span >= plan.from && stretch_end(k) <= plan.to && index.find(k) == nullptr)
      job.index_wanted.push_back(k);
  }
  // A single-threaded scan leaves a checkpoint at every stretch boundary and
  // lets thinning choose; keep at most ~16 per job for it to choose from.
  job.checkpoint_stride = std::max<std::uint64_t>(1, (last - first + 1) / 16);
  return job;
}

void Timeline::Impl::merge_scan_job(const ScanPlan& plan, ScanJobResult& result, bool cacheable_watches) {
  if (result.halted_at) halt_at = *result.halted_at;
  for (IndexedStretch& s : result.stretches) index.add(std::move(s));
  for (const vm::Machine& m : result.checkpoints) {
    if (store.at(m.icount()) == nullptr) add_checkpoint(m);
  }
  if (result.complete) store_scan_events(plan, result.bp_events, result.w_events, cacheable_watches);
}

ScanResult Timeline::Impl::scan_back_parallel(std::uint64_t& to, const std::vector<vm::Addr>& bps,
                                              const std::vector<vm::WatchRange>& watches, bool cacheable_watches,
                                              const CancelToken& cancel, std::uint64_t& hit_from) {
  // Plan the next intervals going back, as the single-threaded loop would
  // meet them, up to one per thread; an interval the cache already knows a
  // hit in ends the list (nothing before it can be later).
  std::vector<ScanPlan> plans;
  std::uint64_t t = to;
  while (t > 0 && plans.size() < scan_threads) {
    const std::uint64_t k = (t - 1) / index.span();
    if (const IndexedStretch* known = index.find(k); known && !RecordingIndex::may_hit(*known, bps, watches)) {
      t = k * index.span();
      continue;
    }
    plans.push_back(plan_scan(scan_start(t), t, bps, watches, cacheable_watches));
    t = plans.back().from;
    if (plans.back().known.found) break;
  }
  std::vector<ScanJob> jobs;
  std::vector<std::size_t> job_of(plans.size(), plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (!plans[i].needs_run()) continue;
    job_of[i] = jobs.size();
    jobs.push_back(make_scan_job(plans[i], store.at_or_before(plans[i].from)->machine));  // from: a checkpoint (scan_start)
  }
  std::vector<ScanJobResult> results;
  if (!jobs.empty()) {
    parallel_scan_jobs += jobs.size();
    ++parallel_scan_batches;
    const std::uint64_t base = executed;
    results = run_scan_jobs(jobs, env->history(), &cancel, [&](std::uint64_t run) {
      executed = base + run;
      report_progress();
    });
    executed = base;
    for (const ScanJobResult& r : results) executed += r.executed;
  }
  // Everything the jobs learnt is kept (index, checkpoints, cache), in
  // interval order; the answer is the first interval, latest first, that has
  // a hit or failed, exactly as the single-threaded scan stops there.
  ScanResult out;
  std::optional<std::size_t> decided;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    ScanResult r;
    r.hit = plans[i].known;
    if (job_of[i] < plans.size()) {
      ScanJobResult& res = results[job_of[i]];
      if (res.failure) r.failure = res.failure;
      if (res.hit.better_than(r.hit)) r.hit = res.hit;
      merge_scan_job(plans[i], res, cacheable_watches);
    }
    if (!decided && (r.failure || r.hit.found)) {
      decided = i;
      out = r;
      hit_from = plans[i].from;
    }
  }
  to = t;
  return out;
}

void Timeline::Impl::forward_parallel(const CancelToken& cancel) {
  const std::vector<vm::Addr> bps = points.breakpoint_addresses();
  const std::vector<vm::WatchRange> watches = points.watches();
  const bool cacheable = !ranges_overlap(watches);
  const std::uint64_t span = index.span();
  // Could [a, b) hold an event? Unless the index rules out every stretch it touches.
  auto may_hit = [&](std::uint64_t a, std::uint64_t b) {
    for (std::uint64_t k = a / span; k * span < b; ++k) {
      const IndexedStretch* s = index.find(k);
      if (s == nullptr || RecordingIndex::may_hit(*s, bps, watches)) return true;
    }
    return false;
  };
  for (;;) {
    sync_index();
    // The last instruction of history is left to the plain run, which
    // reports the end (or a point there) as a run all the way does.
    if (current.halted() || cancel.cancelled() || now() + 1 >= frontier()) return;
    const std::uint64_t end = frontier() - 1;
    std::vector<ScanPlan> plans;
    std::uint64_t t = now();
    while (t < end && plans.size() < scan_threads) {
      const Checkpoint* next = store.after(t);
      const std::uint64_t to = next != nullptr ? std::min(next->icount, end) : end;
      if (may_hit(t, to)) {
        ScanPlan p;
        p.from = t;
        p.to = to;
        p.need_bp = bps;
        p.need_w = watches;
        plans.push_back(std::move(p));
      }
      t = to;
    }
    if (plans.empty()) {
      seek_to(t, &cancel);  // nothing ahead can hit: the plain run goes on from the end
      return;
    }
    auto earliest = std::make_shared<std::atomic<std::uint64_t>>(kNoLimit);
    std::vector<ScanJob> jobs;
    for (std::size_t i = 0; i < plans.size(); ++i) {
      // The first interval starts here (events at now count, as for the
      // plain run); the others at the checkpoints that begin them.
      jobs.push_back(make_scan_job(plans[i], plans[i].from == now() ? current : store.at(plans[i].from)->machine));
      jobs.back().stop_at_first = true;
      jobs.back().order = i;
      jobs.back().earliest = earliest;
    }
    forward_scan_jobs += jobs.size();
    const std::uint64_t base = executed;
    std::vector<ScanJobResult> results = run_scan_jobs(jobs, env->history(), &cancel, [&](std::uint64_t run) {
      executed = base + run;
      report_progress();
    });
    executed = base;
    for (const ScanJobResult& r : results) executed += r.executed;
    std::optional<std::uint64_t> hit;
    bool failed = false;
    for (std::size_t i = 0; i < plans.size(); ++i) {
      merge_scan_job(plans[i], results[i], cacheable);
      if (hit || failed) continue;
      if (results[i].first_event) {
        hit = results[i].first_event;
      } else if (results[i].failure) {
        failed = true;  // the plain run from here meets it (Ctrl-C, a divergence) itself
      }
    }
    if (hit) {
      seek_to(*hit, &cancel);
      return;
    }
    if (failed) return;
    seek_to(t, &cancel);
    if (now() != t) return;  // interrupted or stopped short: the plain run reports it
  }
}

std::uint64_t Timeline::Impl::scan_start(std::uint64_t to) const {
  // A scan must run from a checkpoint: start at the one before `to` and scan
  // everything from there (starting later would re-run [cp, from) for every
  // stretch in between: quadratic where thinning left checkpoints far apart).
  // One exception costs nothing: when a checkpoint marks the start of the
  // stretch holding to-1 and that stretch is whole but not indexed, start
  // there, so the scan indexes it.
  const std::uint64_t cp = store.before(to)->icount;  // the checkpoint at 0 is always there
  const std::uint64_t k = (to - 1) / index.span();
  const std::uint64_t start = k * index.span();
  if (cp > start && store.at(start) != nullptr && index.find(k) == nullptr && to == stretch_end(k)) return start;
  return cp;
}

ScanResult Timeline::Impl::latest_hit(const std::vector<vm::Addr>& bps, const std::vector<vm::WatchRange>& watches,
                                      std::uint64_t to, const CancelToken& cancel) {
  const bool cacheable = !ranges_overlap(watches);
  ScanResult out;
  while (to > 0 && (!bps.empty() || !watches.empty())) {
    sync_index();  // stretches the background indexer finished meanwhile are skipped too
    ScanResult r;
    std::uint64_t from = 0;
    if (scan_threads > 1) {
      r = scan_back_parallel(to, bps, watches, cacheable, cancel, from);
    } else {
      const std::uint64_t k = (to - 1) / index.span();
      if (const IndexedStretch* known = index.find(k); known && !RecordingIndex::may_hit(*known, bps, watches)) {
        to = k * index.span();  // the index says nothing there can hit: not even a lookup more
        continue;
      }
      from = scan_start(to);
      r = scan_interval(from, to, bps, watches, cacheable, &cancel);
    }
    if (r.failure) return r;
    if (r.hit.found) {
      out.hit = r.hit;  // a watched access by from-1 also lands at `from`, but a breakpoint there wins the tie
      return out;
    }
    if (scan_threads <= 1) to = from;
  }
  return out;
}

StopEvent Timeline::Impl::reverse_continue(const CancelToken& cancel) {
  const std::uint64_t here = now();
  ScanResult r = latest_hit(points.breakpoint_addresses(), points.watches(), here, cancel);
  if (r.failure) return failure_event(*r.failure, here);  // nothing moved
  const Hit best = r.hit;
  if (!best.found) {
    StopEvent e = seek_to(0, nullptr);
    return e.kind() == StopKind::SeekDone ? StopEvent::history_begin() : e;
  }
  if (best.pos != here) {
    StopEvent moved = seek_to(best.pos, nullptr);
    if (moved.kind() != StopKind::SeekDone) return moved;
  }
  return best.watch ? StopEvent::watchpoint(now(), best.addr, best.kind) : StopEvent::breakpoint(now());
}

}  // namespace rvrr::timeline
