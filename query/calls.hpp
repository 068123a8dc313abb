// query/calls.hpp - every call of one function (WinDbg's TTD.Calls): when it
// was entered, from where, with which arguments, and what it returned when.
//
// A traced replay finds the calls with the shadow call stack of
// query/call_tree.hpp (so recursion, tail calls and longjmp are followed
// exactly as the profile follows them); the registers are read where the
// same replay stops at breakpoints on the function's entry and on each
// call's return address (CallStopReader: `rvrr trace calls` and `monitor
// calls`), or, for a trace with debugger writes (which a bare replay does not
// apply), by a second, untraced replay that stops at each entry and return
// count (ascending) (CallRegisterReader). Arguments and return values are decoded from
// the registers by the RISC-V ilp32/ilp32f/ilp32d calling convention and the
// function's DWARF types (call_values). Split over threads
// (query/replay_query.hpp's find_calls_run), each interval's finder works on
// a PartialStack and records what it cannot decide (IntervalCalls); CallMerge
// makes the intervals whole, in order, on one stack.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "query/call_tree.hpp"
#include "query/partial_stack.hpp"
#include "query/run_map.hpp"
#include "vm/debug_points.hpp"
#include "vm/exec_trace.hpp"
#include "vm/run_counters.hpp"
#include "vm/machine.hpp"

namespace rvrr::vm {
class Machine;
}

namespace rvrr::query {

enum class CallEnd : std::uint8_t {
  Returned,  // a return to the frame that made the call
  Longjmp,   // its frame was left without returning (longjmp, or a return that skipped it)
  Open,      // still running where the replay ended
  Inlined,   // a call the compiler inlined: no call or return of its own
};

// The copies of a function a call search finds the calls of (indices into
// DebugInfo::functions()): one, or every out-of-line copy of one name (a
// clone, a static function of that name in another file), as gdb's
// `break NAME` has a location in each.
struct CallTarget {
  std::vector<std::uint32_t> funcs;  // empty only when the compiler inlined every call
  // Its calls the compiler inlined (indices into DebugInfo::inlined_calls()),
  // each entered where its code starts, as gdb's `break NAME` stops there too.
  std::vector<std::uint32_t> inlined;
  CallTarget(std::uint32_t func) : funcs{func} {}  // NOLINT(google-explicit-constructor): one copy
  explicit CallTarget(std::vector<std::uint32_t> all, std::vector<std::uint32_t> inlined_calls = {})
      : funcs(std::move(all)), inlined(std::move(inlined_calls)) {}
  // The function's name (any copy's, or an inlined call's).
  const std::string& name(const debuginfo::DebugInfo& debug) const;
};

// A target's copies with their entries, for the finder's tests (a few: linear).
class CallEntries {
 public:
  CallEntries(const debuginfo::DebugInfo& debug, const CallTarget& target);
  bool is_entry(vm::Addr a) const { return std::find(entries_.begin(), entries_.end(), a) != entries_.end(); }
  bool has(std::uint32_t func) const { return std::find(funcs_.begin(), funcs_.end(), func) != funcs_.end(); }
  // Control at `start`, in function `func`, is at the entry of a copy asked about.
  bool at_entry(std::uint32_t func, vm::Addr start) const {
    for (std::size_t k = 0; k < funcs_.size(); ++k)
      if (funcs_[k] == func && entries_[k] == start) return true;
    return false;
  }
  const std::vector<vm::Addr>& entries() const { return entries_; }
  // The inlined calls asked about: where each starts, and its index.
  const std::vector<std::pair<vm::Addr, std::uint32_t>>& inlined_entries() const { return inlined_; }
  const debuginfo::DebugInfo& debug() const { return *debug_; }

 private:
  const debuginfo::DebugInfo* debug_;
  std::vector<std::uint32_t> funcs_;
  std::vector<vm::Addr> entries_;  // funcs_[k]'s at k
  std::vector<std::pair<vm::Addr, std::uint32_t>> inlined_;
};

inline constexpr std::uint32_t kNotInlined = 0xffffffffu;

struct CallRecord {
  std::uint64_t entry = 0;          // instruction count with pc at the function's entry
  std::uint32_t func = kNoFunction;  // the copy entered (one of the CallTarget's)
  std::uint32_t depth = 0;          // shadow stack depth of its frame (1: the first frame)
  std::uint32_t caller_func = kNoFunction;
  std::uint32_t caller_line = kNoLine;  // the call's source line (LineId) or kNoLine
  vm::Addr return_to = 0;           // where its return goes (0: unknown, e.g. a tail call)
  CallEnd end = CallEnd::Open;
  std::uint64_t exit = 0;           // Returned: the count with pc at the return address
  // Registers, filled by CallRegisterReader.
  bool have_entry_regs = false, have_exit_regs = false;
  unsigned xlen = 32;                 // the machine's register width (RV64: lp64 argument words)
  std::array<std::uint64_t, 8> a{};   // a0..a7 at entry
  std::array<std::uint64_t, 8> fa{};  // fa0..fa7 at entry (raw 64 bits)
  std::array<std::uint64_t, 8> stack{};  // the first 8 words (of xlen bits) at sp at entry (stack arguments)
  std::uint64_t ret_a0 = 0, ret_a1 = 0;
  std::uint64_t ret_fa0 = 0, ret_fa1 = 0;  // raw 64 bits (a struct of two floating-point fields comes back in both)
  // A call the compiler inlined (end Inlined; an index into
  // DebugInfo::inlined_calls(), func kNoFunction, caller_func the function
  // holding it): a[k] is its k-th parameter's value where its DWARF put it
  // at the entry, for the k whose bit in `params_read` is set.
  std::uint32_t inlined = kNotInlined;
  std::uint8_t params_read = 0;
};

// One interval of a split search (query/replay_query.cpp): the calls its
// finder saw enter, and what only the merge, knowing the stack the
// interval started on, can decide. Filled by CallFinder::restart_logging
// .. end_logging; made whole by CallMerge.
struct IntervalCalls {
  PartialStack stack;
  // Entered on local frames, in entry order. Until the merge, `depth` is the
  // frame's place above anchor `anchor[i]` (1: the first frame on it).
  std::vector<CallRecord> calls;
  std::vector<std::uint32_t> anchor;
  // A Push move (by index in stack's log) -> the calls still open on that
  // frame, oldest first (a frame that jumped back to the function's entry
  // holds several).
  std::unordered_map<std::size_t, std::vector<std::uint32_t>> pushed;
  // What the finder knew of each logged seam, transfer or fall-into.
  struct Logged {
    std::uint64_t at = 0;            // the count with pc at the move's target
    Transfer how = Transfer::None;   // the run's transfer (a seam: the merge's `before` says)
    vm::Addr target = 0;
    bool seam = false;
    bool settles = false;            // a transfer: calls on the frames it pops end here
    bool may_enter = false;          // lands on the function's entry from a call or jump (a seam: if `before` says so)
    // Counted runs follow in function `stays`: the finder's rule, checked
    // on the real top before the move.
    bool check_stays = false;
    std::uint32_t stays = kNoFunction;
    std::uint32_t caller_func = kNoFunction, caller_line = kNoLine;
    vm::Addr return_to = 0;
  };
  std::unordered_map<std::size_t, Logged> logged;
};

// Pass 1: a sink that finds the calls of `target`'s copies (indices into the map's DebugInfo).
// It takes counts (vm::ExecTraceSink::run_counters) unless `counts` is
// false: counted runs are conditional branches and jumps inside a function
// (RunMap::count_jumps_in_functions), which move no frame when they stay in one function; they start after the reported run's branch or
// jal, whose move is made first. One that leaves its function (a branch
// into another: never seen in compiled code), spans two or lands on FUNC's
// entry would hide a move: counts_exact() then says so and the caller asks
// again with counts off.
class CallFinder : public vm::ExecTraceSink {
 public:
  CallFinder(RunMap& map, const CallTarget& target, std::uint64_t start_icount = 0, bool counts = true)
      : map_(map), asked_(map.debug(), target), icount_(start_icount), counts_(counts) {
    map_.count_jumps_in_functions(counters_);
  }
  void executed(std::span<const vm::ExecutedRun> runs) override;
  vm::RunCounters* run_counters() override { return counts_ ? &counters_ : nullptr; }
  void counted_until(std::uint64_t icount) override;
  // Checks the runs counted so far (their descriptions read the traced
  // machine's code: call it while that machine lives).
  bool counts_exact();
  // The calls in entry order; those not ended are Open.
  std::vector<CallRecord> finish() { return std::move(calls_); }
  const CallEntries& asked() const { return asked_; }
  // The last run delivered (null before the first): stopped at the function's
  // entry, it is the run whose call or jump got there. After an interval
  // that counted runs ended: counted_branch().
  const RunInfo* last_run() const { return ended_counted_ ? &counted_branch() : prev_; }

  // Parallel passes: the runs that follow are a new interval starting at
  // `start_icount` on a stack not known here; its calls and moves go to
  // `interval` (as query/profile.hpp's Profiler does with its PartialStack).
  void restart_logging(IntervalCalls* interval, std::uint64_t start_icount);
  // The interval's runs are all delivered.
  void end_logging();
  // The history asked about ends here, right after the last run: its call,
  // return or jump retired, though no run follows to make its move (a call
  // of the function entered, a call returned exactly at the end, as after
  // gdb's `finish`). Makes it, as a run starting where it went would.
  void end_of_history();

  // Ends the calls in `open` (indices into `calls`, by depth) on frames
  // deeper than `depth`: the one a return popped to its expected address
  // returned at `at`; any other was abandoned.
  static void settle(std::vector<CallRecord>& calls, std::vector<std::uint32_t>& open, std::size_t depth,
                     Transfer how, vm::Addr target, std::uint64_t at);
  // A call of `func` entered at `at` from the run `prev` (null: the first run).
  static CallRecord entered(std::uint32_t func, const RunInfo* prev, std::uint64_t at, std::size_t depth,
                            const RunMap& map);

 private:
  // The stack's moves: on tree_, or on the interval's partial stack
  // (`enters`: control lands at target, in function `func`, which may be a call of the function).
  void move(Transfer how, vm::Addr target, std::uint32_t func, vm::Addr return_to, const RunInfo& prev,
            std::uint64_t at, bool enters);
  void fall_into(std::uint32_t func);
  std::uint32_t current_func() const;
  void first_run(const RunInfo& info, vm::Addr start, std::uint64_t at);
  void branch_within_unknown(std::uint32_t func, vm::Addr target, std::uint64_t at);
  // Counted runs follow prev_ from count `at`, from where it went
  // (prev_next_): the stack makes the move of prev_'s last instruction
  // first (a call there may be one of the function). False: they already
  // break the finder's rules.
  bool move_before_counted(std::uint64_t at, vm::Addr to);
  bool plain_move(const RunInfo& p, vm::Addr to, const RunInfo& info, vm::Addr start);
  // After a logged move: the local calls still open are on frames pushed
  // to the real stack by moves from `first_push` on.
  void lift(std::size_t first_push);
  // Control lands at `start` (in function `func`) after `prev`.
  bool lands_on_entry(const RunInfo* prev, std::uint32_t func, vm::Addr start) const;
  void maybe_enter(const RunInfo* prev, std::uint32_t func, vm::Addr start, std::uint64_t at);
  RunMap& map_;
  CallEntries asked_;
  std::uint64_t icount_;
  RunInfo* prev_ = nullptr;
  vm::Addr prev_next_ = 0;  // where prev_'s run went on (vm::ExecutedRun::next)
  CallTree tree_;
  std::vector<CallRecord> calls_;
  std::vector<std::uint32_t> open_;  // indices into calls_ of calls not ended, by depth
  bool counts_;
  bool counts_exact_ = true;
  vm::RunCounters counters_;
  IntervalCalls* interval_ = nullptr;  // parallel passes: this interval's record
  bool ended_counted_ = false;         // counted runs ended the last run (a stop, an interval's end)
};

// The merge of a split search: makes each interval's logged moves on the
// real stack, in order, and decides there what the intervals could not
// (the calls their logged moves entered or ended, the depths of their
// calls). The calls come out as one finder on the whole run finds them.
class CallMerge : public PartialStack::MergeListener {
 public:
  CallMerge(const RunMap& map, const CallTarget& target) : map_(map), asked_(map.debug(), target) {}
  // Interval after interval; `before` as PartialStack::apply. False: counted
  // runs before the seam broke the finder's rules (ask again without counts).
  bool add(IntervalCalls& interval, const RunInfo* before);  // takes its calls
  void reserve(std::size_t calls) { calls_.reserve(calls); }
  std::vector<CallRecord> finish();

  void anchored(std::uint32_t anchor, const CallTree& tree) override;
  void moving(std::size_t move, const CallTree& tree) override;
  void pushed(std::size_t move, const CallTree& tree) override;
  void moved(std::size_t move, const CallTree& tree) override;

 private:
  void settle_then_enter(Transfer how, const IntervalCalls::Logged& l, const CallTree& tree);
  const RunMap& map_;
  CallEntries asked_;
  CallTree tree_;
  std::vector<CallRecord> calls_;
  std::vector<std::uint32_t> open_;
  // The interval being added.
  IntervalCalls* interval_ = nullptr;
  const RunInfo* before_ = nullptr;
  std::size_t base_ = 0;  // its first call's index in calls_
  std::size_t locals_ = 0, next_local_ = 0;  // its calls entered on local frames; those given a depth
  bool exact_ = true;
};

// One pass instead of two: run the traced pass with points() on. A
// breakpoint at the function's entry, and one at each return address a call
// of it will come back to, stop the run where registers must be read;
// stopped() reads them there (keyed by count; the finder decides at the end
// which stops were entries and returns of its calls), and fill() puts them
// in the finished calls. The breakpoints cost stops only where calls of FUNC
// enter and return.
class CallStopReader {
 public:
  explicit CallStopReader(const CallFinder& finder) : asked_(finder.asked()), finder_(finder) {
    for (const vm::Addr entry : asked_.entries()) points_.add_breakpoint(entry);
    for (const auto& [entry, k] : asked_.inlined_entries()) points_.add_breakpoint(entry);
  }
  // The points to run with; stopped() adds to them.
  const vm::DebugPoints& points() const { return points_; }
  // A return address to stop at from the start (a split search: the calls
  // an interval sees return were made in intervals before it).
  void expect_return(vm::Addr to);
  // The run stopped at one of points() (the finder has seen every
  // instruction before this one).
  void stopped(const vm::Machine& m);
  // The history asked about ends at `m`: registers there are read as at a
  // stop when it sits on one of points() (a call entered or returned exactly
  // at the end: CallFinder::end_of_history).
  void ended(const vm::Machine& m) {
    if (!m.halted() && points_.has_breakpoint(m.pc())) stopped(m);
  }

  // The registers read, by count.
  struct Reads {
    struct EntryRegs {
      std::array<std::uint64_t, 8> a{};
      std::array<std::uint64_t, 8> fa{};
      std::array<std::uint64_t, 8> stack{};  // words of xlen bits
    };
    struct ExitRegs {
      std::uint64_t a0 = 0, a1 = 0;
      std::uint64_t fa0 = 0, fa1 = 0;
    };
    // An inlined call's entry: its parameters, read where its DWARF puts them.
    struct InlinedEntry {
      std::uint32_t inlined = 0, caller = kNoFunction;
      std::array<std::uint64_t, 8> values{};
      std::uint8_t read = 0;
    };
    std::vector<std::pair<std::uint64_t, EntryRegs>> entries;
    std::vector<std::pair<std::uint64_t, ExitRegs>> exits;
    std::vector<std::pair<std::uint64_t, InlinedEntry>> inlined;
    // Takes another reader's (stops of other intervals). Each reader's stops
    // come in ascending count (a worker runs its intervals in order), so
    // this merges and the reads stay sorted without sorting them.
    void absorb(Reads&& other);
    // Puts them in the calls read at those counts, and the inlined calls
    // entered among them (in entry order).
    void fill(std::vector<CallRecord>& calls, unsigned xlen);
  };
  Reads& reads() { return reads_; }

 private:
  CallEntries asked_;
  const CallFinder& finder_;
  vm::DebugPoints points_;
  std::unordered_set<vm::Addr> returns_;  // return addresses with a breakpoint
  Reads reads_;
};

// The entry of an inlined call asked about, reached at `m`: its parameters,
// as CallStopReader reads them (false: no inlined call asked about starts here).
bool read_inlined_entry(const CallEntries& asked, const vm::Machine& m, CallStopReader::Reads& into);

// Pass 2 (when a single pass cannot stop at breakpoints): which counts to stop at (ascending, unique), and the registers there.
class CallRegisterReader {
 public:
  explicit CallRegisterReader(std::vector<CallRecord>& calls);
  const std::vector<std::uint64_t>& stops() const { return stops_; }
  // The machine stopped at stops()[k] (call in ascending order).
  void read(std::uint64_t icount, const vm::Machine& m);

 private:
  struct Want {
    std::uint64_t icount;
    std::uint32_t call;
    bool exit;
  };
  std::vector<CallRecord>& calls_;
  std::vector<Want> wants_;  // sorted by icount
  std::size_t next_ = 0;
  std::vector<std::uint64_t> stops_;
};

// The index of the function named `name` (DWARF first, then symbols), or
// nullopt with `error` set: no such function, and the closest names, or
// one the compiler inlined at every call.
std::optional<std::uint32_t> function_index_named(const debuginfo::DebugInfo& debug, const std::string& name,
                                                  std::string& error);
// What `trace calls NAME` searches: every out-of-line copy of the function
// `name` names (`quicksort`: quicksort and quicksort.constprop.0), or the
// one copy a symbol names (`quicksort.constprop.0`); nullopt as above.
std::optional<CallTarget> call_target_named(const debuginfo::DebugInfo& debug, const std::string& name,
                                            std::string& error);
// Where the compiler inlined calls of `name`: "2 places (compute.c:142
// in main, ...)", or "" when it inlined none.
std::string inlined_note(const debuginfo::DebugInfo& debug, const std::string& name);

// A decoded argument or return value.
struct CallValue {
  std::string name;   // the parameter's name ("" unnamed; "a0" etc. for raw registers)
  std::string type;   // its C type ("" unknown)
  std::string value;  // as gdb would print it: 5, -3, 2.5, 0x1f00, 65 'A', true; raw: "a2=0x.. a3=0x.."
};

// The arguments of `call` to `f` (DWARF parameters; a function without DWARF:
// a0..a7 raw). `elf_flags`: the program's e_flags (the float ABI).
std::vector<CallValue> call_arguments(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags);
// The arguments of an inlined call (CallRecord::inlined) of `inlined`.
std::vector<CallValue> inlined_call_arguments(const CallRecord& call, const debuginfo::InlinedCall& inlined);
// Its return value; false when there is none (void, or the call did not return).
bool call_result(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags, CallValue& out);

}  // namespace rvrr::query
