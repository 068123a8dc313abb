// tests/query/test_answer_cache.cpp - whole-recording answers kept next to a
// trace (query/answer_cache.hpp, query/answer_codec.hpp): a repeat is served
// from the sidecar unchanged; a tampered, stale or foreign sidecar is
// detected and the answer recomputed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "query/answer_cache.hpp"
#include "query/answer_codec.hpp"
#include "query_fixture.hpp"

using namespace rvrr;
using namespace rvrr::query_test;

namespace {

namespace fs = std::filesystem;

struct TempTrace {
  fs::path dir = fs::temp_directory_path() / ("rvrr-answers-" + std::to_string(::getpid()));
  std::string trace = (dir / "t.rvrr").string();
  TempTrace() { fs::create_directories(dir); }
  ~TempTrace() {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, ec);
    fs::remove_all(dir, ec);
  }
};

std::vector<std::uint8_t> file_bytes(const std::string& path) { return read_bytes(path); }

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bool same(const query::LineReport& a, const query::LineReport& b) {
  if (a.instructions != b.instructions || a.without_line != b.without_line || a.lines.size() != b.lines.size())
    return false;
  for (std::size_t i = 0; i < a.lines.size(); ++i)
    if (a.lines[i].line != b.lines[i].line || a.lines[i].hits != b.lines[i].hits ||
        a.lines[i].instructions != b.lines[i].instructions)
      return false;
  return true;
}

}  // namespace

TEST_CASE("answer cache: the second answer is the first, from the sidecar") {
  const Recording& r = recording();
  TempTrace t;
  int computed = 0;
  auto ask = [&] {
    query::AnswerCache cache(t.trace, r.trace.file_sha256);
    return query::answer_cached(
        cache, "lines",
        [&] {
          ++computed;
          return query::count_lines(r.trace, r.debug);
        },
        query::encode_lines, [&](const query::Answer& a) { return query::decode_lines(a, r.debug); });
  };
  const query::LineReport first = ask();
  CHECK(computed == 1);
  CHECK(fs::exists(query::AnswerCache::path_for(t.trace)));
  const query::LineReport second = ask();
  CHECK(computed == 1);  // not replayed again
  CHECK(same(first, second));
  CHECK(count_of(second, r.debug, line_of("LOOP_BODY")).hits == 37);

  SUBCASE("a tampered sidecar is detected and the answer recomputed (and stored again)") {
    const std::string side = query::AnswerCache::path_for(t.trace);
    std::vector<std::uint8_t> b = file_bytes(side);
    b[b.size() / 2] ^= 0x40;  // inside an answer
    write_bytes(side, b);
    query::AnswerCache probe(t.trace, r.trace.file_sha256);
    CHECK_FALSE(probe.get("lines"));
    CHECK(probe.status() == "corrupt: checksum mismatch");
    const query::LineReport third = ask();
    CHECK(computed == 2);
    CHECK(same(first, third));
    query::AnswerCache again(t.trace, r.trace.file_sha256);
    CHECK(again.get("lines"));
  }
  SUBCASE("a sidecar of another trace (another hash) is not used") {
    trace::Sha256Digest other = r.trace.file_sha256;
    other[0] ^= 1;
    query::AnswerCache cache(t.trace, other);
    CHECK_FALSE(cache.get("lines"));
    CHECK(cache.status() == "stale: written for another trace");
  }
  SUBCASE("a truncated sidecar is not used") {
    const std::string side = query::AnswerCache::path_for(t.trace);
    std::vector<std::uint8_t> b = file_bytes(side);
    b.resize(b.size() - 3);
    write_bytes(side, b);
    query::AnswerCache cache(t.trace, r.trace.file_sha256);
    CHECK_FALSE(cache.get("lines"));
    CHECK(cache.status().rfind("corrupt", 0) == 0);
  }
  SUBCASE("an answer that decodes to nonsense (a LineId past the table) is recomputed") {
    query::LineReport bad = first;
    bad.lines[0].line = static_cast<debuginfo::LineId>(r.debug.lines().size() + 5);
    query::AnswerCache cache(t.trace, r.trace.file_sha256);
    cache.put("lines", query::encode_lines(bad));
    CHECK_FALSE(query::decode_lines(query::encode_lines(bad), r.debug));
    const query::LineReport fourth = ask();
    CHECK(computed == 2);
    CHECK(same(first, fourth));
  }
}

TEST_CASE("answer cache: a directory that cannot be written just means no cache") {
  if (::geteuid() == 0) return;  // root writes anywhere
  const Recording& r = recording();
  TempTrace t;
  fs::permissions(t.dir, fs::perms::owner_read | fs::perms::owner_exec);
  query::AnswerCache cache(t.trace, r.trace.file_sha256);
  cache.put("lines", query::encode_lines(query::count_lines(r.trace, r.debug)));
  CHECK(cache.status().rfind("not stored", 0) == 0);
  CHECK_FALSE(cache.get("lines"));
}

TEST_CASE("answer codecs: profiles, calls and write histories come back as they went") {
  const Recording& r = recording();
  const query::Profile p = query::profile_trace(r.trace, r.debug, query::ProfileWindow{});
  const auto p2 = query::decode_profile(query::encode_profile(p), r.debug);
  REQUIRE(p2);
  CHECK(p2->instructions == p.instructions);
  CHECK(query::folded_stacks(*p2, r.debug) == query::folded_stacks(p, r.debug));
  REQUIRE(p2->functions.size() == p.functions.size());
  for (std::size_t i = 0; i < p.functions.size(); ++i) {
    CHECK(p2->functions[i].func == p.functions[i].func);
    CHECK(p2->functions[i].inclusive == p.functions[i].inclusive);
    CHECK(p2->functions[i].calls == p.functions[i].calls);
  }

  std::string error;
  const auto square = query::function_index_named(r.debug, "square", error);
  REQUIRE(square);
  const std::vector<query::CallRecord> calls = query::find_calls(r.trace, r.debug, *square);
  const auto calls2 = query::decode_calls(query::encode_calls(calls), r.debug);
  REQUIRE(calls2);
  REQUIRE(calls2->size() == 5);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    CHECK((*calls2)[i].entry == calls[i].entry);
    CHECK((*calls2)[i].exit == calls[i].exit);
    CHECK((*calls2)[i].a[0] == i);  // square(k), k = 0..4
    CHECK((*calls2)[i].ret_a0 == i * i);
  }

  timeline::MemoryAccess a;
  a.icount = 99;
  a.pc = 0x10010;
  a.write = a.by_host_call = true;
  a.host_call = "read(fd 0, 4 bytes)";
  a.before = {0, 0, 0, 0};
  a.after = {'a', 'b', 'c', 'd'};
  const auto w = query::decode_accesses(query::encode_accesses({a, a}));
  REQUIRE(w);
  REQUIRE(w->size() == 2);
  CHECK((*w)[1].host_call == a.host_call);
  CHECK((*w)[1].after == a.after);
  std::vector<std::uint8_t> cut = query::encode_accesses({a});
  cut.pop_back();
  CHECK_FALSE(query::decode_accesses(cut));
}

TEST_CASE("answer codecs: RV64 calls and accesses keep all 64 bits and the register width") {
  // Cut to 32 bits (cache version 1), a cached RV64 answer decoded `long big`
  // from two registers and named the writer at pc & 0xffffffff.
  query::CallRecord c;
  c.entry = 5276;
  c.exit = 5309;
  c.end = query::CallEnd::Returned;
  c.have_entry_regs = c.have_exit_regs = true;
  c.xlen = 64;
  c.return_to = 0x2'0000'0730;
  c.a = {1, 0x1'0000'0001, 0x2'0004'1ea8, 0xffff'ffff'ffff'fffd, 0, 0, 0, 0x8000'0000'0000'0000};
  c.stack[0] = 0x3f'ffff'f000;
  c.ret_a0 = 0x1'0000'0077;
  c.ret_a1 = 0xdead'beef'0000'0001;
  const auto back = query::decode_calls(query::encode_calls({c}), debuginfo::DebugInfo{});
  REQUIRE(back);
  REQUIRE(back->size() == 1);
  const query::CallRecord& d = (*back)[0];
  CHECK(d.xlen == 64);
  CHECK(d.return_to == c.return_to);
  CHECK(d.a == c.a);
  CHECK(d.stack == c.stack);
  CHECK(d.ret_a0 == c.ret_a0);
  CHECK(d.ret_a1 == c.ret_a1);
  c.xlen = 48;  // neither RV32 nor RV64: rejected
  CHECK_FALSE(query::decode_calls(query::encode_calls({c}), debuginfo::DebugInfo{}));

  timeline::MemoryAccess a;
  a.icount = 5251;
  a.pc = 0x2'0000'067c;
  a.write = true;
  a.before = std::vector<std::uint8_t>(8, 0);
  a.after = {5, 0, 0, 0, 0, 0, 0, 0};
  const auto w = query::decode_accesses(query::encode_accesses({a}));
  REQUIRE(w);
  REQUIRE(w->size() == 1);
  CHECK((*w)[0].pc == 0x2'0000'067cull);
}
