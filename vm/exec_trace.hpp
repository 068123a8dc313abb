// vm/exec_trace.hpp - what a run executed, as straight-line runs of code.
//
// The recording index and the queries over a recording ("which lines ran,
// how often", "where did the time go", "every call of f") all need to know
// which instructions executed, without paying for it on the normal run path.
// A run given an ExecTraceSink (RunOptions::trace) reports every maximal
// straight-line stretch it executed: the pc it started at, the address just
// past its last instruction, and the instruction count after it. A stretch
// ends at a taken branch or jump (the jump is its last instruction), at a
// page end, at a host call and where the run stops; consecutive stretches may
// therefore be adjacent in memory. Instructions that did not retire (the one
// a breakpoint, fault or limit stopped at) are never part of a stretch.
//
// Cost: one 24-byte record per taken branch/jump in a separate instantiation
// of the run loop; a run without a sink is unchanged.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

#include "vm/types.hpp"

namespace rvrr::vm {

class RunCounters;  // vm/run_counters.hpp

// A plain record (no initialisers: the run loop fills a stack buffer of them).
struct ExecutedRun {
  Addr start;                  // pc of the first instruction
  Addr end;                    // address just past the last instruction (end > start)
  std::uint64_t icount_after;  // the machine's instruction count once the last one retired
  // Where execution went on: the pc of the next instruction to run (after
  // a jalr, the only place that tells its target). 0 in a coverage-only
  // sink's runs.
  Addr next;
  // Instructions in the stretch: icount_after minus the previous run's
  // icount_after (or the count the run started from).
};

class ExecTraceSink {
 public:
  virtual ~ExecTraceSink() = default;
  // Called with runs in execution order, in batches, during Machine::run and
  // once more before it returns (so a run's records are all delivered when it
  // returns). Must not touch the machine.
  virtual void executed(std::span<const ExecutedRun> runs) = 0;
  // The sink sees reads as the pages they touched: bit read_page_bit(a) of
  // the bitmap (2^20 bits, 128 KiB, owned by the sink) is set when a guest
  // load read the page holding a during the run: its page number modulo 2^20,
  // so a page above 4 GiB (RV64) shares the bit of a low one. Null: reads are
  // not reported.
  virtual std::uint64_t* read_page_bits() { return nullptr; }
  // A host call (ecall, semihosting) ran at `pc`: it may have read or written
  // guest memory that no guest load or store shows.
  virtual void host_call(Addr pc) {}
  // True for a sink that needs only which code ran and which pages were
  // read (the recording index), not the exact runs in order. Such a run may
  // use the translating tier (vm/jit.hpp): code it ran arrives as ranges
  // that may be larger than what ran (a translated block with its side
  // exits, whole loops), possibly repeated, in any order, with icount_after
  // only a count at or before the range's end. Pages read stay exact.
  // Exact sinks (the queries) get the interpreter's runs.
  virtual bool coverage_only() const { return false; }
  // An exact sink that can take counts (vm/run_counters.hpp) returns its
  // counters: the run may then use the translating tier (RV32), which
  // counts some runs there instead of reporting them. The rest are reported
  // in order as before, and these rules hold:
  //  - A counted run ends in a taken conditional branch, or a jump the
  //    counters' filter lets count, to its CountedExit::target, and the run
  //    before it was counted too or was reported (P below): it starts at
  //    P.next, entered by P's taken transfer or by a fall through (a page's
  //    end, a block cut short, a host call: the sink's business, e.g. the
  //    line counter takes that one entry back).
  //  - Between two reported runs P and R with R.icount_after -
  //    P.icount_after larger than R's own instructions, the difference was
  //    counted runs: the first starts at P.next and R starts at the last
  //    one's target. With no difference, R followed P directly.
  //  - Each Machine::run reports its first run (counted runs never come
  //    first), and runs counted after the last reported one end where the
  //    run ended: counted_until() gives that count.
  // Counters add up until the sink drains them.
  virtual RunCounters* run_counters() { return nullptr; }
  // A run given run_counters() ended with the machine's count at `icount`.
  virtual void counted_until(std::uint64_t icount) {}
};

inline std::uint32_t read_page_bit(Addr a) { return static_cast<std::uint32_t>(a >> 12) & ((1u << 20) - 1); }
// Sets the bit of the page holding `a` in such a bitmap.
inline void mark_read_page(std::uint64_t* bits, Addr a) {
  const std::uint32_t bit = read_page_bit(a);
  bits[bit >> 6] |= std::uint64_t{1} << (bit & 63);
}

// Batch size for delivering runs (records buffered before a call to executed()).
inline constexpr std::size_t kExecTraceBatch = 1024;

}  // namespace rvrr::vm
