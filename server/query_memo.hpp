// server/query_memo.hpp - the last answer of each kind of whole-history
// monitor question (`monitor lines`, `profile`, `calls`), kept for a repeat.
//
// An answer about history [0, to) holds as long as that history is the same
// execution. The VM is deterministic from the start state, so the execution
// up to `to` is decided by the host-call results and debugger writes before
// `to`: history_prefix_hash() folds them into one key. A live session that
// truncates history and runs another way gets another key (its events
// differ), so an answer is never served stale; asking at another count asks
// anew.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "trace/history.hpp"

namespace rvrr::server {

// A hash of the events and debugger writes that decide history [0, to). Cost: O(events + writes).
std::uint64_t history_prefix_hash(const trace::History& history, std::uint64_t to);

template <typename T>
class QueryMemo {
 public:
  // The answer kept for `question` over [0, to) with history key `key`, or null.
  const T* find(const std::string& question, std::uint64_t to, std::optional<std::uint64_t> key) const {
    if (!value_ || !key || question != question_ || to != to_ || *key != key_) return nullptr;
    return &*value_;
  }
  // Keeps `value` (replacing the one kept); without a key nothing is kept.
  void keep(const std::string& question, std::uint64_t to, std::optional<std::uint64_t> key, T value) {
    if (!key) return;
    question_ = question;
    to_ = to;
    key_ = *key;
    value_ = std::move(value);
  }

 private:
  std::string question_;
  std::uint64_t to_ = 0, key_ = 0;
  std::optional<T> value_;
};

}  // namespace rvrr::server
