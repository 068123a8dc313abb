// vm/machine_impl.hpp - Machine's state, shared by machine.cpp and interpreter.cpp (private to vm/).
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <vector>

#include "vm/exec_trace.hpp"
#include "vm/decoder.hpp"
#include "vm/machine.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

// Private copies of decoded pages with every breakpoint slot's code replaced
// by Op::BpStop, so the run loop with points pays nothing per instruction for
// breakpoints. A pure cache keyed by content (the decoded page's serial and
// the point set's generation), so it is never copied with a snapshot.
struct PatchedPages {
  struct Entry {
    Addr base = 1;  // page address; 1 = empty
    std::uint64_t serial = 0, generation = 0;
    bool any = false;  // does the page hold a breakpoint at all (else use the original)
    std::unique_ptr<DecodedOp[]> ops;  // kSlotsPerPage + 2
  };
  // Two-way set-associative by page number, so two hot pages with
  // breakpoints that share a set do not evict each other on every jump.
  static constexpr unsigned kSets = 8, kWays = 2;
  Entry entries[kSets * kWays];
  std::uint8_t recent[kSets] = {};  // the way used last in each set
  std::vector<Addr> scratch;
  // The translating tier's answers to "does the block translated at this slot
  // hold no breakpoint", by decoded page serial, point set generation and slot
  // (vm/jit.cpp): direct-mapped.
  struct JitMemo {
    std::uint64_t serial = 0, generation = 0;
    std::uint32_t slot = ~0u;
    bool free = false;
  };
  static constexpr unsigned kJitMemo = 256;
  JitMemo jit_memo[kJitMemo];
  // The dispatcher's way into a page holding a breakpoint (vm/jit.cpp,
  // jit_breakpoint_page_entry): the translation to enter at `pc` (null: one
  // holding a breakpoint, run by the interpreter), by decoded page serial,
  // point set generation, pc and kind of translation. Direct-mapped by pc.
  struct EntryMemo {
    std::uint64_t serial = 0, generation = 0;
    std::uint32_t pc = 1;  // odd: empty
    bool counting = false;
    void (*code)() = nullptr;
  };
  static constexpr unsigned kEntryMemo = 512;
  EntryMemo entry_memo[kEntryMemo];
  // Translated code's own per-entry memo (JitContext::entry_memo: read by
  // the dispatcher, vm/jit.cpp), and the epoch of the entry in progress.
  struct JitEntry {
    std::uint32_t pc = 1;  // odd: empty
    std::uint32_t epoch = 0;
    void (*code)() = nullptr;  // null: the interpreter runs pc
  };
  static constexpr unsigned kJitEntries = 256;  // a power of two
  JitEntry jit_entries[kJitEntries];
  std::uint32_t jit_epoch = 0;

  PatchedPages() = default;
  PatchedPages(const PatchedPages&) {}
  PatchedPages& operator=(const PatchedPages&) { return *this; }
  PatchedPages(PatchedPages&&) noexcept = default;
  PatchedPages& operator=(PatchedPages&&) noexcept = default;
};

struct Machine::Impl {
  // x0..x31, then the scratch register that decoded writes to x0 go to.
  // Invariant: regs[0] == 0 whenever the interpreter is not running.
  alignas(64) std::uint32_t regs[33] = {};
  Addr pc = 0;
  std::uint64_t icount = 0;
  bool reserved = false;       // LR/SC reservation valid
  Addr reservation = 0;        // its address
  // mstatus, mie, mtvec, ... (indexed by storage_csr_index): plain storage.
  std::uint32_t csrs[kStorageCsrs] = {};
  // F/D state: f0..f31 (a single is NaN-boxed in its 64-bit register) and
  // fcsr (fflags in bits 4:0, frm in 7:5; the upper bits read as zero).
  std::uint64_t fregs[32] = {};
  std::uint32_t fcsr = 0;
  // 32 (RV32: regs above, vm/interpreter.cpp) or 64 (RV64: x64 below,
  // vm/interpreter64.cpp), from the ELF class; fixed for the machine's life.
  unsigned xlen = 32;
  // RV64's x0..x31 (x64[0] == 0 whenever the interpreter is not running) and
  // the scratch slot; unused on RV32, whose hot loop never reads it.
  std::uint64_t x64[33] = {};
  Memory memory;
  SyscallState sys;
  bool halted = false;
  StopInfo halt;               // valid when halted
  // Trampoline for an instruction straddling two pages (see Op::Cross).
  DecodedOp cross_buf[3] = {};
  PatchedPages patched;
  // While a traced run is in progress (RunOptions::trace), its sink; else null.
  ExecTraceSink* trace = nullptr;
  // While a coverage-only traced run uses the translating tier: the
  // ranges translated code reported in this run (kCoverFilter entries,
  // direct-mapped, so a hot loop reports its range once); else null.
  std::uint64_t* cover_filter = nullptr;
  std::exception_ptr cover_error;  // the sink threw inside translated code (vm/jit.cpp)
  // While a traced run lets translated code count runs (ExecTraceSink::
  // run_counters): the sink's counters, and a buffer of kExecTraceBatch
  // runs for the runs translated code reports, delivered to the sink when
  // the code returns (or when full).
  std::uint64_t* run_counts = nullptr;
  ExecutedRun* jit_reports = nullptr;
  // Such a run has reported a run already: translated code may count (a
  // counted run always follows a reported one, ExecTraceSink::run_counters).
  bool count_ready = false;
  // Instructions retired by translated code (vm/jit.cpp) over the machine's
  // life; not guest state (never hashed): for `rvrr run --stats` and tests.
  std::uint64_t translated = 0;
};

// A host call turned memory `before` into `after`: the first write or access
// watch whose bytes it changed (host_call_watch.cpp).
std::optional<WatchHit> host_write_hit(const Memory& before, const Memory& after, const DebugPoints& points);

// The run loop (interpreter.cpp). kExact: stop exactly at `limit` (checked
// before every instruction); otherwise `limit` is checked only at block ends
// and may be overshot by up to kFastSlack instructions. kPoints: honour
// `points` (non-empty). With kExact, breakpoints are looked up before every
// instruction and `skip_first` works; without it, breakpoints are found
// through patched page copies (m.patched) and `skip_first` must be false.
// kTrace: report executed straight-line runs (and read pages) to m.trace
// (see vm/exec_trace.hpp).
// Returns StopKind::Limit when the limit was reached.
inline constexpr std::uint64_t kFastSlack = 4096;
static_assert(kFastSlack == RunOptions::kMaxOvershoot, "a soft stop overshoots by what the fast path may");
// The RV64 run loop (interpreter64.cpp): always exact (stops at `limit`
// precisely), honours `points` (may be null) and `skip_first`, reports to
// m.trace when set. A separate, simpler loop: RV32's is never slowed by RV64.
StopInfo interpret64(Machine::Impl& m, Environment& env, std::uint64_t limit, const DebugPoints* points,
                     bool skip_first);
// kJit: the fast path with the translating tier (vm/jit_internal.hpp); only
// with !kExact, and with kTrace only for a coverage-only sink (m.cover_filter set).
template <bool kExact, bool kPoints, bool kTrace = false, bool kJit = false>
StopInfo interpret(Machine::Impl& m, Environment& env, std::uint64_t limit, const DebugPoints* points,
                   bool skip_first);

}  // namespace rvrr::vm
