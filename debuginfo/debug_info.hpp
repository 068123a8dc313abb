// debuginfo/debug_info.hpp - what the program's symbols and DWARF say about an address.
//
// Built once from the bytes of an ELF file (the program embedded in a trace,
// so it works on a trace alone on another machine), read with elfutils
// (libelf/libdw; never a hand-written DWARF parser). Everything is extracted
// up front into plain tables, so a DebugInfo is a value: copyable, no libdw
// handle outlives the constructor, lookups are binary searches.
//
//  - functions: every DW_TAG_subprogram with code (name, [entry, end), its
//    formal parameters with their DWARF type), then every STT_FUNC symbol of
//    the ELF symtab whose entry no DWARF function has (code built without -g,
//    such as picolibc: name and range, no parameters);
//  - lines: the DWARF line table as address ranges, each mapped to a source
//    line (file, line). Line 0 ("no source line", compiler-generated code) is
//    left out: such addresses have no line.
//
// Knows nothing of the VM, traces or gdb.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace rvrr::debuginfo {

using Addr = std::uint64_t;  // RV32 and RV64 (ELF64) programs

// The ELF is not an ELF file (or libelf cannot read it). One line, for users.
class DebugInfoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A formal parameter's type, as far as a register or memory word can show it.
struct ParamType {
  enum class Kind : std::uint8_t { Signed, Unsigned, Bool, Char, Float, Pointer, Other };
  Kind kind = Kind::Other;
  // Char: DW_ATE_signed_char (`signed char`, and plain `char` where the ABI
  // makes it signed; on RISC-V plain `char` is unsigned).
  bool signed_char = false;
  std::uint32_t size = 0;  // bytes (0: unknown, e.g. an incomplete type)
  std::string name;        // "int", "unsigned int", "char *", "struct point", ... ("?" when unnamed)
  bool scalar() const { return kind != Kind::Other; }
  // A struct's scalar fields, nested structs and arrays unrolled, when it
  // has one or two and nothing else (no union, no bit-field): what the
  // RISC-V psABI's floating-point calling convention looks at (a struct of
  // one or two floats, or a float and an integer, goes in FP registers).
  struct Field {
    std::string name;        // "x", "inner.y", "v[1]"
    Kind kind = Kind::Other;  // Float, or an integer kind
    std::uint32_t size = 0;
  };
  std::vector<Field> fields;  // empty: not such a struct
};

struct Param {
  std::string name;  // "" for an unnamed parameter
  ParamType type;
  // The compiler made it a constant in this copy of the function (a
  // `.constprop` clone: DW_AT_const_value): it takes no register.
  bool constant = false;
  std::uint64_t value = 0;  // the constant's bits
  // Where its DWARF puts it at the function's entry (optimized code says so
  // in a location list), for a clone whose signature the compiler changed
  // (Function::clone): in registers (pieces of DWARF register numbers, 0-31
  // the x registers, 32-63 the f ones, and their bytes, 0 for the whole
  // register), nowhere (optimized out: no location covers the entry), or
  // somewhere else (memory, an expression: Unknown).
  enum class AtEntry : std::uint8_t { Unknown, Registers, Nowhere };
  AtEntry at_entry = AtEntry::Unknown;
  std::vector<std::pair<std::uint16_t, std::uint16_t>> entry_pieces;
};

struct Function {
  std::string name;
  std::string symbol;  // the ELF symbol at the entry ("walk.constprop.0"), if any
  Addr entry = 0;  // lowest address (the DW_AT_low_pc or the symbol's value)
  Addr end = 0;    // one past the last byte of code (end > entry)
  bool from_dwarf = false;
  std::vector<Param> params;  // DWARF functions only, in declaration order
  bool variadic = false;      // has a "..." (DW_TAG_unspecified_parameters)
  // The return type (DWARF functions; kind Other for an aggregate or an
  // unknown one, e.g. a symtab function). returns_value false: void.
  ParamType result;
  bool returns_value = true;
  // A copy the compiler specialised (walk.constprop.0, f.isra.0, g.part.0):
  // its parameters need not follow the declaration, so their DWARF
  // locations at the entry say where they are.
  bool clone() const { return from_dwarf && symbol.size() > name.size() + 1 && symbol.starts_with(name + "."); }
};

// A call the compiler inlined (DW_TAG_inlined_subroutine): the callee's
// code sits inside its caller's, with no call or return of its own.
struct InlinedCall {
  std::string name;            // the function inlined
  Addr entry = 0;              // where its code starts (DW_AT_entry_pc, else its lowest address)
  std::uint32_t caller = 0;    // index into functions(): the out-of-line function holding it
  std::string call_file;       // the call's file as DWARF names it (empty: not given)
  std::uint32_t call_line = 0;
  // Its parameters, in declaration order, each where the DWARF puts it at
  // `entry` (Param::at_entry: in registers, a constant, or not there).
  std::vector<Param> params;
};

using LineId = std::uint32_t;  // index into lines()

struct SourceLine {
  std::uint32_t file = 0;  // index into files()
  std::uint32_t line = 0;  // 1-based
};

class DebugInfo {
 public:
  // Throws DebugInfoError when `elf` is not an ELF file libelf can read. An
  // ELF without DWARF or without a symtab is fine: the tables are just empty.
  explicit DebugInfo(std::span<const std::uint8_t> elf);
  DebugInfo() = default;  // knows nothing

  bool has_dwarf() const { return has_dwarf_; }
  // The ELF header's e_flags (RISC-V: the float ABI, RVC, RVE; vm/elf_flags.hpp).
  std::uint32_t elf_flags() const { return elf_flags_; }
  // The register width the ELF's class gives (ELF64: an RV64 program, 64;
  // else 32), as the loader decides it: RV64C reuses RV32C encodings.
  unsigned xlen() const { return xlen_; }

  // The function whose code holds `pc` (DWARF first, then the symtab), as an
  // index into functions(). O(log functions).
  std::optional<std::uint32_t> function_index_at(Addr pc) const;
  const Function* function_at(Addr pc) const;
  const std::vector<Function>& functions() const { return functions_; }
  // The first function with this name (DWARF first), else the one whose symbol it is ("work.constprop.0"), or null.
  const Function* function_named(const std::string& name) const;
  // Every inlined call (nested ones too), by entry address.
  const std::vector<InlinedCall>& inlined_calls() const { return inlined_; }

  // The source line of the instruction at `pc`, if the line table has one. O(log ranges).
  std::optional<LineId> line_id_at(Addr pc) const;
  const std::vector<SourceLine>& lines() const { return lines_; }
  const std::vector<std::string>& files() const { return files_; }
  // "dir/file.c:12" (the file as DWARF names it).
  std::string describe(LineId id) const;
  // The code ranges [lo, hi) of a line, ascending. O(all ranges).
  std::vector<std::pair<Addr, Addr>> addresses_of(LineId id) const;
  // The full line table: for every LineId, its code ranges (as addresses_of), in one pass.
  std::vector<std::vector<std::pair<Addr, Addr>>> line_table() const;
  // Lines with code, grouped by file and sorted by line number.
  std::vector<LineId> lines_sorted() const;
  // The index in files() of the file `name` names: equal to a DWARF path, or
  // its trailing path components (`compute.c`, `examples/compute.c`). Ties:
  // the first. nullopt when none matches.
  std::optional<std::uint32_t> find_file(const std::string& name) const;

  // Internal tables, filled by the constructor.
  struct LineRange {
    Addr lo, hi;
    LineId id;
  };
  struct Builder;

 private:
  bool has_dwarf_ = false;
  std::uint32_t elf_flags_ = 0;
  unsigned xlen_ = 32;
  std::vector<Function> functions_;
  // (entry, end, index) sorted by entry, non-overlapping; DWARF and symtab separately.
  struct FnRange {
    Addr lo, hi;
    std::uint32_t index;
  };
  std::vector<FnRange> dwarf_ranges_, symtab_ranges_;
  std::vector<InlinedCall> inlined_;
  std::vector<std::string> files_;
  std::vector<SourceLine> lines_;
  std::vector<LineRange> line_ranges_;  // sorted by lo, non-overlapping
};

}  // namespace rvrr::debuginfo
