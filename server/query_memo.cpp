// server/query_memo.cpp - the history key of query_memo.hpp.
#include "server/query_memo.hpp"

namespace rvrr::server {

namespace {

struct Mixer {
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, 64-bit, fed 8 bytes at a time
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
  template <typename Bytes>
  void add_bytes(const Bytes& bytes) {
    add(bytes.size());
    for (auto b : bytes) {
      h ^= static_cast<std::uint8_t>(b);
      h *= 0x100000001b3ull;
    }
  }
};

}  // namespace

std::uint64_t history_prefix_hash(const trace::History& history, std::uint64_t to) {
  Mixer m;
  for (const trace::HostEvent& e : history.events) {
    if (e.icount >= to) break;  // ascending
    m.add(e.icount);
    m.add(static_cast<std::uint64_t>(e.request.op));
    m.add(static_cast<std::uint64_t>(e.request.handle));
    m.add(static_cast<std::uint64_t>(e.request.arg0));
    m.add(static_cast<std::uint64_t>(e.request.arg1));
    m.add_bytes(e.request.path);
    m.add(static_cast<std::uint64_t>(e.reply.value));
    m.add(e.reply.ok);
    m.add_bytes(e.reply.data);
  }
  m.add(~0ull);  // separates events from writes
  for (const trace::DebuggerWrite& w : history.writes) {
    if (w.icount >= to) break;  // ascending
    m.add(w.icount);
    m.add(static_cast<std::uint64_t>(w.target));
    m.add(w.where);
    m.add_bytes(w.bytes);
  }
  return m.h;
}

}  // namespace rvrr::server
