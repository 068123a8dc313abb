// vm/interpreter.cpp - the run loop: pre-decoded pages, computed-goto dispatch.
//
// Hot state lives in locals: ip (the current DecodedOp), page_ops/page_base
// (the decoded page being executed and its guest address), ic (icount) and R
// (the register file). pc is implicit: page_base + 2 * (ip - page_ops).
// Sequential flow needs no page check: two PageEnd sentinels follow every
// decoded page. Branches whose target is in the same page jump by a
// pre-computed byte offset. Without kExact nothing is counted per
// instruction: icount is derived from the page-end count and DecodedOp::dist,
// adjusted only by taken jumps (DecodedOp::delta), and loads/stores hit a
// one-entry page cache held in locals before the TLB.
#include <cstring>

#include "vm/fp_exec.hpp"
#include "vm/fpu.hpp"
#include "vm/machine_impl.hpp"
#include "vm/interpreter_support.hpp"
#include "vm/jit_internal.hpp"
#include "vm/memory_internals.hpp"

// Not every stop label is reachable in every instantiation of the run loop.
#pragma GCC diagnostic ignored "-Wunused-label"

namespace rvrr::vm {

std::string disassemble(const Memory& memory, Addr pc);

using namespace interp;

// Keep one indirect jump per handler (GCC otherwise merges them into one
// shared dispatch, which defeats the branch predictor).
template <bool kExact, bool kPoints, bool kTrace, bool kJit>
__attribute__((optimize("no-gcse", "no-crossjumping"))) StopInfo interpret(
    Machine::Impl& m, Environment& env, std::uint64_t limit, const DebugPoints* points, bool skip_first) {
  // Entry i: the handler of Op i for a 4-byte instruction; entry i | 0x80: for a 2-byte one.
  static void* const table4[] = {
#define RVRR_OP_LABEL(name) &&L_##name,
      RVRR_OPS(RVRR_OP_LABEL)
#undef RVRR_OP_LABEL
  };
  static void* const table2[] = {
#define RVRR_OP_LABEL(name) &&L_##name##_C,
      RVRR_OPS(RVRR_OP_LABEL)
#undef RVRR_OP_LABEL
  };
  static void* const* const dispatch = [] {
    static void* t[256];
    for (unsigned i = 0; i < 256; ++i) {
      unsigned op = i & 0x7f;
      bool ok = op < static_cast<unsigned>(Op::Count);
      t[i] = !ok ? table4[0] : (i & 0x80) ? table2[op] : table4[op];
    }
    return t;
  }();

  Memory& mem = m.memory;
  std::uint32_t* const R = m.regs;
  // RV32 addresses are 32 bits and wrap at 4 GiB: this loop's address
  // arithmetic (pc + offset, rs1 + imm, the macros') stays 32-bit.
  using Addr = std::uint32_t;
  // kExact: ic is the count before the current op, kept per instruction.
  // Otherwise ic is only valid where materialized (SYNC_IC); the loop keeps
  // icb, the count the page's sequential flow would reach at its end, and the
  // count before op *ip is icb - ip->dist (see DecodedOp::dist). It is kept
  // as icr = icb - lim, so one signed test (icr >= 0) is the block-end limit
  // check; lim is `limit` clamped to 2^62 past the current count so that icr
  // cannot overflow (reaching a clamped lim re-bases it, see fast_limit_check).
  std::uint64_t ic = m.icount;
  [[maybe_unused]] std::int64_t icr = 0;
  constexpr std::uint64_t kClamp = std::uint64_t{1} << 62;
  [[maybe_unused]] std::uint64_t lim = limit <= ic || limit - ic < kClamp ? limit : ic + kClamp;
  const DecodedOp* page_ops = nullptr;
  const DecodedOp* ip = nullptr;
  Addr page_base = 0;
  Addr new_pc = m.pc;
  Addr stop_pc = 0;
  StopInfo stop;
  [[maybe_unused]] bool skip_next = skip_first;
  [[maybe_unused]] bool skip_now = false;
  // Without kExact, breakpoints live in patched page copies (checked on
  // entering a page) and the per-instruction bookkeeping disappears.
  constexpr bool kPatched = kPoints && !kExact;
  [[maybe_unused]] const std::uint64_t* const bp_bits = kPatched ? points->breakpoint_page_bits() : nullptr;
  [[maybe_unused]] const std::uint64_t* const watch_bits =
      kPoints && points->has_watches() ? points->watch_page_bits() : nullptr;
  // kTrace: the straight-line run in progress starts at run_start; finished
  // runs collect in tbuf (uninitialised: only [0, tn) is ever read).
  [[maybe_unused]] Addr run_start = m.pc;
  [[maybe_unused]] std::size_t tn = 0;
  [[maybe_unused]] ExecutedRun tbuf[kTrace ? kExecTraceBatch : 1];
  [[maybe_unused]] std::uint64_t* const read_bits = kTrace ? m.trace->read_page_bits() : nullptr;
  // kJit: translated code stopped before an op the interpreter must run (see do_jump).
  // With points, only breakpoints (no watchpoints): translated code runs in pages without one.
  // With kTrace, only for a sink that needs no exact runs (ExecTraceSink::coverage_only):
  // translated code reports its ranges itself (m.cover_filter).
  static_assert(!kJit || !kExact, "the translating tier runs only in the fast path");
  [[maybe_unused]] bool jit_interpret_next = false;
  // kJit: the current page may run translated code (no breakpoint in it, no watchpoints).
  [[maybe_unused]] bool page_translates = false;
  [[maybe_unused]] const DecodedOp* patched_ops = nullptr;  // kPatched: the current page's, if it has breakpoints

#include "vm/run_loop_macros.hpp"

  Addr fault_addr = 0;
  Addr rc_tag = Memory::kEmptyTag, wc_tag = Memory::kEmptyTag;
  std::uintptr_t rc_add = 0, wc_add = 0;
  goto do_jump;

HANDLER(Nop, NEXT();)
HANDLER(Lui, R[ip->rd] = static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Auipc, R[ip->rd] = PC() + static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Addi, R[ip->rd] = R[ip->rs1] + static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Slti, R[ip->rd] = static_cast<std::int32_t>(R[ip->rs1]) < ip->imm; NEXT();)
HANDLER(Sltiu, R[ip->rd] = R[ip->rs1] < static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Xori, R[ip->rd] = R[ip->rs1] ^ static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Ori, R[ip->rd] = R[ip->rs1] | static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Andi, R[ip->rd] = R[ip->rs1] & static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(Slli, R[ip->rd] = R[ip->rs1] << ip->imm; NEXT();)
HANDLER(Srli, R[ip->rd] = R[ip->rs1] >> ip->imm; NEXT();)
HANDLER(Srai, R[ip->rd] = static_cast<std::uint32_t>(static_cast<std::int32_t>(R[ip->rs1]) >> ip->imm); NEXT();)
HANDLER(Add, R[ip->rd] = R[ip->rs1] + R[ip->rs2]; NEXT();)
HANDLER(AddiRd, R[ip->rd] += static_cast<std::uint32_t>(ip->imm); NEXT();)
HANDLER(AddRd, R[ip->rd] += R[ip->rs2]; NEXT();)
HANDLER(Sub, R[ip->rd] = R[ip->rs1] - R[ip->rs2]; NEXT();)
HANDLER(Sll, R[ip->rd] = R[ip->rs1] << (R[ip->rs2] & 31); NEXT();)
HANDLER(Slt, R[ip->rd] = static_cast<std::int32_t>(R[ip->rs1]) < static_cast<std::int32_t>(R[ip->rs2]); NEXT();)
HANDLER(Sltu, R[ip->rd] = R[ip->rs1] < R[ip->rs2]; NEXT();)
HANDLER(Xor, R[ip->rd] = R[ip->rs1] ^ R[ip->rs2]; NEXT();)
HANDLER(Srl, R[ip->rd] = R[ip->rs1] >> (R[ip->rs2] & 31); NEXT();)
HANDLER(Sra, R[ip->rd] = static_cast<std::uint32_t>(static_cast<std::int32_t>(R[ip->rs1]) >> (R[ip->rs2] & 31)); NEXT();)
HANDLER(Or, R[ip->rd] = R[ip->rs1] | R[ip->rs2]; NEXT();)
HANDLER(And, R[ip->rd] = R[ip->rs1] & R[ip->rs2]; NEXT();)
HANDLER(Mul, R[ip->rd] = R[ip->rs1] * R[ip->rs2]; NEXT();)
HANDLER(Mulh, R[ip->rd] = mulh(static_cast<std::int32_t>(R[ip->rs1]), static_cast<std::int32_t>(R[ip->rs2])); NEXT();)
HANDLER(Mulhsu, R[ip->rd] = mulhsu(static_cast<std::int32_t>(R[ip->rs1]), R[ip->rs2]); NEXT();)
HANDLER(Mulhu, R[ip->rd] = mulhu(R[ip->rs1], R[ip->rs2]); NEXT();)
HANDLER(Div, R[ip->rd] = div_s(static_cast<std::int32_t>(R[ip->rs1]), static_cast<std::int32_t>(R[ip->rs2])); NEXT();)
HANDLER(Divu, { std::uint32_t d = R[ip->rs2]; R[ip->rd] = d ? R[ip->rs1] / d : 0xffffffffu; NEXT(); })
HANDLER(Rem, R[ip->rd] = rem_s(static_cast<std::int32_t>(R[ip->rs1]), static_cast<std::int32_t>(R[ip->rs2])); NEXT();)
HANDLER(Remu, { std::uint32_t d = R[ip->rs2]; R[ip->rd] = d ? R[ip->rs1] % d : R[ip->rs1]; NEXT(); })
HANDLER(Lb, LOAD(std::int8_t);)
HANDLER(Lh, LOAD(std::int16_t);)
HANDLER(Lw, LOAD(std::uint32_t);)
HANDLER(Lbu, LOAD(std::uint8_t);)
HANDLER(Lhu, LOAD(std::uint16_t);)
HANDLER(Sb, STORE(std::uint8_t);)
HANDLER(Sh, STORE(std::uint16_t);)
HANDLER(Sw, STORE(std::uint32_t);)
// F/D loads and stores (a single is NaN-boxed on load; fsw stores the low half
// unchecked). 8-byte accesses take the TLB when aligned within a page and two
// 4-byte accesses otherwise; a store that straddles into a non-writable page
// faults before writing anything.
HANDLER(Flw, LOAD_INTO(std::uint32_t, m.fregs[ip->rd & 31] = fpu::box32(v));)
HANDLER(Fsw, STORE_FROM(std::uint32_t, static_cast<std::uint32_t>(m.fregs[ip->rs2]));)
HANDLER(Fld, {
  const Addr a = R[ip->rs1] + static_cast<std::uint32_t>(ip->imm);
  WATCH(a, 8, false);
  TRACE_READ(a, 8);
  std::uint64_t v;
  const Memory::TlbEntry& e = Memory::Internals::read_entry(mem, a);
  if ((a & (Memory::Internals::kPageMask | 7)) == e.tag) {
    std::memcpy(&v, reinterpret_cast<const void*>(e.addend + a), 8);
  } else {
    std::uint32_t lo = 0, hi = 0;
    const bool ok = Memory::Internals::load_slow(mem, a, 4, lo) && Memory::Internals::load_slow(mem, a + 4, 4, hi);
    DROP_CACHES();
    if (!ok) { fault_addr = a; goto fault_load; }
    v = lo | (static_cast<std::uint64_t>(hi) << 32);
  }
  m.fregs[ip->rd & 31] = v;
  NEXT();
})
HANDLER(Fsd, {
  const Addr a = R[ip->rs1] + static_cast<std::uint32_t>(ip->imm);
  WATCH(a, 8, true);
  const std::uint64_t v = m.fregs[ip->rs2];
  const Memory::TlbEntry& e = Memory::Internals::write_entry(mem, a);
  if ((a & (Memory::Internals::kPageMask | 7)) == e.tag) {
    std::memcpy(reinterpret_cast<void*>(e.addend + a), &v, 8);
  } else {
    if (((a ^ (a + 7)) & Memory::Internals::kPageMask) && !(mem.perms(a + 7) & PermWrite)) {
      fault_addr = a;
      goto fault_store;
    }
    const bool ok = Memory::Internals::store_slow(mem, a, 4, static_cast<std::uint32_t>(v)) &&
                    Memory::Internals::store_slow(mem, a + 4, 4, static_cast<std::uint32_t>(v >> 32));
    DROP_CACHES();
    if (!ok) { fault_addr = a; goto fault_store; }
    if (Memory::Internals::take_code_written(mem)) { new_pc = PC() + kLen; goto after_code_write; }
  }
  NEXT();
})
HANDLER(FpOp, {
  if (RVRR_UNLIKELY(!fp_execute(m, *ip))) goto L_Illegal;
  NEXT();
})
HANDLER(Beq, BRANCH(x == y, false);)
HANDLER(Bne, BRANCH(x != y, false);)
HANDLER(Blt, BRANCH(SX < SY, false);)
HANDLER(Bge, BRANCH(SX >= SY, false);)
HANDLER(Bltu, BRANCH(x < y, false);)
HANDLER(Bgeu, BRANCH(x >= y, false);)
HANDLER(BeqL, BRANCH(x == y, true);)
HANDLER(BneL, BRANCH(x != y, true);)
HANDLER(BltL, BRANCH(SX < SY, true);)
HANDLER(BgeL, BRANCH(SX >= SY, true);)
HANDLER(BltuL, BRANCH(x < y, true);)
HANDLER(BgeuL, BRANCH(x >= y, true);)
HANDLER(JalL, R[ip->rd] = PC() + LEN(); JUMP_LOCAL();)
HANDLER(JumpL, JUMP_LOCAL();)
HANDLER(Jal, {
  Addr pc = PC();
  R[ip->rd] = pc + LEN();
  new_pc = pc + static_cast<std::uint32_t>(ip->imm);
  RETIRE();
  TRACE_RUN(pc + LEN(), ic, new_pc);
  goto do_jump;
})
HANDLER(Jalr, {
  Addr target = (R[ip->rs1] + static_cast<std::uint32_t>(ip->imm)) & ~1u;
  R[ip->rd] = PC() + LEN();
  if ((!kJit || !page_translates) && (target & ~kOffMask) == page_base) {  // returns and calls within the page: no fetch
    const DecodedOp* t = page_ops + ((target & kOffMask) >> 1);
    TRACE_RUN(PC() + LEN(), IC_BEFORE() + 1, target);
    if constexpr (kTrace) run_start = target;
    if constexpr (kExact) ++ic;
    else icr += static_cast<std::int64_t>(t->dist) - ip->dist + 1;
    ip = t;
    BLOCK_CHECK();
    DISPATCH();
  }
  new_pc = target;
  RETIRE();
  TRACE_RUN(PC() + LEN(), ic, new_pc);
  goto do_jump;
})
HANDLER(CsrRead, SYNC_IC(); R[ip->rd] = csr_read(m, ic, ip->imm); NEXT();)
// Read-modify-write; the decoder let through only writable CSRs. The old value
// is read before rd is written (rd may be rs1).
HANDLER(CsrRw, { SYNC_IC(); std::uint32_t v = R[ip->rs1]; R[ip->rd] = csr_read(m, ic, ip->imm); csr_write(m, ip->imm, v); NEXT(); })
HANDLER(CsrRs, { SYNC_IC(); std::uint32_t v = R[ip->rs1], old = csr_read(m, ic, ip->imm); R[ip->rd] = old; csr_write(m, ip->imm, old | v); NEXT(); })
HANDLER(CsrRc, { SYNC_IC(); std::uint32_t v = R[ip->rs1], old = csr_read(m, ic, ip->imm); R[ip->rd] = old; csr_write(m, ip->imm, old & ~v); NEXT(); })
HANDLER(CsrRwi, { SYNC_IC(); R[ip->rd] = csr_read(m, ic, ip->imm); csr_write(m, ip->imm, ip->rs1); NEXT(); })
HANDLER(CsrRsi, { SYNC_IC(); std::uint32_t old = csr_read(m, ic, ip->imm); R[ip->rd] = old; csr_write(m, ip->imm, old | ip->rs1); NEXT(); })
HANDLER(CsrRci, { SYNC_IC(); std::uint32_t old = csr_read(m, ic, ip->imm); R[ip->rd] = old; csr_write(m, ip->imm, old & ~std::uint32_t{ip->rs1}); NEXT(); })
HANDLER(Fence, NEXT();)
HANDLER(FenceI, NEXT();)
L_LrW_C: L_LrW: {
  constexpr std::uint32_t kLen = 4;
  Addr a = R[ip->rs1];
  if (a & 3) { fault_addr = a; goto fault_misaligned; }
  WATCH(a, 4, false);
  TRACE_READ(a, 4);
  std::uint32_t v;
  const bool ok = Memory::Internals::load<std::uint32_t>(mem, a, v);
  DROP_CACHES();
  if (!ok) { fault_addr = a; goto fault_load; }
  m.reserved = true;
  m.reservation = a;
  R[ip->rd] = v;
  NEXT();
}
L_ScW_C: L_ScW: {
  constexpr std::uint32_t kLen = 4;
  Addr a = R[ip->rs1];
  if (a & 3) { fault_addr = a; goto fault_misaligned; }
  if (m.reserved && m.reservation == a) {
    WATCH(a, 4, true);
    DROP_CACHES();
    if (!Memory::Internals::store_fast<std::uint32_t>(mem, a, R[ip->rs2])) {
      if (!Memory::Internals::store_slow(mem, a, 4, R[ip->rs2])) { fault_addr = a; goto fault_store; }
    }
    m.reserved = false;
    R[ip->rd] = 0;
    if (Memory::Internals::take_code_written(mem)) { new_pc = PC() + kLen; goto after_code_write; }
  } else {
    m.reserved = false;
    R[ip->rd] = 1;
  }
  NEXT();
}
L_AmoSwap_C: L_AmoSwap: L_AmoAdd_C: L_AmoAdd: L_AmoXor_C: L_AmoXor: L_AmoAnd_C: L_AmoAnd: L_AmoOr_C: L_AmoOr:
L_AmoMin_C: L_AmoMin: L_AmoMax_C: L_AmoMax: L_AmoMinu_C: L_AmoMinu: L_AmoMaxu_C: L_AmoMaxu: {
  constexpr std::uint32_t kLen = 4;
  Addr a = R[ip->rs1];
  if (a & 3) { fault_addr = a; goto fault_misaligned; }
  WATCH(a, 4, true);
  WATCH(a, 4, false);
  TRACE_READ(a, 4);
  std::uint32_t* p = Memory::Internals::rw_word(mem, a);
  DROP_CACHES();
  if (!p) { fault_addr = a; goto fault_store; }
  std::uint32_t old, v = R[ip->rs2];
  std::memcpy(&old, p, 4);
  std::uint32_t nv = amo(static_cast<Op>(ip->code & 0x7f), old, v);
  std::memcpy(p, &nv, 4);
  R[ip->rd] = old;
  if (Memory::Internals::take_code_written(mem)) { new_pc = PC() + kLen; goto after_code_write; }
  NEXT();
}
L_Ecall_C: L_Ecall:
L_Ebreak_C: L_Ebreak: {
  Addr pc = PC();
  SYNC_IC();
  m.pc = pc;
  m.icount = ic;
  R[0] = 0;
  DROP_CACHES();  // the call may map, unmap or write memory
  if constexpr (kTrace) m.trace->host_call(pc);
  std::optional<StopInfo> r;
  SyscallContext ctx{R, pc, ic, mem, env, m.sys};
  // With watchpoints, the call runs against a snapshot so a watched write
  // can be undone and reported before the call (host_call_watch.cpp).
  std::optional<Memory> mem_before;
  std::optional<SyscallState> sys_before;
  std::uint32_t regs_before[32];
  if constexpr (kPoints) {
    if (watch_bits && (kPatched || !skip_now)) {
      mem_before.emplace(mem);
      sys_before.emplace(m.sys);
      std::memcpy(regs_before, R, sizeof regs_before);
    }
  }
  if ((ip->code & 0x7f) == static_cast<unsigned>(Op::Ecall)) {
    r = linux_syscall(ctx);
  } else {
    std::uint32_t before = 0, after = 0;
    if (read_word(mem, pc - 4, before) && read_word(mem, pc + 4, after) && before == 0x01f01013u &&
        after == 0x40705013u) {
      r = semihosting_call(ctx);
    } else {
      stop = fault(Signal::Trap, pc, "ebreak at " + hex(pc));
      goto stop_here;
    }
  }
  R[0] = 0;
  if (r) {
    stop = std::move(*r);
    goto stop_here;
  }
  if (mem_before) {
    if (auto hit = host_write_hit(*mem_before, mem, *points)) {
      mem = *mem_before;
      m.sys = std::move(*sys_before);
      std::memcpy(R, regs_before, sizeof regs_before);
      stop = StopInfo::watchpoint(hit->addr, hit->kind);
      goto stop_here;
    }
  }
  ++ic;
  new_pc = pc + 4;
  TRACE_RUN(new_pc, ic, new_pc);
  goto do_jump;  // the call may have written memory (and code): re-fetch
}
L_CEbreak_C: L_CEbreak:
  stop = fault(Signal::Trap, PC(), "c.ebreak at " + hex(PC()));
  goto stop_here;
L_Illegal_C: L_Illegal:
  stop = fault(Signal::Ill, PC(), "illegal instruction at " + hex(PC()) + ": " + disassemble(mem, PC()));
  goto stop_here;
L_Cross_C: L_Cross: {
  // A 32-bit instruction in a page's last halfword: decode it afresh (its
  // upper half lives in the next page) into the trampoline and run it there.
  Addr pc = PC();
  DROP_CACHES();
  std::uint16_t lo = 0, hi = 0;
  if (!Memory::Internals::fetch_half(mem, pc, lo)) { stop = fault(Signal::Segv, pc, "fetch fault"); goto stop_here; }
  if (!Memory::Internals::fetch_half(mem, pc + 2, hi)) {
    stop = fault(Signal::Segv, pc + 2, "instruction fetch from " + hex(pc + 2) + " (unmapped or not executable)");
    goto stop_here;
  }
  m.cross_buf[0] = lower(decode32(lo | (static_cast<std::uint32_t>(hi) << 16)), 1u << 22);
  m.cross_buf[0].dist = 1;  // so the count stays the count before the Cross slot's op
  m.cross_buf[1] = m.cross_buf[2] = DecodedOp{static_cast<std::uint8_t>(Op::PageEnd), 0, 0, 0, 0, 0, 0, 0};
  // PC() must give pc for the trampoline slot: page_ops = cross_buf - 2046 and
  // page_base = pc - 4092 (not page-aligned, so Jalr's same-page test never
  // matches while the trampoline is current).
  page_ops = reinterpret_cast<const DecodedOp*>(reinterpret_cast<std::uintptr_t>(m.cross_buf) -
                                                 (kSlotsPerPage - 2) * sizeof(DecodedOp));
  page_base = pc - 2 * (kSlotsPerPage - 2);
  ip = m.cross_buf;
  goto* dispatch[ip->code];  // checks for this pc were done when Cross was dispatched
}
L_PageEnd_C: L_PageEnd:
  new_pc = PC();
  SYNC_IC();
  TRACE_RUN(new_pc, ic, new_pc);
  goto do_jump;
L_BpStop_C: L_BpStop:  // only in patched pages (kPatched)
  goto stop_breakpoint;

after_code_write:
  // A store rewrote decoded code (maybe this very page): retire the store and re-fetch (new_pc set).
  RETIRE();
  TRACE_RUN(new_pc, ic, new_pc);
  goto do_jump;

fast_limit_check:
  SYNC_IC();
  if (ic >= limit) goto stop_fast_limit;
  lim = limit - ic < kClamp ? limit : ic + kClamp;  // a clamped lim was reached: re-base
  icr = static_cast<std::int64_t>(ic + ip->dist - lim);
  goto* dispatch[ip->code];

do_jump:

  if constexpr (!kExact) {
    if (RVRR_UNLIKELY(ic >= limit)) { stop_pc = new_pc; goto stop_fast_limit_pc; }
  } else {
    if (ic >= limit) { stop_pc = new_pc; goto stop_limit_pc; }
  }
  page_ops = Memory::Internals::fetch_hit(mem, new_pc);
  if (RVRR_UNLIKELY(!page_ops)) {
    page_ops = Memory::Internals::fetch_slow(mem, new_pc);
    DROP_CACHES();
  }
  if (RVRR_UNLIKELY(!page_ops)) {
    m.pc = new_pc;
    m.icount = ic;
    R[0] = 0;
    TRACE_FLUSH();
    return fault(Signal::Segv, new_pc, "instruction fetch from " + hex(new_pc) + " (unmapped or not executable)");
  }
  page_base = new_pc & ~kOffMask;
  if constexpr (kPatched) {
    const std::uint32_t pg = new_pc >> kPageShift;
    patched_ops = nullptr;
    if (RVRR_UNLIKELY(bp_bits[pg >> 6] >> (pg & 63) & 1)) patched_ops = patched_page(m, page_ops, page_base, *points);
  }
  if constexpr (kJit) {
    // Every pc reached by a jump or a page change: run its translation (or
    // count it towards one). Translated code may have changed TLB entries.
    page_translates = true;
    if constexpr (kPatched) page_translates = watch_bits == nullptr;
    if (page_translates && !jit_interpret_next) {
      const JitRun r = jit_at(m, page_ops, new_pc, ic, limit, new_pc, kPatched ? points : nullptr, patched_ops,
                              [&] {
                                if constexpr (kTrace) {
                                  if (tn) m.count_ready = true;  // a run was reported (runs with counters)
                                }
                                TRACE_FLUSH();
                              });
      if (r.ran) {
        DROP_CACHES();
        jit_interpret_next = r.interpret;
        goto do_jump;
      }
    }
    jit_interpret_next = false;
  }
  if constexpr (kPatched) {
    if (RVRR_UNLIKELY(patched_ops != nullptr)) page_ops = patched_ops;
  }
  ip = page_ops + ((new_pc & kOffMask) >> 1);
  if constexpr (!kExact) icr = static_cast<std::int64_t>(ic + ip->dist - lim);
  if constexpr (kTrace) run_start = new_pc;
  DISPATCH();

fault_load:
  stop = fault(Signal::Segv, fault_addr, "load from " + hex(fault_addr) + " (unmapped or not readable)");
  goto stop_here;
fault_store:
  stop = fault(Signal::Segv, fault_addr, "store to " + hex(fault_addr) + " (unmapped or not writable)");
  goto stop_here;
fault_misaligned:
  stop = fault(Signal::Bus, fault_addr, "misaligned atomic access at " + hex(fault_addr));
  goto stop_here;
stop_breakpoint:
  stop = StopInfo::breakpoint();
  goto stop_here;
stop_limit:
stop_fast_limit:
  stop = StopInfo::limit();
  goto stop_here;
stop_here:
  SYNC_IC();
  m.pc = PC();
  m.icount = ic;
  R[0] = 0;
  if constexpr (kTrace) {
    if (m.pc != run_start) TRACE_RUN(m.pc, ic, m.pc);  // the stretch before the op that stopped
  }
  TRACE_FLUSH();
  return stop;
stop_limit_pc:
stop_fast_limit_pc:
  m.pc = stop_pc;
  m.icount = ic;
  R[0] = 0;
  stop = StopInfo::limit();
  TRACE_FLUSH();
  return stop;

#include "vm/run_loop_macros_end.hpp"
}

template StopInfo interpret<false, false>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<true, false>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<false, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<true, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<false, false, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<true, false, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<false, true, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<true, true, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*, bool);
template StopInfo interpret<false, false, false, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*,
                                                      bool);
template StopInfo interpret<false, true, false, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*,
                                                     bool);
template StopInfo interpret<false, false, true, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*,
                                                     bool);
template StopInfo interpret<false, true, true, true>(Machine::Impl&, Environment&, std::uint64_t, const DebugPoints*,
                                                    bool);

}  // namespace rvrr::vm
