// vm/jit_internal.hpp - the translating tier's side of the RV32 run loop (private to vm/).
//
// Translations hang off the decoded page they were made from (Memory::
// DecodedPage::jit), so they share its lifetime and its invalidation: a guest
// store to a page with decoded code retires the decoded page (vm/memory.cpp),
// and with it every translation of that page's code. A translation is a pure
// function of the decoded page's immutable ops, so snapshots and machines on
// other threads that share the page share its translations too.
//
// The run loop (interpret<..., kJit = true>, vm/interpreter.cpp) calls
// jit_at() wherever it is about to fetch the op at a new pc (every taken jump
// and page change; with kJit local jumps go that way too). jit_at counts the
// entries of each slot, translates a slot's block once it is hot, and runs
// translated code when there is some; the code returns at a block boundary
// with the exact instruction count and the pc to go on at.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "vm/decoder.hpp"
#include "vm/machine_impl.hpp"
#include "vm/memory_internals.hpp"

namespace rvrr::vm {

// The tier translates RV32 code only: its addresses are 32 bits and wrap at
// 4 GiB, as in the RV32 interpreter (vm::Addr is 64 bits wide for RV64).
using Addr32 = std::uint32_t;

// What translated code needs and returns. The field offsets are part of the
// generated code's convention (vm/jit.cpp).
struct JitContext {
  std::uint32_t* regs;     // x0..x31 and the scratch register (Machine::Impl::regs)
  std::uint64_t icount;    // in: the count before the block; out: the count after the last retired instruction
  std::uint64_t limit;     // translated code starts a block (or a loop iteration) only while icount < limit
  Memory* memory;
  const Memory::TlbEntry* read_tlb;  // the memory's read TLB; the write TLB follows at a fixed offset
  Machine::Impl* machine;
  Addr32 pc;                 // out: where execution goes on
  std::uint32_t interpret; // out: 1 = the interpreter must execute the op at pc (untranslated, or it faults)
  // The run's breakpoints by page and 64-byte chunk (vm/jit.cpp), or null:
  // translated code goes on into a block only when none of its chunks may
  // hold a breakpoint, else through the dispatcher, which asks as the
  // interpreter does (exact slots, jit_breakpoint_page_entry).
  const std::uint64_t* breakpoint_chunks;
  const DebugPoints* points;  // the run's points when breakpoint_chunks is set
  // Machine::Impl::cover_filter, or null. Set: every block leaves through the
  // dispatcher, which reports the code it ran (start << 32 | end, in r10) to
  // the run's coverage-only sink unless the filter holds it already.
  std::uint64_t* cover;
  // ExecTraceSink::run_counters' counters, or null. Set: the code is the
  // page's counting translations (JitPage::counting), which count the runs
  // of their counted exits (vm/run_counters.hpp) there and report the
  // others, in order, to the buffer below. The context then lives in the
  // RunCounters::kHeaderBytes before the counters (a counter is at a fixed
  // offset from it).
  std::uint64_t* counts;
  // Counting: where translated code writes the next reported run, and the
  // end of that buffer (Machine::Impl::jit_reports, kExecTraceBatch runs);
  // a full buffer goes to the sink (jit_flush_reports in vm/jit.cpp).
  ExecutedRun* report_at;
  ExecutedRun* report_end;
  // With breakpoints: the dispatcher's answers for pages holding one
  // (jit_breakpoint_page_entry), valid for this entry only (its entries
  // carry entry_epoch): breakpoints and code cannot change until
  // translated code returns, so a hit needs no further check.
  PatchedPages::JitEntry* entry_memo;  // PatchedPages::kJitEntries of them
  std::uint32_t entry_epoch;
};

// Entries of a coverage filter (Machine::Impl::cover_filter), each a
// reported start << 32 | end (0: empty); a record lives at cover_slot(record).
inline constexpr std::size_t kCoverFilter = 4096;
inline std::size_t cover_slot(std::uint64_t record) {
  return static_cast<std::size_t>((record ^ record >> 29) >> 1) & (kCoverFilter - 1);
}

// A page's breakpoint chunks (JitContext::breakpoint_chunks): bit c of a
// page's word is set when slots [32c, 32c + 32) may hold a breakpoint.
inline constexpr unsigned kSlotsPerChunkShift = 5;
static_assert((kSlotsPerPage >> kSlotsPerChunkShift) == 64, "a 64-bit word per page");

using JitCode = void (*)();  // a block's entry, reachable only through the entry trampoline

// Per decoded page: each slot's translation (null: none yet) and entry count.
struct JitPage {
  std::atomic<JitCode> code[kSlotsPerPage] = {};
  // Entries counted while untranslated; kJitNever once translation was refused.
  std::atomic<std::uint16_t> count[kSlotsPerPage] = {};
  // Slots from a translated slot to the end of the last instruction its
  // block may execute (set before `code` is published): a block is entered
  // only when no breakpoint lies in that range.
  std::atomic<std::uint16_t> span[kSlotsPerPage] = {};
  // The same page's translations for runs with counters (JitContext::counts),
  // made on their first entry in such a run; null until then.
  std::atomic<JitPage*> counting{nullptr};
};
inline constexpr std::uint16_t kJitNever = 0xffff;
// The threshold (set_jit_threshold); counts stop there.
extern std::atomic<std::uint16_t> g_jit_threshold;

struct JitRun {
  bool ran = false;        // translated code executed (icount, pc updated)
  bool interpret = false;  // the op at the new pc must be run by the interpreter
};

// The slow part of jit_at: attach a JitPage, translate a hot slot, or run code.
// points: the run's breakpoints (no watchpoints), or null. patched: when pc's page holds
// a breakpoint, its ops with Op::BpStop at breakpoints (vm/interpreter_support.hpp),
// else null; translated code whose block holds one is not run.
JitRun jit_enter(Machine::Impl& m, const DecodedOp* page_ops, Addr32 pc, std::uint64_t& icount, std::uint64_t limit,
                 Addr32& new_pc, const DebugPoints* points, const DecodedOp* patched);

// At pc (whose page's decoded ops are page_ops), with icount before it and
// the run's limit: run translated code if there is some for this slot, or
// count this entry. Cheap when the slot is cold and counted. before_enter()
// is called first when translated code may run (a traced run flushes the
// runs it has buffered, so that they reach the sink before the code's).
template <typename BeforeEnter>
inline JitRun jit_at(Machine::Impl& m, const DecodedOp* page_ops, Addr32 pc, std::uint64_t& icount,
                     std::uint64_t limit, Addr32& new_pc, const DebugPoints* points, const DecodedOp* patched,
                     BeforeEnter&& before_enter) {
  const JitPage* jp = Memory::Internals::jit_page(page_ops);
  if (RVRR_LIKELY(jp != nullptr)) {
    const unsigned slot = (pc & (kPageSize - 1)) >> 1;
    if (jp->code[slot].load(std::memory_order_relaxed) == nullptr) {
      auto& c = const_cast<std::atomic<std::uint16_t>&>(jp->count[slot]);
      const std::uint16_t n = c.load(std::memory_order_relaxed);
      if (n + 1 < g_jit_threshold.load(std::memory_order_relaxed) || n == kJitNever) {
        if (n != kJitNever) c.store(static_cast<std::uint16_t>(n + 1), std::memory_order_relaxed);
        return {};
      }
    }
  }
  before_enter();
  return jit_enter(m, page_ops, pc, icount, limit, new_pc, points, patched);
}

}  // namespace rvrr::vm
