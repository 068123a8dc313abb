// query/call_tree.cpp - the shadow stack's moves.
#include "query/call_tree.hpp"

namespace rvrr::query {

CallTree::CallTree() { nodes_.push_back(CallNode{}); }

std::uint32_t CallTree::child(std::uint32_t parent, std::uint32_t func) {
  if (nodes_[parent].last_child != 0 && nodes_[parent].last_child_func == func) return nodes_[parent].last_child;
  const std::uint64_t key = std::uint64_t{parent} << 32 | func;
  auto [it, fresh] = children_.try_emplace(key, static_cast<std::uint32_t>(nodes_.size()));  // no allocation when known
  if (fresh) nodes_.push_back(CallNode{parent, func, 0, 0});
  nodes_[parent].last_child_func = func;
  nodes_[parent].last_child = it->second;
  return it->second;
}

void CallTree::start(std::uint32_t func) {
  frames_.clear();
  frames_.push_back(Frame{child(0, func), 0});
}

void CallTree::replace_top(std::uint32_t func, bool count_call) {
  if (frames_.empty()) return start(func);
  Frame& top = frames_.back();
  top.node = child(nodes_[top.node].parent, func);
  if (count_call) ++nodes_[top.node].calls;
}

void CallTree::resync(std::uint32_t func, bool count_call) {
  for (std::size_t i = frames_.size(); i-- > 0;) {
    if (nodes_[frames_[i].node].func == func) {
      frames_.resize(i + 1);
      return;
    }
  }
  replace_top(func, count_call);
}

void CallTree::fall_into(std::uint32_t func, bool count_call) {
  if (frames_.empty()) return start(func);
  if (nodes_[current()].func != func) replace_top(func, count_call);
}

void CallTree::transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call,
                        const RunMap& map) {
  if (frames_.empty()) return start(func);
  switch (how) {
    case Transfer::None:
    case Transfer::Branch:
      if (nodes_[current()].func != func) resync(func, count_call);  // a trap or a branch out: unusual
      return;
    case Transfer::Call: {
      const std::uint32_t n = child(current(), func);
      if (count_call) ++nodes_[n].calls;
      frames_.push_back(Frame{n, return_to});
      return;
    }
    case Transfer::Return:
      for (std::size_t i = frames_.size(); i-- > 0;) {
        if (frames_[i].return_to == target && target != 0) {
          frames_.resize(i);
          if (frames_.empty()) start(func);  // returned out of the first frame
          return;
        }
      }
      resync(func, count_call);  // longjmp-like: nobody expected this return
      return;
    case Transfer::Jump: {
      if (nodes_[current()].func == func) return;  // within the function
      const debuginfo::Function* f = func == kNoFunction ? nullptr : &map.debug().functions()[func];
      if (f && f->entry == target) {
        replace_top(func, count_call);  // tail call
      } else {
        resync(func, count_call);
      }
      return;
    }
  }
}

bool CallTree::transfer_above_bottom(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to,
                                     bool count_call, const RunMap& map) {
  if (frames_.empty()) return false;
  if (how == Transfer::Call) {
    transfer(how, target, func, return_to, count_call, map);
    return true;
  }
  if (frames_.size() == 1) return false;  // the top is the unknown stack
  // Pops to the newest frame above the bottom one running `func`; false when none does.
  auto resync_above = [&] {
    for (std::size_t i = frames_.size(); i-- > 1;) {
      if (nodes_[frames_[i].node].func == func) {
        frames_.resize(i + 1);
        return true;
      }
    }
    return false;  // transfer() would search the unknown frames, then replace the top
  };
  switch (how) {
    case Transfer::None:
    case Transfer::Branch:
      return current_func() == func || resync_above();
    case Transfer::Call: break;
    case Transfer::Return:
      for (std::size_t i = frames_.size(); i-- > 1;) {
        if (frames_[i].return_to == target && target != 0) {
          frames_.resize(i);
          return true;
        }
      }
      return false;  // the unknown frames may expect it
    case Transfer::Jump: {
      if (current_func() == func) return true;
      const debuginfo::Function* f = func == kNoFunction ? nullptr : &map.debug().functions()[func];
      if (f && f->entry == target) {
        replace_top(func, count_call);
        return true;
      }
      return resync_above();
    }
  }
  return false;
}

bool CallTree::fall_into_above_bottom(std::uint32_t func, bool count_call) {
  if (frames_.size() <= 1) return false;
  fall_into(func, count_call);
  return true;
}

}  // namespace rvrr::query
