// query/profile.cpp - attributing runs to the shadow stack, and totalling.
#include "query/profile.hpp"

#include <algorithm>
#include <utility>

namespace rvrr::query {

void Profiler::executed(std::span<const vm::ExecutedRun> runs) {
  // The hot state in locals (as members they would be stored and reloaded
  // around every increment); the slow path works on the members.
  RunInfo* prev = prev_;
  std::uint64_t icount = icount_, pending = pending_;
  std::uint32_t cur = cur_func_;
  vm::Addr next = prev_next_;
  for (const vm::ExecutedRun& r : runs) {
    const std::uint64_t first = icount, n = r.icount_after - icount;
    icount = r.icount_after;
    const vm::Addr next_before = std::exchange(next, r.next);
    const std::uint64_t key = RunMap::key_of(r);
    // Hot path: the same successor as last time, on an edge that keeps the
    // stack, whole and inside the window: nothing but the previous run's
    // cache line is touched.
    if (prev != nullptr && prev->next_key == key && prev->next_fast && cur == prev->first_func &&
        n == prev->next_insns && first >= window_.from && r.icount_after <= window_.to) {
      pending += n;
      ++prev->next_count;
      prev = prev->next;
      continue;
    }
    // Counted runs came between (run_counters), after a branch or jump that
    // stayed in the function on top of the stack, and this run is whole in
    // it too: the stack stays, and all of it goes to the current node.
    if (counts_ && prev != nullptr && (prev->transfer == Transfer::Branch || prev->transfer == Transfer::Jump) &&
        prev->target_func == cur && r.icount_after <= window_.to) {
      RunInfo& info = map_.lookup(r.start, r.end);
      if (n > info.insns && info.one_function && info.first_func == cur) {
        pending += n;
        ++info.executions;
        prev = &info;
        continue;
      }
    }
    // A call or a return (one thread, inside the window), then this run
    // whole in one function, maybe after counted runs from where the
    // transfer went: the stack's move right here, as slow_run() and
    // counted() would make it, when it is the plain one (a push, or a pop
    // to the frame expecting the return).
    if (partial_ == nullptr && prev != nullptr && first >= window_.from && r.icount_after <= window_.to &&
        (prev->transfer == Transfer::Call || prev->transfer == Transfer::Return)) {
      RunInfo& info = prev->next_key == key ? *prev->next : map_.lookup(r.start, r.end);
      if (info.one_function && (n == info.insns || (counts_ && n > info.insns)) &&
          plain_move(*prev, next_before, info.first_func, pending)) {
        pending = n;
        ++info.executions;
        prev = &info;
        cur = info.first_func;
        continue;
      }
    }
    prev_ = prev;
    pending_ = pending;
    icount_ = icount;
    prev_next_ = next_before;
    slow_run(r, first, n, key);
    prev = prev_;
    pending = pending_;
    cur = cur_func_;
  }
  prev_ = prev;
  pending_ = pending;
  icount_ = icount;
  prev_next_ = next;
}

bool Profiler::plain_move(const RunInfo& p, vm::Addr to, std::uint32_t func, std::uint64_t pending) {
  if (p.transfer == Transfer::Call ? map_.function_after(p, to) != func : !tree_.returns_plainly(to, func)) return false;
  tree_.node(tree_.current()).self += pending;
  tree_.transfer(p.transfer, to, func, p.return_to, true, map_);
  return true;
}

// A run off the hot path: a new successor, a change of stack, a run the
// window cuts, or one after counted runs.
void Profiler::slow_run(const vm::ExecutedRun& r, std::uint64_t first, std::uint64_t n, std::uint64_t key) {
  RunInfo& info = prev_ != nullptr && prev_->next_key == key                         ? *prev_->next
                  : prev_ != nullptr && prev_->next2_key == key && prev_->next2 != nullptr ? *prev_->next2
                                                                                      : map_.lookup(r.start, r.end);
  bool after_counted = std::exchange(after_counted_, false);
  if (counts_ && prev_ != nullptr && n > info.insns) {  // counted runs came between (run_counters)
    counted(first, n - info.insns);
    first += n - info.insns;
    n = info.insns;
    after_counted = true;
  }
  if (after_counted) {
    // The run before was a counted branch or jump to r.start, inside the
    // function on top of the stack (checked when drained).
    if (info.first_func != cur_func_) {
      counts_exact_ = false;
      flush();
      stack_transfer(Transfer::Branch, r.start, info.first_func, 0, first >= window_.from && first < window_.to);
    }
  } else if (prev_ != nullptr) {
    if (prev_->next != &info) RunMap::relink(*prev_, info, key);
    // Straight on or a branch, within one function on both sides: the
    // stack stays and the run goes whole to the current node.
    prev_->next_fast = (prev_->transfer == Transfer::None || prev_->transfer == Transfer::Branch) &&
                       prev_->one_function && info.one_function && info.first_func == prev_->first_func;
  }
  if (after_counted || (prev_ && (prev_->transfer == Transfer::None || prev_->transfer == Transfer::Branch) &&
                        info.first_func == cur_func_)) {
    // Straight on, or a branch within the function: the stack stays (the hot case).
  } else {
    flush();
    const bool in_window = first >= window_.from && first < window_.to;
    if (!prev_) {
      stack_start(info.first_func, r.start, in_window);
    } else {
      stack_transfer(prev_->transfer, r.start, info.first_func, prev_->return_to, in_window);
    }
  }
  prev_ = &info;
  // The common case: the whole run inside the window, in one function
  // (its lines are totalled per distinct run in finish()).
  if (info.one_function && n == info.insns && first >= window_.from && r.icount_after <= window_.to) {
    pending_ += n;
    ++info.executions;
    return;
  }
  flush();
  partial(info, first, n);
}

// `n` instructions of counted runs from `first` on, after prev_: they start
// where prev_ went (prev_next_: its branch's, jump's, call's or return's
// target, or the next instruction) and stay in that function, so the stack
// makes prev_'s move first (as for a reported run there) and they go to its top.
void Profiler::counted(std::uint64_t first, std::uint64_t n) {
  if (prev_ == nullptr) {
    counts_exact_ = false;  // cannot happen: a run's first run is reported
  } else {
    const vm::Addr to = prev_next_;
    const std::uint32_t func = map_.function_after(*prev_, to);
    const Transfer how = prev_->transfer;
    if (func != cur_func_ || how == Transfer::Call || how == Transfer::Return) {
      const bool in_window = first >= window_.from && first < window_.to;
      flush();
      stack_transfer(how, to, func, prev_->return_to, in_window);
      // A return into frames this interval does not know: the counted runs
      // run `func` there, as a branch within it would say (the merge checks).
      if (cur_func_ == kUnknownFunc) stack_transfer(Transfer::Branch, to, func, 0, in_window);
    }
  }
  if (first < window_.from || first + n > window_.to) counts_exact_ = false;  // not cut by a window (see run_counters)
  pending_ += n;
}

void Profiler::counted_until(std::uint64_t icount) {
  if (icount > icount_) {  // counted runs ended the run
    counted(icount_, icount - icount_);
    icount_ = icount;
    prev_ = nullptr;
    after_counted_ = true;
  }
}

void Profiler::take_counts() {
  counters_.drain([&](const vm::CountedExit& e, std::uint64_t count) {
    RunInfo& info = map_.lookup(e.start, e.end);
    info.executions += count;  // for the lines (add_lines)
    if (!RunMap::stays_in_function(info, e)) counts_exact_ = false;
  });
}

void Profiler::stack_start(std::uint32_t func, vm::Addr target, bool count_call) {
  if (partial_ == nullptr) {
    tree_.start(func);
    cur_func_ = tree_.current_func();
    return;
  }
  partial_->seam(target, func, count_call);
  cur_func_ = partial_->current_func();
}

void Profiler::stack_transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to,
                              bool count_call) {
  count_call = count_call && counts_as_call(how);
  if (partial_ == nullptr) {
    tree_.transfer(how, target, func, return_to, count_call, map_);
    cur_func_ = tree_.current_func();
    return;
  }
  partial_->transfer(how, target, func, return_to, count_call, map_);
  cur_func_ = partial_->current_func();
}

void Profiler::stack_fall_into(std::uint32_t func, bool count_call) {
  if (partial_ == nullptr) {
    tree_.fall_into(func, count_call);
    cur_func_ = tree_.current_func();
    return;
  }
  partial_->fall_into(func, count_call);
  cur_func_ = partial_->current_func();
}

void Profiler::restart_logging(PartialStack* stack, std::uint64_t start_icount) {
  flush();
  partial_ = stack;
  prev_ = nullptr;
  after_counted_ = false;  // the interval's first run is reported (run_counters): a seam
  icount_ = start_icount;
  cur_func_ = kUnknownFunc;
}

// A run cut by the window edges, spanning functions, or whose
// decoded length disagrees with the count (code changed): instruction by segment.
void Profiler::partial(const RunInfo& info, std::uint64_t first, std::uint64_t n) {
  if (partial_lines_.empty()) partial_lines_.assign(map_.debug().lines().size(), 0);
  auto clip = [&](std::uint64_t a, std::uint64_t len) {  // instructions of [a, a+len) in the window
    const std::uint64_t lo = std::max(a, window_.from), hi = std::min(a + len, window_.to);
    return hi > lo ? hi - lo : 0;
  };
  if (n != info.insns) {
    add_self(clip(first, n));
    partial_without_line_ += clip(first, n);
    return;
  }
  std::uint64_t at = first;
  for (std::size_t k = 0; k < info.segs.size(); ++k) {
    const Segment& s = info.segs[k];
    if (k > 0 && s.func != info.segs[k - 1].func) stack_fall_into(s.func, false);  // falling in is no call
    const std::uint64_t c = clip(at, s.count);
    add_self(c);
    if (s.line == kNoLine) {
      partial_without_line_ += c;
    } else {
      partial_lines_[s.line] += c;
    }
    at += s.count;
  }
}

void Profiler::add_lines(std::vector<std::uint64_t>& lines, std::uint64_t& without_line) {
  take_counts();
  map_.credit_all();
  if (lines.empty()) lines.assign(map_.debug().lines().size(), 0);
  for (std::size_t id = 0; id < partial_lines_.size(); ++id) lines[id] += partial_lines_[id];
  without_line += partial_without_line_;
  map_.for_each([&](const RunInfo& info) {
    for (const Segment& s : info.segs) {
      const std::uint64_t c = std::uint64_t{s.count} * info.executions;
      if (s.line == kNoLine) {
        without_line += c;
      } else {
        lines[s.line] += c;
      }
    }
  });
}

Profile Profiler::finish() {
  take_counts();
  flush();
  std::vector<std::uint64_t> lines;
  std::uint64_t without_line = 0;
  add_lines(lines, without_line);
  return make(tree_, lines, without_line, window_, icount_, map_.debug());
}

Profile Profiler::make(const CallTree& tree, const std::vector<std::uint64_t>& lines, std::uint64_t without_line,
                       ProfileWindow window, std::uint64_t end_icount, const debuginfo::DebugInfo& debug) {
  Profile p;
  p.window = window;
  p.window.to = std::min(window.to, std::max(end_icount, window.from));
  const std::size_t nfuncs = debug.functions().size() + 1;  // the last slot: kNoFunction
  auto slot = [&](std::uint32_t f) { return f == kNoFunction ? nfuncs - 1 : f; };
  p.without_line = without_line;
  for (debuginfo::LineId id = 0; id < lines.size(); ++id)
    if (lines[id] > 0) p.lines.push_back(LineCost{id, lines[id]});
  std::stable_sort(p.lines.begin(), p.lines.end(),
                   [](const LineCost& a, const LineCost& b) { return a.instructions > b.instructions; });

  // Functions: self and calls per node; inclusive = the subtree total of each
  // node whose function is not already on its path (recursion counted once).
  const std::vector<CallNode>& nodes = tree.nodes();
  std::vector<std::uint64_t> subtree(nodes.size(), 0);
  for (std::size_t i = nodes.size(); i-- > 1;) {  // children come after their parent
    subtree[i] += nodes[i].self;
    subtree[nodes[i].parent] += subtree[i];
  }
  std::vector<FunctionCost> costs(nfuncs);
  for (std::size_t f = 0; f < nfuncs; ++f) costs[f].func = f == nfuncs - 1 ? kNoFunction : static_cast<std::uint32_t>(f);
  std::vector<std::vector<std::uint32_t>> kids(nodes.size());
  for (std::uint32_t i = 1; i < nodes.size(); ++i) kids[nodes[i].parent].push_back(i);
  std::vector<std::uint32_t> on_path(nfuncs, 0);
  // Iterative depth-first walk: (node, entering?).
  std::vector<std::pair<std::uint32_t, bool>> work{{0, true}};
  while (!work.empty()) {
    auto [id, entering] = work.back();
    work.pop_back();
    const CallNode& n = nodes[id];
    if (!entering) {
      if (id != 0) --on_path[slot(n.func)];
      continue;
    }
    if (id != 0) {
      FunctionCost& c = costs[slot(n.func)];
      c.self += n.self;
      c.calls += n.calls;
      if (on_path[slot(n.func)]++ == 0) c.inclusive += subtree[id];
      p.instructions += n.self;
    }
    work.emplace_back(id, false);
    for (std::uint32_t k : kids[id]) work.emplace_back(k, true);
  }
  for (const FunctionCost& c : costs)
    if (c.self > 0 || c.inclusive > 0) p.functions.push_back(c);
  std::stable_sort(p.functions.begin(), p.functions.end(), [](const FunctionCost& a, const FunctionCost& b) {
    return a.self != b.self ? a.self > b.self : a.inclusive > b.inclusive;
  });

  for (std::uint32_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].self == 0) continue;
    PathCost pc;
    pc.self = nodes[i].self;
    for (std::uint32_t k = i; k != 0; k = nodes[k].parent) pc.path.push_back(nodes[k].func);
    std::reverse(pc.path.begin(), pc.path.end());
    p.paths.push_back(std::move(pc));
  }
  std::sort(p.paths.begin(), p.paths.end(), [](const PathCost& a, const PathCost& b) { return a.path < b.path; });
  return p;
}

std::string function_name(const debuginfo::DebugInfo& debug, std::uint32_t func) {
  return func == kNoFunction ? "[unknown]" : debug.functions()[func].name;
}

std::string folded_stacks(const Profile& profile, const debuginfo::DebugInfo& debug) {
  std::string out;
  for (const PathCost& pc : profile.paths) {
    for (std::size_t i = 0; i < pc.path.size(); ++i) {
      if (i) out += ';';
      out += function_name(debug, pc.path[i]);
    }
    out += ' ';
    out += std::to_string(pc.self);
    out += '\n';
  }
  return out;
}

}  // namespace rvrr::query
