// query/replay_query.cpp - driving a ReplaySession with a sink.
#include "query/replay_query.hpp"

#include "timeline/replay_session.hpp"

namespace rvrr::query {

namespace {

// Replays [0, to) into `sink`; throws QueryError on a divergence.
template <typename MakeSink>
auto traced(const timeline::TraceData& trace, const debuginfo::DebugInfo& debug, std::uint64_t to, MakeSink make) {
  timeline::ReplaySession session(trace, [](int, std::span<const std::uint8_t>) {});
  const vm::Memory& memory = session.machine().memory();
  RunMap map(debug, [&memory](vm::Addr a, std::span<std::uint8_t> out) { return memory.read_bytes(a, out); });
  auto sink = make(map);
  const vm::StopInfo stop = session.run_to(to, &sink);
  if (stop.kind == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message);
  return sink.finish();
}

}  // namespace

debuginfo::DebugInfo debug_info_of(const timeline::TraceData& trace) {
  try {
    return debuginfo::DebugInfo(trace.header.program);
  } catch (const debuginfo::DebugInfoError& e) {
    throw QueryError(std::string("the trace's program: ") + e.what());
  }
}

LineReport count_lines(const timeline::TraceData& trace, const debuginfo::DebugInfo& debug, std::uint64_t to) {
  return traced(trace, debug, to, [](RunMap& map) { return LineCounter(map); });
}

Profile profile_trace(const timeline::TraceData& trace, const debuginfo::DebugInfo& debug, ProfileWindow window) {
  return traced(trace, debug, window.to, [&](RunMap& map) { return Profiler(map, window); });
}

std::vector<CallRecord> find_calls(const timeline::TraceData& trace, const debuginfo::DebugInfo& debug,
                                   std::uint32_t func, std::uint64_t to) {
  std::vector<CallRecord> calls = traced(trace, debug, to, [&](RunMap& map) { return CallFinder(map, func); });
  CallRegisterReader reader(calls);
  timeline::ReplaySession session(trace, [](int, std::span<const std::uint8_t>) {});
  for (const std::uint64_t at : reader.stops()) {
    const vm::StopInfo stop = session.run_to(at);
    if (stop.kind == vm::StopKind::HostFailure) throw QueryError("the replay diverged from the trace: " + stop.message);
    if (session.machine().icount() != at) break;  // the program ended first (cannot happen: the calls ran)
    reader.read(at, session.machine());
  }
  return calls;
}

}  // namespace rvrr::query
