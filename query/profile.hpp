// query/profile.hpp - an exact profile: every instruction counted, none sampled.
//
// Instructions per function (self: with the function on top of the shadow
// stack; inclusive: with it anywhere on the stack, counted once however deep
// the recursion), per source line, and per call path (the shadow stack of
// query/call_tree.hpp). A window [from, to) restricts the counting, not the
// stack: the run from 0 to `from` is traced too, so paths inside the window
// are the real ones.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "query/call_tree.hpp"
#include "query/partial_stack.hpp"
#include "query/run_map.hpp"
#include "vm/exec_trace.hpp"
#include "vm/run_counters.hpp"

namespace rvrr::query {

struct ProfileWindow {
  std::uint64_t from = 0;
  std::uint64_t to = UINT64_MAX;  // exclusive
};

struct FunctionCost {
  std::uint32_t func = kNoFunction;  // index into DebugInfo::functions(), or kNoFunction
  std::uint64_t self = 0, inclusive = 0, calls = 0;
};

struct LineCost {
  debuginfo::LineId line = 0;
  std::uint64_t instructions = 0;
};

struct PathCost {
  std::vector<std::uint32_t> path;  // outermost first (function indices or kNoFunction)
  std::uint64_t self = 0;
};

struct Profile {
  ProfileWindow window;             // as asked (to capped at where the replay ended)
  std::uint64_t instructions = 0;   // counted in the window (= sum of self = sum of path selfs)
  std::uint64_t without_line = 0;   // of them, in code without a source line
  std::vector<FunctionCost> functions;  // self > 0 or inclusive > 0; by self, descending
  std::vector<LineCost> lines;          // instructions > 0; descending
  std::vector<PathCost> paths;          // self > 0; by path
};

// It takes counts (vm::ExecTraceSink::run_counters) when the window starts at
// 0 and `counts` allows: counted runs are conditional branches and jumps
// inside one function (RunMap::count_jumps_in_functions), so the
// instructions between two reported runs go to the stack's top after the
// move of the first one's last instruction (to where it went: a call, a
// return, a tail call), and their lines come from the counters. A counted run that leaves its
// function (a branch into another: never seen in compiled code), or spans
// two, would put them on the wrong frame: counts_exact() then says so and
// the caller asks again with counts off.
class Profiler : public vm::ExecTraceSink {
 public:
  // `map` must be used by no other sink. `start_icount`: the machine's count when tracing starts.
  Profiler(RunMap& map, ProfileWindow window, std::uint64_t start_icount = 0, bool counts = true)
      : map_(map), window_(window), icount_(start_icount), counts_(counts && window.from == 0) {
    map_.count_jumps_in_functions(counters_);
  }
  void executed(std::span<const vm::ExecutedRun> runs) override;
  vm::RunCounters* run_counters() override { return counts_ ? &counters_ : nullptr; }
  void counted_until(std::uint64_t icount) override;
  // Takes the runs counted so far (for the lines, and to check them). Their
  // descriptions read the traced machine's code: call it while that
  // machine lives; counts_exact() and finish() do too.
  void take_counts();
  // False when counted runs broke the rules above (ask again with counts off).
  bool counts_exact() {
    take_counts();
    return counts_exact_;
  }
  Profile finish();

  // Parallel passes: make the stack's moves on `stack` instead of the tree
  // (the runs that follow are a new interval starting at `start_icount`,
  // not following the last run seen).
  void restart_logging(PartialStack* stack, std::uint64_t start_icount);
  // Ends the interval: its stack gets the pending instructions and the frames it leaves.
  void end_logging() {
    flush();
    if (partial_ != nullptr) partial_->close();
  }
  // The last run: the last one reported, or counted_branch() when counted
  // runs came after it (all the seam needs: a taken branch ended the run).
  const RunInfo* last_run() const { return after_counted_ ? &counted_branch() : prev_; }
  std::uint64_t icount() const { return icount_; }
  // Adds the instructions per line (and without one) counted so far to `lines` / `without_line`.
  void add_lines(std::vector<std::uint64_t>& lines, std::uint64_t& without_line);
  // The profile of `tree` (the shadow stack's paths with their self counts) and the line totals.
  static Profile make(const CallTree& tree, const std::vector<std::uint64_t>& lines, std::uint64_t without_line,
                      ProfileWindow window, std::uint64_t end_icount, const debuginfo::DebugInfo& debug);

 private:
  static constexpr std::uint32_t kUnknownFunc = PartialStack::kUnknownFunc;  // logging: the stack's top is not known
  void slow_run(const vm::ExecutedRun& r, std::uint64_t first, std::uint64_t n, std::uint64_t key);
  // executed()'s path for a call or return that pushes, or pops to the
  // frame expecting it, landing in `func` at `to`: adds `pending` to the
  // node left and moves (one thread). False: nothing done (the slow path's).
  bool plain_move(const RunInfo& p, vm::Addr to, std::uint32_t func, std::uint64_t pending);
  void counted(std::uint64_t first, std::uint64_t n);
  void partial(const RunInfo& info, std::uint64_t first, std::uint64_t n);
  // The stack's moves: made on tree_, or on the interval's partial stack.
  void stack_start(std::uint32_t func, vm::Addr target, bool count_call);
  void stack_transfer(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, bool count_call);
  void stack_fall_into(std::uint32_t func, bool count_call);
  void add_self(std::uint64_t n) {
    if (partial_ == nullptr) {
      tree_.node(tree_.current()).self += n;
    } else {
      partial_->add_self(n);
    }
  }
  // Adds the instructions counted for the current stack node since it last changed.
  void flush() {
    add_self(pending_);
    pending_ = 0;
  }
  PartialStack* partial_ = nullptr;
  RunMap& map_;
  ProfileWindow window_;
  std::uint64_t icount_;           // instruction count after the last run seen
  RunInfo* prev_ = nullptr;
  vm::Addr prev_next_ = 0;  // where prev_'s run went on (vm::ExecutedRun::next)
  CallTree tree_;
  std::uint32_t cur_func_ = kNoFunction;  // tree_.current_func(), cached
  std::uint64_t pending_ = 0;             // instructions for tree_.current() not yet added
  std::vector<std::uint64_t> partial_lines_;  // per LineId: instructions of runs cut by the window or segmented
  std::uint64_t partial_without_line_ = 0;
  bool counts_;                 // run_counters() offers counters
  bool counts_exact_ = true;
  bool after_counted_ = false;  // prev_ is null because counted runs ended the last run
  vm::RunCounters counters_;
};

// "a;b;c 1234" lines (flamegraph.pl, inferno, speedscope), one per path, by path.
std::string folded_stacks(const Profile& profile, const debuginfo::DebugInfo& debug);
// The function's name, or "[unknown]".
std::string function_name(const debuginfo::DebugInfo& debug, std::uint32_t func);

}  // namespace rvrr::query
