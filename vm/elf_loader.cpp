// vm/elf_loader.cpp - ELF32 (RV32) and ELF64 (RV64) RISC-V executables into an ElfImage.
//
// Every offset and size read from the file is checked in 64-bit arithmetic
// against the file length before any byte is touched, so a hostile or
// truncated file yields an error string, never an out-of-bounds read.
#include "vm/elf_loader.hpp"
#include "vm/elf_flags.hpp"
#include "vm/memory.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace rvrr::vm {

namespace {

constexpr std::uint16_t kEmRiscv = 243;
constexpr std::uint16_t kEtExec = 2;
constexpr std::uint16_t kEtDyn = 3;
constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kShtSymtab = 2;
constexpr std::uint16_t kShnUndef = 0;
constexpr std::uint16_t kShnLoReserve = 0xff00;
constexpr std::uint16_t kShnAbs = 0xfff1;
constexpr std::uint32_t kPtPhdr = 6;
// A segment larger than this cannot be a sensible program (and would
// exceed any memory limit we accept); refusing early keeps allocation bounded.
constexpr std::uint64_t kMaxSegmentSize = 1ull << 30;
// Where a program may lie: RV32's 4 GiB; for RV64 the user half of sv39
// (256 GiB), the layout rvrr gives Linux programs (stack at its top).
constexpr std::uint64_t kAddressSpace32 = 1ull << 32;
constexpr std::uint64_t kAddressSpace64 = 1ull << 38;
constexpr std::size_t kMaxSymbols = 1u << 20;

struct Reader {
  std::span<const std::uint8_t> bytes;
  bool has(std::uint64_t off, std::uint64_t len) const {
    return off <= bytes.size() && len <= bytes.size() - off;
  }
  std::uint16_t u16(std::uint64_t off) const {
    return static_cast<std::uint16_t>(bytes[off] | (bytes[off + 1] << 8));
  }
  std::uint32_t u32(std::uint64_t off) const {
    return static_cast<std::uint32_t>(bytes[off]) | (static_cast<std::uint32_t>(bytes[off + 1]) << 8) |
           (static_cast<std::uint32_t>(bytes[off + 2]) << 16) |
           (static_cast<std::uint32_t>(bytes[off + 3]) << 24);
  }
  std::uint64_t u64(std::uint64_t off) const { return u32(off) | (static_cast<std::uint64_t>(u32(off + 4)) << 32); }
};

// Where ELF32 and ELF64 keep the fields this loader reads (the two classes
// differ only in field widths and offsets).
struct Layout {
  bool is64;
  std::uint64_t space() const { return is64 ? kAddressSpace64 : kAddressSpace32; }
  std::size_t ehdr, phdr, shdr, sym;
  std::uint64_t word(const Reader& r, std::uint64_t off) const { return is64 ? r.u64(off) : r.u32(off); }
};
constexpr Layout kElf32{false, 52, 32, 40, 16};
constexpr Layout kElf64{true, 64, 56, 64, 24};

ElfLoadResult fail(std::string message) {
  ElfLoadResult r;
  r.error = std::move(message);
  return r;
}

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

// Reads defined symbols from the first SHT_SYMTAB. Symbol problems are not
// fatal for execution, but a corrupt table is still reported: a file whose
// section table lies is not one we should trust.
std::string read_symbols(const Reader& r, const Layout& L, std::uint64_t shoff, std::uint16_t shentsize,
                         std::uint16_t shnum, std::map<std::string, Addr>& out) {
  if (shoff == 0 || shnum == 0) return {};
  if (shentsize < L.shdr) return "section header entry size " + std::to_string(shentsize) + " is too small";
  if (!r.has(shoff, static_cast<std::uint64_t>(shentsize) * shnum))
    return "section header table (offset " + hex(shoff) + ", " + std::to_string(shnum) +
           " entries) extends past the end of the file";
  // sh_offset, sh_size, sh_link, sh_entsize within a section header.
  const std::size_t o_off = L.is64 ? 24 : 16, o_size = L.is64 ? 32 : 20, o_link = L.is64 ? 40 : 24,
                    o_ent = L.is64 ? 56 : 36;
  for (std::uint32_t i = 0; i < shnum; ++i) {
    const std::uint64_t sh = shoff + static_cast<std::uint64_t>(i) * shentsize;
    if (r.u32(sh + 4) != kShtSymtab) continue;
    const std::uint64_t sym_off = L.word(r, sh + o_off);
    const std::uint64_t sym_size = L.word(r, sh + o_size);
    const std::uint32_t link = r.u32(sh + o_link);
    const std::uint64_t entsize = L.word(r, sh + o_ent);
    if (entsize != 0 && entsize < L.sym) return "symbol table entry size " + std::to_string(entsize) + " is too small";
    const std::uint64_t ent = entsize ? entsize : L.sym;
    if (!r.has(sym_off, sym_size)) return "symbol table extends past the end of the file";
    if (link >= shnum) return "symbol table links to a missing string table";
    const std::uint64_t strsh = shoff + static_cast<std::uint64_t>(link) * shentsize;
    const std::uint64_t str_off = L.word(r, strsh + o_off);
    const std::uint64_t str_size = L.word(r, strsh + o_size);
    if (!r.has(str_off, str_size)) return "string table extends past the end of the file";
    const std::uint64_t count = sym_size / ent;
    if (count > kMaxSymbols) return "symbol table is absurdly large";
    for (std::uint64_t k = 1; k < count; ++k) {  // entry 0 is the null symbol
      const std::uint64_t s = sym_off + k * ent;
      const std::uint32_t name = r.u32(s);
      const std::uint64_t value = L.is64 ? r.u64(s + 8) : r.u32(s + 4);
      const std::uint16_t shndx = r.u16(s + (L.is64 ? 6 : 14));
      if (shndx == kShnUndef || (shndx >= kShnLoReserve && shndx != kShnAbs)) continue;
      if (name == 0 || name >= str_size) continue;
      if (value >= L.space()) continue;  // not an address the program can use
      const char* begin = reinterpret_cast<const char*>(r.bytes.data() + str_off + name);
      const std::size_t max_len = str_size - name;
      const std::size_t len = strnlen(begin, max_len);
      if (len == max_len || len == 0) continue;  // unterminated or empty name
      // First definition wins: deterministic for duplicate local names.
      out.emplace(std::string(begin, len), static_cast<Addr>(value));
    }
    break;
  }
  return {};
}

}  // namespace

std::optional<Addr> ElfImage::symbol(const std::string& name) const {
  auto it = symbols.find(name);
  if (it == symbols.end()) return std::nullopt;
  return it->second;
}

ElfLoadResult load_elf(std::span<const std::uint8_t> bytes) {
  const Reader r{bytes};
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) return fail("not an ELF file");
  if (bytes.size() < 6) return fail("truncated ELF header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[4] != 1 && bytes[4] != 2) return fail("unknown ELF class " + std::to_string(bytes[4]));
  const Layout& L = bytes[4] == 2 ? kElf64 : kElf32;
  if (bytes[5] != 1) return fail("big-endian ELF is not supported: RISC-V programs are little-endian");
  if (bytes.size() < L.ehdr)
    return fail("truncated ELF header (" + std::to_string(bytes.size()) + " bytes, need " +
                std::to_string(L.ehdr) + ")");
  const std::uint16_t type = r.u16(16);
  const std::uint16_t machine = r.u16(18);
  if (machine != kEmRiscv)
    return fail(std::string("not a RISC-V program (") + (L.is64 ? "ELF64, " : "") + "e_machine " +
                std::to_string(machine) + ")");
  if (type == kEtDyn)
    return fail("position-independent executables and shared objects (ET_DYN) are not supported; link with -static -no-pie");
  if (type != kEtExec) return fail("not an executable (e_type " + std::to_string(type) + ")");
  // e_entry, e_phoff, e_shoff are words; e_flags and the 16-bit counts follow.
  const std::size_t w = L.is64 ? 8 : 4;
  const std::size_t o_flags = 24 + 3 * w;
  if (auto why = riscv_flags_problem(r.u32(o_flags))) return fail(*why);

  ElfImage image;
  image.xlen = L.is64 ? 64 : 32;
  const std::uint64_t entry = L.word(r, 24);
  if (entry >= L.space())
    return fail("entry point " + hex(entry) + " lies above 256 GiB: rvrr runs RV64 programs in sv39's user space");
  image.entry = static_cast<Addr>(entry);
  const std::uint64_t phoff = L.word(r, 24 + w);
  const std::uint64_t shoff = L.word(r, 24 + 2 * w);
  const std::uint16_t phentsize = r.u16(o_flags + 6);
  const std::uint16_t phnum = r.u16(o_flags + 8);
  const std::uint16_t shentsize = r.u16(o_flags + 10);
  const std::uint16_t shnum = r.u16(o_flags + 12);

  if (phnum == 0) return fail("no program headers: nothing to load");
  if (phentsize < L.phdr) return fail("program header entry size " + std::to_string(phentsize) + " is too small");
  if (!r.has(phoff, static_cast<std::uint64_t>(phentsize) * phnum))
    return fail("program header table (offset " + hex(phoff) + ", " + std::to_string(phnum) +
                " entries) extends past the end of the file");
  image.phent = phentsize;
  image.phnum = phnum;

  std::optional<std::uint64_t> phdr_vaddr;  // where the program headers are in memory (AT_PHDR)
  for (std::uint32_t i = 0; i < phnum; ++i) {
    const std::uint64_t ph = phoff + static_cast<std::uint64_t>(i) * phentsize;
    const std::uint32_t ptype = r.u32(ph);
    if (ptype == kPtPhdr) phdr_vaddr = L.word(r, ph + (L.is64 ? 16 : 8));
    if (ptype != kPtLoad) continue;
    const std::uint64_t offset = L.word(r, ph + (L.is64 ? 8 : 4));
    const std::uint64_t vaddr = L.word(r, ph + (L.is64 ? 16 : 8));
    const std::uint64_t paddr = L.word(r, ph + (L.is64 ? 24 : 12));
    const std::uint64_t filesz = L.word(r, ph + (L.is64 ? 32 : 16));
    const std::uint64_t memsz = L.word(r, ph + (L.is64 ? 40 : 20));
    const std::uint32_t flags = r.u32(ph + (L.is64 ? 4 : 24));
    const std::string which = "segment " + std::to_string(i);
    if (filesz > memsz)
      return fail(which + ": file size " + hex(filesz) + " exceeds memory size " + hex(memsz));
    if (memsz > kMaxSegmentSize) return fail(which + ": memory size " + hex(memsz) + " is absurdly large (> 1 GiB)");
    if (vaddr + memsz > L.space() || paddr + memsz > L.space())
      return fail(which + " at " + hex(vaddr) + " (size " + hex(memsz) + ") " +
                  (L.is64 ? "lies above 256 GiB: rvrr runs RV64 programs in sv39's user space"
                          : "wraps past the 4 GiB address space"));
    if (!r.has(offset, filesz))
      return fail(which + ": file range " + hex(offset) + "+" + hex(filesz) + " extends past the end of the file (" +
                  std::to_string(bytes.size()) + " bytes)");
    if (!phdr_vaddr && phoff >= offset && phoff - offset < filesz) phdr_vaddr = vaddr + (phoff - offset);
    if (memsz == 0) continue;
    ElfSegment seg;
    seg.vaddr = static_cast<Addr>(vaddr);
    seg.paddr = static_cast<Addr>(paddr);
    seg.memsz = static_cast<std::uint32_t>(memsz);
    // p_flags: PF_X=1, PF_W=2, PF_R=4.
    seg.perms = static_cast<std::uint8_t>(((flags & 4) ? PermRead : 0) | ((flags & 2) ? PermWrite : 0) |
                                          ((flags & 1) ? PermExec : 0));
    seg.bytes.assign(bytes.begin() + offset, bytes.begin() + offset + filesz);
    image.segments.push_back(std::move(seg));
  }
  if (phdr_vaddr && *phdr_vaddr < L.space()) image.phdr = static_cast<Addr>(*phdr_vaddr);
  if (image.segments.empty()) return fail("no loadable (PT_LOAD) segments");

  std::string sym_error = read_symbols(r, L, shoff, shentsize, shnum, image.symbols);
  if (!sym_error.empty()) return fail(sym_error);

  ElfLoadResult result;
  result.image = std::move(image);
  return result;
}

ElfLoadResult load_elf_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return fail("cannot open '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail("'" + path + "' is a directory, not a program");
  if (!S_ISREG(st.st_mode)) return fail("'" + path + "' is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > (2ull << 30))
    return fail("'" + path + "' is too large to be a RISC-V program");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read '" + path + "': " + std::strerror(errno));
  std::vector<std::uint8_t> data(static_cast<std::size_t>(st.st_size));
  if (!data.empty() && !in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size())))
    return fail("cannot read '" + path + "': short read");
  ElfLoadResult r = load_elf(data);
  if (!r.image) r.error = path + ": " + r.error;
  return r;
}

}  // namespace rvrr::vm
