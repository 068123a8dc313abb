// vm/interpreter64.cpp - the RV64IMAFDC run loop.
//
// A plain fetch-decode-execute loop, separate from RV32's pre-decoded,
// computed-goto loop (vm/interpreter.cpp) so that loop never pays for the
// other width. Always exact: the limit, breakpoints and watchpoints are
// checked before every instruction. Compressed instructions are expanded
// to their 32-bit form (rv64_compressed.cpp) and executed as such.
//
// Address space: all 64 bits (vm/memory.hpp pages it sparsely); Linux
// programs get the sv39 layout (program low, stack just below 256 GiB, mmap
// regions below the stack, see vm/process_layout.cpp). An access that wraps
// past the top of the space faults like an unmapped one.
//
// Semantics are the unprivileged spec's: *W ops sign-extend their 32-bit
// result, shifts mask to 6 bits (5 for *W), division by zero and overflow
// do not trap, misaligned loads/stores are emulated, a misaligned LR/SC/AMO
// stops with SIGBUS, a failed sc writes 1.
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "vm/fp_exec.hpp"
#include "vm/fpu.hpp"
#include "vm/machine_impl.hpp"
#include "vm/memory_internals.hpp"
#include "vm/rv64_compressed.hpp"

namespace rvrr::vm {
namespace {

using u64 = std::uint64_t;
using i64 = std::int64_t;
using u128 = unsigned __int128;
using i128 = __int128;

constexpr u64 sx32(u64 v) { return static_cast<u64>(static_cast<i64>(static_cast<std::int32_t>(v))); }
constexpr std::uint32_t bits(std::uint32_t v, unsigned hi, unsigned lo) { return (v >> lo) & ((1u << (hi - lo + 1)) - 1); }
constexpr i64 imm_i(std::uint32_t w) { return static_cast<std::int32_t>(w) >> 20; }
// (Each computed in uint32_t and then sign-converted: mixing int32_t and
// uint32_t in one expression would make the result unsigned.)
constexpr i64 imm_s(std::uint32_t w) {
  return static_cast<std::int32_t>(((w & 0xfe000000u)) | (bits(w, 11, 7) << 20)) >> 20;
}
constexpr i64 imm_b(std::uint32_t w) {
  const std::uint32_t u = (bits(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) | (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1);
  return static_cast<std::int32_t>(u << 19) >> 19;
}
constexpr i64 imm_j(std::uint32_t w) {
  const std::uint32_t u = (bits(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) | (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1);
  return static_cast<std::int32_t>(u << 11) >> 11;
}
static_assert(imm_b(0xfe000ee3u) == -4);  // beq x0, x0, -4
static_assert(imm_j(0xffdff06fu) == -4);  // j -4
static_assert(imm_s(0xfe000e23u) == -4);  // sb x0, -4(x0)

std::string hex64(u64 a) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(a));
  return buf;
}

StopInfo fault(Signal sig, u64 addr, std::string message) {
  return StopInfo::fault(sig, static_cast<Addr>(addr), std::move(message));
}

u64 mulhu64(u64 a, u64 b) { return static_cast<u64>((static_cast<u128>(a) * b) >> 64); }
u64 mulh64(i64 a, i64 b) { return static_cast<u64>(static_cast<u128>(static_cast<i128>(a) * b) >> 64); }
u64 mulhsu64(i64 a, u64 b) {
  return static_cast<u64>(static_cast<u128>(static_cast<i128>(a) * static_cast<i128>(b)) >> 64);
}
template <class S, class U>
U div_s(S a, S b) {
  if (b == 0) return static_cast<U>(-1);
  if (b == -1) return static_cast<U>(0) - static_cast<U>(a);  // INT_MIN / -1 = INT_MIN without UB
  return static_cast<U>(a / b);
}
template <class S, class U>
U rem_s(S a, S b) {
  if (b == 0) return static_cast<U>(a);
  if (b == -1) return 0;
  return static_cast<U>(a % b);
}

template <class T>
T amo_op(unsigned f5, T old, T v) {
  using S = std::make_signed_t<T>;
  switch (f5) {
    case 0x01: return v;
    case 0x00: return old + v;
    case 0x04: return old ^ v;
    case 0x0c: return old & v;
    case 0x08: return old | v;
    case 0x10: return static_cast<S>(old) < static_cast<S>(v) ? old : v;
    case 0x14: return static_cast<S>(old) > static_cast<S>(v) ? old : v;
    case 0x18: return old < v ? old : v;
    default: return old > v ? old : v;  // 0x1c amomaxu
  }
}

// One run of interpret64: the hart's state plus what the run reports.
struct Loop {
  Loop(Machine::Impl& machine, Environment& e, const DebugPoints* p)
      : m(machine), env(e), points(p), X(machine.x64), mem(machine.memory), trace(machine.trace) {}
  Machine::Impl& m;
  Environment& env;
  const DebugPoints* points;
  u64* X;
  Memory& mem;
  bool skip = false;  // the current instruction ignores points (RunOptions::skip_points_at_start)
  bool watching = false;
  // Trace (m.trace): the straight-line stretch in progress and the batch.
  ExecTraceSink* trace = nullptr;
  std::uint64_t* read_bits = nullptr;
  Addr run_start = 0;
  std::vector<ExecutedRun> runs;
  StopInfo stop;  // set by a helper that returns false

  void wr(unsigned rd, u64 v) {
    if (rd) X[rd] = v;
  }

  // ---- trace ----
  void trace_run(u64 end, u64 next) {
    if (!trace || end == run_start) return;
    runs.push_back(ExecutedRun{run_start, static_cast<Addr>(end), m.icount, static_cast<Addr>(next)});
    if (runs.size() >= kExecTraceBatch) flush();
  }
  void flush() {
    if (trace && !runs.empty()) trace->executed(runs);
    runs.clear();
  }
  void trace_read(u64 a, unsigned size) {
    if (!read_bits) return;
    for (const u64 x : {a, a + size - 1}) mark_read_page(read_bits, x);
  }

  // ---- memory ----
  // False (stop set) when [a, a+size) wraps past the top of the space or a watch fires.
  bool check(u64 a, unsigned size, bool write, const char* what) {
    if (a + size - 1 < a) {
      stop = fault(Signal::Segv, a, std::string(what) + hex64(a) + " (wraps past the top of the address space)");
      return false;
    }
    if (watching && !skip) {
      if (auto hit = points->check_access(a, size, write)) {
        stop = StopInfo::watchpoint(hit->addr, hit->kind);
        return false;
      }
    }
    return true;
  }
  // Loads and stores take Memory's TLBs (misses and misaligned accesses its
  // slow paths); an 8-byte access that misses is done as two 4-byte ones.
  template <class T>
  bool load_t(Addr addr, u64& out) {
    T v;
    if (!Memory::Internals::load<T>(mem, addr, v)) return false;
    out = v;
    return true;
  }
  bool load(u64 a, unsigned size, u64& out) {
    if (!check(a, size, false, "load from ")) return false;
    trace_read(a, size);
    const Addr addr = static_cast<Addr>(a);
    bool ok;
    switch (size) {
      case 1: ok = load_t<std::uint8_t>(addr, out); break;
      case 2: ok = load_t<std::uint16_t>(addr, out); break;
      case 4: ok = load_t<std::uint32_t>(addr, out); break;
      default: {
        const Memory::TlbEntry& e = Memory::Internals::read_entry(mem, addr);
        if ((addr & (Memory::Internals::kPageMask | 7)) == e.tag) {
          std::memcpy(&out, reinterpret_cast<const void*>(e.addend + addr), 8);
          return true;
        }
        std::uint32_t lo = 0, hi = 0;
        ok = Memory::Internals::load_slow(mem, addr, 4, lo) && Memory::Internals::load_slow(mem, addr + 4, 4, hi);
        out = lo | (static_cast<u64>(hi) << 32);
      }
    }
    if (!ok) {
      stop = fault(Signal::Segv, a, "load from " + hex64(a) + " (unmapped or not readable)");
      return false;
    }
    return true;
  }
  bool store(u64 a, unsigned size, u64 v) {
    if (!check(a, size, true, "store to ")) return false;
    const Addr addr = static_cast<Addr>(a);
    // A store into the code page may copy it (copy-on-write) or change it.
    if (((addr & Memory::Internals::kPageMask) == fetch_tag) | (((addr + size - 1) & Memory::Internals::kPageMask) == fetch_tag))
      fetch_tag = kNoPage;
    bool ok;
    switch (size) {
      case 1: ok = Memory::Internals::store<std::uint8_t>(mem, addr, static_cast<std::uint8_t>(v)); break;
      case 2: ok = Memory::Internals::store<std::uint16_t>(mem, addr, static_cast<std::uint16_t>(v)); break;
      case 4: ok = Memory::Internals::store<std::uint32_t>(mem, addr, static_cast<std::uint32_t>(v)); break;
      default: {
        const Memory::TlbEntry& e = Memory::Internals::write_entry(mem, addr);
        if ((addr & (Memory::Internals::kPageMask | 7)) == e.tag) {
          std::memcpy(reinterpret_cast<void*>(e.addend + addr), &v, 8);
          return true;
        }
        // A faulting store writes nothing: check the last byte's page too.
        ok = (mem.perms(addr) & PermWrite) && (mem.perms(addr + 7) & PermWrite) &&
             Memory::Internals::store_slow(mem, addr, 4, static_cast<std::uint32_t>(v)) &&
             Memory::Internals::store_slow(mem, addr + 4, 4, static_cast<std::uint32_t>(v >> 32));
      }
    }
    Memory::Internals::take_code_written(mem);  // nothing is pre-decoded here
    if (!ok) {
      stop = fault(Signal::Segv, a, "store to " + hex64(a) + " (unmapped or not writable)");
      return false;
    }
    return true;
  }
  // The executable page instructions were last fetched from (its bytes at
  // fetch_bytes), or kNoPage. Dropped by a store into that page and by every
  // host call, which may copy the page (copy-on-write) or unmap it.
  static constexpr Addr kNoPage = 1;
  Addr fetch_tag = kNoPage;
  const std::uint8_t* fetch_bytes = nullptr;
  // The 2 or 4 bytes of the instruction at pc; false (stop set) if not executable.
  bool fetch(u64 pc, std::uint32_t& word, unsigned& len) {
    {
      const Addr page = pc & Memory::Internals::kPageMask;
      if (page != fetch_tag) {
        fetch_bytes = Memory::Internals::exec_page(mem, page);
        fetch_tag = fetch_bytes ? page : kNoPage;
      }
      const unsigned off = static_cast<unsigned>(pc) & (kPageSize - 1);
      if (fetch_bytes && off <= kPageSize - 4) {
        std::uint16_t lo;
        std::memcpy(&lo, fetch_bytes + off, 2);
        if ((lo & 3) != 3) {
          word = lo;
          len = 2;
        } else {
          std::memcpy(&word, fetch_bytes + off, 4);
          len = 4;
        }
        return true;
      }
    }
    std::uint16_t lo = 0, hi = 0;
    if (!Memory::Internals::fetch_half(mem, pc, lo)) {
      stop = fault(Signal::Segv, pc, "instruction fetch from " + hex64(pc) + " (unmapped or not executable)");
      return false;
    }
    if ((lo & 3) != 3) {
      word = lo;
      len = 2;
      return true;
    }
    if (!Memory::Internals::fetch_half(mem, pc + 2, hi)) {
      stop = fault(Signal::Segv, pc + 2, "instruction fetch from " + hex64(pc + 2) + " (unmapped or not executable)");
      return false;
    }
    word = lo | (static_cast<std::uint32_t>(hi) << 16);
    len = 4;
    return true;
  }

  // ---- CSRs: counters give the full 64-bit count; storage CSRs keep 32 bits ----
  std::optional<u64> csr_read(std::uint32_t csr) const {
    switch (csr) {
      case 0xC00: case 0xC01: case 0xC02: return m.icount;
      case 0xC80: case 0xC81: case 0xC82: return std::nullopt;  // RV32 only
      case 0x301: return (2ull << 62) | (kMisaValue & 0x3ffffff);  // MXL=2: RV64
      case 0x001: return m.fcsr & 0x1f;
      case 0x002: return (m.fcsr >> 5) & 7;
      case 0x003: return m.fcsr & 0xff;
      default: {
        if (!csr_exists(csr)) return std::nullopt;
        int i = storage_csr_index(csr);
        return i >= 0 ? m.csrs[i] : 0;
      }
    }
  }
  void csr_write(std::uint32_t csr, u64 v) {
    switch (csr) {
      case 0x001: m.fcsr = (m.fcsr & ~0x1fu) | (v & 0x1f); return;
      case 0x002: m.fcsr = (m.fcsr & 0x1f) | ((v & 7) << 5); return;
      case 0x003: m.fcsr = v & 0xff; return;
    }
    int i = storage_csr_index(csr);
    if (i >= 0) m.csrs[i] = static_cast<std::uint32_t>(v);
  }

  // Executes one instruction at m.pc. Returns false with `stop` set when it
  // did not retire; otherwise sets next_pc.
  bool exec(std::uint32_t w, unsigned len, u64 pc, u64& next);
  bool exec_amo(std::uint32_t w);
  bool exec_fp(std::uint32_t w);
  bool exec_system(std::uint32_t w, unsigned len, u64 pc);
  bool host_call(u64 pc, bool semihosting);
  bool illegal(u64 pc, std::uint32_t w, unsigned len) {
    char buf[64];
    std::snprintf(buf, sizeof buf, len == 2 ? ".half 0x%04x" : ".word 0x%08x", w);
    stop = fault(Signal::Ill, pc, "illegal instruction at " + hex64(pc) + ": " + buf);
    return false;
  }
};

bool Loop::exec_amo(std::uint32_t w) {
  const unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20), f3 = bits(w, 14, 12),
                 f5 = bits(w, 31, 27);
  if (f3 != 2 && f3 != 3) return illegal(m.pc, w, 4);
  const unsigned size = f3 == 2 ? 4 : 8;
  const u64 a = X[rs1];
  auto result = [&](u64 v) { return size == 4 ? sx32(v) : v; };
  if (a & (size - 1)) {
    stop = fault(Signal::Bus, a, "misaligned atomic access at " + hex64(a));
    return false;
  }
  if (f5 == 0x02) {  // lr
    if (rs2 != 0) return illegal(m.pc, w, 4);
    u64 v = 0;
    if (!load(a, size, v)) return false;
    m.reserved = true;
    m.reservation = static_cast<Addr>(a);
    wr(rd, result(v));
    return true;
  }
  if (f5 == 0x03) {  // sc
    if (m.reserved && m.reservation == a) {
      if (!store(a, size, X[rs2])) return false;
      m.reserved = false;
      wr(rd, 0);
    } else {
      m.reserved = false;
      wr(rd, 1);
    }
    return true;
  }
  static constexpr unsigned kOps[] = {0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c};
  bool known = false;
  for (unsigned o : kOps) known |= o == f5;
  if (!known) return illegal(m.pc, w, 4);
  if (!check(a, size, true, "store to ") || !check(a, size, false, "load from ")) return false;
  const Addr addr = static_cast<Addr>(a);
  const std::uint8_t pr = mem.perms(addr);
  if ((pr & (PermRead | PermWrite)) != (PermRead | PermWrite)) {
    stop = fault(Signal::Segv, a, "store to " + hex64(a) + " (unmapped or not writable)");
    return false;
  }
  trace_read(a, size);
  u64 old = 0;
  load(a, size, old);  // cannot fail now (readable, no watch left to fire)
  const u64 nv = size == 4 ? amo_op<std::uint32_t>(f5, static_cast<std::uint32_t>(old), static_cast<std::uint32_t>(X[rs2]))
                           : amo_op<u64>(f5, old, X[rs2]);
  store(a, size, nv);
  wr(rd, result(old));
  return true;
}

// F/D computational instructions. Those that touch only float registers go
// to RV32's handler (vm/fp_exec.cpp); those that read or write an integer
// register are done here, on 64 bits.
bool Loop::exec_fp(std::uint32_t w) {
  const unsigned op = w & 0x7f;
  if (op != 0x53) {  // fmadd/fmsub/fnmsub/fnmadd
    Insn in = decode32(w);
    if (in.op != Op::FpOp) return illegal(m.pc, w, 4);
    return fp_execute(m, lower(in, 0)) || illegal(m.pc, w, 4);
  }
  const unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20), f3 = bits(w, 14, 12),
                 fmt = bits(w, 26, 25), f5 = bits(w, 31, 27);
  if (fmt > 1) return illegal(m.pc, w, 4);
  const bool dbl = fmt == 1;
  unsigned rm = f3 == fpu::kDyn ? (m.fcsr >> 5) & 7 : f3;
  std::uint32_t fl = 0;
  const u64 a = dbl ? m.fregs[rs1] : fpu::unbox32(m.fregs[rs1]);
  auto put_f = [&](u64 v) { m.fregs[rd] = dbl ? v : fpu::box32(static_cast<std::uint32_t>(v)); };
  switch (f5) {
    case 0x14: {  // feq / flt / fle
      const u64 b = dbl ? m.fregs[rs2] : fpu::unbox32(m.fregs[rs2]);
      bool r;
      if (f3 == 2) r = dbl ? fpu::eq<fpu::F64>(a, b, fl) : fpu::eq<fpu::F32>(a, b, fl);
      else if (f3 == 1) r = dbl ? fpu::lt<fpu::F64>(a, b, fl) : fpu::lt<fpu::F32>(a, b, fl);
      else if (f3 == 0) r = dbl ? fpu::le<fpu::F64>(a, b, fl) : fpu::le<fpu::F32>(a, b, fl);
      else return illegal(m.pc, w, 4);
      wr(rd, r);
      break;
    }
    case 0x18: {  // fcvt.{w,wu,l,lu}.{s,d}
      if (rs2 > 3 || rm > fpu::kRmm) return illegal(m.pc, w, 4);
      u64 r;
      switch (rs2) {
        case 0: r = sx32(dbl ? fpu::to_i32<fpu::F64>(a, rm, fl) : fpu::to_i32<fpu::F32>(a, rm, fl)); break;
        case 1: r = sx32(dbl ? fpu::to_u32<fpu::F64>(a, rm, fl) : fpu::to_u32<fpu::F32>(a, rm, fl)); break;
        case 2: r = dbl ? fpu::to_i64<fpu::F64>(a, rm, fl) : fpu::to_i64<fpu::F32>(a, rm, fl); break;
        default: r = dbl ? fpu::to_u64<fpu::F64>(a, rm, fl) : fpu::to_u64<fpu::F32>(a, rm, fl); break;
      }
      wr(rd, r);
      break;
    }
    case 0x1a: {  // fcvt.{s,d}.{w,wu,l,lu}
      if (rs2 > 3 || rm > fpu::kRmm) return illegal(m.pc, w, 4);
      const u64 x = X[rs1];
      u64 r;
      switch (rs2) {
        case 0: r = dbl ? fpu::from_i32<fpu::F64>(static_cast<std::int32_t>(x), rm, fl)
                        : fpu::from_i32<fpu::F32>(static_cast<std::int32_t>(x), rm, fl); break;
        case 1: r = dbl ? fpu::from_u32<fpu::F64>(static_cast<std::uint32_t>(x), rm, fl)
                        : fpu::from_u32<fpu::F32>(static_cast<std::uint32_t>(x), rm, fl); break;
        case 2: r = dbl ? fpu::from_i64<fpu::F64>(static_cast<i64>(x), rm, fl)
                        : fpu::from_i64<fpu::F32>(static_cast<i64>(x), rm, fl); break;
        default: r = dbl ? fpu::from_u64<fpu::F64>(x, rm, fl) : fpu::from_u64<fpu::F32>(x, rm, fl); break;
      }
      put_f(r);
      break;
    }
    case 0x1c:  // fmv.x.w / fmv.x.d / fclass
      if (rs2 != 0) return illegal(m.pc, w, 4);
      if (f3 == 0) wr(rd, dbl ? m.fregs[rs1] : sx32(m.fregs[rs1]));
      else if (f3 == 1) wr(rd, dbl ? fpu::classify<fpu::F64>(a) : fpu::classify<fpu::F32>(a));
      else return illegal(m.pc, w, 4);
      break;
    case 0x1e:  // fmv.w.x / fmv.d.x
      if (rs2 != 0 || f3 != 0) return illegal(m.pc, w, 4);
      m.fregs[rd] = dbl ? X[rs1] : fpu::box32(static_cast<std::uint32_t>(X[rs1]));
      break;
    default: {  // float-only: RV32's decoder and handler
      Insn in = decode32(w);
      if (in.op != Op::FpOp) return illegal(m.pc, w, 4);
      return fp_execute(m, lower(in, 0)) || illegal(m.pc, w, 4);
    }
  }
  m.fcsr |= fl;
  return true;
}

bool Loop::host_call(u64 pc, bool semihosting) {
  if (trace) trace->host_call(static_cast<Addr>(pc));
  SyscallContext ctx{nullptr, static_cast<Addr>(pc), m.icount, mem, env, m.sys, X};
  // With watchpoints, the call runs against a snapshot so a watched write
  // can be undone and reported before the call (host_call_watch.cpp).
  std::optional<Memory> mem_before;
  std::optional<SyscallState> sys_before;
  u64 regs_before[32];
  if (watching && !skip) {
    mem_before.emplace(mem);
    sys_before.emplace(m.sys);
    std::memcpy(regs_before, X, sizeof regs_before);
  }
  std::optional<StopInfo> r = semihosting ? semihosting_call(ctx) : linux_syscall(ctx);
  X[0] = 0;
  fetch_tag = kNoPage;  // the call may have mapped, unmapped or written memory
  if (r) {
    stop = std::move(*r);
    return false;
  }
  if (mem_before) {
    if (auto hit = host_write_hit(*mem_before, mem, *points)) {
      mem = *mem_before;
      m.sys = std::move(*sys_before);
      std::memcpy(X, regs_before, sizeof regs_before);
      stop = StopInfo::watchpoint(hit->addr, hit->kind);
      return false;
    }
  }
  return true;
}

bool Loop::exec_system(std::uint32_t w, unsigned len, u64 pc) {
  const unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), f3 = bits(w, 14, 12);
  const std::uint32_t csr = w >> 20;
  if (f3 == 0) {
    if (w == 0x00000073u) return host_call(pc, false);
    if (w == 0x00100073u) {
      std::uint16_t h[4];
      bool seq = len == 4 && pc >= 4 && pc + 8 > pc;
      for (int i = 0; seq && i < 4; ++i)
        seq = Memory::Internals::fetch_half(mem, static_cast<Addr>(pc - 4 + 2 * i + (i >= 2 ? 4 : 0)), h[i]);
      if (seq && (h[0] | (h[1] << 16)) == 0x01f01013u && (h[2] | (static_cast<std::uint32_t>(h[3]) << 16)) == 0x40705013u)
        return host_call(pc, true);
      stop = fault(Signal::Trap, pc, std::string(len == 2 ? "c.ebreak" : "ebreak") + " at " + hex64(pc));
      return false;
    }
    return illegal(pc, w, len);
  }
  if ((f3 & 3) == 0) return illegal(pc, w, len);
  const bool writes = (f3 & 3) == 1 || rs1 != 0;
  auto old = csr_read(csr);
  if (!old || (writes && csr_read_only(csr))) return illegal(pc, w, len);
  const u64 src = f3 >= 5 ? rs1 : X[rs1];
  if (writes) {
    switch (f3 & 3) {
      case 1: csr_write(csr, src); break;
      case 2: csr_write(csr, *old | src); break;
      default: csr_write(csr, *old & ~src); break;
    }
  }
  wr(rd, *old);
  return true;
}

bool Loop::exec(std::uint32_t w, unsigned len, u64 pc, u64& next) {
  const unsigned rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20), f3 = bits(w, 14, 12),
                 f7 = bits(w, 31, 25);
  const u64 x = X[rs1], y = X[rs2];
  next = pc + len;
  switch (w & 0x7f) {
    case 0x37: wr(rd, sx32(w & 0xfffff000u)); return true;                 // lui
    case 0x17: wr(rd, pc + sx32(w & 0xfffff000u)); return true;            // auipc
    case 0x6f: wr(rd, pc + len); next = pc + imm_j(w); return true;        // jal
    case 0x67:                                                              // jalr
      if (f3 != 0) return illegal(pc, w, len);
      next = (x + imm_i(w)) & ~u64{1};
      wr(rd, pc + len);
      return true;
    case 0x63: {
      bool taken;
      switch (f3) {
        case 0: taken = x == y; break;
        case 1: taken = x != y; break;
        case 4: taken = static_cast<i64>(x) < static_cast<i64>(y); break;
        case 5: taken = static_cast<i64>(x) >= static_cast<i64>(y); break;
        case 6: taken = x < y; break;
        case 7: taken = x >= y; break;
        default: return illegal(pc, w, len);
      }
      if (taken) next = pc + imm_b(w);
      return true;
    }
    case 0x03: {  // lb lh lw ld lbu lhu lwu
      static constexpr unsigned kSize[8] = {1, 2, 4, 8, 1, 2, 4, 0};
      if (f3 == 7) return illegal(pc, w, len);
      u64 v = 0;
      if (!load(x + imm_i(w), kSize[f3], v)) return false;
      switch (f3) {
        case 0: v = static_cast<u64>(static_cast<i64>(static_cast<std::int8_t>(v))); break;
        case 1: v = static_cast<u64>(static_cast<i64>(static_cast<std::int16_t>(v))); break;
        case 2: v = sx32(v); break;
        default: break;
      }
      wr(rd, v);
      return true;
    }
    case 0x23:  // sb sh sw sd
      if (f3 > 3) return illegal(pc, w, len);
      return store(x + imm_s(w), 1u << f3, y);
    case 0x07: {  // flw fld
      if (f3 != 2 && f3 != 3) return illegal(pc, w, len);
      u64 v = 0;
      if (!load(x + imm_i(w), f3 == 2 ? 4 : 8, v)) return false;
      m.fregs[rd] = f3 == 2 ? fpu::box32(static_cast<std::uint32_t>(v)) : v;
      return true;
    }
    case 0x27:  // fsw fsd
      if (f3 != 2 && f3 != 3) return illegal(pc, w, len);
      return store(x + imm_s(w), f3 == 2 ? 4 : 8, m.fregs[rs2]);
    case 0x13: {
      const i64 imm = imm_i(w);
      const unsigned sh = bits(w, 25, 20), f6 = bits(w, 31, 26);
      switch (f3) {
        case 0: wr(rd, x + imm); return true;
        case 2: wr(rd, static_cast<i64>(x) < imm); return true;
        case 3: wr(rd, x < static_cast<u64>(imm)); return true;
        case 4: wr(rd, x ^ imm); return true;
        case 6: wr(rd, x | imm); return true;
        case 7: wr(rd, x & imm); return true;
        case 1: if (f6 != 0) return illegal(pc, w, len); wr(rd, x << sh); return true;
        default:
          if (f6 == 0) wr(rd, x >> sh);
          else if (f6 == 0x10) wr(rd, static_cast<u64>(static_cast<i64>(x) >> sh));
          else return illegal(pc, w, len);
          return true;
      }
    }
    case 0x1b: {  // addiw slliw srliw sraiw
      const unsigned sh = bits(w, 24, 20);
      const auto x32 = static_cast<std::uint32_t>(x);
      switch (f3) {
        case 0: wr(rd, sx32(x + imm_i(w))); return true;
        case 1: if (f7 != 0) return illegal(pc, w, len); wr(rd, sx32(x32 << sh)); return true;
        case 5:
          if (f7 == 0) wr(rd, sx32(x32 >> sh));
          else if (f7 == 0x20) wr(rd, sx32(static_cast<std::uint32_t>(static_cast<std::int32_t>(x32) >> sh)));
          else return illegal(pc, w, len);
          return true;
        default: return illegal(pc, w, len);
      }
    }
    case 0x33: {
      if (f7 == 1) {
        switch (f3) {
          case 0: wr(rd, x * y); break;
          case 1: wr(rd, mulh64(static_cast<i64>(x), static_cast<i64>(y))); break;
          case 2: wr(rd, mulhsu64(static_cast<i64>(x), y)); break;
          case 3: wr(rd, mulhu64(x, y)); break;
          case 4: wr(rd, div_s<i64, u64>(static_cast<i64>(x), static_cast<i64>(y))); break;
          case 5: wr(rd, y ? x / y : ~u64{0}); break;
          case 6: wr(rd, rem_s<i64, u64>(static_cast<i64>(x), static_cast<i64>(y))); break;
          default: wr(rd, y ? x % y : x); break;
        }
        return true;
      }
      if (f7 != 0 && !(f7 == 0x20 && (f3 == 0 || f3 == 5))) return illegal(pc, w, len);
      switch (f3) {
        case 0: wr(rd, f7 ? x - y : x + y); break;
        case 1: wr(rd, x << (y & 63)); break;
        case 2: wr(rd, static_cast<i64>(x) < static_cast<i64>(y)); break;
        case 3: wr(rd, x < y); break;
        case 4: wr(rd, x ^ y); break;
        case 5: wr(rd, f7 ? static_cast<u64>(static_cast<i64>(x) >> (y & 63)) : x >> (y & 63)); break;
        case 6: wr(rd, x | y); break;
        default: wr(rd, x & y); break;
      }
      return true;
    }
    case 0x3b: {  // addw subw sllw srlw sraw mulw divw divuw remw remuw
      const auto a = static_cast<std::uint32_t>(x), b = static_cast<std::uint32_t>(y);
      const auto sa = static_cast<std::int32_t>(a), sb = static_cast<std::int32_t>(b);
      if (f7 == 1) {
        switch (f3) {
          case 0: wr(rd, sx32(a * b)); return true;
          case 4: wr(rd, sx32(div_s<std::int32_t, std::uint32_t>(sa, sb))); return true;
          case 5: wr(rd, sx32(b ? a / b : 0xffffffffu)); return true;
          case 6: wr(rd, sx32(rem_s<std::int32_t, std::uint32_t>(sa, sb))); return true;
          case 7: wr(rd, sx32(b ? a % b : a)); return true;
          default: return illegal(pc, w, len);
        }
      }
      if (f7 == 0 && f3 == 0) wr(rd, sx32(a + b));
      else if (f7 == 0x20 && f3 == 0) wr(rd, sx32(a - b));
      else if (f7 == 0 && f3 == 1) wr(rd, sx32(a << (b & 31)));
      else if (f7 == 0 && f3 == 5) wr(rd, sx32(a >> (b & 31)));
      else if (f7 == 0x20 && f3 == 5) wr(rd, sx32(static_cast<std::uint32_t>(sa >> (b & 31))));
      else return illegal(pc, w, len);
      return true;
    }
    case 0x0f:  // fence, fence.i: nothing is cached across stores here
      if (f3 > 1) return illegal(pc, w, len);
      return true;
    case 0x73: return exec_system(w, len, pc);
    case 0x2f: return exec_amo(w);
    case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53: return exec_fp(w);
    default: return illegal(pc, w, len);
  }
}

}  // namespace

StopInfo interpret64(Machine::Impl& m, Environment& env, std::uint64_t limit, const DebugPoints* points,
                     bool skip_first) {
  Loop L(m, env, points);
  L.skip = skip_first;
  L.watching = points && points->has_watches();
  if (L.trace) {
    L.read_bits = L.trace->read_page_bits();
    L.runs.reserve(64);
  }
  L.run_start = static_cast<Addr>(m.pc);
  const std::uint32_t* const expand = rv64c_table();
  u64 pc = m.pc;
  for (;;) {
    if (m.icount >= limit) {
      L.stop = StopInfo::limit();
      break;
    }
    if (points && !L.skip && points->has_breakpoint(static_cast<Addr>(pc))) {
      L.stop = StopInfo::breakpoint();
      break;
    }
    std::uint32_t w = 0;
    unsigned len = 4;
    if (!L.fetch(pc, w, len)) break;
    std::uint32_t full = w;
    if (len == 2) {
      full = expand[w & 0xffff];
      if (full == 0) {
        L.illegal(pc, w, 2);
        break;
      }
      if (full == 0x00100073u) {  // c.ebreak: never a semihosting call
        L.stop = fault(Signal::Trap, pc, "c.ebreak at " + hex64(pc));
        break;
      }
    }
    u64 next = 0;
    // A stretch ends after an ecall/ebreak (its last instruction), as in RV32.
    const bool host = full == 0x73 || full == 0x00100073u;
    if (!L.exec(full, len, pc, next)) break;
    m.x64[0] = 0;
    ++m.icount;
    L.skip = false;
    if (host || next != pc + len || (next >> kPageShift) != (pc >> kPageShift)) {
      L.trace_run(pc + len, next);
      L.run_start = static_cast<Addr>(next);
    }
    pc = next;
    m.pc = next;
  }
  m.x64[0] = 0;
  m.pc = static_cast<Addr>(pc);
  if (L.trace && pc != L.run_start) L.trace_run(pc, pc);
  L.flush();
  return L.stop;
}

}  // namespace rvrr::vm
