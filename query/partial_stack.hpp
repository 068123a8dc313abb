// query/partial_stack.hpp - the shadow stack's moves in an interval that
// starts on a stack it does not know (a parallel profile,
// query/interval_replay.hpp), kept so that the merge can make them on the
// real stack and get the single-threaded call tree.
//
// Most moves of an interval happen above the frame it started in: a call,
// the return from it, the calls inside. Those are made here, on a local
// call tree whose bottom frame (an anchor) stands for whatever was on top
// of the real stack when the first of them came; the merge hangs the local
// nodes under the real node the anchor turned out to be, with their
// instruction and call counts. A loop calling a function a million times
// is then one local node, not two million logged moves. Only the moves
// whose outcome depends on the unknown frames (the interval's first run, a
// return below where it started, a jump out of a function, longjmp) are
// logged, in order, after the local frames then on the stack (the merge
// pushes them first).
#pragma once
#include <cstdint>
#include <vector>

#include "query/call_tree.hpp"
#include "query/run_map.hpp"

namespace rvrr::query {

// The run before an interval's first when counted runs ended the interval
// before (vm::ExecTraceSink::run_counters): all the seam needs of it is that
// a taken conditional branch ended it.
const RunInfo& counted_branch();

class PartialStack {
 public:
  static constexpr std::uint32_t kUnknownFunc = 0xfffffffeu;  // the function on top is not known here

  // The interval's first run, at `target` in `func`: what the run before it (known at the merge) makes of it.
  void seam(vm::Addr target, std::uint32_t func, bool count_call);
  // As CallTree::transfer and fall_into.
  void transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call,
                const RunMap& map);
  void fall_into(std::uint32_t func, bool count_call);
  // `n` instructions for the frame on top.
  void add_self(std::uint64_t n);
  // The function on top, or kUnknownFunc.
  std::uint32_t current_func() const;
  // The local frames go onto the real stack (logged): the interval ended,
  // or a move that needs the real stack comes next.
  void close();

  // For a sink that follows frames (query/calls.hpp's CallFinder), which
  // must tell its local moves from its logged ones:
  // the moves logged so far (a move that needed the real stack is the last
  // one, after a Push for each local frame then on the stack, oldest first);
  std::size_t moves_logged() const { return log_.size(); }
  // the local frames above the anchor (0: the real stack's top is on top);
  std::size_t local_depth() const { return local_.frames().empty() ? 0 : local_.frames().size() - 1; }
  // the anchor those frames stand on (anchors are numbered from 0 in order).
  std::uint32_t anchor() const { return anchors_ - 1; }

  // Told, during apply(), where the logged moves put the real stack.
  class MergeListener {
   public:
    virtual ~MergeListener() = default;
    virtual void anchored(std::uint32_t anchor, const CallTree& tree) {}  // anchor `anchor` is tree's top
    virtual void pushed(std::size_t move, const CallTree& tree) {}        // move `move` pushed a local frame
    virtual void moving(std::size_t move, const CallTree& tree) {}        // before transfer `move`
    virtual void moved(std::size_t move, const CallTree& tree) {}         // after seam, transfer or fall-into `move`
  };

  // Makes the moves on `tree` (the stack the interval started on);
  // `before`: the run before the interval's first (null: the start of
  // history; Profiler::counted_branch(): counted runs). False: the counted
  // runs before the seam broke the profiler's rules (query/profile.hpp).
  bool apply(CallTree& tree, const RunInfo* before, const RunMap& map, MergeListener* listener = nullptr) const;

 private:
  struct Move {
    enum class Kind : std::uint8_t {
      Seam,      // the interval's first run
      Transfer,  // CallTree::transfer
      FallInto,  // CallTree::fall_into
      Anchor,    // local anchor `node` is the real stack's top here
      Push,      // push local frame `node` (with return_to) onto the real stack
    };
    Kind kind = Kind::Transfer;
    Transfer how = Transfer::None;
    bool count_call = false;
    std::uint32_t func = kNoFunction;  // Anchor, Push: a local node
    vm::Addr target = 0, return_to = 0;
    std::uint64_t self = 0;  // instructions for the real top after the move, until the next one
  };
  // Logs a move that needs the real stack: the local frames go to it first.
  void log(Move m);
  std::vector<Move> log_;
  // Frames: empty, or [anchor, local frames...]; the anchor holds until the next logged move.
  CallTree local_;
  std::uint32_t anchors_ = 0;
  std::uint32_t base_func_ = kUnknownFunc;  // the real top's function after the last logged move
};

}  // namespace rvrr::query
