// tests/server/tiny_elf.hpp - hand-assembled guests without a toolchain.
#pragma once
#include <cstdint>
#include <vector>

namespace rvrr::server::test {

inline void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(x & 0xff);
  v.push_back(x >> 8);
}
inline void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  put16(v, x & 0xffff);
  put16(v, x >> 16);
}

// A minimal ELF32 RISC-V executable: one PT_LOAD segment holding `code` at 0x10000.
inline std::vector<std::uint8_t> tiny_elf(const std::vector<std::uint32_t>& code) {
  constexpr std::uint32_t kBase = 0x10000, kEhdr = 52, kPhdr = 32;
  std::vector<std::uint8_t> e = {0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put16(e, 2);        // ET_EXEC
  put16(e, 243);      // EM_RISCV
  put32(e, 1);        // EV_CURRENT
  put32(e, kBase);    // entry
  put32(e, kEhdr);    // phoff
  put32(e, 0);        // shoff
  put32(e, 0);        // flags
  put16(e, kEhdr);
  put16(e, kPhdr);
  put16(e, 1);        // phnum
  put16(e, 40);
  put16(e, 0);
  put16(e, 0);
  std::uint32_t size = static_cast<std::uint32_t>(code.size() * 4);
  put32(e, 1);              // PT_LOAD
  put32(e, kEhdr + kPhdr);  // offset
  put32(e, kBase);          // vaddr
  put32(e, kBase);          // paddr
  put32(e, size);
  put32(e, size);
  put32(e, 5);              // R+X
  put32(e, 4);
  for (std::uint32_t w : code) put32(e, w);
  return e;
}

}  // namespace rvrr::server::test
