// query/answer_codec.hpp - whole-recording answers as bytes, for the answer cache.
//
// Each decoder checks every length against the bytes left and every index
// against the program's debug info (a LineId, a function index), and returns
// nullopt on anything off: a cached answer is never trusted blindly.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "debuginfo/debug_info.hpp"
#include "query/calls.hpp"
#include "query/line_hits.hpp"
#include "query/profile.hpp"
#include "timeline/memory_history.hpp"

namespace rvrr::query {

std::vector<std::uint8_t> encode_lines(const LineReport& report);
std::optional<LineReport> decode_lines(std::span<const std::uint8_t> bytes, const debuginfo::DebugInfo& debug);

std::vector<std::uint8_t> encode_profile(const Profile& profile);
std::optional<Profile> decode_profile(std::span<const std::uint8_t> bytes, const debuginfo::DebugInfo& debug);

std::vector<std::uint8_t> encode_calls(const std::vector<CallRecord>& calls);
std::optional<std::vector<CallRecord>> decode_calls(std::span<const std::uint8_t> bytes,
                                                    const debuginfo::DebugInfo& debug);

std::vector<std::uint8_t> encode_accesses(const std::vector<timeline::MemoryAccess>& accesses);
std::optional<std::vector<timeline::MemoryAccess>> decode_accesses(std::span<const std::uint8_t> bytes);

}  // namespace rvrr::query
