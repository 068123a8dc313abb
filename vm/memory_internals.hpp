// vm/memory_internals.hpp - Memory's page types and the interpreter's gateway (private to vm/).
#pragma once
#include <atomic>
#include <cstring>
#include <memory>

#include "vm/decoder.hpp"
#include "vm/memory.hpp"

namespace rvrr::vm {

// The translating tier's per-page state (vm/jit_internal.hpp); freed with its decoded page.
struct JitPage;
void release_jit_page(JitPage* page);  // vm/jit.cpp

struct Memory::DecodedPage {
  DecodedOp ops[kSlotsPerPage + 2];  // first member: a pointer to ops is one to the page
  // Process-unique, never reused: names this decoding for caches that must
  // not mistake a later page at the same host address for it.
  std::uint64_t serial = 0;
  // Translations of this page's code, attached (compare-exchange) on first
  // use by the translating tier; a cache of the immutable ops like `ops`.
  std::atomic<JitPage*> jit{nullptr};
  DecodedPage() = default;
  DecodedPage(const DecodedPage&) = delete;
  DecodedPage& operator=(const DecodedPage&) = delete;
  ~DecodedPage() {
    if (JitPage* j = jit.load(std::memory_order_acquire)) release_jit_page(j);
  }
};

// A page's bytes plus, once executed, its decoded form. Shared pages are
// immutable (the decoded form is a cache of their bytes, so snapshots share
// it too); a writer that owns the page alone retires the decoded form.
// Copies of a Machine may run on different threads (parallel scans,
// timeline/parallel_scan.hpp) and then share page objects: `decoded` is the
// only thing ever written on a shared page, so it is attached with one
// compare-exchange (fetch_slow; the loser frees its own decoding) and read
// atomically. The fetch fast path never touches it (it reads the fetch TLB).
struct Memory::Page {
  alignas(64) std::uint8_t bytes[kPageSize];
  std::atomic<DecodedPage*> decoded{nullptr};  // owned
  Page() = default;
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;
  ~Page() { delete decoded.load(std::memory_order_relaxed); }
};

struct Memory::Table {
  std::shared_ptr<Page> pages[kTableEntries];
  std::uint8_t perms[kTableEntries] = {};
};

// 4 GiB of address space: 1024 tables.
struct Memory::Dir {
  std::shared_ptr<Table> tables[kTableEntries];
};

#if defined(__GNUC__)
#define RVRR_LIKELY(x) __builtin_expect(!!(x), 1)
#define RVRR_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define RVRR_LIKELY(x) (x)
#define RVRR_UNLIKELY(x) (x)
#endif

// What the interpreter needs from Memory. Fast paths inline; misses call the
// out-of-line slow paths in memory.cpp, which fill the TLBs.
struct Memory::Internals {
  static constexpr Addr kPageMask = ~static_cast<Addr>(kPageSize - 1);
  static_assert(sizeof(TlbEntry) == 16 && (1u << kPageShift) == 4096);
  // The entry for addr: its byte offset computed with one shift and one mask
  // (the compiler otherwise shifts, zero-extends, scales and adds).
  static const TlbEntry& tlb_entry(const TlbEntry* tlb, Addr addr) {
    return *reinterpret_cast<const TlbEntry*>(reinterpret_cast<const char*>(tlb) +
                                              ((addr >> (kPageShift - 4)) & ((kTlbSize - 1) << 4)));
  }

  template <typename T>
  static bool load(Memory& m, Addr addr, T& out) {
    const TlbEntry& e = tlb_entry(m.read_tlb_, addr);
    if (RVRR_LIKELY((addr & (kPageMask | (sizeof(T) - 1))) == e.tag)) {
      std::memcpy(&out, reinterpret_cast<const void*>(e.addend + addr), sizeof(T));
      return true;
    }
    std::uint32_t v = 0;
    if (!load_slow(m, addr, sizeof(T), v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  template <typename T>
  static bool store(Memory& m, Addr addr, T value) {
    const TlbEntry& e = tlb_entry(m.write_tlb_, addr);
    if (RVRR_LIKELY((addr & (kPageMask | (sizeof(T) - 1))) == e.tag)) {
      std::memcpy(reinterpret_cast<void*>(e.addend + addr), &value, sizeof(T));
      return true;
    }
    return store_slow(m, addr, sizeof(T), value);
  }
  // Store on a write-TLB hit only; false means "take store_slow".
  template <typename T>
  static bool store_fast(Memory& m, Addr addr, T value) {
    const TlbEntry& e = tlb_entry(m.write_tlb_, addr);
    if (RVRR_LIKELY((addr & (kPageMask | (sizeof(T) - 1))) == e.tag)) {
      std::memcpy(reinterpret_cast<void*>(e.addend + addr), &value, sizeof(T));
      return true;
    }
    return false;
  }
  static const TlbEntry& read_entry(const Memory& m, Addr addr) { return tlb_entry(m.read_tlb_, addr); }
  static const TlbEntry& write_entry(const Memory& m, Addr addr) { return tlb_entry(m.write_tlb_, addr); }
  // The fetch TLB itself (the translating tier looks jump targets up in it).
  static const FetchEntry* fetch_tlb(const Memory& m) { return m.fetch_tlb_; }
  // The decoded page on a fetch-TLB hit, else null (then call fetch_slow).
  static const DecodedOp* fetch_hit(const Memory& m, Addr pc) {
    const FetchEntry& e = m.fetch_tlb_[(pc >> kPageShift) & (kFetchTlbSize - 1)];
    return (pc & kPageMask) == e.tag ? static_cast<const DecodedOp*>(e.ops) : nullptr;
  }
  static const DecodedOp* fetch(Memory& m, Addr pc) {
    const FetchEntry& e = m.fetch_tlb_[(pc >> kPageShift) & (kFetchTlbSize - 1)];
    if (RVRR_LIKELY((pc & kPageMask) == e.tag)) return static_cast<const DecodedOp*>(e.ops);
    return fetch_slow(m, pc);
  }
  // Little-endian `size` bytes (1, 2, 4) at any alignment; false: no such
  // mapped page with the permission (fault at the first bad page).
  static bool load_slow(Memory& m, Addr addr, std::uint32_t size, std::uint32_t& out);
  static bool store_slow(Memory& m, Addr addr, std::uint32_t size, std::uint32_t value);
  // Decoded instructions of the executable page holding pc; null if not executable.
  static const DecodedOp* fetch_slow(Memory& m, Addr pc);
  // Host pointer to an aligned word readable AND writable (for AMOs); null otherwise.
  static std::uint32_t* rw_word(Memory& m, Addr addr);
  // Host bytes of the executable page holding addr, undecoded (the RV64 run
  // loop reads instructions from them); null if not executable. Valid until
  // the next write or mapping change of this Memory.
  static const std::uint8_t* exec_page(const Memory& m, Addr addr) {
    if (!(m.perms(addr) & PermExec)) return nullptr;
    return m.host_ptr_const(addr >> kPageShift);
  }
  // Raw 16-bit fetch for instructions straddling pages; false if not executable.
  static bool fetch_half(Memory& m, Addr addr, std::uint16_t& out);
  // The serial of the decoded page whose ops fetch() returned.
  static std::uint64_t decoded_serial(const DecodedOp* ops) {
    return reinterpret_cast<const DecodedPage*>(ops)->serial;
  }
  // Set when a guest store retired decoded code; the interpreter re-fetches.
  static bool take_code_written(Memory& m) {
    bool w = m.code_written_;
    m.code_written_ = false;
    return w;
  }
  static void release_retired(Memory& m) { m.retired_.clear(); }
  // From now on every read-TLB fill sets the page's bit in `bits` (a
  // read_page_bit bitmap, vm/exec_trace.hpp; null: stop). The read TLB is
  // emptied first, so each page a load reads from now on misses it once:
  // code that probes the TLB inline (the translating tier) then reports
  // its reads with no per-load cost. (Stores stop filling the read TLB
  // meanwhile.)
  static void observe_reads(Memory& m, std::uint64_t* bits) {
    m.read_marks_ = bits;
    if (bits != nullptr) std::fill(std::begin(m.read_tlb_), std::end(m.read_tlb_), TlbEntry{});
  }
  // The translating tier's state of the decoded page whose ops fetch() returned (null: none yet).
  static JitPage* jit_page(const DecodedOp* ops) {
    return reinterpret_cast<const DecodedPage*>(ops)->jit.load(std::memory_order_acquire);
  }
  static std::atomic<JitPage*>& jit_slot(const DecodedOp* ops) {
    return const_cast<DecodedPage*>(reinterpret_cast<const DecodedPage*>(ops))->jit;
  }
  // For tests: does `page` currently hold a decoded form?
  static bool has_decoded(const Memory& m, Addr addr);
};

}  // namespace rvrr::vm
