// vm/run_counters.hpp - straight-line runs counted instead of reported.
//
// An exact trace sink (vm/exec_trace.hpp) that pays per run it is given
// makes a traced replay several times slower than translated code. Most runs
// of a hot program are loop iterations and branches inside one function,
// whose order a line count or a profile does not need. So a sink may hand
// the run loop counters (ExecTraceSink::run_counters): translated code then
// counts such runs in place, one increment per run, and reports only the
// others, in order (vm/jit.cpp says which and how).
//
// Each place in translated code that may count a run is a counted exit with
// a process-wide id: it always counts the same run [start, end), which ends
// in a taken conditional branch, or in a direct jump (jal x0) that the
// sink's jump filter lets count, to the fixed address `target`.
// Ids are never reused (a retranslated block gets new ones), so a sink reads
// what an id counted with counted_exit(id) whenever it likes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

#include "vm/exec_trace.hpp"
#include "vm/types.hpp"

namespace rvrr::vm {

struct CountedExit {
  Addr start = 0;              // the run's first instruction
  Addr end = 0;                // just past its last one (a conditional branch)
  Addr target = 0;             // where its last instruction goes
  std::uint32_t insns = 0;     // its instructions
};

// Ids handed out so far (all below kMaxCountedExits).
inline constexpr std::size_t kMaxCountedExits = std::size_t{1} << 22;
std::size_t counted_exits();
// What id `id` (< counted_exits()) counts.
const CountedExit& counted_exit(std::size_t id);
// A new id for `exit`, or kMaxCountedExits when every id is taken (the
// translator then does not translate for counting). Thread-safe.
std::size_t add_counted_exit(const CountedExit& exit);

// One counter per id (kMaxCountedExits of them, zero until counted). Memory
// is reserved, not committed: a counter's page is backed once touched.
class RunCounters {
 public:
  RunCounters();
  ~RunCounters();
  RunCounters(const RunCounters&) = delete;
  RunCounters& operator=(const RunCounters&) = delete;
  std::uint64_t* data() { return counts_; }
  // Room just before the counters for a run's context (vm/jit_internal.hpp's
  // JitContext), so translated code reaches a counter at a fixed offset from
  // it, and for the runs it reports (kExecTraceBatch of them, after the
  // context's kContextBytes): kept here, a run with counters allocates nothing.
  static constexpr std::size_t kContextBytes = 256;
  static constexpr std::size_t kHeaderBytes = kContextBytes + kExecTraceBatch * sizeof(ExecutedRun);
  ExecutedRun* report_buffer() {
    return reinterpret_cast<ExecutedRun*>(reinterpret_cast<char*>(counts_) - kHeaderBytes + kContextBytes);
  }
  // Which direct jumps (jal x0, from the jump's pc to its target) translated
  // code may count like taken branches. A sink that follows calls lets only
  // jumps inside one function count: any other may be a tail call, whose
  // order matters. None without a filter. Asked when a block is translated;
  // translations are shared by the runs of one program, so every sink of a
  // program must give the same answers (a sink still checks what it drains).
  using JumpFilter = std::function<bool(Addr from, Addr target)>;
  void count_jumps_if(JumpFilter filter) { jump_filter_ = std::move(filter); }
  bool may_count_jump(Addr from, Addr target) const { return jump_filter_ && jump_filter_(from, target); }
  // Calls f(exit, count) for every nonzero counter, in id order, and zeroes it.
  template <typename F>
  void drain(F&& f) {
    const std::size_t n = counted_exits();
    for (std::size_t id = 0; id < n; ++id) {
      if (counts_[id] == 0) continue;
      f(counted_exit(id), counts_[id]);
      counts_[id] = 0;
    }
  }

 private:
  std::uint64_t* counts_ = nullptr;
  JumpFilter jump_filter_;
};

}  // namespace rvrr::vm
