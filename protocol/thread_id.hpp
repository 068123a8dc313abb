// protocol/thread_id.hpp - RSP thread ids ("p1.1", "p1.-1", "1", "-1", "0").
//
// RSP manual, "thread-id syntax": with the multiprocess extension a thread is
// "p<pid>.<tid>" ("p<pid>" alone = all threads of pid); otherwise "<tid>".
// Numbers are hex; -1 means "all", 0 means "any". rvrr debugs one hart of one
// process, so the server treats every id that can name it as "the thread"
// (see refers_to).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rvrr::protocol {

struct ThreadId {
  static constexpr std::int64_t kAll = -1;
  static constexpr std::int64_t kAny = 0;

  std::optional<std::int64_t> pid;  // present only in the "p..." form; may be kAll / kAny
  std::int64_t tid = kAll;          // >= -1

  friend bool operator==(const ThreadId&, const ThreadId&) = default;
};

// Parses a whole thread id; anything else (trailing bytes, empty, a number
// over 0x7fffffffffffffff, "-2") -> nullopt.
std::optional<ThreadId> parse_thread_id(std::string_view text) noexcept;

// True if `id` can designate thread `tid` of process `pid`: each part is
// absent, kAll, kAny, or equal. So p1.1, p1.-1, p1, 1, -1 and 0 all refer to
// (1, 1); p2.1 and 2 do not.
bool refers_to(const ThreadId& id, std::int64_t pid, std::int64_t tid) noexcept;

// "p1.1" when multiprocess was negotiated, else "1" (hex, -1 as "-1").
std::string format_thread_id(std::int64_t pid, std::int64_t tid, bool multiprocess);

}  // namespace rvrr::protocol
