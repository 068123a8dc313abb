// query/answer_codec.cpp - little-endian encodings of the answers, checked on decode.
#include "query/answer_codec.hpp"

#include "trace/little_endian.hpp"

namespace rvrr::query {

namespace {

struct Out {
  std::vector<std::uint8_t> b;
  void u(std::uint64_t v, int bytes = 8) { trace::put_le(b, v, bytes); }
  void bytes(const std::vector<std::uint8_t>& v) {
    u(v.size(), 4);
    b.insert(b.end(), v.begin(), v.end());
  }
  void text(const std::string& s) {
    u(s.size(), 4);
    b.insert(b.end(), s.begin(), s.end());
  }
};

struct In : trace::LeReader {
  std::uint64_t u(int bytes = 8) { return get(bytes); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(u(4)); }
  // A count of items of at least `min_size` bytes each that fit in what is left.
  std::uint64_t count(std::size_t min_size) {
    const std::uint64_t n = u(4);
    if (ok && n > (b.size() - pos) / min_size) ok = false;
    return ok ? n : 0;
  }
  std::vector<std::uint8_t> bytes() {
    const std::uint64_t n = count(1);
    std::vector<std::uint8_t> v;
    if (ok) v.assign(b.begin() + static_cast<std::ptrdiff_t>(pos), b.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    return v;
  }
  std::string text() {
    const std::vector<std::uint8_t> v = bytes();
    return std::string(v.begin(), v.end());
  }
  bool done() const { return ok && pos == b.size(); }
};

bool line_ok(std::uint32_t line, const debuginfo::DebugInfo& d) { return line < d.lines().size(); }
bool line_or_none(std::uint32_t line, const debuginfo::DebugInfo& d) { return line == kNoLine || line_ok(line, d); }
bool func_ok(std::uint32_t f, const debuginfo::DebugInfo& d) { return f == kNoFunction || f < d.functions().size(); }

}  // namespace

std::vector<std::uint8_t> encode_lines(const LineReport& r) {
  Out o;
  o.u(r.instructions);
  o.u(r.without_line);
  o.u(r.lines.size(), 4);
  for (const LineCount& c : r.lines) {
    o.u(c.line, 4);
    o.u(c.hits);
    o.u(c.instructions);
  }
  return std::move(o.b);
}

std::optional<LineReport> decode_lines(std::span<const std::uint8_t> bytes, const debuginfo::DebugInfo& debug) {
  In in{{bytes}};
  LineReport r;
  r.instructions = in.u();
  r.without_line = in.u();
  const std::uint64_t n = in.count(20);
  for (std::uint64_t i = 0; i < n && in.ok; ++i) {
    LineCount c;
    c.line = in.u32();
    c.hits = in.u();
    c.instructions = in.u();
    if (!line_ok(c.line, debug)) return std::nullopt;
    r.lines.push_back(c);
  }
  if (!in.done()) return std::nullopt;
  return r;
}

std::vector<std::uint8_t> encode_profile(const Profile& p) {
  Out o;
  o.u(p.window.from);
  o.u(p.window.to);
  o.u(p.instructions);
  o.u(p.without_line);
  o.u(p.functions.size(), 4);
  for (const FunctionCost& f : p.functions) {
    o.u(f.func, 4);
    o.u(f.self);
    o.u(f.inclusive);
    o.u(f.calls);
  }
  o.u(p.lines.size(), 4);
  for (const LineCost& l : p.lines) {
    o.u(l.line, 4);
    o.u(l.instructions);
  }
  o.u(p.paths.size(), 4);
  for (const PathCost& pc : p.paths) {
    o.u(pc.path.size(), 4);
    for (std::uint32_t f : pc.path) o.u(f, 4);
    o.u(pc.self);
  }
  return std::move(o.b);
}

std::optional<Profile> decode_profile(std::span<const std::uint8_t> bytes, const debuginfo::DebugInfo& debug) {
  In in{{bytes}};
  Profile p;
  p.window.from = in.u();
  p.window.to = in.u();
  p.instructions = in.u();
  p.without_line = in.u();
  for (std::uint64_t i = 0, n = in.count(28); i < n && in.ok; ++i) {
    FunctionCost f;
    f.func = in.u32();
    f.self = in.u();
    f.inclusive = in.u();
    f.calls = in.u();
    if (!func_ok(f.func, debug)) return std::nullopt;
    p.functions.push_back(f);
  }
  for (std::uint64_t i = 0, n = in.count(12); i < n && in.ok; ++i) {
    LineCost l;
    l.line = in.u32();
    l.instructions = in.u();
    if (!line_ok(l.line, debug)) return std::nullopt;
    p.lines.push_back(l);
  }
  for (std::uint64_t i = 0, n = in.count(12); i < n && in.ok; ++i) {
    PathCost pc;
    for (std::uint64_t k = 0, m = in.count(4); k < m && in.ok; ++k) {
      pc.path.push_back(in.u32());
      if (!func_ok(pc.path.back(), debug)) return std::nullopt;
    }
    pc.self = in.u();
    p.paths.push_back(std::move(pc));
  }
  if (!in.done()) return std::nullopt;
  return p;
}

std::vector<std::uint8_t> encode_calls(const std::vector<CallRecord>& calls) {
  Out o;
  o.u(calls.size(), 4);
  for (const CallRecord& c : calls) {
    o.u(c.entry);
    o.u(c.func, 4);
    o.u(c.depth, 4);
    o.u(c.caller_func, 4);
    o.u(c.caller_line, 4);
    o.u(c.return_to);
    o.u(static_cast<std::uint8_t>(c.end), 1);
    o.u(c.exit);
    o.u(c.have_entry_regs, 1);
    o.u(c.have_exit_regs, 1);
    // RV64's registers and stack words are 64 bits, and the width decides
    // how the arguments decode (lp64: one register per long or pointer).
    o.u(c.xlen, 1);
    for (std::uint64_t v : c.a) o.u(v);
    for (std::uint64_t v : c.fa) o.u(v);
    for (std::uint64_t v : c.stack) o.u(v);
    o.u(c.ret_a0);
    o.u(c.ret_a1);
    o.u(c.ret_fa0);
    o.u(c.ret_fa1);
    o.u(c.inlined, 4);
    o.u(c.params_read, 1);
  }
  return std::move(o.b);
}

std::optional<std::vector<CallRecord>> decode_calls(std::span<const std::uint8_t> bytes,
                                                    const debuginfo::DebugInfo& debug) {
  In in{{bytes}};
  std::vector<CallRecord> calls;
  constexpr std::size_t kRecord = 8 + 4 * 4 + 8 + 1 + 8 + 2 + 1 + 3 * 8 * 8 + 4 * 8 + 4 + 1;
  for (std::uint64_t i = 0, n = in.count(kRecord); i < n && in.ok; ++i) {
    CallRecord c;
    c.entry = in.u();
    c.func = in.u32();
    c.depth = in.u32();
    c.caller_func = in.u32();
    c.caller_line = in.u32();
    c.return_to = in.u();
    const std::uint64_t end = in.u(1);
    if (end > static_cast<std::uint64_t>(CallEnd::Inlined)) return std::nullopt;
    c.end = static_cast<CallEnd>(end);
    c.exit = in.u();
    c.have_entry_regs = in.u(1) != 0;
    c.have_exit_regs = in.u(1) != 0;
    c.xlen = static_cast<unsigned>(in.u(1));
    if (c.xlen != 32 && c.xlen != 64) return std::nullopt;
    for (auto& v : c.a) v = in.u();
    for (auto& v : c.fa) v = in.u();
    for (auto& v : c.stack) v = in.u();
    c.ret_a0 = in.u();
    c.ret_a1 = in.u();
    c.ret_fa0 = in.u();
    c.ret_fa1 = in.u();
    c.inlined = in.u32();
    c.params_read = static_cast<std::uint8_t>(in.u(1));
    if ((c.inlined != kNotInlined && c.inlined >= debug.inlined_calls().size()) ||
        ((c.inlined != kNotInlined) != (c.end == CallEnd::Inlined)))
      return std::nullopt;
    if (!func_ok(c.func, debug) || !func_ok(c.caller_func, debug) || !line_or_none(c.caller_line, debug))
      return std::nullopt;
    calls.push_back(c);
  }
  if (!in.done()) return std::nullopt;
  return calls;
}

std::vector<std::uint8_t> encode_accesses(const std::vector<timeline::MemoryAccess>& accesses) {
  Out o;
  o.u(accesses.size(), 4);
  for (const timeline::MemoryAccess& a : accesses) {
    o.u(a.icount);
    o.u(a.pc);  // RV64: code above 4 GiB
    o.u(static_cast<std::uint64_t>(a.write) | static_cast<std::uint64_t>(a.read_too) << 1, 1);
    o.u(a.by_host_call ? 1 : a.by_debugger ? 2 : 0, 1);
    o.text(a.host_call);
    o.bytes(a.before);
    o.bytes(a.after);
  }
  return std::move(o.b);
}

std::optional<std::vector<timeline::MemoryAccess>> decode_accesses(std::span<const std::uint8_t> bytes) {
  In in{{bytes}};
  std::vector<timeline::MemoryAccess> out;
  for (std::uint64_t i = 0, n = in.count(8 + 8 + 2 + 12); i < n && in.ok; ++i) {
    timeline::MemoryAccess a;
    a.icount = in.u();
    a.pc = in.u();
    const std::uint64_t kind = in.u(1);
    if (kind > 3) return std::nullopt;
    a.write = (kind & 1) != 0;
    a.read_too = (kind & 2) != 0;
    const std::uint64_t by = in.u(1);
    if (by > 2) return std::nullopt;
    a.by_host_call = by == 1;
    a.by_debugger = by == 2;
    a.host_call = in.text();
    a.before = in.bytes();
    a.after = in.bytes();
    if (a.before.size() != a.after.size() && a.write) return std::nullopt;
    out.push_back(std::move(a));
  }
  if (!in.done()) return std::nullopt;
  return out;
}

}  // namespace rvrr::query
