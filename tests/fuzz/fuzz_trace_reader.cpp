// tests/fuzz/fuzz_trace_reader.cpp - bytes -> trace reader: never a crash, a
// hang or an out-of-bounds read; only TraceError for bad input. When the
// trace parses, summarising it must work too.
#include <cstddef>
#include <cstdint>
#include <span>

#include "timeline/trace_format.hpp"
#include "timeline/trace_summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    rvrr::timeline::TraceData t = rvrr::timeline::read_trace(std::span<const std::uint8_t>(data, size));
    (void)rvrr::timeline::format_trace_summary(rvrr::timeline::summarize_trace(t, "fuzz"));
    (void)t.completeness();
  } catch (const rvrr::timeline::TraceError&) {
  }
  return 0;
}
