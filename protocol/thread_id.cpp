// protocol/thread_id.cpp - see thread_id.hpp.
#include "protocol/thread_id.hpp"

#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {
constexpr std::uint64_t kMaxId = 0x7fffffffffffffffULL;

// "-1" or a hex number <= kMaxId.
std::optional<std::int64_t> parse_id_number(std::string_view text) noexcept {
  if (text == "-1") return -1;
  auto v = parse_hex_u64(text);
  if (!v || *v > kMaxId) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

std::string format_id_number(std::int64_t v) {
  if (v < 0) return "-1";
  return format_hex(static_cast<std::uint64_t>(v));
}
}  // namespace

std::optional<ThreadId> parse_thread_id(std::string_view text) noexcept {
  if (!text.empty() && text.front() == 'p') {
    text.remove_prefix(1);
    std::size_t dot = text.find('.');
    auto pid = parse_id_number(text.substr(0, dot));
    if (!pid) return std::nullopt;
    if (dot == std::string_view::npos) return ThreadId{*pid, ThreadId::kAll};
    auto tid = parse_id_number(text.substr(dot + 1));
    if (!tid) return std::nullopt;
    return ThreadId{*pid, *tid};
  }
  auto tid = parse_id_number(text);
  if (!tid) return std::nullopt;
  return ThreadId{std::nullopt, *tid};
}

bool refers_to(const ThreadId& id, std::int64_t pid, std::int64_t tid) noexcept {
  auto part_matches = [](std::int64_t part, std::int64_t value) {
    return part == ThreadId::kAll || part == ThreadId::kAny || part == value;
  };
  if (id.pid && !part_matches(*id.pid, pid)) return false;
  return part_matches(id.tid, tid);
}

std::string format_thread_id(std::int64_t pid, std::int64_t tid, bool multiprocess) {
  if (!multiprocess) return format_id_number(tid);
  return "p" + format_id_number(pid) + "." + format_id_number(tid);
}

}  // namespace rvrr::protocol
