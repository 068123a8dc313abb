// vm/jit.cpp - the translating tier: hot RV32 blocks to x86-64 with asmjit.
//
// A block starts at a hot slot of a decoded page and follows sequential flow
// through the page's DecodedOps (so it has the interpreter's exact meaning of
// every op: rd = x0 already redirected to the scratch register, fence and
// fence.i already nops) until an op it does not translate, an unconditional
// jump, the page's end or kMaxBlock instructions. Conditional branches leave
// the block when taken; a taken branch back to the block's own start loops
// inside it. Guest registers stay in Machine::Impl::regs (translated code
// reads and writes them there), so the state is always the interpreter's.
//
// Exactness: every exit adds the number of instructions retired on its path
// to the count (a compile-time constant per exit) and names the pc to go on
// at. A block or loop iteration starts only while icount < limit, and
// iterations are at most kMaxBlock long, so a run overshoots the fast loop's
// limit by less than kFastSlack, as the interpreter's fast loop may; the
// exact loop (no translation) finishes. Loads and stores take the memory's
// TLBs inline exactly as the interpreter does and call the same slow paths
// otherwise; a slow path that would fault exits *before* the instruction
// with "interpret": the interpreter executes it again and reports the fault
// exactly as it always does (a failed slow path has no effect). A store that
// retired decoded code (self-modifying code) exits after the store to the
// interpreter, which re-fetches (translated code must not go on: its
// dispatcher's per-entry memo for breakpoint pages may name the old code).
// Ops not translated (ecall, ebreak, CSRs, AMOs, LR/SC, F/D loads and
// stores, illegal, page-straddling) end the block with "interpret".
//
// Register convention inside translated code (all callee-saved, so C helpers
// may be called freely): rbx = regs, r12 = the JitContext, r13 = icount,
// r14 = limit, r15 = the read TLB, rbp = the dispatcher (which returns when
// the next pc has no translation).
#include "vm/jit.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/mman.h>

#include "vm/jit_internal.hpp"

namespace rvrr::vm {

namespace {
// RVRR_JIT_THRESHOLD=N (1-65534) overrides the default of 50, so a test suite
// can run with every block translated on its first entry.
std::uint16_t initial_threshold() {
  const char* env = std::getenv("RVRR_JIT_THRESHOLD");
  if (!env || !*env) return 50;
  char* end = nullptr;
  const unsigned long v = std::strtoul(env, &end, 10);
  if (*end != '\0' || v < 1 || v >= kJitNever) {
    std::fprintf(stderr, "rvrr: ignoring RVRR_JIT_THRESHOLD='%s' (expected 1-65534)\n", env);
    return 50;
  }
  return static_cast<std::uint16_t>(v);
}
}  // namespace

std::atomic<std::uint16_t> g_jit_threshold{initial_threshold()};

namespace {
// -1: not decided yet (read RVRR_TIER on first use).
std::atomic<int> g_tier{-1};
}  // namespace

std::optional<Tier> parse_tier(std::string_view text) {
  if (text == "interp") return Tier::Interp;
  if (text == "auto") return Tier::Auto;
  return std::nullopt;
}

const char* tier_name(Tier tier) { return tier == Tier::Interp ? "interp" : "auto"; }

Tier current_tier() {
  int t = g_tier.load(std::memory_order_relaxed);
  if (t < 0) {
    Tier chosen = Tier::Auto;
    if (const char* env = std::getenv("RVRR_TIER"); env && *env) {
      if (auto parsed = parse_tier(env)) chosen = *parsed;
      else std::fprintf(stderr, "rvrr: ignoring RVRR_TIER='%s' (expected interp or auto)\n", env);
    }
    int expected = -1;
    g_tier.compare_exchange_strong(expected, static_cast<int>(chosen));
    t = g_tier.load(std::memory_order_relaxed);
  }
  return static_cast<Tier>(t);
}

void set_tier(Tier tier) { g_tier.store(static_cast<int>(tier), std::memory_order_relaxed); }

void set_jit_threshold(std::uint32_t entries) {
  if (entries < 1) entries = 1;
  if (entries >= kJitNever) entries = kJitNever - 1;
  g_jit_threshold.store(static_cast<std::uint16_t>(entries), std::memory_order_relaxed);
}

std::uint32_t jit_threshold() { return g_jit_threshold.load(std::memory_order_relaxed); }

}  // namespace rvrr::vm

#if RVRR_HAVE_JIT
#include <asmjit/x86.h>

#include "vm/fp_exec.hpp"
#include "vm/interpreter_support.hpp"
#include "vm/run_counters.hpp"

namespace rvrr::vm {
namespace {

namespace x86 = asmjit::x86;
using asmjit::Label;

// Longest straight-line run per block (and per loop iteration): bounds the
// overshoot of the fast loop's limit and the size of one translation.
constexpr unsigned kMaxBlock = 256;
static_assert(kMaxBlock + kSlotsPerPage < kFastSlack, "the fast loop's overshoot must stay below kFastSlack");

using EntryFn = void (*)(JitContext*, JitCode);

// The code buffer and the entry/exit trampolines, shared by every machine of
// the process (translations are shared with the decoded pages they belong to).
struct Runtime {
  asmjit::JitRuntime rt;
  std::mutex lock;  // serialises adding and releasing code
  EntryFn entry = nullptr;
  EntryFn counting_entry = nullptr;  // for runs with counters: the pages' counting translations
};

JitCode jit_breakpoint_page_entry(JitContext* ctx, Addr32 pc);  // below
void jit_cover(JitContext* ctx, std::uint64_t covered, std::uint64_t icount);  // below
void jit_flush_reports(JitContext* ctx);  // below

// Counting: writes the run (start << 32 | end in `run`, never 0) at
// ctx->report_at with the count r13 and where execution goes on: the pc in
// `next_reg` (zero-extended), or else the constant `next_pc`. Uses rax and
// rcx. Jumps to `full` when the buffer is full, else falls through.
void emit_report(x86::Assembler& a, const x86::Gp& run, const x86::Gp* next_reg, Addr32 next_pc, Label full) {
  a.mov(x86::rcx, x86::qword_ptr(x86::r12, offsetof(JitContext, report_at)));
  a.mov(x86::rax, run);
  a.shr(x86::rax, 32);
  a.mov(x86::qword_ptr(x86::rcx, offsetof(ExecutedRun, start)), x86::rax);
  a.mov(x86::eax, run.r32());  // zero-extends
  a.mov(x86::qword_ptr(x86::rcx, offsetof(ExecutedRun, end)), x86::rax);
  a.mov(x86::qword_ptr(x86::rcx, offsetof(ExecutedRun, icount_after)), x86::r13);
  if (next_reg != nullptr) {
    a.mov(x86::qword_ptr(x86::rcx, offsetof(ExecutedRun, next)), *next_reg);
  } else {  // two halves: a 32-bit immediate would be sign-extended
    a.mov(x86::dword_ptr(x86::rcx, offsetof(ExecutedRun, next)), next_pc);
    a.mov(x86::dword_ptr(x86::rcx, offsetof(ExecutedRun, next) + 4), 0);
  }
  a.add(x86::rcx, sizeof(ExecutedRun));
  a.mov(x86::qword_ptr(x86::r12, offsetof(JitContext, report_at)), x86::rcx);
  a.cmp(x86::rcx, x86::qword_ptr(x86::r12, offsetof(JitContext, report_end)));
  a.jae(full);
}

// The entry trampoline and the dispatcher behind it. `counting`: for runs
// with counters (JitContext::counts): blocks leave with r10 = a run to
// report (0: none) and go on to the pages' counting translations.
EntryFn make_entry(asmjit::JitRuntime& rt, bool counting) {
  asmjit::CodeHolder code;
  code.init(rt.environment());
  x86::Assembler a(&code);
  Label dispatch = a.newLabel(), exit = a.newLabel(), breakpoint_page = a.newLabel();
  // The fetch TLB's offset from the read TLB: the same in every Memory.
  static_assert(sizeof(Memory::FetchEntry) == 16 && std::is_standard_layout_v<Memory::DecodedPage>);
  const Memory probe;
  const auto fetch_delta = static_cast<std::int32_t>(
      reinterpret_cast<const char*>(Memory::Internals::fetch_tlb(probe)) -
      reinterpret_cast<const char*>(&Memory::Internals::read_entry(probe, 0)));
  // entry(ctx = rdi, block = rsi): 6 pushes + 8 keep rsp 16-byte aligned for calls.
  a.push(x86::rbx);
  a.push(x86::rbp);
  a.push(x86::r12);
  a.push(x86::r13);
  a.push(x86::r14);
  a.push(x86::r15);
  a.sub(x86::rsp, 8);
  a.mov(x86::r12, x86::rdi);
  a.mov(x86::rbx, x86::qword_ptr(x86::r12, offsetof(JitContext, regs)));
  a.mov(x86::r13, x86::qword_ptr(x86::r12, offsetof(JitContext, icount)));
  a.mov(x86::r14, x86::qword_ptr(x86::r12, offsetof(JitContext, limit)));
  a.mov(x86::r15, x86::qword_ptr(x86::r12, offsetof(JitContext, read_tlb)));
  a.lea(x86::rbp, x86::ptr(dispatch));
  a.jmp(x86::rsi);
  // Blocks leave through here with eax = pc, edx = interpret. Unless the op
  // at pc needs the interpreter or the budget is spent, go straight on to
  // pc's translation when it has one: its page in the fetch TLB (exactly
  // where the interpreter would fetch it from), its decoded page's
  // translations attached, its slot translated. Else return.
  a.bind(dispatch);
  // Coverage first (r10 = what the block left ran): a filter hit costs a
  // compare; a miss asks C to report it. Counting: a run to report, if any.
  Label cover_check = a.newLabel(), covered = a.newLabel();
  if (counting) {
    a.test(x86::r10, x86::r10);
    a.jnz(cover_check);
  } else {
    a.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, cover)));
    a.test(x86::rdi, x86::rdi);
    a.jnz(cover_check);
  }
  a.bind(covered);
  a.test(x86::edx, x86::edx);
  a.jnz(exit);
  a.cmp(x86::r13, x86::r14);
  a.jae(exit);
  // Into a page with a breakpoint only by the memo below (which asks what
  // the interpreter asks).
  Label no_breakpoints = a.newLabel();
  a.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, breakpoint_chunks)));
  a.test(x86::rdi, x86::rdi);
  a.jz(no_breakpoints);
  a.mov(x86::r8d, x86::eax);
  a.shr(x86::r8d, kPageShift);
  a.cmp(x86::qword_ptr(x86::rdi, x86::r8, 3), 0);
  a.jne(breakpoint_page);
  a.bind(no_breakpoints);
  a.mov(x86::ecx, x86::eax);
  a.shr(x86::ecx, kPageShift - 4);
  a.and_(x86::ecx, (Memory::kFetchTlbSize - 1) << 4);
  a.mov(x86::esi, x86::eax);
  a.and_(x86::esi, static_cast<std::int32_t>(Memory::Internals::kPageMask));
  a.cmp(x86::esi, x86::dword_ptr(x86::r15, x86::rcx, 0, fetch_delta + offsetof(Memory::FetchEntry, tag)));
  a.jne(exit);
  a.mov(x86::rsi, x86::qword_ptr(x86::r15, x86::rcx, 0, fetch_delta + offsetof(Memory::FetchEntry, ops)));
  a.mov(x86::rsi, x86::qword_ptr(x86::rsi, offsetof(Memory::DecodedPage, jit)));
  a.test(x86::rsi, x86::rsi);
  a.jz(exit);
  if (counting) {
    a.mov(x86::rsi, x86::qword_ptr(x86::rsi, offsetof(JitPage, counting)));
    a.test(x86::rsi, x86::rsi);
    a.jz(exit);
  }
  a.mov(x86::ecx, x86::eax);
  a.and_(x86::ecx, static_cast<std::int32_t>(kPageSize - 2));  // 2 * slot
  a.mov(x86::rcx, x86::qword_ptr(x86::rsi, x86::rcx, 2, offsetof(JitPage, code)));  // 8 bytes per slot
  a.test(x86::rcx, x86::rcx);
  a.jz(exit);
  a.jmp(x86::rcx);
  // A page with a breakpoint: this entry's memo (JitContext::entry_memo,
  // kept in step with jit_breakpoint_page_entry), else ask C (eax kept on
  // the stack, which stays 16-byte aligned).
  a.bind(breakpoint_page);
  {
    using Entry = PatchedPages::JitEntry;
    static_assert(sizeof(Entry) == 16 && PatchedPages::kJitEntries == 256, "the index below");
    Label ask_c = a.newLabel();
    a.mov(x86::ecx, x86::eax);
    a.shr(x86::ecx, 1);
    a.and_(x86::ecx, PatchedPages::kJitEntries - 1);
    a.shl(x86::ecx, 4);
    a.mov(x86::rsi, x86::qword_ptr(x86::r12, offsetof(JitContext, entry_memo)));
    a.cmp(x86::eax, x86::dword_ptr(x86::rsi, x86::rcx, 0, offsetof(Entry, pc)));
    a.jne(ask_c);
    a.mov(x86::r8d, x86::dword_ptr(x86::r12, offsetof(JitContext, entry_epoch)));
    a.cmp(x86::r8d, x86::dword_ptr(x86::rsi, x86::rcx, 0, offsetof(Entry, epoch)));
    a.jne(ask_c);
    a.mov(x86::rcx, x86::qword_ptr(x86::rsi, x86::rcx, 0, offsetof(Entry, code)));
    a.test(x86::rcx, x86::rcx);  // edx is 0 here (the interpreter flag was tested above)
    a.jz(exit);
    a.jmp(x86::rcx);
    a.bind(ask_c);
  }
  a.sub(x86::rsp, 16);
  a.mov(x86::dword_ptr(x86::rsp), x86::eax);
  a.mov(x86::rdi, x86::r12);
  a.mov(x86::esi, x86::eax);
  a.mov(x86::rax, asmjit::imm(reinterpret_cast<std::uint64_t>(&jit_breakpoint_page_entry)));
  a.call(x86::rax);
  a.mov(x86::rcx, x86::rax);
  a.mov(x86::eax, x86::dword_ptr(x86::rsp));
  a.add(x86::rsp, 16);
  a.xor_(x86::edx, x86::edx);
  a.test(x86::rcx, x86::rcx);
  a.jz(exit);
  a.jmp(x86::rcx);
  // The coverage filter (cover_slot(r10), kept in step with jit_internal.hpp).
  // Counting: the run in r10 goes to the report buffer (eax and edx kept),
  // to the sink through C when it is full.
  a.bind(cover_check);
  if (counting) {
    Label full = a.newLabel();
    a.mov(x86::r8d, x86::eax);
    emit_report(a, x86::r10, &x86::r8, 0, full);
    a.mov(x86::eax, x86::r8d);
    a.jmp(covered);
    a.bind(full);
    a.mov(x86::eax, x86::r8d);
  } else {
    static_assert(kCoverFilter == 4096, "the mask below");
    a.mov(x86::rcx, x86::r10);
    a.shr(x86::rcx, 29);
    a.xor_(x86::rcx, x86::r10);
    a.shr(x86::rcx, 1);
    a.and_(x86::ecx, static_cast<std::int32_t>(kCoverFilter - 1));
    a.cmp(x86::qword_ptr(x86::rdi, x86::rcx, 3), x86::r10);
    a.je(covered);
  }
  a.sub(x86::rsp, 16);
  a.mov(x86::dword_ptr(x86::rsp), x86::eax);
  a.mov(x86::dword_ptr(x86::rsp, 4), x86::edx);
  a.mov(x86::rdi, x86::r12);
  a.mov(x86::rsi, x86::r10);
  a.mov(x86::rdx, x86::r13);
  a.mov(x86::rax, asmjit::imm(counting ? reinterpret_cast<std::uint64_t>(&jit_flush_reports)
                                       : reinterpret_cast<std::uint64_t>(&jit_cover)));
  a.call(x86::rax);
  a.mov(x86::eax, x86::dword_ptr(x86::rsp));
  a.mov(x86::edx, x86::dword_ptr(x86::rsp, 4));
  a.add(x86::rsp, 16);
  a.jmp(covered);
  a.bind(exit);
  a.mov(x86::qword_ptr(x86::r12, offsetof(JitContext, icount)), x86::r13);
  a.mov(x86::dword_ptr(x86::r12, offsetof(JitContext, pc)), x86::eax);
  a.mov(x86::dword_ptr(x86::r12, offsetof(JitContext, interpret)), x86::edx);
  a.add(x86::rsp, 8);
  a.pop(x86::r15);
  a.pop(x86::r14);
  a.pop(x86::r13);
  a.pop(x86::r12);
  a.pop(x86::rbp);
  a.pop(x86::rbx);
  a.ret();
  void* fn = nullptr;
  if (rt.add(&fn, &code) != asmjit::kErrorOk) return nullptr;
  return reinterpret_cast<EntryFn>(fn);
}

Runtime* make_runtime() {
  auto* r = new Runtime;
  r->entry = make_entry(r->rt, false);
  r->counting_entry = make_entry(r->rt, true);
  if (r->entry == nullptr || r->counting_entry == nullptr) {
    r->entry = nullptr;
    std::fprintf(stderr, "rvrr: cannot create the translating tier's code buffer; interpreting only\n");
  }
  return r;
}

Runtime& runtime() {
  static Runtime* r = make_runtime();  // never destroyed: decoded pages may outlive static destructors
  return *r;
}

// ---- call-outs from translated code (plain C ABI) ----

// Does the block translated at `slot` of decoded page `ops` hold no
// breakpoint? Remembered per machine (PatchedPages::jit_memo); `patched` (the
// page's ops with Op::BpStop at breakpoints) is looked up when null.
bool breakpoint_free(Machine::Impl& m, const JitPage& jp, const DecodedOp* ops, Addr32 pc, const DebugPoints& points,
                     const DecodedOp* patched) {
  const unsigned slot = (pc & (kPageSize - 1)) >> 1;
  const std::uint64_t serial = Memory::Internals::decoded_serial(ops), generation = points.generation();
  PatchedPages::JitMemo& memo =
      m.patched.jit_memo[(slot ^ static_cast<unsigned>(serial * 0x9e3779b1u)) % PatchedPages::kJitMemo];
  if (memo.serial == serial && memo.generation == generation && memo.slot == slot) return memo.free;
  if (patched == nullptr) patched = interp::patched_page(m, ops, pc & ~(kPageSize - 1), points);
  bool free = true;
  const unsigned end = slot + jp.span[slot].load(std::memory_order_relaxed);
  for (unsigned s = slot; s < end && free; ++s)
    free = (patched[s].code & 0x7f) != static_cast<std::uint8_t>(Op::BpStop);
  memo = PatchedPages::JitMemo{serial, generation, slot, free};
  return free;
}

// The dispatcher's way into a page holding a breakpoint: pc's translation
// when it has one and no breakpoint lies in its block, else null (return to
// the interpreter). What the interpreter's own entry checks, without leaving.
// Hot pages with a breakpoint come here on every way in (no block of theirs
// goes straight on into another), so the answer is remembered per machine.
JitCode breakpoint_page_entry(JitContext* ctx, Addr32 pc) {
  Machine::Impl& m = *ctx->machine;
  const DecodedOp* ops = Memory::Internals::fetch_hit(m.memory, pc);
  if (ops == nullptr) return nullptr;
  const bool counting = ctx->counts != nullptr;
  const std::uint64_t serial = Memory::Internals::decoded_serial(ops), generation = ctx->points->generation();
  PatchedPages::EntryMemo& memo = m.patched.entry_memo[(pc >> 1) & (PatchedPages::kEntryMemo - 1)];
  if (memo.pc == pc && memo.serial == serial && memo.generation == generation && memo.counting == counting)
    return memo.code;
  const JitPage* jp = Memory::Internals::jit_page(ops);
  if (jp != nullptr && counting) jp = jp->counting.load(std::memory_order_acquire);  // counting code
  if (jp == nullptr) return nullptr;
  const unsigned slot = (pc & (kPageSize - 1)) >> 1;
  const JitCode code = jp->code[slot].load(std::memory_order_acquire);
  if (code == nullptr) return nullptr;  // not translated yet: not remembered
  // A published translation stays while its decoded page (serial) lives.
  const JitCode enter = breakpoint_free(m, *jp, ops, pc, *ctx->points, nullptr) ? code : nullptr;
  memo = PatchedPages::EntryMemo{serial, generation, pc, counting, enter};
  return enter;
}

JitCode jit_breakpoint_page_entry(JitContext* ctx, Addr32 pc) {
  // The answer, remembered for the rest of this entry too (the dispatcher
  // looks there first): nothing it depends on changes until it returns.
  const JitCode code = breakpoint_page_entry(ctx, pc);
  ctx->entry_memo[(pc >> 1) & (PatchedPages::kJitEntries - 1)] = PatchedPages::JitEntry{pc, ctx->entry_epoch, code};
  return code;
}

// A block reported the code it ran (start << 32 | end; 0: none) with the
// count at or before its end: to the filter and the run's sink. No exception
// may unwind through translated code: one is kept for jit_enter to rethrow,
// and coverage stops for the rest of this entry.
void jit_cover(JitContext* ctx, std::uint64_t covered, std::uint64_t icount) {
  if (covered == 0) return;
  ctx->cover[cover_slot(covered)] = covered;
  const ExecutedRun run{covered >> 32, static_cast<Addr32>(covered), icount, 0};
  try {
    ctx->machine->trace->executed(std::span<const ExecutedRun>(&run, 1));
  } catch (...) {
    ctx->machine->cover_error = std::current_exception();
    ctx->cover = nullptr;
  }
}

// Counting (JitContext::counts): the report buffer is full; to the sink with
// it. A sink that throws is not called again in this entry: jit_enter
// rethrows once the code returns (no exception may unwind through it).
void jit_flush_reports(JitContext* ctx) {
  Machine::Impl& m = *ctx->machine;
  const std::span<const ExecutedRun> runs(m.jit_reports, ctx->report_at);
  ctx->report_at = m.jit_reports;
  if (m.cover_error) return;
  try {
    m.trace->executed(runs);
  } catch (...) {
    m.cover_error = std::current_exception();
  }
}

// The value, zero-extended, or -1 when the load would fault.
std::int64_t jit_load_slow(Memory* mem, std::uint32_t addr, std::uint32_t size) {
  std::uint32_t v = 0;
  if (!Memory::Internals::load_slow(*mem, addr, size, v)) return -1;
  return v;
}
// 0: stored; 1: would fault (nothing written); 2: stored and retired decoded code.
std::uint32_t jit_store_slow(Memory* mem, std::uint32_t addr, std::uint32_t size, std::uint32_t value) {
  if (!Memory::Internals::store_slow(*mem, addr, size, value)) return 1;
  return Memory::Internals::take_code_written(*mem) ? 2 : 0;
}
// The M extension's division rules (as vm/interpreter_support.hpp).
std::uint32_t jit_div(std::uint32_t a, std::uint32_t b) {
  const auto sa = static_cast<std::int32_t>(a), sb = static_cast<std::int32_t>(b);
  if (b == 0) return 0xffffffffu;
  if (sa == INT32_MIN && sb == -1) return a;
  return static_cast<std::uint32_t>(sa / sb);
}
std::uint32_t jit_rem(std::uint32_t a, std::uint32_t b) {
  const auto sa = static_cast<std::int32_t>(a), sb = static_cast<std::int32_t>(b);
  if (b == 0) return a;
  if (sa == INT32_MIN && sb == -1) return 0;
  return static_cast<std::uint32_t>(sa % sb);
}
std::uint32_t jit_divu(std::uint32_t a, std::uint32_t b) { return b ? a / b : 0xffffffffu; }
std::uint32_t jit_remu(std::uint32_t a, std::uint32_t b) { return b ? a % b : a; }
bool jit_fp(Machine::Impl* m, const DecodedOp* op) { return fp_execute(*m, *op); }
// F/D loads and stores, as the interpreter's Flw/Fsw/Fld/Fsd handlers do them.
// Loads: true when done; false (nothing changed) when the load would fault.
bool jit_flw(Machine::Impl* m, Addr32 a, unsigned rd) {
  std::uint32_t v = 0;
  if (!Memory::Internals::load<std::uint32_t>(m->memory, a, v)) return false;
  m->fregs[rd & 31] = 0xffffffff00000000ull | v;  // NaN-boxed
  return true;
}
bool jit_fld(Machine::Impl* m, Addr32 a, unsigned rd) {
  std::uint64_t v;
  const Memory::TlbEntry& e = Memory::Internals::read_entry(m->memory, a);
  if ((a & (Memory::Internals::kPageMask | 7)) == e.tag) {
    std::memcpy(&v, reinterpret_cast<const void*>(e.addend + a), 8);
  } else {
    std::uint32_t lo = 0, hi = 0;
    if (!Memory::Internals::load_slow(m->memory, a, 4, lo) || !Memory::Internals::load_slow(m->memory, a + 4, 4, hi))
      return false;
    v = lo | (static_cast<std::uint64_t>(hi) << 32);
  }
  m->fregs[rd & 31] = v;
  return true;
}
// Stores: 0 stored; 1 faults (the interpreter executes it again: the same
// bytes, if any, are written again before the same fault); 2 stored and
// retired decoded code.
std::uint32_t jit_fsw(Machine::Impl* m, Addr32 a, unsigned rs2) {
  const auto v = static_cast<std::uint32_t>(m->fregs[rs2]);
  if (Memory::Internals::store_fast<std::uint32_t>(m->memory, a, v)) return 0;
  return jit_store_slow(&m->memory, a, 4, v);
}
std::uint32_t jit_fsd(Machine::Impl* m, Addr32 a, unsigned rs2) {
  Memory& mem = m->memory;
  const std::uint64_t v = m->fregs[rs2];
  const Memory::TlbEntry& e = Memory::Internals::write_entry(mem, a);
  if ((a & (Memory::Internals::kPageMask | 7)) == e.tag) {
    std::memcpy(reinterpret_cast<void*>(e.addend + a), &v, 8);
    return 0;
  }
  if (((a ^ (a + 7)) & Memory::Internals::kPageMask) && !(mem.perms(a + 7) & PermWrite)) return 1;
  if (!Memory::Internals::store_slow(mem, a, 4, static_cast<std::uint32_t>(v)) ||
      !Memory::Internals::store_slow(mem, a + 4, 4, static_cast<std::uint32_t>(v >> 32)))
    return 1;
  return Memory::Internals::take_code_written(mem) ? 2 : 0;
}

class Translator {
 public:
  // `counters`: for runs with counters (JitContext::counts; jp is then the page's counting JitPage), else null.
  Translator(const DecodedOp* ops, Addr32 page_base, unsigned start, JitPage* jp, std::int32_t write_tlb_delta,
             const RunCounters* counters)
      : ops_(ops),
        base_(page_base),
        start_(start),
        jp_(jp),
        wdelta_(write_tlb_delta),
        counting_(counters != nullptr),
        counters_(counters) {
    code_.init(runtime().rt.environment());
    code_.attach(&a_);
  }

  // Slots from the start to the end of the last instruction the block may execute (after run()).
  unsigned span() const { return end_ - start_; }

  // Null when the op at `start` is not translated.
  JitCode run() {
    if (!translatable(static_cast<Op>(ops_[start_].code & 0x7f))) return nullptr;
    // Counting: a run's end must not wrap at 4 GiB (CountedExit, the reported runs).
    if (counting_ && base_ == (kLastAddress & ~(kPageSize - 1))) return nullptr;
    plan();
    body_ = a_.newLabel();
    for (unsigned r : cached_) a_.mov(host(r), reg(r));
    a_.bind(body_);  // a loop back to the block's start keeps the cached registers

    unsigned slot = start_, n = 0;
    for (bool open = true; open;) {
      const Addr32 pc = base_ + 2 * slot;
      if (slot >= kSlotsPerPage) {  // sequential flow reached the page's end
        exit(n, pc, false);
        break;
      }
      if (n == kMaxBlock) {
        exit_to(n, pc, pc, false);
        break;
      }
      open = op(ops_[slot], slot, pc, n);
      const unsigned step = (ops_[slot].code & 0x80) ? 1 : 2;
      if (translatable(static_cast<Op>(ops_[slot].code & 0x7f))) end_ = slot + step;  // it may execute
      slot += step;
      ++n;
    }
    for (auto& s : stubs_) s();
    if (out_of_ids_) return nullptr;
    void* fn = nullptr;
    std::lock_guard<std::mutex> g(runtime().lock);
    if (runtime().rt.add(&fn, &code_) != asmjit::kErrorOk) return nullptr;
    return reinterpret_cast<JitCode>(fn);
  }

 private:
  static bool translatable(Op op) {
    switch (op) {
      case Op::Nop: case Op::Lui: case Op::Auipc: case Op::Addi: case Op::Slti: case Op::Sltiu: case Op::Xori:
      case Op::Ori: case Op::Andi: case Op::Slli: case Op::Srli: case Op::Srai: case Op::Add: case Op::Sub:
      case Op::Sll: case Op::Slt: case Op::Sltu: case Op::Xor: case Op::Srl: case Op::Sra: case Op::Or:
      case Op::And: case Op::Mul: case Op::Mulh: case Op::Mulhsu: case Op::Mulhu: case Op::Div: case Op::Divu:
      case Op::Rem: case Op::Remu: case Op::Lb: case Op::Lh: case Op::Lw: case Op::Lbu: case Op::Lhu:
      case Op::Sb: case Op::Sh: case Op::Sw: case Op::Beq: case Op::Bne: case Op::Blt: case Op::Bge:
      case Op::Bltu: case Op::Bgeu: case Op::BeqL: case Op::BneL: case Op::BltL: case Op::BgeL: case Op::BltuL:
      case Op::BgeuL: case Op::Jal: case Op::JalL: case Op::Jalr: case Op::JumpL: case Op::AddiRd:
      case Op::AddRd: case Op::FpOp: case Op::Flw: case Op::Fld: case Op::Fsw: case Op::Fsd:
        return true;
      default:
        return false;
    }
  }

  static x86::Mem reg(unsigned r) { return x86::dword_ptr(x86::rbx, static_cast<std::int32_t>(4 * r)); }

  // ---- the register cache ----
  // The guest registers a block uses most (at least twice) live in host
  // registers from its start to each exit: loaded at entry, stored at every
  // exit (those the block writes) and around every call (the host registers
  // are caller-saved, so they are reloaded after it). Everywhere else the
  // guest register file in memory is the state, as for the interpreter.
  static constexpr unsigned kHostRegs = 6;
  static x86::Gp host_reg(unsigned i) {
    static const x86::Gp regs[kHostRegs] = {x86::esi, x86::edi, x86::r8d, x86::r9d, x86::r10d, x86::r11d};
    return regs[i];
  }
  x86::Gp host(unsigned r) const { return host_reg(static_cast<unsigned>(host_of_[r])); }
  // Register r as an operand: its host register when cached, else its memory slot.
  asmjit::Operand R(unsigned r) const {
    if (host_of_[r] >= 0) return host(r);
    return reg(r);
  }
  void ld(const x86::Gp& dst, unsigned r) { a_.emit(x86::Inst::kIdMov, dst, R(r)); }
  // Every write of a cached register must be one plan() saw, or no exit would store it.
  void check_planned(unsigned r) const { assert(host_of_[r] < 0 || written_[r]); }
  void st(unsigned r, const x86::Gp& src) {
    check_planned(r);
    a_.emit(x86::Inst::kIdMov, R(r), src);
  }
  void st_imm(unsigned r, std::int32_t v) {
    check_planned(r);
    a_.emit(x86::Inst::kIdMov, R(r), asmjit::imm(v));
  }
  void op_r(asmjit::InstId id, const x86::Gp& dst, unsigned r) { a_.emit(id, dst, R(r)); }
  void writeback() {
    for (unsigned r : cached_)
      if (written_[r]) a_.mov(reg(r), host(r));
  }
  void reload() {
    for (unsigned r : cached_) a_.mov(host(r), reg(r));
  }

  // Which registers the block caches: a dry run of run()'s walk counting uses.
  void plan() {
    unsigned uses[kScratchReg + 1] = {};
    auto use = [&](unsigned r) { if (r != 0) ++uses[r]; };
    auto def = [&](unsigned r) {
      if (r != 0) {
        ++uses[r];
        written_[r] = true;
      }
    };
    unsigned slot = start_;
    for (unsigned n = 0; slot < kSlotsPerPage && n < kMaxBlock; ++n) {
      const DecodedOp& d = ops_[slot];
      const Op o = static_cast<Op>(d.code & 0x7f);
      if (!translatable(o)) break;
      switch (o) {
        case Op::Nop: case Op::FpOp: case Op::JumpL: break;
        case Op::Flw: case Op::Fld: case Op::Fsw: case Op::Fsd: use(d.rs1); break;  // rd/rs2 are float registers
        case Op::Lui: case Op::Auipc: case Op::Jal: case Op::JalL: def(d.rd); break;
        case Op::Addi: case Op::Slti: case Op::Sltiu: case Op::Xori: case Op::Ori: case Op::Andi: case Op::Slli:
        case Op::Srli: case Op::Srai: case Op::Lb: case Op::Lh: case Op::Lw: case Op::Lbu: case Op::Lhu:
        case Op::Jalr:
          use(d.rs1);
          def(d.rd);
          break;
        case Op::AddiRd: use(d.rd); def(d.rd); break;
        case Op::AddRd: use(d.rs2); use(d.rd); def(d.rd); break;
        case Op::Sb: case Op::Sh: case Op::Sw: case Op::Beq: case Op::Bne: case Op::Blt: case Op::Bge:
        case Op::Bltu: case Op::Bgeu: case Op::BeqL: case Op::BneL: case Op::BltL: case Op::BgeL: case Op::BltuL:
        case Op::BgeuL:
          use(d.rs1);
          use(d.rs2);
          break;
        default:  // register-register ALU and M
          use(d.rs1);
          use(d.rs2);
          def(d.rd);
          break;
      }
      if (const std::optional<Addr32> t = known_target(d, base_ + 2 * slot); t && *t == base_ + 2 * start_) {
        const Addr32 past = base_ + 2 * slot + ((d.code & 0x80) ? 2u : 4u);
        loop_end_ = std::max(loop_end_, past == 0 ? kLastAddress : past);  // the space's last page: saturate
      }
      if (o == Op::Jal || o == Op::JalL || o == Op::JumpL || o == Op::Jalr) break;
      slot += (d.code & 0x80) ? 1 : 2;
    }
    for (unsigned i = 0; i < kHostRegs; ++i) {
      unsigned best = 0;
      for (unsigned r = 1; r <= kScratchReg; ++r)
        if (host_of_[r] < 0 && uses[r] >= 2 && uses[r] > uses[best]) best = r;
      if (best == 0) break;
      host_of_[best] = static_cast<int>(i);
      cached_.push_back(best);
    }
  }

  // The target of a branch or direct jump at pc (op() and plan() both ask here); none for other ops.
  static constexpr Addr32 kLastAddress = 0xffffffffu;
  static std::optional<Addr32> known_target(const DecodedOp& d, Addr32 pc) {
    const Addr32 page = pc & ~(kPageSize - 1);
    switch (static_cast<Op>(d.code & 0x7f)) {
      case Op::Beq: case Op::Bne: case Op::Blt: case Op::Bge: case Op::Bltu: case Op::Bgeu: case Op::Jal:
        return pc + static_cast<Addr32>(d.imm);
      case Op::BeqL: case Op::BneL: case Op::BltL: case Op::BgeL: case Op::BltuL: case Op::BgeuL: case Op::JalL:
      case Op::JumpL:
        return page + 2 * static_cast<Addr32>(d.imm);
      default:
        return std::nullopt;
    }
  }

  // Coverage (ExecTraceSink::coverage_only, JitContext::cover): every way out
  // of the block to the dispatcher passes r10 = the code this pass ran, as
  // start << 32 | end (0: none). Iterations of a loop back to the block's
  // start stay inside it, so a looping block claims its loop's whole range
  // on every way out: a superset, which a coverage sink accepts.
  // An end at 4 GiB (the space's last page: it wrapped to a value below
  // start) saturates to the last byte, which still holds the last
  // instruction's pc. end == start: nothing ran in this pass, but earlier
  // iterations of a looping block did (a fault at its first op).
  //
  // Counting (counting_): r10 = the run this pass ran, to report in order
  // (ExecTraceSink::run_counters), or 0 when there is none or it was counted
  // (`counted`: count_run or report_here has dealt with it). Loop
  // iterations are counted or reported one by one, so nothing is claimed
  // for the loop.
  void leave(Addr32 end, bool counted = false) {
    const Addr32 start = base_ + 2 * start_;
    std::uint64_t covered = 0;
    if (counting_) {
      if (!counted && end > start) covered = std::uint64_t{start} << 32 | end;
    } else if (end < start) {
      covered = std::uint64_t{start} << 32 | kLastAddress;
    } else if (end > start || loop_end_ != 0) {
      covered = std::uint64_t{start} << 32 | std::max(end, loop_end_);
    }
    a_.mov(x86::r10, asmjit::imm(covered));
    a_.jmp(x86::rbp);
  }

  // Counting: this pass's run [start, end) of `insns` instructions ends in a
  // taken conditional branch (or a jump the filter lets count) to `target`,
  // with r13 already past it: count it under a new id. One add: the run
  // before it was counted or reported with where it went (ExecutedRun::next).
  void count_run(Addr32 end, Addr32 target, unsigned insns) {
    const Addr32 start = base_ + 2 * start_;
    const std::size_t id = add_counted_exit(CountedExit{start, end, target, insns});
    if (id >= kMaxCountedExits) {
      out_of_ids_ = true;
      return;
    }
    // The context sits just before the counters (JitContext::counts).
    a_.add(x86::qword_ptr(x86::r12, static_cast<std::int32_t>(RunCounters::kHeaderBytes + id * 8)), 1);
  }

  void call(const void* fn) {
    a_.mov(x86::rax, asmjit::imm(reinterpret_cast<std::uint64_t>(fn)));
    a_.call(x86::rax);
  }

  // Leave with `retired` more instructions counted, at pc.
  // `stored`: the guest registers in memory are already current (after a call).
  // `end`: where the code this pass ran ends (none: at pc, the usual case).
  // `counted`: counting, the run was counted or reported already (exit_to).
  void exit(unsigned retired, Addr32 pc, bool interpret, bool stored = false, std::optional<Addr32> end = {},
            bool counted = false) {
    if (!stored) writeback();
    if (retired) a_.add(x86::r13, retired);
    a_.mov(x86::eax, pc);
    if (interpret) a_.mov(x86::edx, 1);
    else a_.xor_(x86::edx, x86::edx);
    leave(end.value_or(pc), counted);
  }
  // Leave for a known target: loop when it is this block's start, go straight
  // to its translation when it is in this page and translated, else return.
  // Either way only while icount < limit.
  // `end`: the address just past the jump (or, at kMaxBlock, the next pc).
  // `countable`: a taken conditional branch, or a jump the run's filter lets
  // count (counting: its run is counted, and it may loop or chain as usual;
  // any other way out reports its run here and then chains, but never loops
  // inside the block). Counting only branches and filtered jumps keeps
  // counted runs inside their function: a jal without link may be a tail
  // call (`-msave-restore`'s jumps into __riscv_restore_N).
  // `static_jump`: a jal (else the way on after kMaxBlock instructions).
  void exit_to(unsigned retired, Addr32 target, Addr32 end, bool countable, bool static_jump = false) {
    if (retired) a_.add(x86::r13, retired);
    if (counting_ && countable) count_run(end, target, retired);
    const bool same_page = (target & ~(kPageSize - 1)) == base_;
    const unsigned tslot = (target & (kPageSize - 1)) >> 1;
    if ((!counting_ || countable) && same_page && tslot == start_) {
      a_.cmp(x86::r13, x86::r14);
      a_.jb(body_);
    }
    writeback();
    if (counting_ && !countable) report_here(end, target);
    if (same_page && (tslot != start_ || (counting_ && !countable))) {
      Label out = a_.newLabel();
      not_covering_or(out);
      a_.cmp(x86::r13, x86::r14);
      a_.jae(out);
      a_.mov(x86::rsi, asmjit::imm(reinterpret_cast<std::uint64_t>(&jp_->code[tslot])));
      a_.mov(x86::rsi, x86::qword_ptr(x86::rsi));
      a_.test(x86::rsi, x86::rsi);
      a_.jz(out);
      a_.mov(x86::edx, tslot);
      breakpoint_free_or(out);
      a_.jmp(x86::rsi);
      a_.bind(out);
    }
    exit(0, target, false, true, end, counting_);
  }

  // Counting: reports this pass's run [start, end) here, in translated code,
  // for a way out that goes on without the dispatcher, to `next` (none: to
  // the pc in eax, a jalr's target). The guest registers must be written
  // back (the host registers are free); eax is kept; rcx, rdx and r10 are not.
  void report_here(Addr32 end, std::optional<Addr32> next) {
    const Addr32 start = base_ + 2 * start_;
    if (end <= start) return;  // nothing ran in this pass
    Label full = a_.newLabel(), back = a_.newLabel();
    a_.mov(x86::edx, x86::eax);
    a_.mov(x86::r10, asmjit::imm(std::uint64_t{start} << 32 | end));
    emit_report(a_, x86::r10, next ? nullptr : &x86::rdx, next.value_or(0), full);
    a_.bind(back);
    a_.mov(x86::eax, x86::edx);
    stubs_.push_back([this, full, back] {
      a_.bind(full);
      a_.sub(x86::rsp, 16);  // keeps rsp 16-byte aligned
      a_.mov(x86::dword_ptr(x86::rsp), x86::edx);
      a_.mov(x86::rdi, x86::r12);
      call(reinterpret_cast<const void*>(&jit_flush_reports));
      a_.mov(x86::edx, x86::dword_ptr(x86::rsp));
      a_.add(x86::rsp, 16);
      a_.jmp(back);
    });
  }

  // Straight into another block of this page only while code coverage is
  // not reported (the dispatcher reports it).
  void not_covering_or(Label out) {
    a_.cmp(x86::qword_ptr(x86::r12, offsetof(JitContext, cover)), 0);
    a_.jne(out);
  }

  // Straight into the translated block at slot edx of this page (its
  // code, published, in rsi: its span is set) only when none of the
  // breakpoint chunks of this page (JitContext::breakpoint_chunks) lies in
  // the block's slots: else through the dispatcher, which asks what the
  // interpreter asks (the exact slots). So a page with a breakpoint runs its
  // other blocks chained as before. Keeps eax and rsi; uses rcx, rdx, r8, r9.
  void breakpoint_free_or(Label out) {
    Label free = a_.newLabel();
    a_.mov(x86::r8, x86::qword_ptr(x86::r12, offsetof(JitContext, breakpoint_chunks)));
    a_.test(x86::r8, x86::r8);
    a_.jz(free);
    const Addr32 page = base_ >> kPageShift;  // below 2^20: the offset fits
    a_.mov(x86::r8, x86::qword_ptr(x86::r8, static_cast<std::int32_t>(page * 8)));
    a_.test(x86::r8, x86::r8);
    a_.jz(free);
    // The chunks from the block's first on; the first holding a breakpoint
    // (bsf), against the last chunk the block reaches.
    a_.mov(x86::ecx, x86::edx);
    a_.shr(x86::ecx, kSlotsPerChunkShift);
    a_.shr(x86::r8, x86::cl);
    a_.test(x86::r8, x86::r8);
    a_.jz(free);
    a_.bsf(x86::r8, x86::r8);
    a_.mov(x86::r9, asmjit::imm(reinterpret_cast<std::uint64_t>(&jp_->span[0])));
    a_.movzx(x86::r9d, x86::word_ptr(x86::r9, x86::rdx, 1));  // 2 bytes per slot
    a_.and_(x86::edx, (1 << kSlotsPerChunkShift) - 1);
    a_.lea(x86::edx, x86::ptr(x86::rdx, x86::r9, 0, -1));  // the block's last slot, from its first chunk's
    a_.shr(x86::edx, kSlotsPerChunkShift);
    a_.cmp(x86::r8d, x86::edx);
    a_.jbe(out);
    a_.bind(free);
  }

  // eax = rs1 + imm (the guest address).
  void address(const DecodedOp& d) {
    ld(x86::eax, d.rs1);
    if (d.imm) a_.add(x86::eax, d.imm);
  }
  // rcx = the TLB entry's offset, edx = the masked address, compared with the tag.
  void tlb_probe(unsigned size, std::int32_t tlb_offset, Label slow) {
    a_.mov(x86::ecx, x86::eax);
    a_.shr(x86::ecx, kPageShift - 4);
    a_.and_(x86::ecx, (Memory::kTlbSize - 1) << 4);
    a_.mov(x86::edx, x86::eax);
    a_.and_(x86::edx, static_cast<std::int32_t>(Memory::Internals::kPageMask | (size - 1)));
    a_.cmp(x86::edx, x86::dword_ptr(x86::r15, x86::rcx, 0, tlb_offset));
    a_.jne(slow);
    a_.mov(x86::rdx, x86::qword_ptr(x86::r15, x86::rcx, 0, tlb_offset + 8));
  }

  void load(const DecodedOp& d, Addr32 pc, unsigned n, unsigned size, bool sign) {
    Label slow = a_.newLabel(), done = a_.newLabel();
    address(d);
    tlb_probe(size, 0, slow);
    x86::Mem src = x86::ptr(x86::rdx, x86::rax, 0, 0, size);
    if (size == 4) a_.mov(x86::ecx, src);
    else if (sign) a_.movsx(x86::ecx, src);
    else a_.movzx(x86::ecx, src);
    st(d.rd, x86::ecx);
    a_.bind(done);
    const unsigned rd = d.rd;
    stubs_.push_back([this, slow, done, pc, n, size, sign, rd] {
      Label fault = a_.newLabel();
      a_.bind(slow);
      writeback();
      a_.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, memory)));
      a_.mov(x86::esi, x86::eax);
      a_.mov(x86::edx, size);
      call(reinterpret_cast<const void*>(&jit_load_slow));
      a_.test(x86::rax, x86::rax);
      a_.js(fault);
      reload();
      if (sign && size == 1) a_.movsx(x86::eax, x86::al);
      if (sign && size == 2) a_.movsx(x86::eax, x86::ax);
      st(rd, x86::eax);
      a_.jmp(done);
      a_.bind(fault);
      exit(n, pc, true, true);
    });
  }

  void store(const DecodedOp& d, Addr32 pc, unsigned len, unsigned n, unsigned size) {
    Label slow = a_.newLabel(), done = a_.newLabel();
    address(d);
    tlb_probe(size, wdelta_, slow);
    ld(x86::ecx, d.rs2);
    if (size == 4) a_.mov(x86::dword_ptr(x86::rdx, x86::rax), x86::ecx);
    else if (size == 2) a_.mov(x86::word_ptr(x86::rdx, x86::rax), x86::cx);
    else a_.mov(x86::byte_ptr(x86::rdx, x86::rax), x86::cl);
    a_.bind(done);
    const unsigned rs2 = d.rs2;
    stubs_.push_back([this, slow, done, pc, len, n, size, rs2] {
      Label fault = a_.newLabel();
      Label stored = a_.newLabel();
      a_.bind(slow);
      writeback();
      a_.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, memory)));
      a_.mov(x86::esi, x86::eax);
      a_.mov(x86::edx, size);
      a_.mov(x86::ecx, reg(rs2));  // memory is current after the writeback
      call(reinterpret_cast<const void*>(&jit_store_slow));
      a_.test(x86::eax, x86::eax);
      a_.jz(stored);
      a_.cmp(x86::eax, 1);
      a_.je(fault);
      exit(n + 1, pc + len, true, true);  // decoded code was written: the interpreter re-fetches after the store
      a_.bind(fault);
      exit(n, pc, true, true);
      a_.bind(stored);
      reload();
      a_.jmp(done);
    });
  }

  // One op at `pc` with n instructions of this iteration before it; false when the block ends here.
  bool op(const DecodedOp& d, unsigned slot, Addr32 pc, unsigned n) {
    const Op o = static_cast<Op>(d.code & 0x7f);
    const unsigned len = (d.code & 0x80) ? 2 : 4;
    const auto imm = d.imm;
    auto alu_imm = [&](auto emit) {
      ld(x86::eax, d.rs1);
      emit();
      st(d.rd, x86::eax);
    };
    auto alu_reg = [&](auto emit) {
      ld(x86::eax, d.rs1);
      emit();
      st(d.rd, x86::eax);
    };
    auto set_if = [&](bool is_imm, bool is_signed) {
      ld(x86::eax, d.rs1);
      a_.xor_(x86::ecx, x86::ecx);
      if (is_imm) a_.cmp(x86::eax, imm);
      else op_r(x86::Inst::kIdCmp, x86::eax, d.rs2);
      if (is_signed) a_.setl(x86::cl);
      else a_.setb(x86::cl);
      st(d.rd, x86::ecx);
    };
    auto shift_reg = [&](int kind) {
      ld(x86::eax, d.rs1);
      ld(x86::ecx, d.rs2);  // x86 masks a 32-bit shift count to 5 bits, as RV32 does
      if (kind == 0) a_.shl(x86::eax, x86::cl);
      else if (kind == 1) a_.shr(x86::eax, x86::cl);
      else a_.sar(x86::eax, x86::cl);
      st(d.rd, x86::eax);
    };
    auto helper2 = [&](const void* fn) {
      writeback();  // the helper's arguments come from memory, which is then current
      a_.mov(x86::edi, reg(d.rs1));
      a_.mov(x86::esi, reg(d.rs2));
      call(fn);
      reload();
      st(d.rd, x86::eax);
    };
    auto branch = [&](auto jump_if_not) {
      const Addr32 target = *known_target(d, pc);
      Label not_taken = a_.newLabel();
      ld(x86::eax, d.rs1);
      op_r(x86::Inst::kIdCmp, x86::eax, d.rs2);
      jump_if_not(not_taken);
      exit_to(n + 1, target, pc + len, true);
      a_.bind(not_taken);
    };
    switch (o) {
      case Op::Nop: return true;
      case Op::Lui: st_imm(d.rd, imm); return true;
      case Op::Auipc: st_imm(d.rd, static_cast<std::int32_t>(pc + static_cast<Addr32>(imm))); return true;
      case Op::Addi: alu_imm([&] { if (imm) a_.add(x86::eax, imm); }); return true;
      case Op::Slti: set_if(true, true); return true;
      case Op::Sltiu: set_if(true, false); return true;
      case Op::Xori: alu_imm([&] { a_.xor_(x86::eax, imm); }); return true;
      case Op::Ori: alu_imm([&] { a_.or_(x86::eax, imm); }); return true;
      case Op::Andi: alu_imm([&] { a_.and_(x86::eax, imm); }); return true;
      case Op::Slli: alu_imm([&] { a_.shl(x86::eax, imm & 31); }); return true;
      case Op::Srli: alu_imm([&] { a_.shr(x86::eax, imm & 31); }); return true;
      case Op::Srai: alu_imm([&] { a_.sar(x86::eax, imm & 31); }); return true;
      case Op::Add: alu_reg([&] { op_r(x86::Inst::kIdAdd, x86::eax, d.rs2); }); return true;
      case Op::Sub: alu_reg([&] { op_r(x86::Inst::kIdSub, x86::eax, d.rs2); }); return true;
      case Op::Xor: alu_reg([&] { op_r(x86::Inst::kIdXor, x86::eax, d.rs2); }); return true;
      case Op::Or: alu_reg([&] { op_r(x86::Inst::kIdOr, x86::eax, d.rs2); }); return true;
      case Op::And: alu_reg([&] { op_r(x86::Inst::kIdAnd, x86::eax, d.rs2); }); return true;
      case Op::Sll: shift_reg(0); return true;
      case Op::Srl: shift_reg(1); return true;
      case Op::Sra: shift_reg(2); return true;
      case Op::Slt: set_if(false, true); return true;
      case Op::Sltu: set_if(false, false); return true;
      case Op::AddiRd: check_planned(d.rd); if (imm) a_.emit(x86::Inst::kIdAdd, R(d.rd), asmjit::imm(imm)); return true;
      case Op::AddRd:
        ld(x86::eax, d.rs2);
        check_planned(d.rd);
        a_.emit(x86::Inst::kIdAdd, R(d.rd), x86::eax);
        return true;
      case Op::Mul: alu_reg([&] { op_r(x86::Inst::kIdImul, x86::eax, d.rs2); }); return true;
      case Op::Mulh:
      case Op::Mulhsu:
      case Op::Mulhu:
        // The 64-bit product of the (sign- or zero-extended) operands; its
        // low 64 bits are exact in every case, and rd takes bits 63:32.
        if (o == Op::Mulhu) ld(x86::eax, d.rs1);
        else op_r(x86::Inst::kIdMovsxd, x86::rax, d.rs1);
        if (o == Op::Mulh) op_r(x86::Inst::kIdMovsxd, x86::rcx, d.rs2);
        else ld(x86::ecx, d.rs2);
        a_.imul(x86::rax, x86::rcx);
        a_.shr(x86::rax, 32);
        st(d.rd, x86::eax);
        return true;
      case Op::Div: helper2(reinterpret_cast<const void*>(&jit_div)); return true;
      case Op::Divu: helper2(reinterpret_cast<const void*>(&jit_divu)); return true;
      case Op::Rem: helper2(reinterpret_cast<const void*>(&jit_rem)); return true;
      case Op::Remu: helper2(reinterpret_cast<const void*>(&jit_remu)); return true;
      case Op::Lb: load(d, pc, n, 1, true); return true;
      case Op::Lh: load(d, pc, n, 2, true); return true;
      case Op::Lw: load(d, pc, n, 4, false); return true;
      case Op::Lbu: load(d, pc, n, 1, false); return true;
      case Op::Lhu: load(d, pc, n, 2, false); return true;
      case Op::Sb: store(d, pc, len, n, 1); return true;
      case Op::Sh: store(d, pc, len, n, 2); return true;
      case Op::Sw: store(d, pc, len, n, 4); return true;
      case Op::Beq: case Op::BeqL: branch([&](Label l) { a_.jne(l); }); return true;
      case Op::Bne: case Op::BneL: branch([&](Label l) { a_.je(l); }); return true;
      case Op::Blt: case Op::BltL: branch([&](Label l) { a_.jge(l); }); return true;
      case Op::Bge: case Op::BgeL: branch([&](Label l) { a_.jl(l); }); return true;
      case Op::Bltu: case Op::BltuL: branch([&](Label l) { a_.jae(l); }); return true;
      case Op::Bgeu: case Op::BgeuL: branch([&](Label l) { a_.jb(l); }); return true;
      case Op::Jal:
      case Op::JalL:
      case Op::JumpL: {
        // Calls are never counted (see exit_to): the queries follow calls
        // and tail calls in order. A jump is, when the run's filter says
        // it stays inside a function.
        const Addr32 target = *known_target(d, pc);
        if (o != Op::JumpL) st_imm(d.rd, static_cast<std::int32_t>(pc + len));
        const bool countable = counting_ && d.rd == kScratchReg && counters_->may_count_jump(pc, target);
        exit_to(n + 1, target, pc + len, countable, true);
        return false;
      }
      case Op::Jalr: {
        // The target first: rd may be rs1. Then a target in this page goes
        // straight to its translation, if any (a return or a local call).
        Label out = a_.newLabel();
        address(d);
        a_.and_(x86::eax, ~1);
        st_imm(d.rd, static_cast<std::int32_t>(pc + len));
        writeback();
        a_.add(x86::r13, n + 1);
        if (counting_) report_here(pc + len, std::nullopt);
        a_.mov(x86::ecx, x86::eax);
        a_.and_(x86::ecx, static_cast<std::int32_t>(~(kPageSize - 1)));
        a_.cmp(x86::ecx, static_cast<std::int32_t>(base_));
        a_.jne(out);
        not_covering_or(out);
        a_.cmp(x86::r13, x86::r14);
        a_.jae(out);
        a_.mov(x86::edx, x86::eax);
        a_.and_(x86::edx, static_cast<std::int32_t>(kPageSize - 1));  // even: slot * 2
        a_.mov(x86::rsi, asmjit::imm(reinterpret_cast<std::uint64_t>(&jp_->code[0])));
        a_.mov(x86::rsi, x86::qword_ptr(x86::rsi, x86::rdx, 2));  // code[slot], 8 bytes per slot
        a_.test(x86::rsi, x86::rsi);
        a_.jz(out);
        a_.shr(x86::edx, 1);
        breakpoint_free_or(out);
        a_.jmp(x86::rsi);
        a_.bind(out);
        a_.xor_(x86::edx, x86::edx);
        leave(pc + len, counting_);  // counting: reported above
        return false;
      }
      case Op::Flw:
      case Op::Fld:
      case Op::Fsw:
      case Op::Fsd: {
        // Through C (rare in hot integer code): the guest registers are
        // stored first; a refusal (a fault) leaves before the instruction.
        const bool is_load = o == Op::Flw || o == Op::Fld;
        Label fault = a_.newLabel(), written = a_.newLabel();
        address(d);
        writeback();
        a_.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, machine)));
        a_.mov(x86::esi, x86::eax);
        a_.mov(x86::edx, is_load ? d.rd : d.rs2);
        call(o == Op::Flw ? reinterpret_cast<const void*>(&jit_flw)
             : o == Op::Fld ? reinterpret_cast<const void*>(&jit_fld)
             : o == Op::Fsw ? reinterpret_cast<const void*>(&jit_fsw)
                            : reinterpret_cast<const void*>(&jit_fsd));
        if (is_load) {
          a_.test(x86::al, x86::al);
          a_.jz(fault);
        } else {
          a_.test(x86::eax, x86::eax);
          a_.jnz(written);  // 1 or 2, sorted out of line
        }
        reload();
        stubs_.push_back([this, fault, written, is_load, pc, len, n] {
          if (!is_load) {
            a_.bind(written);
            a_.cmp(x86::eax, 1);
            a_.je(fault);
            exit(n + 1, pc + len, true, true);  // decoded code was written: the interpreter re-fetches after the store
          }
          a_.bind(fault);
          exit(n, pc, true, true);
        });
        return true;
      }
      case Op::FpOp: {
        // fp_execute has no effect when it refuses (illegal rounding mode):
        // the interpreter then reports the illegal instruction.
        Label refused = a_.newLabel();
        writeback();  // it reads and writes the guest registers in memory
        a_.mov(x86::rdi, x86::qword_ptr(x86::r12, offsetof(JitContext, machine)));
        a_.mov(x86::rsi, asmjit::imm(reinterpret_cast<std::uint64_t>(&ops_[slot])));
        call(reinterpret_cast<const void*>(&jit_fp));
        a_.test(x86::al, x86::al);
        a_.jz(refused);
        reload();
        stubs_.push_back([this, refused, pc, n] {
          a_.bind(refused);
          exit(n, pc, true, true);
        });
        return true;
      }
      default:
        exit(n, pc, true);  // the interpreter runs it
        return false;
    }
  }

  const DecodedOp* ops_;
  Addr32 base_;
  unsigned start_;
  JitPage* jp_;
  std::int32_t wdelta_;
  bool counting_;
  const RunCounters* counters_;  // counting_: the run's (its jump filter)
  bool out_of_ids_ = false;  // counting: no counted-exit id was left (the block is not translated)
  asmjit::CodeHolder code_;
  x86::Assembler a_;
  Label body_;
  unsigned end_ = 0;
  Addr32 loop_end_ = 0;  // past the last branch or jump back to the block's start (0: none)
  std::vector<std::function<void()>> stubs_;
  int host_of_[kScratchReg + 1] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                   -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
  bool written_[kScratchReg + 1] = {};
  std::vector<unsigned> cached_;  // out-of-line paths, emitted after the body
};

}  // namespace

bool jit_supported() { return runtime().entry != nullptr; }

void release_jit_page(JitPage* page) {
  if (JitPage* counting = page->counting.load(std::memory_order_acquire)) release_jit_page(counting);
  {
    std::lock_guard<std::mutex> g(runtime().lock);
    for (auto& c : page->code)
      if (JitCode code = c.load(std::memory_order_relaxed)) runtime().rt.release(reinterpret_cast<void*>(code));
  }
  delete page;
}

namespace {
// The JitPage in `slot`, attached first when there is none.
JitPage* attach(std::atomic<JitPage*>& slot) {
  JitPage* jp = slot.load(std::memory_order_acquire);
  if (jp != nullptr) return jp;
  auto* fresh = new JitPage();
  if (slot.compare_exchange_strong(jp, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) return fresh;
  delete fresh;  // another thread attached one first
  return jp;
}
}  // namespace

namespace {
// The breakpoints of the run translated code runs for on this thread
// (JitContext::breakpoint_chunks): a word per RV32 page, bit c set when a
// breakpoint lies in the page's bytes [64c, 64c + 64). One per thread, not
// per machine: each interval of a split question is a new machine, and a
// thread runs one at a time. Mapped on first use (only the words written
// become resident); made again when the run's point set is another
// (its generation names its content).
class ChunkTable {
 public:
  ~ChunkTable() {
    if (words_ != nullptr) munmap(words_, kBytes);
  }
  const std::uint64_t* of(const DebugPoints& points) {
    if (words_ != nullptr && generation_ == points.generation()) return words_;
    if (words_ == nullptr) {
      void* words = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (words == MAP_FAILED) throw std::bad_alloc();
      words_ = static_cast<std::uint64_t*>(words);
    }
    for (const std::uint32_t page : pages_) words_[page] = 0;
    pages_.clear();
    for (const Addr a : points.breakpoint_addresses()) {
      const auto page = static_cast<std::uint32_t>(a >> kPageShift) & (kPages - 1);
      if (words_[page] == 0) pages_.push_back(page);
      words_[page] |= std::uint64_t{1} << ((a & (kPageSize - 1)) >> (kSlotsPerChunkShift + 1));
    }
    generation_ = points.generation();
    return words_;
  }

 private:
  static constexpr std::size_t kPages = std::size_t{1} << (32 - kPageShift);
  static constexpr std::size_t kBytes = kPages * sizeof(std::uint64_t);
  std::uint64_t* words_ = nullptr;
  std::vector<std::uint32_t> pages_;  // the words set
  std::uint64_t generation_ = 0;
};
thread_local ChunkTable t_chunks;

const std::uint64_t* breakpoint_chunks(const DebugPoints* points) {
  return points != nullptr && points->has_breakpoints() ? t_chunks.of(*points) : nullptr;
}
}  // namespace

JitRun jit_enter(Machine::Impl& m, const DecodedOp* page_ops, Addr32 pc, std::uint64_t& icount, std::uint64_t limit,
                 Addr32& new_pc, const DebugPoints* points, const DecodedOp* patched) {
  JitPage* jp = attach(Memory::Internals::jit_slot(page_ops));
  // A run with counters runs the page's counting translations, made on
  // their first entry (the plain page's count says the slot is hot).
  const bool counting = m.run_counts != nullptr;
  if (counting && !m.count_ready) return {};  // the interpreter reports the run's first run
  if (counting) jp = attach(jp->counting);
  const unsigned slot = (pc & (kPageSize - 1)) >> 1;
  JitCode code = jp->code[slot].load(std::memory_order_acquire);
  if (code == nullptr) {
    const std::uint16_t n = jp->count[slot].load(std::memory_order_relaxed);
    if (n == kJitNever) return {};
    if (!counting && n + 1 < g_jit_threshold.load(std::memory_order_relaxed)) {
      jp->count[slot].store(static_cast<std::uint16_t>(n + 1), std::memory_order_relaxed);
      return {};
    }
    Runtime& rt = runtime();
    if (rt.entry == nullptr) {
      jp->count[slot].store(kJitNever, std::memory_order_relaxed);
      return {};
    }
    const auto* read_tlb = &Memory::Internals::read_entry(m.memory, 0);
    const auto* write_tlb = &Memory::Internals::write_entry(m.memory, 0);
    const auto wdelta = static_cast<std::int32_t>(reinterpret_cast<const char*>(write_tlb) -
                                                  reinterpret_cast<const char*>(read_tlb));
    Translator t(page_ops, pc & ~(kPageSize - 1), slot, jp, wdelta, counting ? m.trace->run_counters() : nullptr);
    JitCode fresh = t.run();
    if (fresh == nullptr) {
      jp->count[slot].store(kJitNever, std::memory_order_relaxed);
      return {};
    }
    jp->span[slot].store(static_cast<std::uint16_t>(t.span()), std::memory_order_relaxed);
    if (jp->code[slot].compare_exchange_strong(code, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) {
      code = fresh;
    } else {  // another thread translated it first
      std::lock_guard<std::mutex> g(rt.lock);
      rt.rt.release(reinterpret_cast<void*>(fresh));
    }
  }
  if (icount >= limit) return {};
  if (patched != nullptr && !breakpoint_free(m, *jp, page_ops, pc, *points, patched)) return {};  // one lies in this block
  JitContext on_stack;
  static_assert(sizeof(JitContext) <= RunCounters::kContextBytes && std::is_trivially_destructible_v<JitContext>);
  JitContext& ctx = *(counting ? new (reinterpret_cast<char*>(m.run_counts) - RunCounters::kHeaderBytes) JitContext
                               : &on_stack);
  ctx = JitContext{m.regs, icount, limit, &m.memory, &Memory::Internals::read_entry(m.memory, 0), &m, 0, 0,
                   breakpoint_chunks(points), points, m.cover_filter, m.run_counts,
                   m.jit_reports, m.jit_reports + (counting ? kExecTraceBatch : 0), nullptr, 0};
  if (points != nullptr) {  // a fresh epoch: the entry memo's answers were for other entries
    if (++m.patched.jit_epoch == 0) {
      for (PatchedPages::JitEntry& e : m.patched.jit_entries) e = {};
      m.patched.jit_epoch = 1;
    }
    ctx.entry_memo = m.patched.jit_entries;
    ctx.entry_epoch = m.patched.jit_epoch;
  }
  (counting ? runtime().counting_entry : runtime().entry)(&ctx, code);
  m.translated += ctx.icount - icount;
  icount = ctx.icount;
  new_pc = ctx.pc;
  if (m.cover_error) std::rethrow_exception(std::exchange(m.cover_error, nullptr));  // the sink failed (out of memory)
  if (ctx.report_at != m.jit_reports)  // the runs reported, before the interpreter's next ones
    m.trace->executed(std::span<const ExecutedRun>(m.jit_reports, ctx.report_at));
  return {true, ctx.interpret != 0};
}

}  // namespace rvrr::vm

#else  // no translating tier in this build: the interpreter runs everything

namespace rvrr::vm {
bool jit_supported() { return false; }
void release_jit_page(JitPage* page) { delete page; }
JitRun jit_enter(Machine::Impl&, const DecodedOp*, Addr32, std::uint64_t&, std::uint64_t, Addr32&, const DebugPoints*,
                 const DecodedOp*) {
  return {};
}
}  // namespace rvrr::vm

#endif
