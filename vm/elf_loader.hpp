// vm/elf_loader.hpp - RISC-V executables (ELF32: RV32, ELF64: RV64) into a loadable image.
//
// RV64 programs must lie below 256 GiB (segments, entry point): sv39's user
// space, where rvrr lays out Linux processes (stack at its top); `-static`
// links at 0x10000 by default.
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
  unsigned xlen = 32;   // 32 for ELF32 (RV32), 64 for ELF64 (RV64)
  Addr entry = 0;
  // The program headers in guest memory (PT_PHDR, else the PT_LOAD holding
  // them; 0 when not loaded), their entry size and count: AT_PHDR, AT_PHENT
  // and AT_PHNUM, which static glibc needs to find its TLS segment.
  Addr phdr = 0;
  std::uint16_t phent = 0, phnum = 0;
  std::vector<ElfSegment> segments;        // PT_LOAD only, in file order
  std::map<std::string, Addr> symbols;     // defined symbols from .symtab (empty if stripped)
  std::optional<Addr> symbol(const std::string& name) const;
};

struct ElfLoadResult {
  std::optional<ElfImage> image;
  std::string error;  // set iff !image: e.g. "not an ELF file", "not a RISC-V program (e_machine 62)"
};

ElfLoadResult load_elf(std::span<const std::uint8_t> bytes);
// Reads the file first; a missing file, a directory or an unreadable one is an error too.
ElfLoadResult load_elf_file(const std::string& path);

}  // namespace rvrr::vm
