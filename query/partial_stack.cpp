// query/partial_stack.cpp - local moves on an anchored tree, the rest logged; the merge.
#include "query/partial_stack.hpp"

namespace rvrr::query {

namespace {
// Anchor k is local node child(0, kAnchorTag | k): no function index comes near.
constexpr std::uint32_t kAnchorTag = 0x80000000u;
}  // namespace

const RunInfo& counted_branch() {
  static const RunInfo branch = [] {
    RunInfo r;
    r.transfer = Transfer::Branch;
    return r;
  }();
  return branch;
}

void PartialStack::close() {
  const std::vector<CallTree::Frame>& frames = local_.frames();
  for (std::size_t i = 1; i < frames.size(); ++i)
    log_.push_back(Move{Move::Kind::Push, Transfer::None, false, frames[i].node, 0, frames[i].return_to, 0});
  local_.drop_frames();  // the anchor no longer stands for the real top
}

void PartialStack::log(Move m) {
  close();
  log_.push_back(m);
  // Every move but a return leaves `func` on top (call_tree.cpp); a return
  // leaves the frame it pops to, and a seam's move is the merge's to decide.
  base_func_ = m.kind == Move::Kind::Seam || (m.kind == Move::Kind::Transfer && m.how == Transfer::Return)
                   ? kUnknownFunc
                   : m.func;
}

void PartialStack::seam(vm::Addr target, std::uint32_t func, bool count_call) {
  log(Move{Move::Kind::Seam, Transfer::None, count_call, func, target, 0, 0});
}

void PartialStack::transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call,
                            const RunMap& map) {
  if (how == Transfer::Call && local_.frames().empty()) {  // a call from the real top: anchor the local tree there
    local_.start(kAnchorTag | anchors_++);
    log_.push_back(Move{Move::Kind::Anchor, Transfer::None, false, local_.current(), 0, 0, 0});
  }
  if (local_.transfer_above_bottom(how, target, func, return_to, count_call, map)) return;
  log(Move{Move::Kind::Transfer, how, count_call, func, target, return_to, 0});
}

void PartialStack::fall_into(std::uint32_t func, bool count_call) {
  if (local_.fall_into_above_bottom(func, count_call)) return;
  log(Move{Move::Kind::FallInto, Transfer::None, count_call, func, 0, 0, 0});
}

void PartialStack::add_self(std::uint64_t n) {
  if (!local_.frames().empty()) {
    local_.node(local_.current()).self += n;
  } else if (!log_.empty()) {
    log_.back().self += n;
  }
}

std::uint32_t PartialStack::current_func() const {
  return local_.frames().size() > 1 ? local_.current_func() : base_func_;
}

bool PartialStack::apply(CallTree& tree, const RunInfo* before, const RunMap& map, MergeListener* listener) const {
  const std::vector<CallNode>& local = local_.nodes();
  constexpr std::uint32_t kUnmapped = 0xffffffffu;
  std::vector<std::uint32_t> real(local.size(), kUnmapped);  // local node -> tree node
  real[0] = 0;  // never reached: every local node descends from an anchor
  std::vector<std::uint32_t> chain;
  auto real_of = [&](std::uint32_t k) {  // anchors are mapped when the merge reaches them
    chain.clear();
    for (; real[k] == kUnmapped; k = local[k].parent) chain.push_back(k);
    std::uint32_t r = real[k];
    for (std::size_t i = chain.size(); i-- > 0;) r = real[chain[i]] = tree.child(r, local[chain[i]].func);
    return r;
  };
  bool exact = true;
  for (std::size_t i = 0; i < log_.size(); ++i) {
    const Move& m = log_[i];
    switch (m.kind) {
      case Move::Kind::Seam:
        // What Profiler::slow_run does for this run, knowing the run before.
        // After counted runs it must stay in their function, the stack's
        // top (slow_run's after_counted check).
        if (before == &counted_branch() && m.func != tree.current_func()) exact = false;
        if (before == nullptr) {
          tree.start(m.func);
        } else if (!((before->transfer == Transfer::None || before->transfer == Transfer::Branch) &&
                     m.func == tree.current_func())) {
          tree.transfer(before->transfer, m.target, m.func, before->return_to,
                        m.count_call && counts_as_call(before->transfer), map);
        }
        break;
      case Move::Kind::Transfer:
        if (listener != nullptr) listener->moving(i, tree);
        tree.transfer(m.how, m.target, m.func, m.return_to, m.count_call, map);
        break;
      case Move::Kind::FallInto:
        tree.fall_into(m.func, m.count_call);
        break;
      case Move::Kind::Anchor:
        real[m.func] = tree.current();
        if (listener != nullptr) listener->anchored(local[m.func].func & ~kAnchorTag, tree);
        break;
      case Move::Kind::Push:
        tree.push_frame(CallTree::Frame{real_of(m.func), m.return_to});
        if (listener != nullptr) listener->pushed(i, tree);
        break;
    }
    if (listener != nullptr && m.kind != Move::Kind::Anchor && m.kind != Move::Kind::Push) listener->moved(i, tree);
    tree.node(tree.current()).self += m.self;
  }
  for (std::uint32_t k = 1; k < local.size(); ++k) {
    if (local[k].self == 0 && local[k].calls == 0) continue;
    CallNode& n = tree.node(real_of(k));
    n.self += local[k].self;
    n.calls += local[k].calls;
  }
  return exact;
}

}  // namespace rvrr::query
