// tests/vm/elf_builder.hpp - builds small ELF32 RISC-V executables in memory,
// so loader tests need no toolchain and bad files are made by editing a
// valid one at a known offset.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace rvrr::test {

struct TestSegment {
  std::uint32_t vaddr = 0x10000;
  std::uint32_t paddr = 0x10000;
  std::uint32_t flags = 5;  // PF_R|PF_X
  std::vector<std::uint8_t> data;
  std::uint32_t memsz = 0;  // 0: data.size()
};

struct TestSymbol {
  std::string name;
  std::uint32_t value = 0;
  std::uint16_t shndx = 1;  // any defined section; 0 = undefined
};

// Offsets of interesting fields in the built file, for corruption tests.
struct ElfLayout {
  std::size_t phoff = 52;
  std::size_t shoff = 0;
  std::size_t symtab_shdr = 0;  // offset of the .symtab section header
};

inline void put16(std::vector<std::uint8_t>& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v);
  b[at + 1] = static_cast<std::uint8_t>(v >> 8);
}
inline void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

inline std::vector<std::uint8_t> build_elf(std::uint32_t entry, const std::vector<TestSegment>& segments,
                                           const std::vector<TestSymbol>& symbols = {}, ElfLayout* layout = nullptr) {
  std::vector<std::uint8_t> b(52 + 32 * segments.size(), 0);
  const std::uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1, 0};
  std::memcpy(b.data(), ident, sizeof ident);
  put16(b, 16, 2);    // ET_EXEC
  put16(b, 18, 243);  // EM_RISCV
  put32(b, 20, 1);
  put32(b, 24, entry);
  put32(b, 28, 52);
  put16(b, 40, 52);
  put16(b, 42, 32);
  put16(b, 44, static_cast<std::uint16_t>(segments.size()));
  put16(b, 46, 40);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& s = segments[i];
    while (b.size() % 4) b.push_back(0);
    const std::size_t off = b.size();
    b.insert(b.end(), s.data.begin(), s.data.end());
    const std::size_t ph = 52 + 32 * i;
    put32(b, ph, 1);  // PT_LOAD
    put32(b, ph + 4, static_cast<std::uint32_t>(off));
    put32(b, ph + 8, s.vaddr);
    put32(b, ph + 12, s.paddr);
    put32(b, ph + 16, static_cast<std::uint32_t>(s.data.size()));
    put32(b, ph + 20, s.memsz ? s.memsz : static_cast<std::uint32_t>(s.data.size()));
    put32(b, ph + 24, s.flags);
    put32(b, ph + 28, 4);
  }
  if (layout) layout->phoff = 52;
  if (symbols.empty()) return b;

  // .symtab, .strtab, .shstrtab and the section header table.
  std::vector<std::uint8_t> strtab{0};
  std::vector<std::uint8_t> symtab(16, 0);
  for (const auto& sym : symbols) {
    std::vector<std::uint8_t> e(16, 0);
    put32(e, 0, static_cast<std::uint32_t>(strtab.size()));
    put32(e, 4, sym.value);
    e[12] = 0x10;  // STB_GLOBAL, STT_NOTYPE
    put16(e, 14, sym.shndx);
    strtab.insert(strtab.end(), sym.name.begin(), sym.name.end());
    strtab.push_back(0);
    symtab.insert(symtab.end(), e.begin(), e.end());
  }
  const std::string shstr("\0.symtab\0.strtab\0.shstrtab\0", 27);
  while (b.size() % 4) b.push_back(0);
  const std::size_t symtab_off = b.size();
  b.insert(b.end(), symtab.begin(), symtab.end());
  const std::size_t strtab_off = b.size();
  b.insert(b.end(), strtab.begin(), strtab.end());
  const std::size_t shstr_off = b.size();
  b.insert(b.end(), shstr.begin(), shstr.end());
  while (b.size() % 4) b.push_back(0);
  const std::size_t shoff = b.size();
  b.resize(shoff + 40 * 4, 0);
  auto shdr = [&](int idx, std::uint32_t name, std::uint32_t type, std::size_t off, std::size_t size,
                  std::uint32_t link, std::uint32_t entsize) {
    const std::size_t at = shoff + 40 * idx;
    put32(b, at, name);
    put32(b, at + 4, type);
    put32(b, at + 16, static_cast<std::uint32_t>(off));
    put32(b, at + 20, static_cast<std::uint32_t>(size));
    put32(b, at + 24, link);
    put32(b, at + 36, entsize);
  };
  shdr(1, 1, 2, symtab_off, symtab.size(), 2, 16);  // .symtab -> .strtab
  shdr(2, 9, 3, strtab_off, strtab.size(), 0, 0);   // .strtab
  shdr(3, 17, 3, shstr_off, shstr.size(), 0, 0);    // .shstrtab
  put32(b, 32, static_cast<std::uint32_t>(shoff));
  put16(b, 48, 4);
  put16(b, 50, 3);
  if (layout) {
    layout->shoff = shoff;
    layout->symtab_shdr = shoff + 40;
  }
  return b;
}

}  // namespace rvrr::test
