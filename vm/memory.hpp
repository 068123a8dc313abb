// vm/memory.hpp - the guest's 32-bit address space: 4 KiB pages, copy-on-write.
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
#include <span>

#include "vm/types.hpp"

namespace rvrr::vm {

inline constexpr std::uint32_t kPageSize = 4096;
inline constexpr std::uint32_t kPageShift = 12;
inline constexpr Addr kGuardEnd = 0x10000;  // [0, 64 KiB) is never mapped

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
  // (OR-ed into pages already mapped). Pages below kGuardEnd are refused
  // (returns false, maps nothing).
  bool map(Addr start, std::uint32_t len, std::uint8_t perms);
  // Unmap the pages fully inside [start, start+len).
  void unmap(Addr start, std::uint32_t len);
  bool is_mapped(Addr addr) const;
  std::uint8_t perms(Addr addr) const;  // 0 when unmapped

  // Debugger / loader access. read_bytes returns false (out unspecified) if any
  // byte is unmapped; write_bytes writes nothing in that case. Permissions are
  // ignored; write_bytes invalidates decoded instructions it overlaps.
  bool read_bytes(Addr addr, std::span<std::uint8_t> out) const;
  bool write_bytes(Addr addr, std::span<const std::uint8_t> in);

  std::size_t page_count() const;
  // f(page_number, identity) for every mapped page in ascending order. Two
  // Memories that share a page give the same identity pointer, so callers can
  // count unique pages across snapshots.
  void for_each_page(const std::function<void(std::uint32_t page, const void* identity)>& f) const;
  // A deterministic hash of every mapped page's number, permissions and bytes.
  std::uint64_t hash() const;

  // ---- implementation (private to vm/; the CPU reaches in through friends) ----
  // IMPLEMENTATION-DEFINED below this line.
};

}  // namespace rvrr::vm
