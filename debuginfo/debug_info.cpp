// debuginfo/debug_info.cpp - lookups over the tables dwarf_reader.cpp filled.
#include "debuginfo/debug_info.hpp"

#include <algorithm>

namespace rvrr::debuginfo {

namespace {

// The last element with lo <= pc, if it reaches past pc.
template <typename R>
const R* containing(const std::vector<R>& sorted, Addr pc) {
  auto it = std::upper_bound(sorted.begin(), sorted.end(), pc, [](Addr a, const R& r) { return a < r.lo; });
  if (it == sorted.begin()) return nullptr;
  --it;
  return pc < it->hi ? &*it : nullptr;
}

}  // namespace

std::optional<std::uint32_t> DebugInfo::function_index_at(Addr pc) const {
  if (const FnRange* r = containing(dwarf_ranges_, pc)) return r->index;
  if (const FnRange* r = containing(symtab_ranges_, pc)) return r->index;
  return std::nullopt;
}

const Function* DebugInfo::function_at(Addr pc) const {
  auto i = function_index_at(pc);
  return i ? &functions_[*i] : nullptr;
}

const Function* DebugInfo::function_named(const std::string& name) const {
  for (const Function& f : functions_)
    if (f.name == name) return &f;
  for (const Function& f : functions_)  // a copy by its symbol ("work.constprop.0")
    if (f.symbol == name) return &f;
  return nullptr;
}

std::optional<LineId> DebugInfo::line_id_at(Addr pc) const {
  if (const LineRange* r = containing(line_ranges_, pc)) return r->id;
  return std::nullopt;
}

std::string DebugInfo::describe(LineId id) const {
  const SourceLine& l = lines_.at(id);
  return files_.at(l.file) + ":" + std::to_string(l.line);
}

std::vector<std::pair<Addr, Addr>> DebugInfo::addresses_of(LineId id) const {
  std::vector<std::pair<Addr, Addr>> out;
  for (const LineRange& r : line_ranges_) {
    if (r.id != id) continue;
    if (!out.empty() && out.back().second == r.lo) {
      out.back().second = r.hi;
    } else {
      out.emplace_back(r.lo, r.hi);
    }
  }
  return out;
}

std::vector<std::vector<std::pair<Addr, Addr>>> DebugInfo::line_table() const {
  std::vector<std::vector<std::pair<Addr, Addr>>> table(lines_.size());
  for (const LineRange& r : line_ranges_) {
    auto& out = table[r.id];
    if (!out.empty() && out.back().second == r.lo) {
      out.back().second = r.hi;
    } else {
      out.emplace_back(r.lo, r.hi);
    }
  }
  return table;
}

std::vector<LineId> DebugInfo::lines_sorted() const {
  std::vector<LineId> ids(lines_.size());
  for (LineId i = 0; i < ids.size(); ++i) ids[i] = i;
  std::sort(ids.begin(), ids.end(), [&](LineId a, LineId b) {
    const SourceLine &x = lines_[a], &y = lines_[b];
    if (x.file != y.file) return files_[x.file] < files_[y.file];
    return x.line < y.line;
  });
  return ids;
}

std::optional<std::uint32_t> DebugInfo::find_file(const std::string& name) const {
  if (name.empty()) return std::nullopt;
  for (std::uint32_t i = 0; i < files_.size(); ++i)
    if (files_[i] == name) return i;
  // Trailing components: "compute.c" matches ".../examples/compute.c", not ".../xcompute.c".
  for (std::uint32_t i = 0; i < files_.size(); ++i) {
    const std::string& f = files_[i];
    if (f.size() > name.size() && f.compare(f.size() - name.size(), name.size(), name) == 0 &&
        f[f.size() - name.size() - 1] == '/')
      return i;
  }
  return std::nullopt;
}

}  // namespace rvrr::debuginfo
