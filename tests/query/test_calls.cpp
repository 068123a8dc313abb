// tests/query/test_calls.cpp - every call of a function, on
// tests/fixtures/query_guest.c, whose calls are known by construction.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "query/answer_codec.hpp"
#include "query_fixture.hpp"
#include "timeline/replay_session.hpp"
#include "timeline/session_setup.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

namespace {

struct Found {
  std::uint32_t func;
  std::vector<query::CallRecord> calls;
};

Found calls_of(const std::string& name) {
  const Recording& r = recording();
  std::string error;
  const auto f = query::function_index_named(r.debug, name, error);
  REQUIRE_MESSAGE(f.has_value(), error);
  return Found{*f, query::find_calls(r.trace, r.debug, *f)};
}

std::vector<std::string> values(const std::vector<query::CallValue>& vs) {
  std::vector<std::string> out;
  for (const query::CallValue& v : vs) out.push_back(v.name + "=" + v.value);
  return out;
}

std::string result(const query::CallRecord& c, const debuginfo::Function& f) {
  query::CallValue v;
  if (!query::call_result(c, f, recording().debug.elf_flags(), v)) return "none";
  return v.value;
}

}  // namespace

TEST_CASE("calls: square is called 5 times from its call line with 0..4 and returns the squares") {
  const Recording& r = recording();
  const Found found = calls_of("square");
  const debuginfo::Function& f = r.debug.functions()[found.func];
  REQUIRE(found.calls.size() == 5);
  timeline::ReplaySession session(r.trace, [](int, std::span<const std::uint8_t>) {});
  for (int k = 0; k < 5; ++k) {
    const query::CallRecord& c = found.calls[k];
    CHECK(c.end == query::CallEnd::Returned);
    CHECK(c.exit > c.entry);
    CHECK(r.debug.lines()[c.caller_line].line == line_of("CALL_SQUARE"));
    CHECK(query::function_name(r.debug, c.caller_func) == "main");
    const auto args = query::call_arguments(c, f, r.debug.elf_flags());
    REQUIRE(args.size() == 1);
    CHECK(args[0].type == "int");
    CHECK(values(args)[0] == "x=" + std::to_string(k));
    CHECK(result(c, f) == std::to_string(k * k));
    // The entry count is the function's first instruction; the exit count the return address.
    session.run_to(c.entry);
    CHECK(session.machine().pc() == f.entry);
    session.run_to(c.exit);
    CHECK(session.machine().pc() == c.return_to);
    CHECK(session.machine().reg(10) == static_cast<std::uint32_t>(k * k));
  }
}

TEST_CASE("calls: a pointer, a soft-float double, a 64-bit integer and a char, and a 64-bit return") {
  const Recording& r = recording();
  const Found found = calls_of("mix");
  const debuginfo::Function& f = r.debug.functions()[found.func];
  REQUIRE(found.calls.size() == 2);
  const auto first = values(query::call_arguments(found.calls[0], f, r.debug.elf_flags()));
  REQUIRE(first.size() == 4);
  CHECK(first[0].starts_with("s=0x"));
  CHECK(first[1] == "d=2.5");
  CHECK(first[2] == "big=4294967296");
  CHECK(first[3] == "c=65 'A'");
  CHECK(result(found.calls[0], f) == "4294967465");  // 2^32 + 'h' + 'A'
  const auto second = values(query::call_arguments(found.calls[1], f, r.debug.elf_flags()));
  REQUIRE(second.size() == 4);
  CHECK(std::stoul(second[0].substr(4), nullptr, 16) == std::stoul(first[0].substr(4), nullptr, 16) + 1);
  CHECK(second[1] == "d=-0.75");
  CHECK(second[2] == "big=-3");
  CHECK(second[3] == "c=122 'z'");
  CHECK(result(found.calls[1], f) == "224");  // -3 + 'i' + 'z'
}

TEST_CASE("calls: recursion nests (fact 6..1 returning 720..1) and longjmp abandons (deep 3..0)") {
  const Recording& r = recording();
  const Found fact = calls_of("fact");
  const debuginfo::Function& ff = r.debug.functions()[fact.func];
  REQUIRE(fact.calls.size() == 6);
  int expect = 720;
  for (int k = 0; k < 6; ++k) {
    const query::CallRecord& c = fact.calls[k];
    CHECK(c.end == query::CallEnd::Returned);
    CHECK(values(query::call_arguments(c, ff, r.debug.elf_flags()))[0] == "n=" + std::to_string(6 - k));
    CHECK(result(c, ff) == std::to_string(expect));
    if (k > 0) {
      CHECK(c.depth == fact.calls[k - 1].depth + 1);
      CHECK(c.exit < fact.calls[k - 1].exit);  // the inner call returns first
    }
    expect /= 6 - k;
  }
  const Found deep = calls_of("deep");
  REQUIRE(deep.calls.size() == 4);
  const debuginfo::Function& fd = r.debug.functions()[deep.func];
  for (int k = 0; k < 4; ++k) {
    CHECK(deep.calls[k].end == query::CallEnd::Longjmp);
    CHECK(values(query::call_arguments(deep.calls[k], fd, r.debug.elf_flags()))[0] == "depth=" + std::to_string(3 - k));
    CHECK(result(deep.calls[k], fd) == "none");  // void, and no return anyway
  }
  // after_jump runs once, after the longjmp, and returns v + 1.
  const Found after = calls_of("after_jump");
  REQUIRE(after.calls.size() == 1);
  CHECK(after.calls[0].end == query::CallEnd::Returned);
}

TEST_CASE("calls: a call still running where the history stops is open") {
  const Recording& r = recording();
  std::string error;
  const auto f = query::function_index_named(r.debug, "fact", error);
  REQUIRE(f);
  const auto all = query::find_calls(r.trace, r.debug, *f);
  REQUIRE(all.size() == 6);
  const auto cut = query::find_calls(r.trace, r.debug, *f, all[5].entry + 1);  // inside the innermost
  REQUIRE(cut.size() == 6);
  for (const auto& c : cut) CHECK(c.end == query::CallEnd::Open);
  CHECK(cut[5].a[0] == 1u);
}

TEST_CASE("calls: an unknown function names the close ones") {
  const Recording& r = recording();
  std::string error;
  CHECK_FALSE(query::function_index_named(r.debug, "sqare", error));
  CHECK(error.find("no function 'sqare'") != std::string::npos);
  CHECK(error.find("square") != std::string::npos);
}

TEST_CASE("calls: a function's name finds the calls of all its out-of-line copies; a clone's symbol, of that copy") {
  // copies_guest.c (-O3): mix.constprop.0 takes the three calls with k = 7,
  // mix the two others; values by construction (see the source).
  const Recording& r = recording("copies_guest.elf");
  std::string error;
  const auto all = query::call_target_named(r.debug, "mix", error);
  REQUIRE_MESSAGE(all.has_value(), error);
  REQUIRE(all->funcs.size() == 2);
  const auto clone = query::call_target_named(r.debug, "mix.constprop.0", error);
  REQUIRE_MESSAGE(clone.has_value(), error);
  REQUIRE(clone->funcs.size() == 1);
  CHECK(r.debug.functions()[clone->funcs[0]].clone());
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *all, UINT64_MAX, query::IntervalPlan{1});
  REQUIRE(calls.size() == 5);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"x=100, k=7", "25"}, {"x=200, k=7", "53"}, {"x=300, k=7", "81"}, {"x=1159, k=5", "445"}, {"x=609, k=3", "354"}};
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CAPTURE(i);
    const query::CallRecord& c = calls[i];
    CHECK((c.func == clone->funcs[0]) == (i < 3));
    const debuginfo::Function& f = r.debug.functions()[c.func];
    const std::vector<std::string> args = values(query::call_arguments(c, f, r.debug.elf_flags()));
    CHECK(args.size() == 2);
    std::string joined;
    for (const std::string& a : args) joined += (joined.empty() ? "" : ", ") + a;
    CHECK(joined == want[i].first);
    REQUIRE(c.end == query::CallEnd::Returned);
    query::CallValue v;
    REQUIRE(query::call_result(c, f, r.debug.elf_flags(), v));
    CHECK(v.value == want[i].second);
  }
  // The clone alone: its three calls.
  const std::vector<query::CallRecord> only = query::find_calls(r.trace, r.debug, *clone, UINT64_MAX, query::IntervalPlan{1});
  REQUIRE(only.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(only[i].entry == calls[i].entry);
  // Split, the same calls (seams inside and between calls of each copy).
  for (const unsigned threads : {2u, 3u})
    for (const std::uint64_t interval : {5u, 11u, 37u}) {
      CAPTURE(threads);
      CAPTURE(interval);
      check_same_calls(query::find_calls(r.trace, r.debug, *all, UINT64_MAX, query::IntervalPlan{threads, interval}), calls);
    }
  // Without counted runs, and in two passes: the same.
  check_same_calls(query::find_calls_two_passes(r.trace, r.debug, *all), calls);
}

TEST_CASE("calls: a history that ends exactly at a call's entry or return has that call entered or returned") {
  // As after gdb's `finish` (at the return address) or `break *square`:
  // the call or return retired, and no run follows it in the history asked about.
  const Recording& r = recording();
  std::string error;
  const auto f = query::function_index_named(r.debug, "square", error);
  REQUIRE_MESSAGE(f.has_value(), error);
  const std::vector<query::CallRecord> all = query::find_calls(r.trace, r.debug, *f, UINT64_MAX, query::IntervalPlan{1});
  REQUIRE(all.size() == 5);
  const query::CallRecord& third = all[2];
  REQUIRE(third.end == query::CallEnd::Returned);
  for (const unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    const query::IntervalPlan plan{threads, 37};
    const std::vector<query::CallRecord> to_return = query::find_calls(r.trace, r.debug, *f, third.exit, plan);
    REQUIRE(to_return.size() == 3);
    CHECK(to_return[2].end == query::CallEnd::Returned);
    CHECK(to_return[2].exit == third.exit);
    CHECK(to_return[2].have_exit_regs);
    CHECK(to_return[2].ret_a0 == third.ret_a0);
    const std::vector<query::CallRecord> to_entry = query::find_calls(r.trace, r.debug, *f, third.entry, plan);
    REQUIRE(to_entry.size() == 3);
    CHECK(to_entry[2].entry == third.entry);
    CHECK(to_entry[2].end == query::CallEnd::Open);
    CHECK(to_entry[2].have_entry_regs);
    CHECK(to_entry[2].a == third.a);
  }
}

TEST_CASE("calls: a char prints as gdb prints it: the DWARF encoding's sign, the byte quoted or in octal") {
  // On RISC-V plain `char` is unsigned (DW_ATE_unsigned_char): (char)200 is 200, not -56.
  debuginfo::Function f;
  f.name = "up";
  f.from_dwarf = true;
  auto param = [](const std::string& name, bool is_signed) {
    debuginfo::Param p;
    p.name = name;
    p.type.kind = debuginfo::ParamType::Kind::Char;
    p.type.size = 1;
    p.type.name = is_signed ? "signed char" : "char";
    p.type.signed_char = is_signed;
    return p;
  };
  for (const char* n : {"a", "b", "c", "d", "e"}) f.params.push_back(param(n, false));
  f.params.push_back(param("s", true));
  f.result = f.params[0].type;
  query::CallRecord c;
  c.have_entry_regs = c.have_exit_regs = true;
  c.end = query::CallEnd::Returned;
  c.a = {200, 'A', '\n', '\'', 0, 200, 0, 0};
  c.ret_a0 = 156;
  CHECK(values(query::call_arguments(c, f, 0)) ==
        std::vector<std::string>{"a=200 '\\310'", "b=65 'A'", "c=10 '\\n'", "d=39 '\\''", "e=0 '\\000'", "s=-56 '\\310'"});
  query::CallValue v;
  REQUIRE(query::call_result(c, f, 0, v));
  CHECK(v.value == "156 '\\234'");
}

TEST_CASE("calls: a function inlined at every call says so, where, and what to do instead") {
  // clone_guest.c (-O2): sys_exit, a static function called once, is
  // inlined into _start at line 33; it has no code of its own.
  const Recording& r = recording("clone_guest.elf");
  std::string error;
  CHECK_FALSE(query::function_index_named(r.debug, "sys_exit", error));
  CHECK(error.find("'sys_exit' has no out-of-line copy") != std::string::npos);
  CHECK(error.find("inlined it at 1 place (clone_guest.c:33 in _start)") != std::string::npos);
  CHECK(error.find("noinline") != std::string::npos);
  CHECK(query::inlined_note(r.debug, "sys_exit") == "1 place (clone_guest.c:33 in _start)");
  CHECK(query::inlined_note(r.debug, "scale2").empty());  // never inlined
}

namespace {

// A recording of another build of the query guest.
const Recording& recording_of(const std::string& elf) {
  static std::map<std::string, Recording> cache;
  auto it = cache.find(elf);
  if (it != cache.end()) return it->second;
  namespace fs = std::filesystem;
  const fs::path path = fs::temp_directory_path() / ("rvrr-calls-test-" + std::to_string(::getpid()) + ".rvrr");
  timeline::RecordOptions o;
  o.live.epoch_ns = 1;
  o.live.live = std::make_shared<vm::NullEnvironment>();
  o.live.output_to = [](int, std::span<const std::uint8_t>) {};
  timeline::record_program(fixture(elf), o, path.string());
  Recording r{trace::read_trace_file(path.string()), {}};
  r.debug = query::debug_info_of(r.trace);
  std::error_code ec;
  fs::remove(path, ec);
  return cache.emplace(elf, std::move(r)).first->second;
}

std::vector<std::string> decoded(const Recording& r, const std::string& name, std::size_t k, std::string& ret) {
  std::string error;
  const auto f = query::function_index_named(r.debug, name, error);
  REQUIRE_MESSAGE(f.has_value(), error);
  const auto calls = query::find_calls(r.trace, r.debug, *f);
  REQUIRE(calls.size() > k);
  const debuginfo::Function& fn = r.debug.functions()[*f];
  query::CallValue v;
  ret = query::call_result(calls[k], fn, r.debug.elf_flags(), v) ? v.value : "none";
  return values(query::call_arguments(calls[k], fn, r.debug.elf_flags()));
}

}  // namespace

TEST_CASE("calls: float and double arguments and a double return, soft-float (integer registers)") {
  const Recording& r = recording();
  CHECK((r.debug.elf_flags() & 0x6) == 0);  // ilp32
  std::string ret;
  CHECK(decoded(r, "pick", 0, ret) == std::vector<std::string>{"f=1.5", "d=-6.25"});
  CHECK(ret == "-6.25");
}

TEST_CASE("calls: the hard-float ABI (ilp32d) passes floats and doubles in fa registers") {
  const Recording& r = recording_of("query_guest_ilp32d.elf");
  CHECK((r.debug.elf_flags() & 0x6) == 4);  // ilp32d
  std::string ret;
  CHECK(decoded(r, "pick", 0, ret) == std::vector<std::string>{"f=1.5", "d=-6.25"});
  CHECK(ret == "-6.25");
  // mix(s, d, big, c): s in a0, d in fa0, big in a1/a2, c in a3.
  const auto args = decoded(r, "mix", 1, ret);
  REQUIRE(args.size() == 4);
  CHECK(args[1] == "d=-0.75");
  CHECK(args[2] == "big=-3");
  CHECK(args[3] == "c=122 'z'");
  CHECK(ret == "224");
  CHECK(decoded(r, "square", 4, ret) == std::vector<std::string>{"x=4"});
  CHECK(ret == "16");
}

TEST_CASE("calls: one replay reads the same registers as the two-pass way") {
  const Recording& r = recording();
  for (const char* name : {"square", "fact", "mix", "pick", "deep", "after_jump", "main"}) {
    CAPTURE(name);
    std::string error;
    const auto f = query::function_index_named(r.debug, name, error);
    REQUIRE(f.has_value());
    const std::vector<query::CallRecord> one = query::find_calls(r.trace, r.debug, *f);
    const std::vector<query::CallRecord> two = query::find_calls_two_passes(r.trace, r.debug, *f);
    CHECK(!one.empty());
    check_same_calls(one, two);
  }
}

TEST_CASE("calls: split into intervals on 2 and 3 threads, the calls are the single-threaded ones") {
  // Intervals of a few instructions put seams inside calls, on entries and
  // returns, in fact's recursion and across deep's longjmp; calls made in
  // one interval return in another. tail_guest's calls jump to each other
  // (several calls open on one frame). linux_calls calls through pointers:
  // returns no breakpoint knows in advance, read by the extra replay.
  struct Case {
    std::string elf;
    std::vector<std::string> functions;  // empty: all
    std::vector<std::uint64_t> intervals;
  };
  const std::vector<Case> cases = {
      {"query_guest.elf", {}, {5, 37, 400}},
      {"tail_guest.elf", {}, {5, 37, 400}},
      {"trace_guest.elf", {}, {9973}},
      {std::string(RVRR_EXAMPLES_DIR) + "/linux_calls.elf", {"mix", "walk", "fib"}, {997}},
  };
  for (const Case& k : cases) {
    const Recording& r = recording(k.elf);
    std::size_t total = 0;
    for (std::uint32_t f = 0; f < r.debug.functions().size(); ++f) {
      const std::string& name = r.debug.functions()[f].name;
      if (!k.functions.empty() && std::find(k.functions.begin(), k.functions.end(), name) == k.functions.end()) continue;
      CAPTURE(k.elf);
      CAPTURE(name);
      const std::vector<query::CallRecord> one = query::find_calls(r.trace, r.debug, f, UINT64_MAX, query::IntervalPlan{1});
      total += one.size();
      for (unsigned threads : {2u, 3u}) {
        for (const std::uint64_t interval : k.intervals) {
          CAPTURE(threads);
          CAPTURE(interval);
          check_same_calls(query::find_calls(r.trace, r.debug, f, UINT64_MAX, query::IntervalPlan{threads, interval}), one);
        }
      }
    }
    CHECK(total >= 10);
  }
}

TEST_CASE("calls: registers read in one more replay are those read at the stops") {
  // What a split search does with a return none of its intervals stopped at.
  const Recording& r = recording();
  const timeline::SessionSetup setup = timeline::make_replay_setup(r.trace, [](int, std::span<const std::uint8_t>) {});
  const query::RecordedRun run{setup.initial, setup.env->history()};
  for (const char* name : {"square", "fact", "mix", "pick", "deep", "main"}) {
    CAPTURE(name);
    const Found want = calls_of(name);
    std::vector<query::CallRecord> bare = want.calls;
    for (query::CallRecord& c : bare) {
      c.have_entry_regs = c.have_exit_regs = false;
      c.a = c.fa = c.stack = {};
      c.ret_a0 = c.ret_a1 = c.ret_fa0 = c.ret_fa1 = 0;
    }
    query::read_call_registers(run, bare);
    check_same_calls(bare, want.calls);
  }
}

TEST_CASE("calls: a clone's parameter located at a constant address (DW_OP_addr; DW_OP_stack_value) takes no register") {
  // linux_compute (-O2): quicksort(a, lo, hi) is only ever called on `keys`,
  // so gcc's clone quicksort.constprop.0 takes lo in a0 and hi in a1, and
  // its DWARF gives `a` the location "the address of keys" (no list, no
  // DW_AT_const_value). The first call sorts all of keys: (keys, 0, 2047).
  const Recording& r = recording(std::string(RVRR_EXAMPLES_DIR) + "/linux_compute.elf");
  std::string error;
  const auto f = query::function_index_named(r.debug, "quicksort", error);
  REQUIRE_MESSAGE(f.has_value(), error);
  const debuginfo::Function& fn = r.debug.functions()[*f];
  REQUIRE(fn.params.size() == 3);
  CHECK(fn.params[0].name == "a");
  CHECK(fn.params[0].constant);
  CHECK(fn.params[0].value >= 0x10000);  // keys, in the program's data (linked at 0x10000)
  CHECK_FALSE(fn.params[1].constant);
  CHECK_FALSE(fn.params[2].constant);
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *f);
  REQUIRE(!calls.empty());
  const std::vector<query::CallValue> args = query::call_arguments(calls[0], fn, r.debug.elf_flags());
  REQUIRE(args.size() == 3);
  CHECK(values(args)[0].starts_with("a=0x"));
  CHECK(values(args)[1] == "lo=0");
  CHECK(values(args)[2] == "hi=2047");
}

TEST_CASE("calls: a clone's constant parameter (.constprop) is shown, takes no register, in declaration order") {
  // linux_calls (-O2): walk(depth, acc) is called through a clone where
  // depth is the constant 16 (DW_AT_const_value), acc alone in a0.
  const Recording& r = recording(std::string(RVRR_EXAMPLES_DIR) + "/linux_calls.elf");
  std::string error;
  const auto f = query::function_index_named(r.debug, "walk", error);
  REQUIRE_MESSAGE(f.has_value(), error);
  const debuginfo::Function& fn = r.debug.functions()[*f];
  REQUIRE(fn.params.size() == 2);
  CHECK(fn.params[0].name == "depth");
  CHECK(fn.params[0].constant);
  CHECK(fn.params[0].value == 16);
  CHECK(fn.params[1].name == "acc");
  CHECK_FALSE(fn.params[1].constant);
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *f);
  REQUIRE(calls.size() >= 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::vector<query::CallValue> args = query::call_arguments(calls[i], fn, r.debug.elf_flags());
    REQUIRE(args.size() == 2);
    CHECK(values(args)[0] == "depth=16");
    CHECK(values(args)[1] == "acc=" + std::to_string(static_cast<std::uint32_t>(calls[i].a[0])));
  }
}

namespace {
// The first call of `name` in `r`: its arguments and its result, as `trace calls` shows them.
std::string first_call_text(const Recording& r, const char* name) {
  std::string error;
  const auto f = query::function_index_named(r.debug, name, error);
  REQUIRE_MESSAGE(f.has_value(), error);
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *f);
  REQUIRE(!calls.empty());
  const debuginfo::Function& fn = r.debug.functions()[*f];
  std::string text = std::string(name) + "(";
  for (const std::string& v : values(query::call_arguments(calls[0], fn, r.debug.elf_flags())))
    text += (text.back() == '(' ? "" : ", ") + v;
  query::CallValue result;
  REQUIRE(query::call_result(calls[0], fn, r.debug.elf_flags(), result));
  return text + ") -> " + result.value;
}
}  // namespace

TEST_CASE("calls: structs of floats in FP registers (ilp32d), and a result returned through a pointer in a0") {
  // abi_guest.c: the psABI's floating-point convention puts struct {double
  // x, y} (16 bytes) in fa0/fa1 and struct {float f; int i} in fa0 and a
  // register; a struct of five ints comes back through a pointer the
  // caller passes in a0, so the arguments start at a1.
  const Recording& d = recording("abi_guest_ilp32d.elf");
  CHECK(first_call_text(d, "s_pd") == "s_pd(p={x=1.5, y=-2.25}, n=101) -> 104");
  CHECK(first_call_text(d, "s_fi") == "s_fi(p={f=8.5, i=9}, n=102) -> 119");
  CHECK(first_call_text(d, "r_pd") == "r_pd(a=1.25) -> {x=1.25, y=2.5}");
  CHECK(first_call_text(d, "r_d1") == "r_d1(a=0.5) -> {v=1.5}");
  CHECK(first_call_text(d, "r_big") == "r_big(x=11, y=21) -> (in memory)");
  // A float and a pointer: no FP register (the other field must be an integer).
  CHECK(first_call_text(d, "s_fp").starts_with("s_fp(p=a0=0x40200000 a1=0x"));
  CHECK(first_call_text(d, "s_fp").ends_with(", n=103) -> 170"));
  // _Complex double: two floats to the convention, fa0/fa1.
  CHECK(first_call_text(d, "r_cd") == "r_cd(a=0.75) -> {re=0.75, im=1.5}");
  // Soft float: the integer convention (by reference beyond two words), and
  // struct {double x, y} comes back in memory too, so its double argument is in a1:a2.
  const Recording& s = recording("abi_guest_ilp32.elf");
  CHECK(first_call_text(s, "r_pd") == "r_pd(a=1.25) -> (in memory)");
  CHECK(first_call_text(s, "r_big") == "r_big(x=11, y=21) -> (in memory)");
  CHECK(first_call_text(s, "s_fi") == "s_fi(p=a0=0x41080000 a1=0x9, n=102) -> 119");
  CHECK(first_call_text(s, "r_cd") == "r_cd(a=0.75) -> (in memory)");
}

TEST_CASE("calls: a clone's parameters are where its DWARF puts them at the entry, not where the declaration would") {
  // clone_guest.c (-O2): apply.constprop.0.isra.0 takes only v (in a0): its
  // unused parameter and the pointer it read one field of are gone;
  // drop.constprop.0 takes a and c (a0, a1), its middle parameter gone.
  const Recording& r = recording("clone_guest.elf");
  CHECK(first_call_text(r, "apply") == "apply(unused_dummy=<unavailable>, c=<unavailable>, v=100) -> 303");
  CHECK(first_call_text(r, "drop") == "drop(a=1, b=<unavailable>, c=200) -> 207");
  CHECK(first_call_text(r, "scale2") == "scale2(x=10, f=5) -> 51");  // not a clone: by the declaration
  // A copy is found by its symbol too.
  CHECK(r.debug.function_named("drop.constprop.0") == r.debug.function_named("drop"));
}

TEST_CASE("calls: a profile's call counts are the call finder's: falling into a function is no call of it") {
  // heap_guest (picolibc, -msave-restore): __riscv_restore_N are labels in
  // one millicode routine, entered by a jump (a tail call: counted) or by
  // falling through from the label before (no call, for gdb and the finder).
  const Recording& r = recording("heap_guest.elf");
  const query::Profile p = query::profile_trace(r.trace, r.debug, {}, query::IntervalPlan{1});
  std::size_t checked = 0;
  for (const query::FunctionCost& c : p.functions) {
    if (c.func == query::kNoFunction || !r.debug.functions()[c.func].name.starts_with("__riscv_restore_")) continue;
    CAPTURE(r.debug.functions()[c.func].name);
    CHECK(c.calls == query::find_calls(r.trace, r.debug, c.func).size());
    ++checked;
  }
  CHECK(checked >= 3);
}

TEST_CASE("calls: the calls the compiler inlined are listed among the others, with their parameters where DWARF has them") {
  // inline_guest.c (-O2): scale is inlined in a loop run 5 times (line 26)
  // and once more (line 28), and called through a pointer once, out of line.
  const Recording& r = recording("inline_guest.elf");
  std::string error;
  const auto scale = query::call_target_named(r.debug, "scale", error);
  REQUIRE_MESSAGE(scale.has_value(), error);
  REQUIRE(scale->funcs.size() == 1);
  REQUIRE(scale->inlined.size() == 2);
  const std::uint64_t asked_again = query::asked_again_without_counts();
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *scale, UINT64_MAX, query::IntervalPlan{1});
  REQUIRE(calls.size() == 7);
  // The stops at the loop's inlined call cut its counted runs: the finder goes on from them, exactly.
  CHECK(query::asked_again_without_counts() == asked_again);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CAPTURE(i);
    const query::CallRecord& c = calls[i];
    if (i > 0) CHECK(calls[i - 1].entry < c.entry);
    CHECK((c.end == query::CallEnd::Inlined) == (i != 5));
    if (c.end != query::CallEnd::Inlined) continue;
    const debuginfo::InlinedCall& site = r.debug.inlined_calls()[c.inlined];
    CHECK(site.name == "scale");
    CHECK(site.call_line == (i < 5 ? 26u : 28u));
    CHECK(r.debug.functions()[c.caller_func].name == "_start");
  }
  // Where DWARF has them at the start of the inlined code: the loop's are
  // optimized out there (gdb says so too); scale(sink, 10) has x in a
  // register and k a constant.
  CHECK(values(query::inlined_call_arguments(calls[0], r.debug.inlined_calls()[calls[0].inlined])) ==
        std::vector<std::string>{"x=<optimized out>", "k=<optimized out>"});
  CHECK(values(query::inlined_call_arguments(calls[6], r.debug.inlined_calls()[calls[6].inlined])) ==
        std::vector<std::string>{"x=2217", "k=10"});
  const debuginfo::Function& f = r.debug.functions()[calls[5].func];
  CHECK(values(query::call_arguments(calls[5], f, r.debug.elf_flags())) == std::vector<std::string>{"x=7", "k=3"});
  // Split (seams inside the loop), in two passes, and from the answer cache: the same.
  for (const unsigned threads : {2u, 3u})
    for (const std::uint64_t interval : {3u, 5u, 11u}) {
      CAPTURE(threads);
      CAPTURE(interval);
      const auto split = query::find_calls(r.trace, r.debug, *scale, UINT64_MAX, query::IntervalPlan{threads, interval});
      check_same_calls(split, calls);
      for (std::size_t i = 0; i < split.size(); ++i) CHECK(split[i].inlined == calls[i].inlined);
    }
  check_same_calls(query::find_calls_two_passes(r.trace, r.debug, *scale), calls);
  CHECK(query::asked_again_without_counts() == asked_again);
  const auto cached = query::decode_calls(query::encode_calls(calls), r.debug);
  REQUIRE(cached.has_value());
  check_same_calls(*cached, calls);
  CHECK((*cached)[6].inlined == calls[6].inlined);
  CHECK((*cached)[6].params_read == calls[6].params_read);
  // A function inlined at every call (sys_exit) is asked about all the same.
  const auto exit_call = query::call_target_named(r.debug, "sys_exit", error);
  REQUIRE_MESSAGE(exit_call.has_value(), error);
  CHECK(exit_call->funcs.empty());
  const auto exits = query::find_calls(r.trace, r.debug, *exit_call, UINT64_MAX, query::IntervalPlan{1});
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].end == query::CallEnd::Inlined);
  CHECK(r.debug.inlined_calls()[exits[0].inlined].call_line == 29);
}

TEST_CASE("calls: inlined calls in hot loops, stopped at amid counted runs, are each found once, exactly, on any split") {
  // linux_compute (-O2): rng() is inlined at 5 places in main's loops.
  const Recording& r = recording(std::string(RVRR_EXAMPLES_DIR) + "/linux_compute.elf");
  std::string error;
  const auto rng = query::call_target_named(r.debug, "rng", error);
  REQUIRE_MESSAGE(rng.has_value(), error);
  CHECK(rng->funcs.empty());
  REQUIRE(rng->inlined.size() >= 5);  // one place may hold two copies (a loop gcc duplicated)
  CHECK(query::inlined_note(r.debug, "rng").starts_with("5 places"));
  // The oracle: a plain replay stopping at the inlined calls' entries.
  vm::DebugPoints points;
  for (const std::uint32_t k : rng->inlined) points.add_breakpoint(r.debug.inlined_calls()[k].entry);
  std::vector<std::uint64_t> stops;
  timeline::ReplaySession session(r.trace, [](int, std::span<const std::uint8_t>) {});
  for (vm::StopInfo s = session.run_to(UINT64_MAX, nullptr, &points); s.kind() == vm::StopKind::Breakpoint;
       s = session.run_to(UINT64_MAX, nullptr, &points))
    stops.push_back(session.machine().icount());
  REQUIRE(stops.size() > 100);
  const std::uint64_t asked_again = query::asked_again_without_counts();
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *rng, UINT64_MAX, query::IntervalPlan{1});
  CHECK(query::asked_again_without_counts() == asked_again);  // the finder went on exactly from each stop
  std::vector<std::uint64_t> entries;
  for (const query::CallRecord& c : calls) entries.push_back(c.entry);
  CHECK(entries == stops);
  for (const unsigned threads : {2u, 3u}) {
    CAPTURE(threads);
    check_same_calls(query::find_calls(r.trace, r.debug, *rng, UINT64_MAX, query::IntervalPlan{threads, 100'003}), calls);
  }
  CHECK(query::asked_again_without_counts() == asked_again);
}
