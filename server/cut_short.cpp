// server/cut_short.cpp - where the history of a trace cut short ends.
#include "server/cut_short.hpp"

#include <cstdio>
#include <exception>
#include <span>

#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"

namespace rvrr::server {

void close_cut_short(trace::TraceData& data, const std::string& path) {
  if (!data.history.open_ended) return;
  try {
    timeline::SessionSetup setup = timeline::make_replay_setup(data, [](int, std::span<const std::uint8_t>) {});
    timeline::TimelineOptions options;
    options.index_in_background = false;
    timeline::Timeline timeline(std::move(setup.initial), setup.env, options);
    timeline::CancelToken never;
    const std::uint64_t bound = data.history.open_end_bound;
    timeline.resume(timeline::Direction::Forward, timeline::ResumeKind::Continue, never);
    const std::uint64_t end = timeline.now();
    const bool ended = timeline.machine().halted();
    const char* why = ended          ? "the program ended"
                      : end >= bound ? "the recording stopped before its next progress mark"
                                     : "the program asks for a host call the trace lost";
    data.history.frontier = end;
    data.history.halted_at_frontier = ended;
    data.history.open_ended = false;
    std::fprintf(stderr,
                 "rvrr: warning: %s was cut short (no end record): its history is taken to end at instruction %llu, "
                 "where %s\n",
                 path.c_str(), static_cast<unsigned long long>(end), why);
  } catch (const std::exception& e) {  // the command's own replay reports what is wrong with the trace
    std::fprintf(stderr, "rvrr: warning: %s was cut short (no end record) and its end could not be found: %s\n",
                 path.c_str(), e.what());
  }
}

}  // namespace rvrr::server
