// query/run_map.hpp - what one straight-line run of code means at source level.
//
// A traced replay (vm/exec_trace.hpp) reports runs [start, end). A hot loop
// repeats the same few runs millions of times, so each distinct run is
// decoded once (from the machine's memory, with vm's decoder) and described
// once (via debuginfo): its instructions grouped into segments of one source
// line and one function, and how it ends (the control transfer its last
// instruction makes). Sinks then pay one cache probe per run.
//
// Code is assumed not to change while it is traced (self-modifying code gets
// the description of the bytes first seen: counts stay exact, lines may not).
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "debuginfo/debug_info.hpp"
#include "vm/decoder.hpp"
#include "vm/exec_trace.hpp"
#include "vm/run_counters.hpp"
#include "vm/types.hpp"

namespace rvrr::query {

inline constexpr std::uint32_t kNoLine = 0xffffffffu;  // an instruction without a source line
inline constexpr std::uint32_t kNoFunction = 0xffffffffu;

// How a run's last instruction hands control on (RISC-V calling convention:
// the link register is ra (x1) or t0 (x5), as in the ISA manual's return-address
// stack hints).
enum class Transfer : std::uint8_t {
  None,    // falls through (a page end, a host call, the end of a run call)
  Branch,  // conditional: taken exactly when the next run starts at `target`
  Call,    // jal/jalr writing ra or t0: pushes `return_to`
  Return,  // jalr x0 through ra or t0
  Jump,    // any other jal/jalr (a plain or tail jump, a computed goto, longjmp)
};

// Does control arriving by `how` at another function's code call it (a call,
// or a tail call by a jump)? Falling in, a branch or a return landing there
// is no call of it: so gdb and the call finder see it, and so a profile counts.
inline bool counts_as_call(Transfer how) { return how == Transfer::Call || how == Transfer::Jump; }

struct Segment {
  std::uint32_t count;  // instructions
  std::uint32_t line;   // debuginfo::LineId or kNoLine
  std::uint32_t func;   // index into DebugInfo::functions() or kNoFunction
};

struct alignas(64) RunInfo {
  // The hot path of a sink touches only this first cache line of the run
  // before: the run that followed it last time, and how often it has
  // followed since (not yet credited to it). A run is usually followed by
  // the same run as last time (loops), so sinks count the edge here and
  // credit `next` when the successor changes or at the end.
  std::uint64_t next_key = 0;    // next's RunMap::key_of
  RunInfo* next = nullptr;
  std::uint64_t next_count = 0;
  std::uint32_t next_insns = 0;  // next->insns
  std::uint32_t first_func = kNoFunction;
  bool next_fast = false;        // the sink's own flag for this edge
  Transfer transfer = Transfer::None;
  bool one_function = true;      // every segment is in first_func
  // The successor before `next` (a branch that goes both ways in turn, as
  // in most loops with an `if`, then follows from this line too); only the
  // line counter's hot path looks here.
  std::uint64_t next2_key = 0;
  RunInfo* next2 = nullptr;
  std::uint64_t next2_count = 0;
  // What the run is (read on the slower paths).
  vm::Addr start = 0, end = 0;
  std::uint32_t insns = 0;       // instructions decoded in [start, end)
  vm::Addr target = 0;           // Branch, and a jal (Call or Jump): its target
  std::uint32_t target_func = kNoFunction;  // the function holding `target` (when set)
  vm::Addr return_to = 0;        // Call: the address after the call
  std::uint32_t first_line = kNoLine, last_line = kNoLine;  // of the first and last instruction
  // Accumulators for sinks that count per distinct run (one sink per map).
  std::uint64_t executions = 0;
  std::uint64_t entries = 0;     // executions that entered first_line at `start`

  std::vector<Segment> segs;     // in order; never empty; neighbours differ in line or function
  // Line changes inside the run (segment k>0 whose line differs from k-1's
  // and is a line): each is an entry every time the run executes.
  std::vector<std::uint32_t> inner_entries;
};

// Reads guest code (false: unmapped), e.g. vm::Memory::read_bytes of the traced machine.
using CodeReader = std::function<bool(vm::Addr, std::span<std::uint8_t>)>;

class RunMap {
 public:
  // `debug` must outlive the map; `read` is called while runs are looked up.
  RunMap(const debuginfo::DebugInfo& debug, CodeReader read) : debug_(debug), read_(std::move(read)) {}
  // The description of [start, end), decoded on first sight. Pointers stay valid.
  RunInfo& lookup(vm::Addr start, vm::Addr end) {
    const std::uint64_t key = key_of(start, end);
    // A multiplicative hash of the whole key: runs that share a start and
    // end a few bytes apart (a block's side exits) get different slots.
    Slot& s = filter_[(key * 0x9E3779B97F4A7C15ull) >> (64 - kFilterBits)];
    if (s.key == key && s.info) return *s.info;
    RunInfo& info = lookup_slow(key, start, end);
    s = Slot{key, &info};
    return info;
  }
  // A run's key, one word: its start (user addresses of RV32 and of RV64's
  // sv39/sv48 layouts are below 2^47) and its length (a straight-line run
  // is far shorter than 64 KiB) in bits 47..62. Anything else (never seen in
  // practice) is a hash with bit 63 set, looked up by its full range.
  static std::uint64_t key_of(vm::Addr start, vm::Addr end) {
    const std::uint64_t len = end - start;
    if ((start >> kStartBits) == 0 && (len >> (63 - kStartBits)) == 0) return start | len << kStartBits;
    return kOddKey | ((start * 0x9E3779B97F4A7C15ull) ^ (end + (end << 17)));
  }
  // Would control arriving at `next` from the end of `prev` be a new entry of
  // its line? (Inline: it runs once per run traced.)
  static bool enters(const RunInfo& prev, const RunInfo& next) {
    return transferred(prev, next.start) || prev.last_line != next.first_line;
  }
  // Did control arrive at `start` from the end of `prev` by a transfer
  // (always an entry), not by falling through to the next instruction?
  static bool transferred(const RunInfo& prev, vm::Addr start) {
    if (prev.end != start) return true;  // control went elsewhere (a taken transfer, or a trap)
    switch (prev.transfer) {
      case Transfer::None: return false;
      case Transfer::Branch: return prev.target == start;  // taken (even to the next instruction)
      case Transfer::Call:
      case Transfer::Return:
      case Transfer::Jump: return true;
    }
    return false;
  }
  // The successor cache every sink walks: the run after `prev` is usually
  // the one that followed it last time (loops), so it is found by one
  // compare on prev's first cache line and counted on the edge
  // (next_count), credited to the successor only when the edge changes
  // (relink) or at the end (credit_all).
  static std::uint64_t key_of(const vm::ExecutedRun& r) { return key_of(r.start, r.end); }
  // The runs counted on `from`'s edge are executions of its successor, and
  // entries of its first line where the edge enters it.
  static void credit(RunInfo& from) {
    credit_edge(from, from.next, from.next_count);
    credit_edge(from, from.next2, from.next2_count);
  }
  // `next` (key `key`) followed `prev`, not prev's cached successor: the
  // cached one becomes the second (its count goes with it), the second's
  // count is credited, and `next` is cached.
  static void relink(RunInfo& prev, RunInfo& next, std::uint64_t key) {
    credit_edge(prev, prev.next2, prev.next2_count);
    prev.next2 = prev.next;
    prev.next2_key = prev.next_key;
    prev.next2_count = prev.next_count;
    prev.next = &next;
    prev.next_key = key;
    prev.next_count = 0;
    prev.next_insns = next.insns;
  }
  // Does the counted run `e` (vm/run_counters.hpp), described by `info`,
  // stay inside one function: described as it ran (same length), one
  // function throughout, its branch or jump to a place in that function?
  // (The profiler and the call finder rely on it; vm counts only branches
  // and the jumps count_jumps_in_functions lets it.)
  static bool stays_in_function(const RunInfo& info, const vm::CountedExit& e) {
    return info.insns == e.insns && info.one_function &&
           (info.transfer == Transfer::Branch || info.transfer == Transfer::Jump) && info.target_func == info.first_func;
  }
  // Gives `counters` the jump filter of every sink of this map's program:
  // a direct jump may be counted when its target is in its own function and
  // is no function's entry (a jump there is a tail call, or a loop through
  // the entry that the call finder must see). The map must outlive the run.
  void count_jumps_in_functions(vm::RunCounters& counters) const {
    counters.count_jumps_if([this](vm::Addr from, vm::Addr target) { return jump_stays(from, target); });
  }
  bool jump_stays(vm::Addr from, vm::Addr target) const;
  static void credit_edge(RunInfo& from, RunInfo* to, std::uint64_t& count) {
    if (to == nullptr || count == 0) return;
    to->executions += count;
    if (enters(from, *to)) to->entries += count;
    count = 0;
  }
  void credit_all() {
    for (auto& [key, info] : runs_) credit(info);
    for (auto& [range, info] : odd_runs_) credit(info);
  }
  const debuginfo::DebugInfo& debug() const { return debug_; }
  std::uint32_t function_at(vm::Addr pc) const;
  // Where counted runs start after a reported run (vm::ExecutedRun::next,
  // e.g. a return's target): the function and line at `pc`, remembered (the
  // same few return sites come back again and again).
  std::uint32_t function_of(vm::Addr pc) { return place(pc).func; }
  std::uint32_t line_of(vm::Addr pc) { return place(pc).line; }
  // Would control arriving at `start` from the end of `prev` enter start's
  // line? enters() for a run known only by its start (the first of counted runs).
  bool enters_at(const RunInfo& prev, vm::Addr start) {
    return transferred(prev, start) || prev.last_line != line_of(start);
  }
  // The function control went to from `prev` at `to`: its target's, known
  // from its run, or (a jalr, a fall through) function_of(to).
  std::uint32_t function_after(const RunInfo& prev, vm::Addr to) {
    return prev.target != 0 && to == prev.target ? prev.target_func : function_of(to);
  }
  // Where calls to `target` written in the code (a jal that links, to it)
  // return: decoded from each function's entry to its end, ascending.
  std::vector<vm::Addr> direct_call_returns(vm::Addr target) const;
  template <typename F>
  void for_each(F&& f) {
    for (auto& [key, info] : runs_) f(info);
    for (auto& [range, info] : odd_runs_) f(info);
  }

 private:
  static constexpr unsigned kStartBits = 47;
  static constexpr std::uint64_t kOddKey = 1ull << 63;
  RunInfo& lookup_slow(std::uint64_t key, vm::Addr start, vm::Addr end);
  RunInfo describe(vm::Addr start, vm::Addr end) const;
  // The instruction at pc as the program's machine reads it; false when its code cannot be read.
  bool insn_at(vm::Addr pc, vm::Insn& out) const;
  struct Slot {
    std::uint64_t key = 0;
    RunInfo* info = nullptr;
  };
  struct Place {
    vm::Addr pc = 0;
    std::uint32_t func = kNoFunction, line = kNoLine;
    bool known = false;
  };
  const Place& place(vm::Addr pc) {
    Place& p = places_[(pc >> 1) & (kPlaces - 1)];
    if (!p.known || p.pc != pc) p = Place{pc, function_at(pc), line_at(pc), true};
    return p;
  }
  std::uint32_t line_at(vm::Addr pc) const;
  static constexpr std::size_t kPlaces = 1024;
  std::vector<Place> places_ = std::vector<Place>(kPlaces);
  static constexpr unsigned kFilterBits = 12;
  static constexpr std::size_t kFilter = std::size_t{1} << kFilterBits;  // hot loops use a few dozen runs
  const debuginfo::DebugInfo& debug_;
  CodeReader read_;
  std::vector<Slot> filter_ = std::vector<Slot>(kFilter);
  std::unordered_map<std::uint64_t, RunInfo> runs_;  // node-based: references stay valid
  std::map<std::pair<vm::Addr, vm::Addr>, RunInfo> odd_runs_;  // keys with kOddKey, by range
};

}  // namespace rvrr::query
