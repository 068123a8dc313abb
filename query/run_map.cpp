// query/run_map.cpp - decoding and describing distinct runs.
#include "query/run_map.hpp"

#include <algorithm>
#include <array>

#include "vm/decoder.hpp"
#include "vm/rv64_compressed.hpp"

namespace rvrr::query {

namespace {

bool is_link(unsigned reg) { return reg == 1 || reg == 5; }

bool is_branch(vm::Op op) { return op >= vm::Op::Beq && op <= vm::Op::Bgeu; }

// The instruction as the program's machine reads it. RV64C gives some RV32C
// encodings other meanings: c.addiw is RV32's c.jal, which read as RV32 made
// an RV64 run ending in c.addiw (at a page end) a call. An RV64 halfword is
// expanded to its 32-bit form; RV64-only operations (addiw, ld, ...) then
// decode as Illegal, which only says "no transfer" here, as it should.
vm::Insn decode(std::uint32_t bits, unsigned xlen) {
  if (xlen != 64 || (bits & 3) == 3) return vm::decode(bits);
  vm::Insn in = vm::decode32(vm::expand_rv64c(static_cast<std::uint16_t>(bits)));
  in.len = 2;
  return in;
}

}  // namespace

std::uint32_t RunMap::function_at(vm::Addr pc) const {
  auto f = debug_.function_index_at(pc);
  return f ? *f : kNoFunction;
}

std::uint32_t RunMap::line_at(vm::Addr pc) const {
  auto line = debug_.line_id_at(pc);
  return line ? *line : kNoLine;
}

bool RunMap::jump_stays(vm::Addr from, vm::Addr target) const {
  const std::uint32_t f = function_at(from);
  return f != kNoFunction && function_at(target) == f && debug_.functions()[f].entry != target;
}

bool RunMap::insn_at(vm::Addr pc, vm::Insn& out) const {
  std::array<std::uint8_t, 4> b{};
  if (!read_(pc, std::span(b.data(), 2))) return false;
  std::uint32_t bits = b[0] | b[1] << 8;
  if ((bits & 3) == 3) {
    if (!read_(pc + 2, std::span(b.data() + 2, 2))) return false;
    bits |= static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
  }
  out = decode(bits, debug_.xlen());
  return true;
}

std::vector<vm::Addr> RunMap::direct_call_returns(vm::Addr target) const {
  std::vector<vm::Addr> out;
  for (const debuginfo::Function& f : debug_.functions()) {
    for (vm::Addr pc = f.entry; pc < f.end;) {
      vm::Insn in;
      if (!insn_at(pc, in)) break;
      if (in.op == vm::Op::Jal && is_link(in.rd) && pc + static_cast<vm::Addr>(in.imm) == target) out.push_back(pc + in.len);
      pc += in.len;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

RunInfo& RunMap::lookup_slow(std::uint64_t key, vm::Addr start, vm::Addr end) {
  if (key & kOddKey) {
    auto it = odd_runs_.find({start, end});
    if (it != odd_runs_.end()) return it->second;
    return odd_runs_.emplace(std::make_pair(start, end), describe(start, end)).first->second;
  }
  auto it = runs_.find(key);
  if (it != runs_.end()) return it->second;
  return runs_.emplace(key, describe(start, end)).first->second;
}

RunInfo RunMap::describe(vm::Addr start, vm::Addr end) const {
  RunInfo r;
  r.start = start;
  r.end = end;
  vm::Insn last;
  vm::Addr last_pc = start;
  for (vm::Addr pc = start; pc < end;) {
    if (!insn_at(pc, last)) break;
    last_pc = pc;
    const Segment s{1, line_at(pc), function_at(pc)};
    if (!r.segs.empty() && r.segs.back().line == s.line && r.segs.back().func == s.func) {
      ++r.segs.back().count;
    } else {
      if (!r.segs.empty() && s.line != kNoLine && s.line != r.segs.back().line) {
        r.inner_entries.push_back(s.line);
      }
      if (!r.segs.empty() && s.func != r.segs.front().func) r.one_function = false;
      r.segs.push_back(s);
    }
    ++r.insns;
    pc += last.len;
  }
  if (r.segs.empty()) r.segs.push_back(Segment{0, kNoLine, function_at(start)});  // unreadable code: keep it countable
  r.first_line = r.segs.front().line;
  r.last_line = r.segs.back().line;
  r.first_func = r.segs.front().func;
  if (r.insns == 0) return r;
  if (is_branch(last.op)) {
    r.transfer = Transfer::Branch;
    r.target = last_pc + static_cast<vm::Addr>(last.imm);
  } else if (last.op == vm::Op::Jal || last.op == vm::Op::Jalr) {
    if (last.op == vm::Op::Jal) r.target = last_pc + static_cast<vm::Addr>(last.imm);
    if (is_link(last.rd)) {
      r.transfer = Transfer::Call;
      r.return_to = last_pc + last.len;
    } else if (last.op == vm::Op::Jalr && last.rd == 0 && is_link(last.rs1)) {
      r.transfer = Transfer::Return;
    } else {
      r.transfer = Transfer::Jump;
    }
  }
  if (r.target != 0) r.target_func = function_at(r.target);
  return r;
}

}  // namespace rvrr::query
