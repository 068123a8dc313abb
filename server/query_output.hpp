// server/query_output.hpp - line hits and profiles as text and JSON, for
// `rvrr trace lines/profile` and `monitor lines`.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "debuginfo/debug_info.hpp"
#include "query/calls.hpp"
#include "query/line_hits.hpp"
#include "query/profile.hpp"

namespace rvrr::server {

// "FILE:LINE COUNT" per line with code. `file`/`line`: only that file (and line).
std::string lines_text(const query::LineReport& report, const debuginfo::DebugInfo& debug,
                       std::optional<std::uint32_t> file = std::nullopt,
                       std::optional<std::uint32_t> line = std::nullopt);
std::string lines_json(const query::LineReport& report, const debuginfo::DebugInfo& debug);
// gcov's format: "    COUNT:LINENO:SOURCE", "#####" for a line with code never
// entered, "-" for a line without code. `source` is the file's text.
std::string annotate_source(const query::LineReport& report, const debuginfo::DebugInfo& debug, std::uint32_t file,
                            const std::string& source);

// `more`: how to ask for more than `top` ("--top", "monitor profile K").
std::string profile_text(const query::Profile& profile, const debuginfo::DebugInfo& debug, std::uint64_t top,
                         const std::string& more = "--top");
std::string profile_json(const query::Profile& profile, const debuginfo::DebugInfo& debug);

// Every call of `target`'s copies, numbered from 1: entry count, the copy
// (when there are several), arguments, caller, return. Counts are plain digits (`seek N` takes them as printed).
// A call search's key in answer caches: its copies' indices ("12" or "12,40").
std::string call_target_key(const query::CallTarget& target);
std::string calls_text(const std::vector<query::CallRecord>& calls, const debuginfo::DebugInfo& debug,
                       const query::CallTarget& target);
std::string calls_json(const std::vector<query::CallRecord>& calls, const debuginfo::DebugInfo& debug,
                       const query::CallTarget& target);

}  // namespace rvrr::server
