// server/query_output.cpp - formatting query results.
#include "server/query_output.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "server/json_writer.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::server {

namespace {

using trace::group_digits;

std::string percent(std::uint64_t part, std::uint64_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%5.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

// "file.c:12" of a function's entry, or its address when it has no line.
std::string where(const debuginfo::DebugInfo& debug, std::uint32_t func) {
  if (func == query::kNoFunction) return "";
  const debuginfo::Function& f = debug.functions()[func];
  if (auto line = debug.line_id_at(f.entry)) return debug.describe(*line);
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(f.entry));
  return buf;
}

// A copy of a function as its calls name it: the symbol of a clone
// ("walk.constprop.0"), else the function's name.
std::string copy_name(const debuginfo::Function& f) { return f.clone() ? f.symbol : f.name; }

std::string pad_left(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

}  // namespace

std::string lines_text(const query::LineReport& report, const debuginfo::DebugInfo& debug,
                       std::optional<std::uint32_t> file, std::optional<std::uint32_t> line) {
  std::string out;
  for (const query::LineCount& c : report.lines) {
    const debuginfo::SourceLine& l = debug.lines()[c.line];
    if ((file && l.file != *file) || (line && l.line != *line)) continue;
    out += debug.describe(c.line) + " " + std::to_string(c.hits) + "\n";
  }
  return out;
}

std::string lines_json(const query::LineReport& report, const debuginfo::DebugInfo& debug) {
  JsonWriter j;
  j.begin_object();
  j.field("instructions", report.instructions).field("instructions_without_line", report.without_line);
  j.key("lines").begin_array();
  const auto table = debug.line_table();
  for (const query::LineCount& c : report.lines) {
    const debuginfo::SourceLine& l = debug.lines()[c.line];
    j.begin_object();
    j.field("file", debug.files()[l.file]).field("line", l.line).field("hits", c.hits);
    j.field("instructions", c.instructions);
    j.key("code").begin_array();  // the line's code, as [start, end) address pairs
    for (const auto& [lo, hi] : table[c.line]) j.begin_array().value(lo).value(hi).end_array();
    j.end_array();
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

std::string annotate_source(const query::LineReport& report, const debuginfo::DebugInfo& debug, std::uint32_t file,
                            const std::string& source) {
  std::map<std::uint32_t, std::uint64_t> hits;  // line -> count, lines with code only
  for (const query::LineCount& c : report.lines) {
    const debuginfo::SourceLine& l = debug.lines()[c.line];
    if (l.file == file) hits[l.line] = c.hits;
  }
  std::ostringstream os;
  os << pad_left("-", 9) << ":" << pad_left("0", 5) << ":Source:" << debug.files()[file] << "\n";
  std::istringstream in(source);
  std::string text;
  for (std::uint32_t n = 1; std::getline(in, text); ++n) {
    auto it = hits.find(n);
    const std::string count = it == hits.end() ? "-" : it->second == 0 ? "#####" : std::to_string(it->second);
    os << pad_left(count, 9) << ":" << pad_left(std::to_string(n), 5) << ":" << text << "\n";
  }
  return os.str();
}

std::string profile_text(const query::Profile& p, const debuginfo::DebugInfo& debug, std::uint64_t top,
                         const std::string& more) {
  std::ostringstream os;
  os << "instructions: " << group_digits(p.instructions) << " (counted from " << group_digits(p.window.from)
     << " to " << group_digits(p.window.to) << ")\n\n";
  os << "functions by self instructions:\n";
  os << pad_left("self", 14) << "        " << pad_left("inclusive", 14) << "        " << pad_left("calls", 10)
     << "  function\n";
  std::uint64_t shown = 0;
  for (const query::FunctionCost& f : p.functions) {
    if (shown++ == top) break;
    os << pad_left(group_digits(f.self), 14) << " " << percent(f.self, p.instructions) << " "
       << pad_left(group_digits(f.inclusive), 14) << " " << percent(f.inclusive, p.instructions) << " "
       << pad_left(group_digits(f.calls), 10) << "  " << query::function_name(debug, f.func);
    const std::string at = where(debug, f.func);
    if (!at.empty()) os << " (" << at << ")";
    os << "\n";
  }
  if (p.functions.size() > top) os << "  ... " << p.functions.size() - top << " more (" << more << ")\n";
  os << "\nlines by instructions:\n";
  os << pad_left("instructions", 14) << "         line\n";
  shown = 0;
  for (const query::LineCost& l : p.lines) {
    if (shown++ == top) break;
    os << pad_left(group_digits(l.instructions), 14) << " " << percent(l.instructions, p.instructions) << "  "
       << debug.describe(l.line) << "\n";
  }
  if (p.without_line > 0) {
    os << pad_left(group_digits(p.without_line), 14) << " " << percent(p.without_line, p.instructions)
       << "  (code without line information)\n";
  }
  return os.str();
}

std::string profile_json(const query::Profile& p, const debuginfo::DebugInfo& debug) {
  JsonWriter j;
  j.begin_object();
  j.field("instructions", p.instructions).field("from", p.window.from).field("to", p.window.to);
  j.field("instructions_without_line", p.without_line);
  j.key("functions").begin_array();
  for (const query::FunctionCost& f : p.functions) {
    j.begin_object();
    j.field("name", query::function_name(debug, f.func));
    if (f.func != query::kNoFunction) j.field("entry", debug.functions()[f.func].entry);
    j.field("location", where(debug, f.func));
    j.field("self", f.self).field("inclusive", f.inclusive).field("calls", f.calls);
    j.end_object();
  }
  j.end_array();
  j.key("lines").begin_array();
  for (const query::LineCost& l : p.lines) {
    const debuginfo::SourceLine& s = debug.lines()[l.line];
    j.begin_object();
    j.field("file", debug.files()[s.file]).field("line", s.line).field("instructions", l.instructions);
    j.end_object();
  }
  j.end_array();
  j.key("paths").begin_array();
  for (const query::PathCost& pc : p.paths) {
    j.begin_object();
    j.key("stack").begin_array();
    for (std::uint32_t f : pc.path) j.value(query::function_name(debug, f));
    j.end_array();
    j.field("self", pc.self);
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

namespace {

// "main at file.c:12" of a call's caller ("" for the first frame).
std::string caller_of(const query::CallRecord& c, const debuginfo::DebugInfo& debug) {
  if (c.caller_func == query::kNoFunction && c.caller_line == query::kNoLine) return "";
  std::string s = query::function_name(debug, c.caller_func);
  if (c.caller_line != query::kNoLine) s += " at " + debug.describe(c.caller_line);
  return s;
}

const char* end_name(query::CallEnd e) {
  switch (e) {
    case query::CallEnd::Returned: return "returned";
    case query::CallEnd::Longjmp: return "longjmp";
    case query::CallEnd::Open: return "open";
    case query::CallEnd::Inlined: return "inlined";
  }
  return "open";
}

}  // namespace

std::string call_target_key(const query::CallTarget& target) {
  std::string key;
  for (const std::uint32_t f : target.funcs) key += (key.empty() ? "" : ",") + std::to_string(f);
  for (const std::uint32_t k : target.inlined) key += ",i" + std::to_string(k);
  return key;
}

namespace {

// The copy a call entered: the function for a real call, the inlined call's name for one inlined.
const debuginfo::Function* entered_copy(const query::CallRecord& c, const debuginfo::DebugInfo& debug,
                                        const query::CallTarget& target) {
  if (c.inlined != query::kNotInlined) return nullptr;
  if (c.func < debug.functions().size()) return &debug.functions()[c.func];
  return target.funcs.empty() ? nullptr : &debug.functions()[target.funcs.front()];
}

std::vector<query::CallValue> arguments_of(const query::CallRecord& c, const debuginfo::Function* f,
                                           const debuginfo::DebugInfo& debug) {
  if (c.inlined != query::kNotInlined) return query::inlined_call_arguments(c, debug.inlined_calls()[c.inlined]);
  return f != nullptr ? query::call_arguments(c, *f, debug.elf_flags()) : std::vector<query::CallValue>{};
}

}  // namespace

std::string calls_text(const std::vector<query::CallRecord>& calls, const debuginfo::DebugInfo& debug,
                       const query::CallTarget& target) {
  const std::string& name = target.name(debug);
  const bool copies = target.funcs.size() > 1;
  const std::string shown = copies || target.funcs.empty() ? name : copy_name(debug.functions()[target.funcs.front()]);
  std::string out = shown + ": " + std::to_string(calls.size()) + (calls.size() == 1 ? " call" : " calls");
  if (copies) {
    out += " in " + std::to_string(target.funcs.size()) + " copies (";
    for (std::size_t k = 0; k < target.funcs.size(); ++k)
      out += (k ? ", " : "") + copy_name(debug.functions()[target.funcs[k]]) + " at " + where(debug, target.funcs[k]);
    out += ")";
  }
  out += calls.empty() ? "\n" : " (`seek N` goes to a call's entry N or return N)\n";
  // Copies of the same name not asked about (a copy asked by its symbol).
  std::string others;
  for (std::uint32_t k = 0; k < debug.functions().size(); ++k) {
    const debuginfo::Function& g = debug.functions()[k];
    if (g.name == name && std::find(target.funcs.begin(), target.funcs.end(), k) == target.funcs.end())
      others += " " + copy_name(g) + " (" + where(debug, k) + ")";
  }
  if (!others.empty()) out += "(" + name + " has other copies, asked about with `" + name + "`:" + others + ")\n";
  if (const std::string inlined = query::inlined_note(debug, name); !inlined.empty()) {
    if (target.funcs.empty())
      out += "(" + name + " has no out-of-line copy: the compiler inlined it at " + inlined +
             "; a call is each time execution reaches the start of one)\n";
    else if (!target.inlined.empty())
      out += "(" + name + " is also inlined at " + inlined + ": those calls are listed too, marked inlined)\n";
    else
      out += "(" + name + " is also inlined at " + inlined + ": those calls are not listed)\n";
  }
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const query::CallRecord& c = calls[i];
    const debuginfo::Function* f = entered_copy(c, debug, target);
    out += "#" + std::to_string(i + 1) + " " + std::to_string(c.entry) + " " +
           (f == nullptr ? name : copies ? copy_name(*f) : f->name) + "(";
    const auto args = arguments_of(c, f, debug);
    for (std::size_t k = 0; k < args.size(); ++k) {
      if (k) out += ", ";
      out += args[k].name.empty() ? args[k].value : args[k].name + "=" + args[k].value;
    }
    if (f != nullptr && f->variadic) out += args.empty() ? "..." : ", ...";
    out += ")";
    if (c.inlined != query::kNotInlined) {
      const debuginfo::InlinedCall& site = debug.inlined_calls()[c.inlined];
      out += " inlined in " + query::function_name(debug, site.caller);
      if (site.call_line != 0) out += " at " + (site.call_file.empty() ? "?" : site.call_file) + ":" + std::to_string(site.call_line);
    } else if (const std::string from = caller_of(c, debug); !from.empty()) {
      out += " from " + from;
    }
    out += "\n    -> ";
    switch (c.end) {
      case query::CallEnd::Returned: {
        query::CallValue v;
        out += f != nullptr && query::call_result(c, *f, debug.elf_flags(), v) ? "returned " + v.value : std::string("returned");
        out += " at " + std::to_string(c.exit) + "\n";
        break;
      }
      case query::CallEnd::Longjmp: out += "no return (longjmp)\n"; break;
      case query::CallEnd::Open: out += "no return yet (still running where the history ends)\n"; break;
      case query::CallEnd::Inlined: out += "inlined: no call or return of its own\n"; break;
    }
  }
  return out;
}

std::string calls_json(const std::vector<query::CallRecord>& calls, const debuginfo::DebugInfo& debug,
                       const query::CallTarget& target) {
  JsonWriter j;
  j.begin_object();
  j.field("function", target.name(debug));
  if (!target.funcs.empty()) j.field("entry_address", debug.functions()[target.funcs.front()].entry);
  else j.key("entry_address").null();
  j.key("copies").begin_array();
  for (const std::uint32_t k : target.funcs)
    j.begin_object().field("name", copy_name(debug.functions()[k])).field("entry_address", debug.functions()[k].entry).end_object();
  j.end_array();
  j.key("inlined_at").begin_array();
  for (const std::uint32_t k : target.inlined) {
    const debuginfo::InlinedCall& site = debug.inlined_calls()[k];
    j.begin_object().field("entry_address", site.entry).field("function", query::function_name(debug, site.caller));
    j.field("file", site.call_file).field("line", static_cast<std::uint64_t>(site.call_line)).end_object();
  }
  j.end_array();
  j.key("calls").begin_array();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const query::CallRecord& c = calls[i];
    const debuginfo::Function* f = entered_copy(c, debug, target);
    j.begin_object();
    j.field("index", static_cast<std::uint64_t>(i + 1)).field("entry", c.entry);
    j.field("copy", f != nullptr ? copy_name(*f) : target.name(debug)).field("inlined", c.inlined != query::kNotInlined);
    if (c.inlined != query::kNotInlined) j.key("depth").null();  // no frame of its own
    else j.field("depth", c.depth);
    j.key("caller");
    if (c.inlined != query::kNotInlined) {
      const debuginfo::InlinedCall& site = debug.inlined_calls()[c.inlined];
      j.begin_object().field("function", query::function_name(debug, site.caller));
      if (site.call_line != 0) j.field("file", site.call_file).field("line", static_cast<std::uint64_t>(site.call_line));
      j.end_object();
    } else if (c.caller_func == query::kNoFunction && c.caller_line == query::kNoLine) {
      j.null();
    } else {
      j.begin_object().field("function", query::function_name(debug, c.caller_func));
      if (c.caller_line != query::kNoLine) {
        const debuginfo::SourceLine& l = debug.lines()[c.caller_line];
        j.field("file", debug.files()[l.file]).field("line", l.line);
      }
      j.end_object();
    }
    j.key("arguments").begin_array();
    for (const query::CallValue& v : arguments_of(c, f, debug))
      j.begin_object().field("name", v.name).field("type", v.type).field("value", v.value).end_object();
    j.end_array();
    j.field("end", end_name(c.end));
    j.key("return");
    query::CallValue v;
    if (c.end != query::CallEnd::Returned) {
      j.null();
    } else {
      j.begin_object().field("icount", c.exit);
      if (f != nullptr && query::call_result(c, *f, debug.elf_flags(), v)) j.field("type", v.type).field("value", v.value);
      j.end_object();
    }
    j.end_object();
  }
  j.end_array();
  j.end_object();
  return j.str();
}

}  // namespace rvrr::server
