// vm/guest_access.hpp - bounds-checked guest memory access for the syscall layer
// (private to vm/). Every helper fails cleanly on an unmapped (or, for writes,
// non-writable) byte; the callers turn that into -EFAULT, never a host crash.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vm/memory.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm::guest {

// Linux errno values as the RISC-V Linux ABI defines them.
inline constexpr std::int32_t kEPERM = 1, kENOENT = 2, kEIO = 5, kEBADF = 9, kENOMEM = 12, kEACCES = 13,
                              kEFAULT = 14, kENOTDIR = 20, kEINVAL = 22, kEMFILE = 24, kENOTTY = 25,
                              kESPIPE = 29, kENAMETOOLONG = 36, kENOSYS = 38;

inline constexpr std::uint32_t kPathMax = 4096;
inline constexpr std::size_t kMaxGuestFiles = 1024;  // guest fd table size (EMFILE beyond)

// True if [addr, addr+len) lies in the address space and every page is mapped
// (and writable when `write`). len 0 is always accessible.
inline bool accessible(const Memory& m, Addr addr, std::uint64_t len, bool write) {
  if (len == 0) return true;
  if (len - 1 > ~addr) return false;  // wraps past the top of the space
  const std::uint64_t first = addr >> kPageShift;
  const std::uint64_t last = (addr + (len - 1)) >> kPageShift;
  for (std::uint64_t p = first; p <= last; ++p) {
    const std::uint8_t perms = m.perms(static_cast<Addr>(p << kPageShift));
    if (perms == 0) return false;
    if (write && !(perms & PermWrite)) return false;
  }
  return true;
}

inline std::optional<std::vector<std::uint8_t>> read(const Memory& m, Addr addr, std::uint32_t len) {
  if (!accessible(m, addr, len, false)) return std::nullopt;
  std::vector<std::uint8_t> out(len);
  if (len && !m.read_bytes(addr, out)) return std::nullopt;
  return out;
}

inline bool write(Memory& m, Addr addr, std::span<const std::uint8_t> bytes) {
  if (bytes.size() > 0xffffffffu) return false;
  if (!accessible(m, addr, static_cast<std::uint32_t>(bytes.size()), true)) return false;
  return bytes.empty() || m.write_bytes(addr, bytes);
}

inline std::optional<std::uint32_t> read_u32(const Memory& m, Addr addr) {
  std::uint8_t b[4];
  if (!accessible(m, addr, 4, false) || !m.read_bytes(addr, b)) return std::nullopt;
  return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
         (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_u64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline bool write_u32(Memory& m, Addr addr, std::uint32_t v) {
  std::vector<std::uint8_t> b;
  put_u32(b, v);
  return write(m, addr, b);
}

// A NUL-terminated string of at most max_len bytes (not counting the NUL).
// nullopt with *too_long=false: bad pointer; with *too_long=true: no NUL in range.
inline std::optional<std::string> read_cstring(const Memory& m, Addr addr, std::uint32_t max_len, bool* too_long) {
  *too_long = false;
  std::string s;
  std::uint64_t a = addr;
  while (true) {
    // Read up to the end of the current page at once (the top page ends at 0).
    const std::uint64_t page_end = ((a >> kPageShift) + 1) << kPageShift;
    const std::uint32_t chunk = static_cast<std::uint32_t>(page_end - a);
    auto bytes = read(m, a, chunk);
    if (!bytes) return std::nullopt;
    for (std::uint8_t c : *bytes) {
      if (c == 0) return s;
      if (s.size() >= max_len) { *too_long = true; return std::nullopt; }
      s.push_back(static_cast<char>(c));
    }
    if (page_end == 0) return std::nullopt;  // ran off the top of the space
    a = page_end;
  }
}

// Lowest free guest fd >= 3, or -1 when the table is full.
inline int lowest_free_fd(SyscallState& st) {
  for (std::size_t fd = 3; fd < st.files.size(); ++fd)
    if (!st.files[fd]) return static_cast<int>(fd);
  if (st.files.size() < 3) st.files.resize(3);
  if (st.files.size() >= kMaxGuestFiles) return -1;
  st.files.emplace_back();
  return static_cast<int>(st.files.size() - 1);
}

inline GuestFile* file(SyscallState& st, std::int64_t fd) {
  if (fd < 0 || static_cast<std::uint64_t>(fd) >= st.files.size() || !st.files[static_cast<std::size_t>(fd)])
    return nullptr;
  return &*st.files[static_cast<std::size_t>(fd)];
}

}  // namespace rvrr::vm::guest
