// vm/memory.hpp - the guest's address space (32- or 64-bit): 4 KiB pages, copy-on-write.
//
// Copying a Memory is taking a snapshot: it costs a page-table copy (refcount
// bumps), and a page shared by two Memories is never written through either
// of them (the writer clones it first). Pages can therefore be dropped in any
// order. The first 64 KiB are never mapped, so null pointers fault.
//
// Guest accesses (used by the CPU) respect permissions and report faults;
// debugger/loader accesses (read_bytes/write_bytes) ignore permissions but
// never touch unmapped pages.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "vm/types.hpp"

namespace rvrr::vm {

inline constexpr std::uint32_t kPageSize = 4096;
inline constexpr std::uint32_t kPageShift = 12;
// The null guard: rvrr never maps [0, 64 KiB) of its own accord (stack,
// heap, brk), so null and small wild pointers fault. A program's own ELF
// segments may lie there (qemu-riscv32 loads `-Ttext=0x10000`, whose headers
// start at 0xf000, and even `-Ttext=0`); the guard is then what the program
// leaves unmapped, page 0 included unless a segment covers it.
inline constexpr Addr kGuardEnd = 0x10000;

enum Perm : std::uint8_t { PermRead = 1, PermWrite = 2, PermExec = 4 };

class Memory {
 public:
  Memory();
  Memory(const Memory&);             // snapshot: shares every page
  Memory& operator=(const Memory&);  // snapshot
  Memory(Memory&&) noexcept;
  Memory& operator=(Memory&&) noexcept;
  ~Memory();

  // Map [start, start+len) rounded out to pages, zero-filled, with `perms`
  // (OR-ed into pages already mapped). A range wrapping past the top of the
  // 64-bit space is refused (returns false, maps nothing); the null guard and
  // an RV32 guest's 4 GiB are the callers' rules.
  bool map(Addr start, std::uint64_t len, std::uint8_t perms);
  // Unmap the pages fully inside [start, start+len).
  void unmap(Addr start, std::uint64_t len);
  bool is_mapped(Addr addr) const;
  std::uint8_t perms(Addr addr) const;  // 0 when unmapped

  // Debugger / loader access. read_bytes returns false (out unspecified) if any
  // byte is unmapped; write_bytes writes nothing in that case. Permissions are
  // ignored; write_bytes invalidates decoded instructions it overlaps.
  bool read_bytes(Addr addr, std::span<std::uint8_t> out) const;
  bool write_bytes(Addr addr, std::span<const std::uint8_t> in);
  // Whether [addr, addr+len) (len > 0) holds different bytes here and in
  // `other`, typically a snapshot of this Memory: pages the two share are
  // skipped unread, so a large range costs what differs, not what it spans.
  // nullopt if any byte of it is unmapped in either (or it wraps).
  std::optional<bool> range_differs(const Memory& other, Addr addr, std::uint64_t len) const;

  std::size_t page_count() const;
  // Pages unmapped so far in this Memory's history (snapshots inherit it).
  // Lets a caller comparing two snapshots by page identity notice a page
  // that was written, unmapped and mapped again (fresh zero page) in between.
  std::uint64_t unmap_count() const { return unmaps_; }
  // f(page_number, identity) for every mapped page in ascending order. Two
  // Memories that share a page give the same identity pointer, so callers can
  // count unique pages across snapshots.
  void for_each_page(const std::function<void(std::uint64_t page, const void* identity)>& f) const;
  // f(page_number) for every page whose page object or permissions differ
  // between `base` and this Memory (mapped in one and not the other
  // included), ascending. Directories and tables the two share are skipped
  // whole: comparing a snapshot's descendant with it costs what changed.
  void for_each_difference(const Memory& base, const std::function<void(std::uint64_t page)>& f) const;
  // The identity (as for_each_page gives it) of the page every freshly
  // mapped page shares until it is first written: such a page holds only zeros.
  static const void* zero_page_identity();
  // A deterministic hash of every mapped page's number, permissions and bytes.
  std::uint64_t hash() const;

  // ---- implementation (private to vm/; the CPU reaches in through friends) ----
  // IMPLEMENTATION-DEFINED below this line.
  //
  // Layout: the address space is cut into 4 GiB chunks, each a refcounted
  // directory of 1024 refcounted tables of 1024 pages (4 MiB each). Chunk 0
  // (all of an RV32 guest) has its own member; the few others an RV64 guest
  // touches (stack near the top, mmap regions) sit in a small sorted vector,
  // so sparse mappings far apart cost one directory per chunk used, and a
  // snapshot copies a handful of pointers (O(chunks), not O(address space)).
  // A directory, table or page shared with another Memory is cloned before
  // anything is written through it (directory first, then table, then page). Freshly mapped
  // pages all share one immutable zero page (cloned on first write), so
  // mapping a large stack costs neither memory nor time. Decoded instructions
  // hang off their page and are shared by snapshots (a cache of immutable
  // bytes; attached lazily, so Memories sharing pages must not run on
  // different threads at once).
  //
  // Hot path (used by the interpreter in vm/interpreter.cpp): direct-mapped
  // TLBs map an address to host bytes with one compare. Invariants:
  //  - read_tlb_ holds readable pages; write_tlb_ holds writable pages this
  //    Memory owns exclusively (table and page) that have no decoded code;
  //    fetch_tlb_ holds executable pages' decoded instructions.
  //  - a tag is the page's address; an empty entry has tag kEmptyTag, which
  //    never matches: a masked address has bits 2..11 clear. (Tag 1 would
  //    match a misaligned access at 0x...1 in page 0.)
  //  - an access of size S at addr hits iff (addr & (~0xfff | (S-1))) == tag,
  //    so misaligned accesses always take the slow path.
  struct Page;
  struct Table;
  struct Dir;
  struct DecodedPage;
  static constexpr Addr kEmptyTag = 0x800;
  struct TlbEntry {
    Addr tag = kEmptyTag;
    std::uintptr_t addend = 0;  // host pointer = addend + guest address
  };
  struct FetchEntry {
    Addr tag = kEmptyTag;
    const void* ops = nullptr;  // const DecodedOp[kSlotsPerPage + 2]
  };
  static constexpr std::uint32_t kTlbSize = 256;
  static constexpr std::uint32_t kFetchTlbSize = 64;
  static constexpr std::uint32_t kTableEntries = 1024;

  struct Internals;  // friend gateway for vm/ (interpreter, decoder)

 private:
  friend struct Internals;
  const Table* table_of(std::uint64_t page) const;  // null if none
  // The table holding `page`, privately owned (directory and table cloned as
  // needed; created when `create`, else null if there is none).
  Table* own_table(std::uint64_t page, bool create);
  const std::uint8_t* host_ptr_const(std::uint64_t page) const;
  std::uint8_t* writable_page(std::uint64_t page);  // clones as needed; page must be mapped
  void flush_page(std::uint64_t page) const;
  void flush_all() const;
  void flush_writes() const;

  std::shared_ptr<Dir> low_;  // chunk 0: [0, 4 GiB)
  std::vector<std::pair<std::uint64_t, std::shared_ptr<Dir>>> high_;  // chunk number -> directory, ascending
  std::size_t page_count_ = 0;
  std::uint64_t unmaps_ = 0;  // see unmap_count()
  mutable TlbEntry read_tlb_[kTlbSize];
  mutable TlbEntry write_tlb_[kTlbSize];
  mutable FetchEntry fetch_tlb_[kFetchTlbSize];
  // Decoded pages dropped while the interpreter may still point into them;
  // freed when the next run starts (Internals::release_retired).
  std::vector<std::unique_ptr<DecodedPage>> retired_;
  bool code_written_ = false;  // set when a guest store invalidated decoded code
  // Non-null while a run reports the pages it reads through read-TLB fills
  // (Internals::observe_reads); never copied or moved with the Memory.
  std::uint64_t* read_marks_ = nullptr;
};

}  // namespace rvrr::vm
