// trace/summary.hpp - `rvrr trace info TRACE`: what a trace holds.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trace/format.hpp"

namespace rvrr::trace {

struct TraceSummary {
  std::string path;
  std::uint64_t file_size = 0;
  std::uint32_t format_version = 0;
  std::string rvrr_version;
  std::string program_name;
  std::uint64_t program_size = 0;
  std::string program_sha256;                  // hex
  std::vector<std::string> argv;
  std::size_t env_count = 0;
  std::uint64_t epoch_ns = 0;
  std::uint64_t memory_limit = 0;
  std::vector<std::pair<std::string, std::uint64_t>> events_by_op;  // in HostOp order, non-zero only
  std::uint64_t events = 0;                    // in the final history
  std::uint64_t input_bytes = 0;               // bytes returned by read calls
  std::uint64_t random_bytes = 0;
  std::uint64_t debugger_writes = 0;
  std::uint64_t truncations = 0;
  std::uint64_t length = 0;                    // instructions (end of history)
  bool complete = false;
  std::string ended;                           // "exited with status 0" / "cut short after ..."
  std::optional<std::uint64_t> final_state_hash;
};

TraceSummary summarize_trace(const TraceData& trace, const std::string& path);
// Multi-line, human-readable, ends with a newline.
std::string format_trace_summary(const TraceSummary& summary);

}  // namespace rvrr::trace
