// tests/trace/test_history.cpp - History lookups and truncation; host calls as text.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "trace/history.hpp"
#include "trace/history_test_util.hpp"
#include "trace/host_call_text.hpp"

using namespace rvrr;
using namespace rvrr::trace;
using namespace rvrr::trace_test;

TEST_CASE("history lookups by instruction count") {
  auto h = sample_history();
  REQUIRE(h->event_at(10) != nullptr);
  CHECK(h->event_at(10)->request.op == vm::HostOp::Read);
  CHECK(h->event_at(20)->reply.data == std::vector<std::uint8_t>{7, 8});
  CHECK(h->event_at(11) == nullptr);
  CHECK(h->event_at(0) == nullptr);
  CHECK(h->event_at(5000) == nullptr);

  CHECK(h->next_write_at_or_after(0) == 15u);
  CHECK(h->next_write_at_or_after(15) == 15u);
  CHECK(h->next_write_at_or_after(16) == 30u);
  CHECK_FALSE(h->next_write_at_or_after(31).has_value());
  CHECK(h->writes_at(15).size() == 2);
  CHECK(h->writes_at(15)[1]->where == 0x20000u);
  CHECK(h->writes_at(30).size() == 1);
  CHECK(h->writes_at(16).empty());
}

TEST_CASE("history truncate forgets everything at or after the count") {
  auto h = sample_history();
  h->halted_at_frontier = true;
  h->truncate(20);
  CHECK(h->frontier == 20);
  CHECK_FALSE(h->halted_at_frontier);
  CHECK(h->events.size() == 1);
  CHECK(h->event_at(20) == nullptr);
  CHECK(h->writes.size() == 2);
  h->truncate(15);
  CHECK(h->writes.empty());
  CHECK(h->events.size() == 1);
  h->truncate(0);
  CHECK(h->events.empty());
  CHECK(h->frontier == 0);
}

TEST_CASE("host call descriptions") {
  vm::HostRequest open;
  open.op = vm::HostOp::Open;
  open.path = "in\"put.txt";
  CHECK(describe_request(open) == "open(\"in\\\"put.txt\", flags 0x0)");
  vm::HostRequest seek;
  seek.op = vm::HostOp::Seek;
  seek.handle = 3;
  seek.arg0 = -4;
  seek.arg1 = 2;
  CHECK(describe_request(seek) == "lseek(host file 3, offset -4, SEEK_END)");
  CHECK(group_digits(0) == "0");
  CHECK(group_digits(999) == "999");
  CHECK(group_digits(1000) == "1,000");
  CHECK(group_digits(1234567) == "1,234,567");
}
