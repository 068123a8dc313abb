// tests/trace/history_test_util.hpp - a sample History and the host calls
// in it, shared by the History tests (trace/) and the HistoryEnvironment tests
// (timeline/).
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "trace/history.hpp"
#include "vm/environment.hpp"

namespace rvrr::trace_test {

inline vm::HostRequest read_req(std::int64_t fd, std::int64_t count) {
  vm::HostRequest r;
  r.op = vm::HostOp::Read;
  r.handle = fd;
  r.arg0 = count;
  return r;
}

inline vm::HostRequest random_req(std::int64_t count) {
  vm::HostRequest r;
  r.op = vm::HostOp::Random;
  r.arg0 = count;
  return r;
}

inline vm::HostReply data_reply(std::vector<std::uint8_t> data) {
  vm::HostReply r;
  r.value = static_cast<std::int64_t>(data.size());
  r.data = std::move(data);
  return r;
}

// Events at 10, 20 and 1234; writes at 15 (two) and 30; frontier 2000.
inline std::shared_ptr<trace::History> sample_history() {
  auto h = std::make_shared<trace::History>();
  h->events.push_back({10, read_req(0, 4), data_reply({'a', 'b', 'c', 'd'})});
  h->events.push_back({20, random_req(2), data_reply({7, 8})});
  h->events.push_back({1234, read_req(0, 16), data_reply({'x'})});
  h->writes.push_back({15, trace::DebuggerWrite::Target::Register, 10, {1, 0, 0, 0}});
  h->writes.push_back({15, trace::DebuggerWrite::Target::Memory, 0x20000, {9}});
  h->writes.push_back({30, trace::DebuggerWrite::Target::Register, 32, {0, 0, 1, 0}});
  h->frontier = 2000;
  return h;
}

}  // namespace rvrr::trace_test
