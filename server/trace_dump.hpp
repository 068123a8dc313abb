// server/trace_dump.hpp - `rvrr trace dump`: the header and every recorded
// event of a trace, one per line (as `rr dump`), or as JSON.
//
// Events are those of the final history (after the truncations a live
// session made when it rewrote the past), host calls and debugger writes
// merged in instruction-count order; the footer last. Host-call data is shown
// as escaped text (read) or hex (random), the first 48 bytes in text form;
// the JSON form holds all of it, hex-encoded.
#pragma once
#include <string>

#include "trace/format.hpp"

namespace rvrr::server {

std::string dump_trace_text(const trace::TraceData& trace, const std::string& path);
std::string dump_trace_json(const trace::TraceData& trace, const std::string& path);

}  // namespace rvrr::server
