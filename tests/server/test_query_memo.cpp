// The monitor's memory of whole-history answers (server/query_memo.hpp): an
// answer is reused only for the same question about the same execution up
// to the same count; a history that changed before that count (a live
// session that went back, wrote and ran on) gets another key.
#include <doctest/doctest.h>

#include "server/query_memo.hpp"

using namespace rvrr;

namespace {

trace::History history_with_read(std::uint64_t at, std::vector<std::uint8_t> bytes) {
  trace::History h;
  trace::HostEvent e;
  e.icount = at;
  e.request.op = vm::HostOp::Read;
  e.request.arg0 = 4;
  e.reply.value = static_cast<std::int64_t>(bytes.size());
  e.reply.data = std::move(bytes);
  h.events.push_back(e);
  h.frontier = 1000;
  return h;
}

}  // namespace

TEST_CASE("history_prefix_hash: only what happened before the count matters") {
  const trace::History a = history_with_read(100, {'a', 'b'});
  const trace::History b = history_with_read(100, {'a', 'X'});
  // Up to the call (it is made by instruction 100): the same execution.
  CHECK(server::history_prefix_hash(a, 100) == server::history_prefix_hash(b, 100));
  // Past it: the result differs, so does the key.
  CHECK(server::history_prefix_hash(a, 101) != server::history_prefix_hash(b, 101));
  // More history appended later does not change an earlier prefix.
  trace::History grown = a;
  grown.events.push_back(trace::HostEvent{500, {}, {}});
  grown.frontier = 2000;
  CHECK(server::history_prefix_hash(grown, 400) == server::history_prefix_hash(a, 400));
  CHECK(server::history_prefix_hash(grown, 501) != server::history_prefix_hash(a, 501));
  // A debugger write before the count is part of the execution.
  trace::History written = a;
  written.writes.push_back(trace::DebuggerWrite{200, trace::DebuggerWrite::Target::Register, 10, {1, 0, 0, 0}});
  CHECK(server::history_prefix_hash(written, 200) == server::history_prefix_hash(a, 200));
  CHECK(server::history_prefix_hash(written, 201) != server::history_prefix_hash(a, 201));
}

TEST_CASE("QueryMemo: the same question, count and key, or nothing") {
  server::QueryMemo<int> memo;
  CHECK(memo.find("lines", 10, 7) == nullptr);
  memo.keep("lines", 10, 7, 42);
  REQUIRE(memo.find("lines", 10, 7) != nullptr);
  CHECK(*memo.find("lines", 10, 7) == 42);
  CHECK(memo.find("lines", 11, 7) == nullptr);         // another point in time
  CHECK(memo.find("lines", 10, 8) == nullptr);         // another execution up to it
  CHECK(memo.find("calls 3", 10, 7) == nullptr);       // another question
  CHECK(memo.find("lines", 10, std::nullopt) == nullptr);  // no key: never reused
  memo.keep("lines", 20, std::nullopt, 1);             // not kept without a key
  CHECK(*memo.find("lines", 10, 7) == 42);
}
