// vm/run_loop_macros.hpp - the run loop's vocabulary: dispatch, instruction
// counting, the trace sink's bookkeeping, watch checks, cached loads and
// stores, branches and the handler frame. Included inside interpret() (they
// name its locals) and undone by vm/run_loop_macros_end.hpp; nothing else may
// include it.
// No #pragma once: it is included exactly once, inside a function body.
#define PC() (page_base + static_cast<Addr>(static_cast<std::uint32_t>(ip - page_ops) << 1))
#define LEN() kLen
#define DISPATCH()                                                                  \
  do {                                                                              \
    if constexpr (kExact) {                                                         \
      if (ic >= limit) goto stop_limit;                                             \
      if constexpr (kPoints) {                                                      \
        skip_now = skip_next;                                                       \
        skip_next = false;                                                          \
        if (!skip_now && points->has_breakpoint(PC())) goto stop_breakpoint;        \
      }                                                                             \
    }                                                                               \
    goto* dispatch[ip->code];                                                       \
  } while (0)
#define NEXT()                           \
  do {                                   \
    ip += kLen / 2;                      \
    if constexpr (kExact) ++ic;          \
    DISPATCH();                          \
  } while (0)
// Make ic the count before the current op / after it retires.
#define SYNC_IC()                                      \
  do {                                                 \
    if constexpr (!kExact) ic = lim + static_cast<std::uint64_t>(icr) - ip->dist; \
  } while (0)
#define RETIRE()   \
  do {             \
    SYNC_IC();     \
    ++ic;          \
  } while (0)
// kTrace: the count before the current op (any mode), and run bookkeeping.
#define IC_BEFORE() (kExact ? ic : lim + static_cast<std::uint64_t>(icr) - ip->dist)
// A run ends: [run_start, end_excl), the count after it, and the pc execution goes on at.
#define TRACE_RUN(end_excl, ic_after, next_pc)                                \
  do {                                                                        \
    if constexpr (kTrace) {                                                   \
      if (tn == kExecTraceBatch) {                                            \
        m.trace->executed(std::span<const ExecutedRun>(tbuf, tn));            \
        tn = 0;                                                               \
      }                                                                       \
      tbuf[tn++] = ExecutedRun{run_start, (end_excl), (ic_after), (next_pc)}; \
    }                                                                         \
  } while (0)
#define TRACE_FLUSH()                                                                       \
  do {                                                                                      \
    if constexpr (kTrace) {                                                                 \
      if (tn) m.trace->executed(std::span<const ExecutedRun>(tbuf, tn));                    \
      tn = 0;                                                                               \
    }                                                                                       \
  } while (0)
#define TRACE_READ(r_addr, r_size)                                                    \
  do {                                                                                \
    if constexpr (kTrace) {                                                           \
      if (read_bits) {                                                                \
        mark_read_page(read_bits, (r_addr));                                          \
        mark_read_page(read_bits, (r_addr) + (r_size)-1);                             \
      }                                                                               \
    }                                                                                 \
  } while (0)
// icb >= ic always, so icb < lim <= limit proves ic < limit; else check exactly.
#define BLOCK_CHECK()                                             \
  do {                                                            \
    if constexpr (!kExact) {                                      \
      if (RVRR_UNLIKELY(icr >= 0)) goto fast_limit_check;         \
    }                                                             \
  } while (0)
// kJit: local jumps in a page that may run translated code are fetched like
// any other, so the translating tier sees their targets.
#define JUMP_LOCAL()                                                                       \
  do {                                                                                     \
    if constexpr (kJit) {                                                                  \
      if (page_translates) {                                                               \
        new_pc = page_base + (static_cast<Addr>(ip->imm) << 1);                            \
        RETIRE();                                                                          \
        TRACE_RUN(PC() + kLen, ic, new_pc);                                                \
        goto do_jump;                                                                      \
      }                                                                                    \
    }                                                                                      \
    TRACE_RUN(PC() + kLen, IC_BEFORE() + 1, page_base + (static_cast<Addr>(ip->imm) << 1)); \
    if constexpr (kExact) ++ic;                                                            \
    else icr += ip->delta;                                                                 \
    ip = reinterpret_cast<const DecodedOp*>(reinterpret_cast<const char*>(ip) + ip->jump); \
    if constexpr (kTrace) run_start = PC();                                                \
    BLOCK_CHECK();                                                                         \
    DISPATCH();                                                                            \
  } while (0)
// Only accesses whose page(s) hold a watch reach DebugPoints (one bitmap test otherwise).
#define WATCH(w_addr, w_size, w_write)                                                          \
  do {                                                                                          \
    if constexpr (kPoints) {                                                                    \
      if (watch_bits && (kPatched || !skip_now)) {                                              \
        const Addr wa = (w_addr), wl = wa + (w_size)-1;                                         \
        if (RVRR_UNLIKELY(((watch_bits[wa >> 18] >> ((wa >> 12) & 63)) |                        \
                           (watch_bits[wl >> 18] >> ((wl >> 12) & 63))) & 1)) {                 \
          if (auto hit = points->check_access(wa, (w_size), (w_write))) {                       \
            stop = StopInfo::watchpoint(hit->addr, hit->kind);                                  \
            goto stop_here;                                                                     \
          }                                                                                     \
        }                                                                                       \
      }                                                                                         \
    }                                                                                           \
  } while (0)
// Loads and stores first try a one-entry cache of the last page used (its
// tag and host addend, copied from the TLB), then the TLB, then the slow path.
// Every out-of-line memory call may change TLB entries (refills, copy-on-write
// clones, flushes), so the caches are dropped after each (DROP_CACHES).
#define DROP_CACHES()          \
  do {                         \
    rc_tag = Memory::kEmptyTag; \
    wc_tag = Memory::kEmptyTag; \
  } while (0)
#define LOAD(T) LOAD_INTO(T, R[ip->rd] = static_cast<std::uint32_t>(v))
#define LOAD_INTO(T, assign)                                                              \
  do {                                                                                    \
    Addr a = R[ip->rs1] + static_cast<std::uint32_t>(ip->imm);                            \
    WATCH(a, sizeof(T), false);                                                           \
    T v;                                                                                  \
    constexpr Addr kMask = static_cast<Addr>(Memory::Internals::kPageMask) | (sizeof(T) - 1);             \
    if (RVRR_LIKELY((a & kMask) == rc_tag)) {                                             \
      std::memcpy(&v, reinterpret_cast<const void*>(rc_add + a), sizeof(T));              \
    } else {                                                                              \
      const Memory::TlbEntry& e = Memory::Internals::read_entry(mem, a);                  \
      TRACE_READ(a, sizeof(T));                                                           \
      if ((a & kMask) == e.tag) {                                                         \
        rc_tag = e.tag;                                                                   \
        rc_add = e.addend;                                                                \
        std::memcpy(&v, reinterpret_cast<const void*>(e.addend + a), sizeof(T));          \
      } else {                                                                            \
        std::uint32_t w = 0;                                                              \
        const bool ok = Memory::Internals::load_slow(mem, a, sizeof(T), w);               \
        DROP_CACHES();                                                                    \
        if (!ok) {                                                                        \
          fault_addr = a;                                                                 \
          goto fault_load;                                                                \
        }                                                                                 \
        v = static_cast<T>(w);                                                            \
      }                                                                                   \
    }                                                                                     \
    assign;                                                                               \
    NEXT();                                                                               \
  } while (0)
#define STORE(T) STORE_FROM(T, R[ip->rs2])
#define STORE_FROM(T, value)                                                              \
  do {                                                                                    \
    Addr a = R[ip->rs1] + static_cast<std::uint32_t>(ip->imm);                            \
    WATCH(a, sizeof(T), true);                                                            \
    T v = static_cast<T>(value);                                                          \
    constexpr Addr kMask = static_cast<Addr>(Memory::Internals::kPageMask) | (sizeof(T) - 1);             \
    if (RVRR_LIKELY((a & kMask) == wc_tag)) {                                             \
      std::memcpy(reinterpret_cast<void*>(wc_add + a), &v, sizeof(T));                    \
    } else {                                                                              \
      const Memory::TlbEntry& e = Memory::Internals::write_entry(mem, a);                 \
      if ((a & kMask) == e.tag) {                                                         \
        wc_tag = e.tag;                                                                   \
        wc_add = e.addend;                                                                \
        std::memcpy(reinterpret_cast<void*>(e.addend + a), &v, sizeof(T));                \
      } else {                                                                            \
        const bool ok = Memory::Internals::store_slow(mem, a, sizeof(T), v);              \
        DROP_CACHES();                                                                    \
        if (!ok) {                                                                        \
          fault_addr = a;                                                                 \
          goto fault_store;                                                               \
        }                                                                                 \
        if (Memory::Internals::take_code_written(mem)) {                                  \
          new_pc = PC() + kLen;                                                           \
          goto after_code_write; /* ip still at the store */                              \
        }                                                                                 \
      }                                                                                   \
    }                                                                                     \
    NEXT();                                                                               \
  } while (0)
#define BRANCH(cond_expr, local)                                     \
  do {                                                               \
    std::uint32_t x = R[ip->rs1], y = R[ip->rs2];                    \
    (void)x; (void)y;                                                \
    if (cond_expr) {                                                 \
      if (local) JUMP_LOCAL();                                       \
      new_pc = PC() + static_cast<std::uint32_t>(ip->imm);           \
      RETIRE();                                                      \
      TRACE_RUN(PC() + kLen, ic, new_pc);                            \
      goto do_jump;                                                  \
    }                                                                \
    NEXT();                                                          \
  } while (0)
// Each handler exists twice, for 4- and 2-byte encodings, so the advance is a constant.
#define HANDLER(name, ...)                   \
  L_##name: {                                \
    [[maybe_unused]] constexpr std::uint32_t kLen = 4; \
    __VA_ARGS__                              \
  }                                          \
  L_##name##_C: {                            \
    [[maybe_unused]] constexpr std::uint32_t kLen = 2; \
    __VA_ARGS__                              \
  }
#define SX static_cast<std::int32_t>(x)
#define SY static_cast<std::int32_t>(y)
