// server/cut_short.hpp - where the history of a trace cut short ends, for the CLI's commands.
#pragma once
#include <string>

#include "trace/format.hpp"

namespace rvrr::server {

// A trace cut short (the recorder was killed before its end record) proves
// only part of its history; a replay goes on until the program asks for a
// host call the trace lost, ends, or reaches where the recorder's next
// progress mark was due, and that is where its history ends (as a replay
// session takes it). Every command that needs the end (`trace lines`,
// `profile`, `calls`, `writes`, `memory`, `info --verify`, `diff`) closes
// the history there first, after one replay that finds it, and says so on
// stderr. Nothing for a trace with an end record.
void close_cut_short(trace::TraceData& data, const std::string& path);

}  // namespace rvrr::server
