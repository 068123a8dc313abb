// debuginfo/dwarf_reader.cpp - filling a DebugInfo's tables with libelf and libdw.
//
// Everything libdw knows is copied out here, once; the handles are closed
// before the constructor returns (see debug_info.hpp for why).
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <map>
#include <memory>

#include "debuginfo/debug_info.hpp"

namespace rvrr::debuginfo {

namespace {

struct ElfCloser {
  void operator()(Elf* e) const { elf_end(e); }
};
struct DwarfCloser {
  void operator()(Dwarf* d) const { dwarf_end(d); }
};

std::string attr_string(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute a;
  if (!dwarf_attr_integrate(die, name, &a)) return {};
  const char* s = dwarf_formstring(&a);
  return s ? s : "";
}

std::uint64_t attr_udata(Dwarf_Die* die, unsigned name, std::uint64_t fallback) {
  Dwarf_Attribute a;
  Dwarf_Word w;
  if (!dwarf_attr_integrate(die, name, &a) || dwarf_formudata(&a, &w) != 0) return fallback;
  return w;
}

// The DIE of `die`'s DW_AT_type, or false (void).
bool type_of(Dwarf_Die* die, Dwarf_Die* out) {
  Dwarf_Attribute a;
  return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, out) != nullptr;
}

bool is_qualifier(int tag) {
  return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
         tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

// A C spelling of the type, good enough for a listing ("const char *").
std::string type_name(Dwarf_Die* die, int depth = 0) {
  if (depth > 16) return "?";
  Dwarf_Die inner;
  const bool has_inner = type_of(die, &inner);
  const std::string name = attr_string(die, DW_AT_name);
  switch (dwarf_tag(die)) {
    case DW_TAG_base_type:
    case DW_TAG_typedef: return name.empty() ? "?" : name;
    case DW_TAG_structure_type: return "struct " + (name.empty() ? "{...}" : name);
    case DW_TAG_union_type: return "union " + (name.empty() ? "{...}" : name);
    case DW_TAG_enumeration_type: return "enum " + (name.empty() ? "{...}" : name);
    case DW_TAG_pointer_type: return (has_inner ? type_name(&inner, depth + 1) : "void") + " *";
    case DW_TAG_const_type: return "const " + (has_inner ? type_name(&inner, depth + 1) : "void");
    case DW_TAG_volatile_type: return "volatile " + (has_inner ? type_name(&inner, depth + 1) : "void");
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: return has_inner ? type_name(&inner, depth + 1) : "void";
    case DW_TAG_array_type: return (has_inner ? type_name(&inner, depth + 1) : "?") + "[]";
    case DW_TAG_subroutine_type: return "function";
    default: return "?";
  }
}

// Appends the scalar fields of the type `die` (qualifiers stripped) named
// `name` to `out`: false when there would be more than two, or one is not a
// plain scalar (a union, a bit-field, an empty or unknown type).
bool flatten(Dwarf_Die die, const std::string& name, std::vector<ParamType::Field>& out, int depth) {
  if (depth > 8) return false;
  for (int i = 0; i < 16 && is_qualifier(dwarf_tag(&die)); ++i) {
    Dwarf_Die inner;
    if (!type_of(&die, &inner)) return false;
    die = inner;
  }
  switch (dwarf_tag(&die)) {
    case DW_TAG_base_type: {
      ParamType::Field f{name, ParamType::Kind::Signed, static_cast<std::uint32_t>(attr_udata(&die, DW_AT_byte_size, 0))};
      const Dwarf_Word enc = attr_udata(&die, DW_AT_encoding, 0);
      if (enc == DW_ATE_complex_float) {  // the psABI treats it as a struct of two floats
        if (f.size == 0 || !out.empty()) return false;
        f.kind = ParamType::Kind::Float;
        f.size /= 2;
        out.push_back(ParamType::Field{name.empty() ? "re" : name + ".re", f.kind, f.size});
        out.push_back(ParamType::Field{name.empty() ? "im" : name + ".im", f.kind, f.size});
        return true;
      }
      if (enc == DW_ATE_float) f.kind = ParamType::Kind::Float;
      else if (enc == DW_ATE_unsigned || enc == DW_ATE_unsigned_char || enc == DW_ATE_boolean) f.kind = ParamType::Kind::Unsigned;
      else if (enc != DW_ATE_signed && enc != DW_ATE_signed_char) return false;  // decimal, ...
      if (f.size == 0 || out.size() == 2) return false;
      out.push_back(std::move(f));
      return true;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_enumeration_type:
      if (out.size() == 2) return false;
      out.push_back(ParamType::Field{name, dwarf_tag(&die) == DW_TAG_pointer_type ? ParamType::Kind::Pointer
                                                                                 : ParamType::Kind::Signed,
                                     static_cast<std::uint32_t>(attr_udata(&die, DW_AT_byte_size, 4))});
      return true;
    case DW_TAG_structure_type: {
      Dwarf_Die child;
      if (dwarf_child(&die, &child) != 0) return true;  // empty: no fields
      do {
        if (dwarf_tag(&child) != DW_TAG_member) continue;
        Dwarf_Attribute a;
        if (dwarf_attr(&child, DW_AT_bit_size, &a) != nullptr) return false;
        Dwarf_Die type;
        if (!type_of(&child, &type)) return false;
        const std::string member = attr_string(&child, DW_AT_name);
        if (!flatten(type, name.empty() ? member : name + "." + member, out, depth + 1)) return false;
      } while (dwarf_siblingof(&child, &child) == 0);
      return true;
    }
    case DW_TAG_array_type: {
      Dwarf_Die element, child;
      if (!type_of(&die, &element) || dwarf_child(&die, &child) != 0 || dwarf_tag(&child) != DW_TAG_subrange_type)
        return false;
      Dwarf_Word count = attr_udata(&child, DW_AT_count, 0);
      if (count == 0) {
        Dwarf_Attribute a;
        Dwarf_Word upper = 0;
        if (dwarf_attr(&child, DW_AT_upper_bound, &a) == nullptr || dwarf_formudata(&a, &upper) != 0) return false;
        count = upper + 1;
      }
      if (count > 2) return false;
      for (Dwarf_Word k = 0; k < count; ++k)
        if (!flatten(element, name + "[" + std::to_string(k) + "]", out, depth + 1)) return false;
      return true;
    }
    default: return false;
  }
}

ParamType param_type(Dwarf_Die* param) {
  ParamType t;
  Dwarf_Die die;
  if (!type_of(param, &die)) return t;
  t.name = type_name(&die);
  for (int i = 0; i < 16 && is_qualifier(dwarf_tag(&die)); ++i) {
    Dwarf_Die inner;
    if (!type_of(&die, &inner)) return t;  // const void: not a value
    die = inner;
  }
  switch (dwarf_tag(&die)) {
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
      t.kind = ParamType::Kind::Pointer;
      t.size = static_cast<std::uint32_t>(attr_udata(&die, DW_AT_byte_size, 4));
      return t;
    case DW_TAG_base_type:
      t.size = static_cast<std::uint32_t>(attr_udata(&die, DW_AT_byte_size, 0));
      switch (attr_udata(&die, DW_AT_encoding, 0)) {
        case DW_ATE_signed: t.kind = ParamType::Kind::Signed; break;
        case DW_ATE_unsigned: t.kind = ParamType::Kind::Unsigned; break;
        case DW_ATE_boolean: t.kind = ParamType::Kind::Bool; break;
        case DW_ATE_signed_char:
          t.kind = ParamType::Kind::Char;
          t.signed_char = true;
          break;
        case DW_ATE_unsigned_char: t.kind = ParamType::Kind::Char; break;
        case DW_ATE_float: t.kind = ParamType::Kind::Float; break;
        case DW_ATE_complex_float:  // two floats to the calling convention
          if (!flatten(die, "", t.fields, 0)) t.fields.clear();
          break;
        default: break;
      }
      return t;
    case DW_TAG_enumeration_type:
      t.kind = ParamType::Kind::Signed;
      t.size = static_cast<std::uint32_t>(attr_udata(&die, DW_AT_byte_size, 4));
      return t;
    default: {
      Dwarf_Word size = 0;
      if (dwarf_aggregate_size(&die, &size) == 0) t.size = static_cast<std::uint32_t>(size);
      if (dwarf_tag(&die) == DW_TAG_structure_type && !flatten(die, "", t.fields, 0)) t.fields.clear();
      return t;
    }
  }
}

}  // namespace

struct DebugInfo::Builder {
  DebugInfo& out;
  std::map<std::string, std::uint32_t> file_ids;
  std::map<std::pair<std::uint32_t, std::uint32_t>, LineId> line_ids;

  std::uint32_t file_id(const std::string& path) {
    auto [it, fresh] = file_ids.emplace(path, static_cast<std::uint32_t>(out.files_.size()));
    if (fresh) out.files_.push_back(path);
    return it->second;
  }
  LineId line_id(std::uint32_t file, std::uint32_t line) {
    auto [it, fresh] = line_ids.emplace(std::make_pair(file, line), static_cast<LineId>(out.lines_.size()));
    if (fresh) out.lines_.push_back(SourceLine{file, line});
    return it->second;
  }

  // The CU's address ranges, ascending (empty when it has none).
  static std::vector<std::pair<Dwarf_Addr, Dwarf_Addr>> cu_ranges(Dwarf_Die* cu) {
    std::vector<std::pair<Dwarf_Addr, Dwarf_Addr>> out;
    Dwarf_Addr base = 0, start = 0, end = 0;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(cu, off, &base, &start, &end)) > 0;)
      if (end > start) out.emplace_back(start, end);
    std::sort(out.begin(), out.end());
    return out;
  }

  void read_lines(Dwarf_Die* cu) {
    Dwarf_Lines* lines = nullptr;
    std::size_t n = 0;
    if (dwarf_getsrclines(cu, &lines, &n) != 0) return;
    // Row i covers [addr_i, addr_i+1) within its sequence; of several rows at
    // one address, the last one (the only non-empty range) wins. libdw sorts
    // the rows of all sequences by address, so where sequences share an
    // address (the line programs of functions --gc-sections dropped all sit
    // at 0) the last row there is followed by the next sequence's first row:
    // their "range" would claim every address up to it, main's included.
    // So a range is kept only inside the CU's own address range holding its
    // start, and cut at that range's end.
    const auto ranges = cu_ranges(cu);
    auto clip = [&](Dwarf_Addr lo, Dwarf_Addr hi) -> Dwarf_Addr {
      if (ranges.empty()) return hi;  // a CU with no ranges: nothing to check against
      auto it = std::upper_bound(ranges.begin(), ranges.end(), lo,
                                 [](Dwarf_Addr a, const auto& r) { return a < r.first; });
      if (it == ranges.begin()) return lo;
      --it;
      return lo < it->second ? std::min(hi, it->second) : lo;
    };
    for (std::size_t i = 0; i + 1 < n; ++i) {
      Dwarf_Line* row = dwarf_onesrcline(lines, i);
      Dwarf_Line* next = dwarf_onesrcline(lines, i + 1);
      bool end_seq = false;
      dwarf_lineendsequence(row, &end_seq);
      if (end_seq) continue;
      Dwarf_Addr lo = 0, hi = 0;
      int lineno = 0;
      if (dwarf_lineaddr(row, &lo) != 0 || dwarf_lineaddr(next, &hi) != 0) continue;
      hi = clip(lo, hi);
      if (hi <= lo) continue;
      if (dwarf_lineno(row, &lineno) != 0 || lineno <= 0) continue;  // line 0: no source line
      const char* src = dwarf_linesrc(row, nullptr, nullptr);
      if (!src) continue;
      const LineId id = line_id(file_id(src), static_cast<std::uint32_t>(lineno));
      out.line_ranges_.push_back(LineRange{static_cast<Addr>(lo), static_cast<Addr>(hi), id});
    }
  }

  // `X; DW_OP_stack_value` with X a constant (DW_OP_addr, DW_OP_constN,
  // DW_OP_litN): the value is X, in no register.
  static bool constant_expr(const Dwarf_Op* expr, std::size_t len, std::uint64_t& value) {
    if (len != 2 || expr[1].atom != DW_OP_stack_value) return false;
    const Dwarf_Op& op = expr[0];
    switch (op.atom) {
      case DW_OP_addr: case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u: case DW_OP_const8u:
      case DW_OP_constu: case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s: case DW_OP_const8s:
      case DW_OP_consts:
        value = op.number;  // libdw sign-extends the signed forms into the word
        return true;
      default:
        if (op.atom < DW_OP_lit0 || op.atom > DW_OP_lit31) return false;
        value = op.atom - DW_OP_lit0;
        return true;
    }
  }

  // A parameter whose one location (not a list: the whole function) is a
  // constant the compiler made it, e.g. a `.constprop` clone's pointer to a
  // global, `DW_OP_addr X; DW_OP_stack_value`: like DW_AT_const_value, it takes no register.
  static void constant_location(Dwarf_Die* die, Param& p) {
    Dwarf_Attribute a;
    Dwarf_Op* expr = nullptr;
    std::size_t len = 0;
    if (dwarf_attr(die, DW_AT_location, &a) == nullptr || dwarf_getlocation(&a, &expr, &len) != 0) return;
    p.constant = constant_expr(expr, len, p.value);
  }

  // Where the parameter `die` is at the function's entry (Param::AtEntry):
  // DW_OP_regN / DW_OP_regx pieces, or the entry value of a register (at the
  // function's own entry, the register itself; at an inlined call's, the
  // value its register held when the function holding the call was entered:
  // not read here).
  static void entry_location(Dwarf_Die* die, Addr entry, Param& p, bool own_entry) {
    Dwarf_Attribute a;
    if (dwarf_attr(die, DW_AT_location, &a) == nullptr) {
      p.at_entry = Param::AtEntry::Nowhere;
      return;
    }
    Dwarf_Op* expr = nullptr;
    std::size_t len = 0;
    const int found = dwarf_getlocation_addr(&a, entry, &expr, &len, 1);
    if (found == 0) p.at_entry = Param::AtEntry::Nowhere;
    if (found != 1 || len == 0) return;
    // A constant there (an inlined call's `scale(sink, 10)`: DW_OP_lit10 for k).
    if (constant_expr(expr, len, p.value)) {
      p.constant = true;
      return;
    }
    std::vector<std::pair<std::uint16_t, std::uint16_t>> pieces;
    for (std::size_t i = 0; i < len; ++i) {
      const Dwarf_Op& op = expr[i];
      long reg = -1;
      if (op.atom >= DW_OP_reg0 && op.atom <= DW_OP_reg31) {
        reg = op.atom - DW_OP_reg0;
      } else if (op.atom == DW_OP_regx) {
        reg = static_cast<long>(op.number);
      } else if (own_entry && (op.atom == DW_OP_entry_value || op.atom == DW_OP_GNU_entry_value) && i + 1 < len &&
                 expr[i + 1].atom == DW_OP_stack_value) {
        // Its operand, an expression of its own (libdw hands it out as an attribute).
        Dwarf_Attribute inner;
        Dwarf_Op* sub = nullptr;
        std::size_t sub_len = 0;
        if (dwarf_getlocation_attr(&a, &expr[i], &inner) == 0 && dwarf_getlocation(&inner, &sub, &sub_len) == 0 &&
            sub_len == 1) {
          if (sub[0].atom >= DW_OP_reg0 && sub[0].atom <= DW_OP_reg31) reg = sub[0].atom - DW_OP_reg0;
          if (sub[0].atom == DW_OP_regx) reg = static_cast<long>(sub[0].number);
        }
        ++i;
      }
      if (reg < 0 || reg > 63) return;  // memory or an expression: Unknown
      std::uint16_t bytes = 0;
      if (i + 1 < len && expr[i + 1].atom == DW_OP_piece) bytes = static_cast<std::uint16_t>(expr[++i].number);
      pieces.emplace_back(static_cast<std::uint16_t>(reg), bytes);
    }
    p.at_entry = Param::AtEntry::Registers;
    p.entry_pieces = std::move(pieces);
  }

  // The formal parameters of function or inlined call `die`, in the order
  // of their declaration, each with where it is at `entry`. `declared`
  // (an inlined call's abstract origin) adds those the copy does not list,
  // optimized out.
  static void read_params(Dwarf_Die* die, Addr entry, std::vector<Param>& out_params, bool& variadic,
                          Dwarf_Die* declared = nullptr) {
    Dwarf_Die child;
    // A concrete copy of an abstract function (a clone, an inlined call) may
    // list its parameters in another order: keep the declaration's (its
    // abstract origin's, whose children come in order), which is also the
    // order of the registers a clone's remaining parameters take.
    std::vector<std::pair<Dwarf_Off, Param>> params;
    if (declared != nullptr && dwarf_child(declared, &child) == 0) {
      do {
        if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
        Param p;
        p.name = attr_string(&child, DW_AT_name);
        p.type = param_type(&child);
        p.at_entry = Param::AtEntry::Nowhere;
        params.emplace_back(dwarf_dieoffset(&child), std::move(p));
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    if (dwarf_child(die, &child) == 0) {
      do {
        if (dwarf_tag(&child) == DW_TAG_formal_parameter) {
          Param p;
          p.name = attr_string(&child, DW_AT_name);
          p.type = param_type(&child);
          Dwarf_Attribute a;
          if (dwarf_attr(&child, DW_AT_const_value, &a) != nullptr) {
            Dwarf_Word w = 0;
            Dwarf_Sword sw = 0;
            if (dwarf_formudata(&a, &w) == 0) {
              p.constant = true;
              p.value = w;
            } else if (dwarf_formsdata(&a, &sw) == 0) {
              p.constant = true;
              p.value = static_cast<std::uint64_t>(sw);
            }
          }
          if (!p.constant) constant_location(&child, p);
          if (!p.constant) entry_location(&child, entry, p, declared == nullptr);
          Dwarf_Die origin;
          Dwarf_Off order = params.size();
          if (dwarf_attr(&child, DW_AT_abstract_origin, &a) != nullptr && dwarf_formref_die(&a, &origin) != nullptr)
            order = dwarf_dieoffset(&origin);
          auto listed = std::find_if(params.begin(), params.end(), [&](const auto& q) { return q.first == order; });
          if (declared != nullptr && listed != params.end()) listed->second = std::move(p);
          else params.emplace_back(order, std::move(p));
        } else if (dwarf_tag(&child) == DW_TAG_unspecified_parameters) {
          variadic = true;
        }
      } while (dwarf_siblingof(&child, &child) == 0);
    }
    std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [order, p] : params) out_params.push_back(std::move(p));
  }

  void read_function(Dwarf_Die* die) {
    Function f;
    f.name = attr_string(die, DW_AT_name);
    if (f.name.empty()) f.name = attr_string(die, DW_AT_linkage_name);
    if (f.name.empty()) return;
    f.from_dwarf = true;
    std::vector<std::pair<Addr, Addr>> ranges;
    Dwarf_Addr base = 0, start = 0, end = 0;
    for (ptrdiff_t off = 0; (off = dwarf_ranges(die, off, &base, &start, &end)) > 0;) {
      if (end > start) ranges.emplace_back(static_cast<Addr>(start), static_cast<Addr>(end));
    }
    if (ranges.empty()) return;  // a declaration or an inlined-only function: no code of its own
    Dwarf_Addr entry = ranges.front().first;
    dwarf_entrypc(die, &entry);
    f.entry = static_cast<Addr>(entry);
    f.end = ranges.front().second;
    for (auto& r : ranges)
      if (r.first <= f.entry && f.entry < r.second) f.end = r.second;
    Dwarf_Die ret;
    f.returns_value = type_of(die, &ret);
    if (f.returns_value) f.result = param_type(die);
    read_params(die, f.entry, f.params, f.variadic);
    const auto index = static_cast<std::uint32_t>(out.functions_.size());
    out.functions_.push_back(std::move(f));
    for (auto& r : ranges) out.dwarf_ranges_.push_back(FnRange{r.first, r.second, index});
    read_inlined(die, index, 0);
  }

  // The calls inlined into function `caller` under `die` (in its lexical
  // blocks, and inlined into other inlined calls).
  void read_inlined(Dwarf_Die* die, std::uint32_t caller, int depth) {
    Dwarf_Die child;
    if (depth > 32 || dwarf_child(die, &child) != 0) return;
    do {
      const int tag = dwarf_tag(&child);
      if (tag == DW_TAG_inlined_subroutine) {
        InlinedCall c;
        c.name = attr_string(&child, DW_AT_name);  // through DW_AT_abstract_origin
        Dwarf_Addr entry = 0, low = 0;
        if (dwarf_entrypc(&child, &entry) != 0) entry = dwarf_lowpc(&child, &low) == 0 ? low : 0;
        Dwarf_Addr base = 0, start = 0, end = 0;
        if (entry == 0 && dwarf_ranges(&child, 0, &base, &start, &end) > 0) entry = start;
        c.entry = static_cast<Addr>(entry);
        c.caller = caller;
        c.call_line = static_cast<std::uint32_t>(attr_udata(&child, DW_AT_call_line, 0));
        c.call_file = call_file(&child);
        Dwarf_Attribute a;
        Dwarf_Die origin;
        bool variadic = false;
        const bool has_origin =
            dwarf_attr(&child, DW_AT_abstract_origin, &a) != nullptr && dwarf_formref_die(&a, &origin) != nullptr;
        read_params(&child, c.entry, c.params, variadic, has_origin ? &origin : nullptr);
        if (!c.name.empty() && c.entry != 0) out.inlined_.push_back(std::move(c));
      }
      if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block) read_inlined(&child, caller, depth + 1);
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  // An inlined call's DW_AT_call_file, as its unit's file table names it.
  static std::string call_file(Dwarf_Die* die) {
    Dwarf_Word index = 0;
    Dwarf_Attribute a;
    if (dwarf_attr(die, DW_AT_call_file, &a) == nullptr || dwarf_formudata(&a, &index) != 0) return {};
    Dwarf_Die cu;
    Dwarf_Files* files = nullptr;
    std::size_t count = 0;
    if (dwarf_diecu(die, &cu, nullptr, nullptr) == nullptr || dwarf_getsrcfiles(&cu, &files, &count) != 0 ||
        index >= count)
      return {};
    const char* name = dwarf_filesrc(files, index, nullptr, nullptr);
    return name != nullptr ? name : "";
  }

  // Subprograms anywhere under `die` (C puts them at the top; namespaces and
  // classes nest them). Nested subprograms (GNU C nested functions) too.
  void walk(Dwarf_Die* die, int depth) {
    Dwarf_Die child;
    if (depth > 32 || dwarf_child(die, &child) != 0) return;
    do {
      const int tag = dwarf_tag(&child);
      if (tag == DW_TAG_subprogram) {
        read_function(&child);
        walk(&child, depth + 1);
      } else if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type) {
        walk(&child, depth + 1);
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  void read_dwarf(Elf* elf) {
    std::unique_ptr<Dwarf, DwarfCloser> dw(dwarf_begin_elf(elf, DWARF_C_READ, nullptr));
    if (!dw) return;  // no DWARF: symbols only
    out.has_dwarf_ = true;
    Dwarf_CU* cu = nullptr;
    Dwarf_Die cudie;
    std::uint8_t unit_type = 0;
    while (dwarf_get_units(dw.get(), cu, &cu, nullptr, &unit_type, &cudie, nullptr) == 0) {
      read_lines(&cudie);
      walk(&cudie, 0);
    }
    std::stable_sort(out.inlined_.begin(), out.inlined_.end(),
                     [](const InlinedCall& a, const InlinedCall& b) { return a.entry < b.entry; });
  }

  void read_symtab(Elf* elf) {
    struct Sym {
      Addr lo, size;
      bool global;
      std::string name;
    };
    std::vector<Sym> syms;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(elf, scn)) != nullptr) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || sh.sh_entsize == 0) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (!data) continue;
      const std::size_t n = sh.sh_size / sh.sh_entsize;
      for (std::size_t i = 0; i < n; ++i) {
        GElf_Sym s;
        if (!gelf_getsym(data, static_cast<int>(i), &s)) continue;
        if (GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_shndx == SHN_UNDEF) continue;
        const char* name = elf_strptr(elf, sh.sh_link, s.st_name);
        if (!name || !*name) continue;
        syms.push_back(Sym{static_cast<Addr>(s.st_value), static_cast<Addr>(s.st_size),
                           GELF_ST_BIND(s.st_info) != STB_LOCAL, name});
      }
    }
    // By address; of aliases at one address the global one, then the first name.
    std::stable_sort(syms.begin(), syms.end(), [](const Sym& a, const Sym& b) {
      return a.lo != b.lo ? a.lo < b.lo : a.global > b.global;
    });
    std::sort(out.dwarf_ranges_.begin(), out.dwarf_ranges_.end(), [](auto& a, auto& b) { return a.lo < b.lo; });
    for (std::size_t i = 0; i < syms.size(); ++i) {
      if (i > 0 && syms[i].lo == syms[i - 1].lo) continue;
      if (const auto known = out.function_index_at(syms[i].lo)) {  // DWARF knows it better
        Function& f = out.functions_[*known];
        if (f.entry == syms[i].lo && f.symbol.empty()) f.symbol = syms[i].name;
        continue;
      }
      Addr end = syms[i].lo + syms[i].size;
      // A symbol without a size (assembly) reaches to the next function.
      if (syms[i].size == 0) end = i + 1 < syms.size() ? syms[i + 1].lo : syms[i].lo + 2;
      if (end <= syms[i].lo) continue;
      Function f;
      f.name = syms[i].name;
      f.entry = syms[i].lo;
      f.end = end;
      const auto index = static_cast<std::uint32_t>(out.functions_.size());
      out.functions_.push_back(std::move(f));
      out.symtab_ranges_.push_back(FnRange{syms[i].lo, end, index});
    }
  }
};

DebugInfo::DebugInfo(std::span<const std::uint8_t> bytes) {
  elf_version(EV_CURRENT);
  // libelf wants a mutable image; it reads it in place (ELF_C_READ_MMAP-like), so keep a copy alive.
  std::vector<char> image(bytes.begin(), bytes.end());
  std::unique_ptr<Elf, ElfCloser> elf(elf_memory(image.data(), image.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) throw DebugInfoError("not an ELF file (cannot read its symbols)");
  if (GElf_Ehdr eh; gelf_getehdr(elf.get(), &eh) != nullptr) elf_flags_ = eh.e_flags;
  xlen_ = gelf_getclass(elf.get()) == ELFCLASS64 ? 64 : 32;
  Builder b{*this, {}, {}};
  b.read_dwarf(elf.get());
  std::sort(line_ranges_.begin(), line_ranges_.end(), [](const LineRange& a, const LineRange& b) { return a.lo < b.lo; });
  // Overlaps (two CUs claiming one address) would break the binary search: the first claim wins.
  std::vector<LineRange> clean;
  for (const LineRange& r : line_ranges_) {
    if (!clean.empty() && r.lo < clean.back().hi) {
      if (r.hi <= clean.back().hi) continue;
      clean.push_back(LineRange{clean.back().hi, r.hi, r.id});
    } else {
      clean.push_back(r);
    }
  }
  line_ranges_ = std::move(clean);
  b.read_symtab(elf.get());
}

}  // namespace rvrr::debuginfo
