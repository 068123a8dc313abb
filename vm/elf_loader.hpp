// vm/elf_loader.hpp - ELF32 RISC-V executables into a loadable image.
//
// Validates everything it reads (class, endianness, machine, header sizes,
// segment bounds, absurd sizes) and reports the first problem as one clear
// sentence; it never throws on bad input and never reads out of bounds.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vm/types.hpp"

namespace rvrr::vm {

struct ElfSegment {
  Addr vaddr = 0;
  Addr paddr = 0;
  std::uint32_t memsz = 0;
  std::uint8_t perms = 0;            // Perm bits from p_flags
  std::vector<std::uint8_t> bytes;   // p_filesz bytes from the file (rest is zero)
};

struct ElfImage {
  Addr entry = 0;
  std::vector<ElfSegment> segments;        // PT_LOAD only, in file order
  std::map<std::string, Addr> symbols;     // defined symbols from .symtab (empty if stripped)
  std::optional<Addr> symbol(const std::string& name) const;
};

struct ElfLoadResult {
  std::optional<ElfImage> image;
  std::string error;  // set iff !image: e.g. "not an ELF file", "ELF64 is not supported (RV32 only)"
};

ElfLoadResult load_elf(std::span<const std::uint8_t> bytes);
// Reads the file first; a missing file, a directory or an unreadable one is an error too.
ElfLoadResult load_elf_file(const std::string& path);

}  // namespace rvrr::vm
