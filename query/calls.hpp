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
// function's DWARF types (call_values).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "query/call_tree.hpp"
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
};

struct CallRecord {
  std::uint64_t entry = 0;          // instruction count with pc at the function's entry
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
  std::uint64_t ret_fa0 = 0;
};

// Pass 1: a sink that finds the calls of function `func` (an index into the map's DebugInfo).
// It takes counts (vm::ExecTraceSink::run_counters) unless `counts` is
// false: counted runs are conditional branches, which move no frame when
// they stay in one function; they start after the reported run's branch or
// jal, whose move is made first. One that leaves its function (a branch
// into another: never seen in compiled code), spans two or lands on FUNC's
// entry would hide a move: counts_exact() then says so and the caller asks
// again with counts off.
class CallFinder : public vm::ExecTraceSink {
 public:
  CallFinder(RunMap& map, std::uint32_t func, std::uint64_t start_icount = 0, bool counts = true)
      : map_(map), func_(func), entry_(map.debug().functions()[func].entry), icount_(start_icount), counts_(counts) {}
  void executed(std::span<const vm::ExecutedRun> runs) override;
  vm::RunCounters* run_counters() override { return counts_ ? &counters_ : nullptr; }
  void counted_until(std::uint64_t icount) override;
  // Checks the runs counted so far (their descriptions read the traced
  // machine's code: call it while that machine lives).
  bool counts_exact();
  // The calls in entry order; those not ended are Open.
  std::vector<CallRecord> finish() { return std::move(calls_); }
  // The last run delivered (null before the first): stopped at the function's
  // entry, it is the run whose call or jump got there.
  const RunInfo* last_run() const { return prev_; }

 private:
  void settle(const RunInfo& prev, vm::Addr target, std::uint64_t at);
  void maybe_enter(const RunInfo* prev, const RunInfo& info, vm::Addr start, std::uint64_t at);
  RunMap& map_;
  std::uint32_t func_;
  vm::Addr entry_;
  std::uint64_t icount_;
  RunInfo* prev_ = nullptr;
  CallTree tree_;
  std::vector<CallRecord> calls_;
  std::vector<std::uint32_t> open_;  // indices into calls_ of calls not ended, by depth
  bool counts_;
  bool counts_exact_ = true;
  vm::RunCounters counters_;
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
  CallStopReader(vm::Addr entry, const CallFinder& finder) : entry_(entry), finder_(finder) {
    points_.add_breakpoint(entry);
  }
  // The points to run with; stopped() adds to them.
  const vm::DebugPoints& points() const { return points_; }
  // The run stopped at one of points() (the finder has seen every
  // instruction before this one).
  void stopped(const vm::Machine& m);
  void fill(std::vector<CallRecord>& calls, unsigned xlen) const;

 private:
  struct EntryRegs {
    std::array<std::uint64_t, 8> a{};
    std::array<std::uint64_t, 8> fa{};
    std::array<std::uint64_t, 8> stack{};  // words of xlen bits
  };
  struct ExitRegs {
    std::uint64_t a0 = 0, a1 = 0;
    std::uint64_t fa0 = 0;
  };
  vm::Addr entry_;
  const CallFinder& finder_;
  vm::DebugPoints points_;
  std::unordered_set<vm::Addr> returns_;  // return addresses with a breakpoint
  // By count, ascending (stops come in order).
  std::vector<std::pair<std::uint64_t, EntryRegs>> entries_;
  std::vector<std::pair<std::uint64_t, ExitRegs>> exits_;
};

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
// nullopt with `error` set: no such function, and the closest names.
std::optional<std::uint32_t> function_index_named(const debuginfo::DebugInfo& debug, const std::string& name,
                                                  std::string& error);

// A decoded argument or return value.
struct CallValue {
  std::string name;   // the parameter's name ("" unnamed; "a0" etc. for raw registers)
  std::string type;   // its C type ("" unknown)
  std::string value;  // as gdb would print it: 5, -3, 2.5, 0x1f00, 65 'A', true; raw: "a2=0x.. a3=0x.."
};

// The arguments of `call` to `f` (DWARF parameters; a function without DWARF:
// a0..a7 raw). `elf_flags`: the program's e_flags (the float ABI).
std::vector<CallValue> call_arguments(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags);
// Its return value; false when there is none (void, or the call did not return).
bool call_result(const CallRecord& call, const debuginfo::Function& f, std::uint32_t elf_flags, CallValue& out);

}  // namespace rvrr::query
