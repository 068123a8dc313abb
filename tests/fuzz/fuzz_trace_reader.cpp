// tests/fuzz/fuzz_trace_reader.cpp - bytes -> trace reader: never a crash, a
// hang or an out-of-bounds read; only TraceError for bad input. When the
// trace parses, summarising it must work too.
#include <cstddef>
#include <cstdint>
#include <span>

#include "trace/format.hpp"
#include "trace/summary.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    rvrr::trace::TraceData t = rvrr::trace::read_trace(std::span<const std::uint8_t>(data, size));
    (void)rvrr::trace::format_trace_summary(rvrr::trace::summarize_trace(t, "fuzz"));
    (void)t.completeness();
  } catch (const rvrr::trace::TraceError&) {
  }
  return 0;
}
