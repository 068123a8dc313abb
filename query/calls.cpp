// query/calls.cpp - finding calls on the shadow stack, reading their registers,
// and decoding arguments by the RISC-V calling convention.
#include "query/calls.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <utility>

#include "vm/elf_flags.hpp"
#include "vm/machine.hpp"

namespace rvrr::query {

namespace {

// A value its DWARF location puts in register pieces (DW_OP_regN, then
// DW_OP_piece: bytes 0 for the whole register), assembled little-endian.
struct PiecedValue {
  std::uint64_t value = 0;
  unsigned bits = 0;
  // Adds the piece of register `reg` (DWARF numbering: 0-31 x, 32-63 f)
  // whose content is `r`; returns the piece's bytes, masked.
  std::uint64_t add(std::uint16_t reg, std::uint16_t bytes, std::uint64_t r, unsigned xlen) {
    const unsigned width = bytes ? bytes : (reg >= 32 ? 8 : xlen / 8);
    if (width < 8) r &= (std::uint64_t{1} << (8 * width)) - 1;
    if (bits < 64) value |= r << bits;
    bits += 8 * width;
    return r;
  }
  bool fits() const { return bits <= 64; }
};

}  // namespace

void CallFinder::executed(std::span<const vm::ExecutedRun> runs) {
  // Counted runs were cut by a stop at a breakpoint (an inlined call's entry
  // in a loop, a return address a branch also reaches): counted_until made
  // prev_'s move there, and the runs since stayed in its function.
  bool resumed = std::exchange(ended_counted_, false);
  for (const vm::ExecutedRun& r : runs) {
    std::uint64_t at = icount_;
    icount_ = r.icount_after;
    const vm::Addr next_before = std::exchange(prev_next_, r.next);
    if (resumed) {
      resumed = false;
      RunInfo& info = map_.lookup(r.start, r.end);
      if (prev_ == nullptr || info.first_func != current_func() || asked_.is_entry(r.start)) counts_exact_ = false;
      if (!info.one_function) {
        for (std::size_t k = 1; k < info.segs.size(); ++k)
          if (info.segs[k].func != info.segs[k - 1].func) fall_into(info.segs[k].func);
      }
      prev_ = &info;
      continue;
    }
    // The successor cache (run_map.hpp) spares the map lookup; nothing is counted on edges here.
    const std::uint64_t key = RunMap::key_of(r);
    RunInfo& info = prev_ != nullptr && prev_->next_key == key ? *prev_->next : map_.lookup(r.start, r.end);
    // Counted runs came between (run_counters): from where prev_ went to
    // this run's start, all in the function on top of the stack once
    // prev_'s move is made, which stays (anything else: counts_exact_ is false).
    const bool after_counted = counts_ && prev_ != nullptr && r.icount_after - at > info.insns;
    if (interval_ == nullptr && prev_ != nullptr && info.one_function && plain_move(*prev_, next_before, info, r.start)) {
      if (!after_counted && prev_->next != &info) {
        prev_->next = &info;
        prev_->next_key = key;
      }
      prev_ = &info;
      continue;
    }
    if (after_counted) {
      const bool inside =
          move_before_counted(at, next_before) && info.first_func == current_func() && !asked_.is_entry(r.start);
      if (!inside) counts_exact_ = false;
    } else if (prev_ != nullptr && prev_->next != &info) {
      prev_->next = &info;
      prev_->next_key = key;
    }
    if (after_counted) {
      // The stack stays.
    } else if (prev_ == nullptr) {
      first_run(info, r.start, at);
    } else if ((prev_->transfer == Transfer::None || prev_->transfer == Transfer::Branch) &&
               info.first_func == current_func()) {
      // Straight on within the function: the stack stays.
    } else {
      move(prev_->transfer, r.start, info.first_func, prev_->return_to, *prev_, at, true);
    }
    if (!info.one_function) {
      for (std::size_t k = 1; k < info.segs.size(); ++k)
        if (info.segs[k].func != info.segs[k - 1].func) fall_into(info.segs[k].func);
    }
    prev_ = &info;
  }
}

// One thread: a call that pushes, or a return that pops to the frame
// expecting it, with nothing about the function asked (no entry of it, no
// call of it ending), landing at `to` in the run `info` (or in counted runs
// that end at its start `start`): moved here. False: nothing done (the slow path's).
bool CallFinder::plain_move(const RunInfo& p, vm::Addr to, const RunInfo& info, vm::Addr start) {
  if (asked_.is_entry(to) || asked_.is_entry(start)) return false;
  const std::uint32_t func = info.first_func;
  if (p.transfer == Transfer::Call) {
    if (map_.function_after(p, to) != func) return false;
  } else if (p.transfer == Transfer::Return) {
    if (!tree_.returns_plainly(to, func)) return false;
    if (!open_.empty() && calls_[open_.back()].depth >= tree_.depth()) return false;  // it ends a call: settle()
  } else {
    return false;
  }
  tree_.transfer(p.transfer, to, func, p.return_to, true, map_);
  return true;
}

bool CallFinder::move_before_counted(std::uint64_t at, vm::Addr to) {
  // After a call, a return or a jump the stack makes its move first (what
  // it does for a run reported there); a call may be one of the function.
  const std::uint32_t func = map_.function_after(*prev_, to);
  const Transfer how = prev_->transfer;
  // (Every jump moves, as for a reported run: one to the function's own
  // entry is a call of it.)
  if (how == Transfer::Call || how == Transfer::Return || how == Transfer::Jump) {
    move(how, to, func, prev_->return_to, *prev_, at, true);
    // A return into frames this interval does not know: the counted runs run `func` there.
    if (interval_ != nullptr && current_func() == PartialStack::kUnknownFunc) branch_within_unknown(func, to, at);
  } else if (how != Transfer::Jump && interval_ != nullptr && current_func() == PartialStack::kUnknownFunc) {
    branch_within_unknown(func, to, at);  // a branch or a fall through
  }
  return func == current_func();
}

std::uint32_t CallFinder::current_func() const {
  return interval_ != nullptr ? interval_->stack.current_func() : tree_.current_func();
}

void CallFinder::first_run(const RunInfo& info, vm::Addr start, std::uint64_t at) {
  if (interval_ == nullptr) {
    tree_.start(info.first_func);
    maybe_enter(nullptr, info.first_func, start, at);
    return;
  }
  // What the run before makes of it, the merge knows (CallMerge::moved).
  interval_->stack.seam(start, info.first_func, true);
  IntervalCalls::Logged l;
  l.at = at;
  l.target = start;
  l.seam = true;
  l.may_enter = asked_.at_entry(info.first_func, start);
  interval_->logged[interval_->stack.moves_logged() - 1] = l;
}

void CallFinder::move(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, const RunInfo& prev,
                      std::uint64_t at, bool enters) {
  if (interval_ == nullptr) {
    tree_.transfer(how, target, func, return_to, true, map_);
    settle(calls_, open_, tree_.depth(), how, target, at);
    if (enters) maybe_enter(&prev, func, target, at);
    return;
  }
  PartialStack& stack = interval_->stack;
  const std::size_t logged = stack.moves_logged();
  stack.transfer(how, target, func, return_to, true, map_);
  // A call is always made locally (on a new anchor when none is there);
  // anything else that logged needs the real stack: the merge makes it.
  if (how == Transfer::Call || stack.moves_logged() == logged) {
    settle(interval_->calls, open_, stack.local_depth(), how, target, at);
    if (enters) maybe_enter(&prev, func, target, at);
    return;
  }
  lift(logged);
  IntervalCalls::Logged l;
  l.at = at;
  l.how = how;
  l.target = target;
  l.settles = true;
  if (enters && lands_on_entry(&prev, func, target)) {
    l.may_enter = true;
    const CallRecord c = entered(func, &prev, at, 0, map_);
    l.caller_func = c.caller_func;
    l.caller_line = c.caller_line;
    l.return_to = c.return_to;
  }
  interval_->logged[stack.moves_logged() - 1] = l;
}

// Counted runs after a branch in a function the interval does not know is
// on top (it returned below where it started): the merge checks the rule
// that they stay in it, as the finder on one thread checks it here.
void CallFinder::branch_within_unknown(std::uint32_t func, vm::Addr target, std::uint64_t at) {
  PartialStack& stack = interval_->stack;
  const std::size_t logged = stack.moves_logged();
  stack.transfer(Transfer::Branch, target, func, 0, true, map_);
  if (stack.moves_logged() == logged) return;  // cannot happen: the top was not local
  lift(logged);
  IntervalCalls::Logged l;
  l.at = at;
  l.how = Transfer::Branch;
  l.target = target;
  l.check_stays = true;
  l.stays = func;
  interval_->logged[stack.moves_logged() - 1] = l;
}

void CallFinder::fall_into(std::uint32_t func) {
  if (interval_ == nullptr) {
    tree_.fall_into(func, true);
    return;
  }
  PartialStack& stack = interval_->stack;
  const std::size_t logged = stack.moves_logged();
  stack.fall_into(func, true);
  if (stack.moves_logged() != logged) lift(logged);  // the move itself keeps the depth: nothing for the merge to decide
}

void CallFinder::lift(std::size_t first_push) {
  // open_ holds the local calls still open, by their frame's place (1..):
  // the frame at place k went to the real stack with move first_push + k - 1.
  for (const std::uint32_t i : open_) interval_->pushed[first_push + interval_->calls[i].depth - 1].push_back(i);
  open_.clear();
}

void CallFinder::restart_logging(IntervalCalls* interval, std::uint64_t start_icount) {
  interval_ = interval;
  prev_ = nullptr;
  ended_counted_ = false;
  icount_ = start_icount;
  open_.clear();
}

void CallFinder::end_of_history() {
  // After counted runs that ended the run, counted_until made the move.
  if (prev_ == nullptr || ended_counted_ || prev_next_ == 0) return;
  const Transfer how = prev_->transfer;
  if (how != Transfer::Call && how != Transfer::Return && how != Transfer::Jump) return;
  move(how, prev_next_, map_.function_after(*prev_, prev_next_), prev_->return_to, *prev_, icount_, true);
}

void CallFinder::end_logging() {
  if (interval_ == nullptr) return;
  const std::size_t logged = interval_->stack.moves_logged();
  interval_->stack.close();
  lift(logged);
}

void CallFinder::counted_until(std::uint64_t icount) {
  if (icount <= icount_) return;
  // A stop cuts them (runs may follow: executed() goes on from here), or
  // the interval ends here, its seam then after a counted branch: the move
  // of the run before them is made now, as the next run would have.
  if (prev_ == nullptr || !move_before_counted(icount_, prev_next_)) counts_exact_ = false;
  icount_ = icount;
  ended_counted_ = true;
}

bool CallFinder::counts_exact() {
  counters_.drain([&](const vm::CountedExit& e, std::uint64_t) {
    const RunInfo& info = map_.lookup(e.start, e.end);
    if (!RunMap::stays_in_function(info, e) || asked_.is_entry(e.target)) counts_exact_ = false;
  });
  return counts_exact_;
}

void CallFinder::settle(std::vector<CallRecord>& calls, std::vector<std::uint32_t>& open, std::size_t depth,
                        Transfer how, vm::Addr target, std::uint64_t at) {
  while (!open.empty() && calls[open.back()].depth > depth) {
    CallRecord& c = calls[open.back()];
    open.pop_back();
    const bool returned =
        how == Transfer::Return && c.depth == depth + 1 && (c.return_to == target || c.return_to == 0);
    c.end = returned ? CallEnd::Returned : CallEnd::Longjmp;
    if (returned) c.exit = at;
  }
}

CallRecord CallFinder::entered(std::uint32_t func, const RunInfo* prev, std::uint64_t at, std::size_t depth,
                               const RunMap& map) {
  CallRecord c;
  c.entry = at;
  c.func = func;
  c.depth = static_cast<std::uint32_t>(depth);
  if (prev != nullptr) {
    const vm::Addr call_pc = prev->end - 2;  // inside the call instruction (2 or 4 bytes long)
    c.caller_func = map.function_at(call_pc);
    c.caller_line = prev->last_line;
    if (prev->transfer == Transfer::Call) c.return_to = prev->return_to;
  }
  return c;
}

// A call or tail call (or the first run) that lands on the function's entry is a call of it.
bool CallFinder::lands_on_entry(const RunInfo* prev, std::uint32_t func, vm::Addr start) const {
  if (!asked_.at_entry(func, start)) return false;
  return prev == nullptr || prev->transfer == Transfer::Call || prev->transfer == Transfer::Jump;
}

void CallFinder::maybe_enter(const RunInfo* prev, std::uint32_t func, vm::Addr start, std::uint64_t at) {
  if (!lands_on_entry(prev, func, start) || current_func() != func) return;
  std::vector<CallRecord>& calls = interval_ != nullptr ? interval_->calls : calls_;
  const std::size_t depth = interval_ != nullptr ? interval_->stack.local_depth() : tree_.depth();
  open_.push_back(static_cast<std::uint32_t>(calls.size()));
  calls.push_back(entered(func, prev, at, depth, map_));
  if (interval_ != nullptr) interval_->anchor.push_back(interval_->stack.anchor());
}

bool CallMerge::add(IntervalCalls& interval, const RunInfo* before) {
  interval_ = &interval;
  before_ = before;
  base_ = calls_.size();
  locals_ = interval.calls.size();
  next_local_ = 0;
  calls_.insert(calls_.end(), interval.calls.begin(), interval.calls.end());
  std::vector<CallRecord>().swap(interval.calls);  // a call-heavy history holds millions: one copy at a time
  return interval.stack.apply(tree_, before, map_, this) && exact_;
}

void CallMerge::anchored(std::uint32_t anchor, const CallTree& tree) {
  // The calls entered on this anchor's frames (anchors come in entry
  // order): their depth is the anchor's on the real stack plus their place above it.
  for (; next_local_ < locals_ && interval_->anchor[next_local_] <= anchor; ++next_local_)
    calls_[base_ + next_local_].depth += static_cast<std::uint32_t>(tree.depth());
}

void CallMerge::moving(std::size_t move, const CallTree& tree) {
  auto it = interval_->logged.find(move);
  if (it != interval_->logged.end() && it->second.check_stays && tree.current_func() != it->second.stays)
    exact_ = false;
}

void CallMerge::pushed(std::size_t move, const CallTree& tree) {
  auto it = interval_->pushed.find(move);
  if (it == interval_->pushed.end()) return;
  for (const std::uint32_t i : it->second) open_.push_back(static_cast<std::uint32_t>(base_ + i));  // depths set at their anchor
}

void CallMerge::moved(std::size_t move, const CallTree& tree) {
  auto it = interval_->logged.find(move);
  if (it == interval_->logged.end()) return;
  const IntervalCalls::Logged& l = it->second;
  if (l.seam) {
    // As CallFinder::executed does with the interval's first run, knowing the run before.
    if (before_ == &counted_branch() && asked_.is_entry(l.target)) exact_ = false;
    if (before_ != nullptr) {
      settle_then_enter(before_->transfer, l, tree);
    } else if (l.may_enter && asked_.at_entry(tree.current_func(), l.target)) {  // the first run of all
      open_.push_back(static_cast<std::uint32_t>(calls_.size()));
      calls_.push_back(CallFinder::entered(tree.current_func(), nullptr, l.at, tree.depth(), map_));
    }
    return;
  }
  if (l.settles) settle_then_enter(l.how, l, tree);
}

void CallMerge::settle_then_enter(Transfer how, const IntervalCalls::Logged& l, const CallTree& tree) {
  CallFinder::settle(calls_, open_, tree.depth(), how, l.target, l.at);
  if (!l.may_enter || !asked_.at_entry(tree.current_func(), l.target)) return;
  CallRecord c;
  if (l.seam) {
    if (how != Transfer::Call && how != Transfer::Jump) return;
    c = CallFinder::entered(tree.current_func(), before_, l.at, tree.depth(), map_);
  } else {
    c.entry = l.at;
    c.func = tree.current_func();
    c.depth = static_cast<std::uint32_t>(tree.depth());
    c.caller_func = l.caller_func;
    c.caller_line = l.caller_line;
    c.return_to = l.return_to;
  }
  open_.push_back(static_cast<std::uint32_t>(calls_.size()));
  calls_.push_back(c);
}

std::vector<CallRecord> CallMerge::finish() {
  // In entry order: each interval's local calls are, those its logged moves
  // entered came after them. Sorted by index: the records are large.
  auto by_entry = [](const CallRecord& a, const CallRecord& b) { return a.entry < b.entry; };
  if (std::is_sorted(calls_.begin(), calls_.end(), by_entry)) return std::move(calls_);
  std::vector<std::uint32_t> order(calls_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return calls_[a].entry < calls_[b].entry; });
  std::vector<CallRecord> sorted;
  sorted.reserve(calls_.size());
  for (const std::uint32_t i : order) sorted.push_back(calls_[i]);
  return sorted;
}

CallRegisterReader::CallRegisterReader(std::vector<CallRecord>& calls) : calls_(calls) {
  for (std::uint32_t i = 0; i < calls.size(); ++i) {
    wants_.push_back(Want{calls[i].entry, i, false});
    if (calls[i].end == CallEnd::Returned) wants_.push_back(Want{calls[i].exit, i, true});
  }
  std::stable_sort(wants_.begin(), wants_.end(), [](const Want& a, const Want& b) { return a.icount < b.icount; });
  for (const Want& w : wants_)
    if (stops_.empty() || stops_.back() != w.icount) stops_.push_back(w.icount);
}

void CallStopReader::expect_return(vm::Addr to) {
  if (to != 0 && returns_.insert(to).second) points_.add_breakpoint(to);
}

bool read_inlined_entry(const CallEntries& asked, const vm::Machine& m, CallStopReader::Reads& into) {
  for (const auto& [entry, k] : asked.inlined_entries()) {
    if (entry != m.pc()) continue;
    const debuginfo::InlinedCall& call = asked.debug().inlined_calls()[k];
    CallStopReader::Reads::InlinedEntry e;
    e.inlined = k;
    e.caller = call.caller;
    for (std::size_t p = 0; p < call.params.size() && p < e.values.size(); ++p) {
      const debuginfo::Param& param = call.params[p];
      if (param.constant || param.at_entry != debuginfo::Param::AtEntry::Registers || param.entry_pieces.empty()) continue;
      PiecedValue v;
      for (const auto& [reg, bytes] : param.entry_pieces)
        v.add(reg, bytes, reg < 32 ? m.reg64(reg) : m.freg(reg - 32u), m.xlen());
      if (!v.fits()) continue;  // wider than a word: not shown
      e.values[p] = v.value;
      e.read |= static_cast<std::uint8_t>(1u << p);
    }
    into.inlined.emplace_back(m.icount(), e);
    // Two inlined copies of the function asked about that start at one
    // address (one nested in the other, its first instruction shared) are
    // one call here, as gdb's one breakpoint there stops once.
    return true;
  }
  return false;
}

void CallStopReader::stopped(const vm::Machine& m) {
  const std::uint64_t at = m.icount();
  read_inlined_entry(asked_, m, reads_);
  if (returns_.contains(m.pc())) reads_.exits.emplace_back(at, Reads::ExitRegs{m.reg64(10), m.reg64(11), m.freg(10), m.freg(11)});
  if (!asked_.is_entry(m.pc())) return;
  Reads::EntryRegs regs;
  const unsigned w = m.xlen() / 8;
  for (unsigned k = 0; k < 8; ++k) {
    regs.a[k] = m.reg64(10 + k);
    regs.fa[k] = m.freg(10 + k);
    std::uint8_t b[8] = {};
    if (m.memory().read_bytes(m.reg64(2) + w * k, std::span(b, w))) std::memcpy(&regs.stack[k], b, w);  // little-endian host and guest
  }
  reads_.entries.emplace_back(at, regs);
  // Where this call returns: after the call instruction that got here, or
  // (a tail call, a jump) where ra says.
  const RunInfo* via = finder_.last_run();
  expect_return(via != nullptr && via->transfer == Transfer::Call ? via->return_to : m.reg(1));
}

void CallStopReader::Reads::absorb(Reads&& other) {
  auto merge = [](auto& into, auto&& from) {
    if (into.empty()) {
      into = std::move(from);
      return;
    }
    std::remove_reference_t<decltype(into)> both;
    both.reserve(into.size() + from.size());
    std::merge(std::make_move_iterator(into.begin()), std::make_move_iterator(into.end()),
               std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()), std::back_inserter(both),
               [](const auto& a, const auto& b) { return a.first < b.first; });
    into = std::move(both);
    from.clear();
    from.shrink_to_fit();
  };
  merge(entries, std::move(other.entries));
  merge(exits, std::move(other.exits));
  merge(inlined, std::move(other.inlined));
}

void CallStopReader::Reads::fill(std::vector<CallRecord>& calls, unsigned xlen) {
  auto by_count = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!inlined.empty()) {
    // Each inlined call entered is a call of its own, among the others by its entry.
    std::vector<CallRecord> found;
    found.reserve(inlined.size());
    for (const auto& [at, e] : inlined) {
      CallRecord c;
      c.entry = at;
      c.caller_func = e.caller;
      c.end = CallEnd::Inlined;
      c.inlined = e.inlined;
      c.params_read = e.read;
      c.a = e.values;
      c.have_entry_regs = true;
      found.push_back(c);
    }
    std::stable_sort(found.begin(), found.end(), [](const CallRecord& a, const CallRecord& b) { return a.entry < b.entry; });
    std::vector<CallRecord> all;
    all.reserve(calls.size() + found.size());
    std::merge(std::make_move_iterator(calls.begin()), std::make_move_iterator(calls.end()), found.begin(), found.end(),
               std::back_inserter(all), [](const CallRecord& a, const CallRecord& b) { return a.entry < b.entry; });
    calls = std::move(all);
    inlined.clear();
  }
  if (!std::is_sorted(entries.begin(), entries.end(), by_count)) std::stable_sort(entries.begin(), entries.end(), by_count);
  if (!std::is_sorted(exits.begin(), exits.end(), by_count)) std::stable_sort(exits.begin(), exits.end(), by_count);
  auto at_count = [](const auto& v, std::uint64_t n) {
    auto it = std::lower_bound(v.begin(), v.end(), n, [](const auto& e, std::uint64_t k) { return e.first < k; });
    return it != v.end() && it->first == n ? it : v.end();
  };
  for (CallRecord& c : calls) {
    c.xlen = xlen;
    if (auto e = at_count(entries, c.entry); e != entries.end()) {
      c.a = e->second.a;
      c.fa = e->second.fa;
      c.stack = e->second.stack;
      c.have_entry_regs = true;
    }
    if (c.end != CallEnd::Returned) continue;
    if (auto x = at_count(exits, c.exit); x != exits.end()) {
      c.ret_a0 = x->second.a0;
      c.ret_a1 = x->second.a1;
      c.ret_fa0 = x->second.fa0;
      c.ret_fa1 = x->second.fa1;
      c.have_exit_regs = true;
    }
  }
}

void CallRegisterReader::read(std::uint64_t icount, const vm::Machine& m) {
  while (next_ < wants_.size() && wants_[next_].icount < icount) ++next_;  // skipped stops stay unread
  for (; next_ < wants_.size() && wants_[next_].icount == icount; ++next_) {
    CallRecord& c = calls_[wants_[next_].call];
    c.xlen = m.xlen();
    if (wants_[next_].exit) {
      c.ret_a0 = m.reg64(10);
      c.ret_a1 = m.reg64(11);
      c.ret_fa0 = m.freg(10);
      c.ret_fa1 = m.freg(11);
      c.have_exit_regs = true;
    } else {
      for (unsigned k = 0; k < 8; ++k) {
        c.a[k] = m.reg64(10 + k);
        c.fa[k] = m.freg(10 + k);
      }
      const vm::Addr sp = m.reg64(2);
      const unsigned w = m.xlen() / 8;
      for (unsigned k = 0; k < 8; ++k) {
        std::uint8_t b[8] = {};
        if (m.memory().read_bytes(sp + w * k, std::span(b, w))) std::memcpy(&c.stack[k], b, w);  // little-endian host and guest
      }
      c.have_entry_regs = true;
    }
  }
}

namespace {

using Kind = debuginfo::ParamType::Kind;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A byte as gdb quotes a char: 'A', '\n', '\'', '\\', else octal ('\310').
std::string quoted_char(std::uint8_t c) {
  static const char* const kEscapes[] = {"\\a", "\\b", "\\t", "\\n", "\\v", "\\f", "\\r"};
  std::string s = "'";
  if (c >= 7 && c <= 13) {
    s += kEscapes[c - 7];
  } else if (c == '\'' || c == '\\') {
    s += '\\';
    s += static_cast<char>(c);
  } else if (c >= 0x20 && c < 0x7f) {
    s += static_cast<char>(c);
  } else {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(c));
    s += buf;
  }
  return s + "'";
}

// The value `bits` (the low `size` bytes) as gdb prints a value of type `t`.
std::string format_value(const debuginfo::ParamType& t, std::uint64_t bits) {
  const std::uint32_t size = t.size ? t.size : 4;
  const std::uint64_t mask = size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
  const std::uint64_t u = bits & mask;
  auto sign = [&]() -> std::int64_t {
    if (size >= 8) return static_cast<std::int64_t>(u);
    const std::uint64_t top = 1ull << (8 * size - 1);
    return static_cast<std::int64_t>((u ^ top) - top);
  };
  char buf[64];
  switch (t.kind) {
    case Kind::Signed: return std::to_string(sign());
    case Kind::Unsigned: return std::to_string(u);
    case Kind::Bool: return u ? "true" : "false";
    case Kind::Char: {
      // As gdb prints one: the value by the DWARF encoding's sign, then the
      // byte quoted, with C escapes and octal for the rest ("200 '\310'").
      const std::int64_t v = t.signed_char ? sign() : static_cast<std::int64_t>(u);
      return std::to_string(v) + " " + quoted_char(static_cast<std::uint8_t>(u));
    }
    case Kind::Float:
      if (size == 4) {
        float f;
        const auto w = static_cast<std::uint32_t>(u);
        std::memcpy(&f, &w, 4);
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(f));
        return buf;
      }
      if (size == 8) {
        double d;
        std::memcpy(&d, &u, 8);
        std::snprintf(buf, sizeof buf, "%.17g", d);
        return buf;
      }
      return hex(u);
    case Kind::Pointer: return hex(u);
    case Kind::Other: break;
  }
  return hex(u);
}

// Assigns argument registers in declaration order (the psABI's integer and
// float argument rules for ilp32* and lp64*: a value of at most one XLEN
// word takes one register, one of two words a pair, a larger one goes by
// reference; aggregates are shown as the raw words they occupy).
// The fields of a struct of type `t` that the psABI's floating-point
// calling convention passes in registers (one or two floats, or a float and
// an integer, each fitting its register: flen and xlen bytes), in order;
// empty when the integer convention applies (soft float, anything else).
std::vector<const debuginfo::ParamType::Field*> fp_struct_fields(const debuginfo::ParamType& t, std::uint32_t flen,
                                                                  std::uint32_t xlen_bytes) {
  if (flen == 0 || t.kind != Kind::Other || t.fields.empty()) return {};
  std::vector<const debuginfo::ParamType::Field*> out;
  unsigned floats = 0;
  for (const debuginfo::ParamType::Field& f : t.fields) {
    if (f.kind == Kind::Pointer) return {};  // the other field must be an integer (gcc, clang): a pointer is not
    if (f.kind == Kind::Float ? f.size > flen : f.size > xlen_bytes) return {};
    floats += f.kind == Kind::Float;
    out.push_back(&f);
  }
  if (floats == 0) return {};
  return out;
}

std::uint32_t float_abi_bytes(std::uint32_t elf_flags) {
  const std::uint32_t abi = elf_flags & vm::kEfRiscvFloatAbiMask;
  return abi == 2 ? 4 : abi == 4 ? 8 : 0;
}

// A field of a struct in a register: "name=value".
std::string field_text(const debuginfo::ParamType::Field& f, std::uint64_t raw) {
  debuginfo::ParamType t;
  t.kind = f.kind;
  t.size = f.size;
  return f.name + "=" + format_value(t, f.kind == Kind::Float && f.size == 4 ? raw & 0xffffffffu : raw);
}

// Assigns argument registers in declaration order (the psABI's integer and
// float argument rules for ilp32* and lp64*: a value of at most one XLEN
// word takes one register, one of two words a pair, a larger one goes by
// reference; a float of at most FLEN bytes, or a struct of one or two
// floats or a float and an integer, takes float registers while they last).
class ArgumentCursor {
 public:
  ArgumentCursor(const CallRecord& c, std::uint32_t elf_flags)
      : c_(c), word_bytes_(c.xlen / 8), flen_(float_abi_bytes(elf_flags)) {}
  // The caller passed a pointer to the result's memory first (a struct too
  // big for two registers): a0 holds it.
  void skip_result_pointer() {
    std::uint64_t ignored = 0;
    word(ignored);
  }
  // (A parameter the DWARF makes a constant still takes its registers
  // here: the signature of a function that is no clone is the declaration's.)
  CallValue next(const debuginfo::Param& p) {
    CallValue v = next_in_registers(p);
    if (p.constant) v.value = format_value(p.type, p.value);
    return v;
  }

 private:
  CallValue next_in_registers(const debuginfo::Param& p) {
    CallValue v{p.name, p.type.name, {}};
    const debuginfo::ParamType& t = p.type;
    const std::uint32_t size = t.size ? t.size : 4;
    if (t.kind == Kind::Float && size <= flen_ && fp_ < 8) {
      const std::uint64_t raw = c_.fa[fp_++];
      v.value = format_value(t, size == 4 ? raw & 0xffffffffu : raw);
      return v;
    }
    if (const auto fields = fp_struct_fields(t, flen_, word_bytes_); !fields.empty()) {
      unsigned floats = 0;
      for (const auto* f : fields) floats += f->kind == Kind::Float;
      if (fp_ + floats <= 8 && int_ + (fields.size() - floats) <= 8) {
        v.value = "{";
        for (const auto* f : fields) {
          std::uint64_t raw = 0;
          if (f->kind == Kind::Float) {
            raw = c_.fa[fp_++];
          } else {
            word(raw);
          }
          v.value += (v.value.size() > 1 ? ", " : "") + field_text(*f, raw);
        }
        v.value += "}";
        return v;
      }
    }
    missing_ = false;
    if (size > 2 * word_bytes_) {  // by reference
      std::uint64_t ref = 0;
      const std::string where = word(ref);
      v.value = t.kind == Kind::Other ? "(by reference) " + where + "=" + hex(ref) : "(by reference) " + hex(ref);
    } else if (size <= word_bytes_) {
      std::uint64_t w = 0;
      const std::string where = word(w);
      v.value = t.scalar() ? format_value(t, w) : where + "=" + hex(w);
    } else {
      // Two words: a register pair, low word first (the stack: aligned to two words when wholly there).
      std::uint64_t lo = 0, hi = 0;
      if (int_ >= 8) stack_ = (stack_ + 1) & ~1u;
      const std::string where_lo = word(lo), where_hi = word(hi);
      const bool fits = word_bytes_ == 4;  // an RV32 pair is one 64-bit value
      v.value = t.scalar() && fits ? format_value(t, hi << 32 | lo)
                                   : where_lo + "=" + hex(lo) + " " + where_hi + "=" + hex(hi);
    }
    if (missing_) v.value = "<unavailable>";  // on the stack beyond the words read at entry
    return v;
  }
  // The next integer argument word: a register, else a stack slot (missing_
  // set beyond the words read).
  std::string word(std::uint64_t& out) {
    if (int_ < 8) {
      out = word_bytes_ == 4 ? c_.a[int_] & 0xffffffffu : c_.a[int_];
      return "a" + std::to_string(int_++);
    }
    const unsigned k = stack_++;
    missing_ = missing_ || k >= c_.stack.size();
    out = k < c_.stack.size() ? c_.stack[k] : 0;
    return "sp+" + std::to_string(word_bytes_ * k);
  }
  const CallRecord& c_;
  std::uint32_t word_bytes_;
  std::uint32_t flen_;
  unsigned int_ = 0, fp_ = 0, stack_ = 0;
  bool missing_ = false;
};

// A clone's parameter (Function::clone): where its DWARF puts it at the
// entry, read from the argument registers captured there.
CallValue clone_argument(const CallRecord& c, const debuginfo::Param& p) {
  CallValue v{p.name, p.type.name, {}};
  const debuginfo::ParamType& t = p.type;
  if (p.constant) {
    v.value = format_value(t, p.value);
    return v;
  }
  if (p.at_entry == debuginfo::Param::AtEntry::Nowhere) {
    v.value = "<optimized out>";
    return v;
  }
  PiecedValue pieced;
  std::string raw;
  bool readable = p.at_entry == debuginfo::Param::AtEntry::Registers && !p.entry_pieces.empty();
  for (const auto& [reg, bytes] : p.entry_pieces) {
    std::uint64_t r = 0;
    std::string name;
    if (reg >= 10 && reg <= 17) {  // a0..a7
      r = c.xlen == 32 ? c.a[reg - 10] & 0xffffffffu : c.a[reg - 10];
      name = "a" + std::to_string(reg - 10);
    } else if (reg >= 42 && reg <= 49) {  // fa0..fa7
      r = c.fa[reg - 42];
      name = "fa" + std::to_string(reg - 42);
    } else {
      readable = false;  // not an argument register: not read at entry
      break;
    }
    r = pieced.add(reg, bytes, r, c.xlen);
    raw += (raw.empty() ? "" : " ") + name + "=" + hex(r);
  }
  if (!readable) {
    v.value = "<unavailable>";
  } else if (t.scalar() && pieced.fits()) {
    v.value = format_value(t, pieced.value);
  } else {
    v.value = raw;
  }
  return v;
}

// Does the function return its value through memory the caller passes (a0)?
bool returns_in_memory(const debuginfo::Function& f, std::uint32_t elf_flags, unsigned xlen) {
  // As a first argument of its type would be passed by reference: wider
  // than two registers, and not in FP registers (a float of at most FLEN,
  // a struct or complex value the floating-point rule takes).
  const debuginfo::ParamType& t = f.result;
  const std::uint32_t flen = float_abi_bytes(elf_flags);
  return f.returns_value && t.size > 2 * xlen / 8 && !(t.kind == Kind::Float && t.size <= flen) &&
         fp_struct_fields(t, flen, xlen / 8).empty();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string inlined_note(const debuginfo::DebugInfo& debug, const std::string& name) {
  std::vector<std::string> sites;
  for (const debuginfo::InlinedCall& c : debug.inlined_calls()) {
    if (c.name != name) continue;
    std::string site = c.call_file.empty() ? "?" : c.call_file.substr(c.call_file.find_last_of('/') + 1);
    if (c.call_line != 0) site += ":" + std::to_string(c.call_line);
    site += " in " + debug.functions()[c.caller].name;
    if (std::find(sites.begin(), sites.end(), site) == sites.end()) sites.push_back(site);
  }
  if (sites.empty()) return {};
  std::string out = std::to_string(sites.size()) + (sites.size() == 1 ? " place" : " places") + " (";
  for (std::size_t i = 0; i < sites.size() && i < 6; ++i) out += (i ? ", " : "") + sites[i];
  if (sites.size() > 6) out += ", ...";
  return out + ")";
}

namespace {
// Why `name`, which has no out-of-line copy, has no calls to list: the
// compiler inlined every one ("" when it did not).
std::string inlined_everywhere(const debuginfo::DebugInfo& debug, const std::string& name) {
  const std::string note = inlined_note(debug, name);
  if (note.empty()) return {};
  return "'" + name + "' has no out-of-line copy in this program: the compiler inlined it at " + note +
         ", so its calls have no entry or return to find. `trace lines` counts its lines; to list its "
         "calls, build it with __attribute__((noinline)) or -fno-inline";
}
}  // namespace

CallEntries::CallEntries(const debuginfo::DebugInfo& debug, const CallTarget& target)
    : debug_(&debug), funcs_(target.funcs) {
  for (const std::uint32_t f : funcs_) entries_.push_back(debug.functions()[f].entry);
  for (const std::uint32_t k : target.inlined) inlined_.emplace_back(debug.inlined_calls()[k].entry, k);
}

const std::string& CallTarget::name(const debuginfo::DebugInfo& debug) const {
  return funcs.empty() ? debug.inlined_calls()[inlined.front()].name : debug.functions()[funcs.front()].name;
}

std::optional<CallTarget> call_target_named(const debuginfo::DebugInfo& debug, const std::string& name,
                                            std::string& error) {
  std::vector<std::uint32_t> inlined;
  for (std::uint32_t k = 0; k < debug.inlined_calls().size(); ++k)
    if (debug.inlined_calls()[k].name == name) inlined.push_back(k);
  if (debug.function_named(name) == nullptr && !inlined.empty()) return CallTarget({}, std::move(inlined));
  const std::optional<std::uint32_t> func = function_index_named(debug, name, error);
  if (!func) return std::nullopt;
  if (debug.functions()[*func].name != name) return CallTarget(*func);  // a copy by its symbol
  std::vector<std::uint32_t> copies;
  for (std::uint32_t k = 0; k < debug.functions().size(); ++k)
    if (debug.functions()[k].name == name) copies.push_back(k);
  return CallTarget(std::move(copies), std::move(inlined));
}

std::optional<std::uint32_t> function_index_named(const debuginfo::DebugInfo& debug, const std::string& name,
                                                  std::string& error) {
  if (const debuginfo::Function* f = debug.function_named(name))
    return static_cast<std::uint32_t>(f - debug.functions().data());
  // The closest names: by edit distance, then those containing `name`.
  std::vector<std::pair<std::size_t, std::string>> near;
  for (const debuginfo::Function& f : debug.functions()) {
    std::size_t d = edit_distance(name, f.name);
    if (f.name.find(name) != std::string::npos || name.find(f.name) != std::string::npos) d = std::min<std::size_t>(d, 1);
    if (d <= std::max<std::size_t>(2, name.size() / 3)) near.emplace_back(d, f.name);
  }
  std::sort(near.begin(), near.end());
  near.erase(std::unique(near.begin(), near.end()), near.end());
  if (std::string inlined = inlined_everywhere(debug, name); !inlined.empty()) {
    error = inlined;
    return std::nullopt;
  }
  error = "the program has no function '" + name + "'";
  if (debug.functions().empty()) {
    error += " (it has no symbols)";
  } else if (!near.empty()) {
    error += "; close names:";
    for (std::size_t i = 0; i < near.size() && i < 8; ++i) error += " " + near[i].second;
  }
  return std::nullopt;
}

std::vector<CallValue> call_arguments(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags) {
  std::vector<CallValue> out;
  if (!call.have_entry_regs) return out;
  if (!f.from_dwarf) {  // no types: the argument registers as they are
    for (unsigned k = 0; k < 8; ++k) out.push_back(CallValue{"a" + std::to_string(k), "", hex(call.a[k])});
    return out;
  }
  if (f.clone()) {  // the compiler changed its signature: where its DWARF puts each parameter
    for (const debuginfo::Param& p : f.params) out.push_back(clone_argument(call, p));
    return out;
  }
  ArgumentCursor cursor(call, elf_flags);
  if (returns_in_memory(f, elf_flags, call.xlen)) cursor.skip_result_pointer();
  for (const debuginfo::Param& p : f.params) out.push_back(cursor.next(p));
  return out;
}

std::vector<CallValue> inlined_call_arguments(const CallRecord& call, const debuginfo::InlinedCall& inlined) {
  std::vector<CallValue> out;
  for (std::size_t k = 0; k < inlined.params.size(); ++k) {
    const debuginfo::Param& p = inlined.params[k];
    CallValue v{p.name, p.type.name, {}};
    if (p.constant) v.value = format_value(p.type, p.value);
    else if (p.at_entry == debuginfo::Param::AtEntry::Nowhere) v.value = "<optimized out>";
    else if (k < 8 && (call.params_read >> k & 1u) != 0) v.value = p.type.scalar() ? format_value(p.type, call.a[k]) : hex(call.a[k]);
    else v.value = "<unavailable>";  // in memory, or an expression rvrr does not evaluate
    out.push_back(std::move(v));
  }
  return out;
}

bool call_result(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags, CallValue& out) {
  if (call.end != CallEnd::Returned || !call.have_exit_regs || !f.returns_value) return false;
  const debuginfo::ParamType& t = f.result;
  out = CallValue{"", t.name, {}};
  const std::uint32_t flen = float_abi_bytes(elf_flags);
  const std::uint32_t size = t.size ? t.size : 4;
  const auto fields = fp_struct_fields(t, flen, call.xlen / 8);
  if (!f.from_dwarf) {
    out.value = "a0=" + hex(call.ret_a0);
  } else if (t.kind == Kind::Float && size <= flen) {
    out.value = format_value(t, size == 4 ? call.ret_fa0 & 0xffffffffu : call.ret_fa0);
  } else if (!fields.empty()) {  // in fa0 and fa1, or fa0 and a0 (in field order)
    const std::uint64_t fregs[] = {call.ret_fa0, call.ret_fa1};
    unsigned fp = 0;
    out.value = "{";
    for (const auto* field : fields) {
      const std::uint64_t raw = field->kind == Kind::Float ? fregs[fp++] : call.ret_a0;
      out.value += (out.value.size() > 1 ? ", " : "") + field_text(*field, raw);
    }
    out.value += "}";
  } else if (size > 2 * call.xlen / 8) {
    out.value = "(in memory)";
  } else if (t.scalar() && size <= call.xlen / 8) {
    out.value = format_value(t, call.ret_a0);
  } else if (t.scalar() && call.xlen == 32) {
    out.value = format_value(t, call.ret_a1 << 32 | (call.ret_a0 & 0xffffffffu));
  } else {
    out.value = "a0=" + hex(call.ret_a0) + (size > call.xlen / 8 ? " a1=" + hex(call.ret_a1) : "");
  }
  return true;
}

}  // namespace rvrr::query
