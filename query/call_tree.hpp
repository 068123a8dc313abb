// query/call_tree.hpp - a shadow call stack over traced runs, and the tree of
// call paths it walks (for exact profiles).
//
// RISC-V has no call or return instruction; the calling convention makes
// them recognisable (the ISA manual's return-address-stack hints): a jal/jalr
// that writes ra or t0 is a call, a `jalr x0, 0(ra|t0)` a return. A return
// pops to the frame that expects its target. Code that leaves frames behind
// without returning (longjmp, exceptions, a hand-written context switch)
// lands somewhere no frame expects: the stack is re-synchronised by popping
// to the newest frame of the function that holds the target; failing that,
// the landing is treated as a jump (the top frame now runs that function).
// A jump to another function's entry is a tail call: the top frame is
// replaced, as perf and gdb show it.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "query/run_map.hpp"

namespace rvrr::query {

struct CallNode {
  std::uint32_t parent = 0;     // node 0 is the root (no function)
  std::uint32_t func = kNoFunction;
  std::uint64_t self = 0;       // instructions executed with this exact path on the stack
  std::uint64_t calls = 0;      // times this path was entered by a call or tail call
  // The child looked up last (CallTree::child): a loop calls the same
  // function again and again, so this saves the hash lookup.
  std::uint32_t last_child_func = kNoFunction, last_child = 0;
};

class CallTree {
 public:
  CallTree();
  // The node running now (the top frame); 0 before the first run.
  std::uint32_t current() const { return frames_.empty() ? 0 : frames_.back().node; }
  std::uint32_t current_func() const { return nodes_[current()].func; }
  const std::vector<CallNode>& nodes() const { return nodes_; }
  CallNode& node(std::uint32_t id) { return nodes_[id]; }
  std::size_t depth() const { return frames_.size(); }
  // Would a return to `to` pop just the top frame (the one expecting it),
  // to a frame running `func` (the plain return, no frames skipped)?
  bool returns_plainly(vm::Addr to, std::uint32_t func) const {
    return to != 0 && frames_.size() >= 2 && frames_.back().return_to == to &&
           nodes_[frames_[frames_.size() - 2].node].func == func;
  }

  // Control arrived at `target` (function `func`) after a run that ended with
  // `how`; `return_to` is the Call's return address. `count_call` says
  // whether a call made here counts (profiling windows).
  void transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call,
                const RunMap& map);
  // The first run: the root frame runs `func`.
  void start(std::uint32_t func);
  // Execution moved into `func` without a transfer (fell off the end of a function).
  void fall_into(std::uint32_t func, bool count_call);

  // A stack whose bottom frame stands for frames not known here (an
  // interval of a parallel profile, query/partial_stack.hpp): the same
  // moves, made only when their outcome depends on the frames above the
  // bottom one alone (a call, a return to one of them, a jump inside the
  // top one). False: nothing changed, the move needs the stack below.
  bool transfer_above_bottom(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call,
                             const RunMap& map);
  bool fall_into_above_bottom(std::uint32_t func, bool count_call);

  struct Frame {
    std::uint32_t node;
    vm::Addr return_to;  // where the return from this frame goes (0: unknown)
  };
  const std::vector<Frame>& frames() const { return frames_; }
  void push_frame(Frame f) { frames_.push_back(f); }
  void drop_frames() { frames_.clear(); }
  // The node for `func` called from `parent` (made on first sight).
  std::uint32_t child(std::uint32_t parent, std::uint32_t func);

 private:
  void replace_top(std::uint32_t func, bool count_call);
  void resync(std::uint32_t func, bool count_call);
  std::vector<CallNode> nodes_;
  std::unordered_map<std::uint64_t, std::uint32_t> children_;  // parent << 32 | func -> node
  std::vector<Frame> frames_;
};

}  // namespace rvrr::query
