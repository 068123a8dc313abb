// query/replay_query.hpp - whole-recording questions answered by one traced replay.
//
// Each function replays the trace from instruction 0 (guest output
// discarded) with its sink attached, up to `to` or the end of history. Cost:
// one replay in the traced run loop plus one cache probe per straight-line
// run; line hits and profiles split it into intervals over plan.threads
// (query/interval_replay.hpp) with the same answer. A replay that diverges
// from the trace throws QueryError (the answer would be about some other
// execution). Answers are cached per trace by the callers
// (query/answer_cache.hpp).
#pragma once
#include <cstdint>
#include <stdexcept>

#include "debuginfo/debug_info.hpp"
#include "query/calls.hpp"
#include "query/interval_replay.hpp"
#include "query/line_hits.hpp"
#include "query/profile.hpp"
#include "trace/format.hpp"

namespace rvrr::query {

class QueryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// How often this process asked a question a second time without counted
// runs (vm::ExecTraceSink::run_counters) because they broke a sink's rules
// (query/profile.hpp, query/calls.hpp): each costs one more replay. Tests
// check that the guests they know never need it; note_asked_again() counts one.
std::uint64_t asked_again_without_counts();
void note_asked_again();

// The DWARF and symbols of the program embedded in the trace. Throws QueryError.
debuginfo::DebugInfo debug_info_of(const trace::TraceData& trace);

// Line hits of [0, to). With plan.threads > 1 (default: query_threads()) the
// trace is cut into intervals traced in parallel (query/interval_replay.hpp);
// the answer is the same as on one thread. Throws Interrupted when
// plan.cancel is set meanwhile (only the split path polls it).
LineReport count_lines(const trace::TraceData& trace, const debuginfo::DebugInfo& debug,
                       std::uint64_t to = UINT64_MAX, IntervalPlan plan = IntervalPlan{query_threads()});
// The exact profile of the window. With plan.threads > 1 the trace is cut
// into intervals traced in parallel, each logging its shadow-stack moves,
// made in order on one tree afterwards: the same profile as on one thread.
Profile profile_trace(const trace::TraceData& trace, const debuginfo::DebugInfo& debug, ProfileWindow window,
                      IntervalPlan plan = IntervalPlan{query_threads()});
// The same two, always split (a debugging session's history so far, or a
// trace's): `recorded` must hold no debugger writes. Throw QueryError on a
// divergence and Interrupted when plan.cancel is set meanwhile.
LineReport count_lines(const RecordedRun& recorded, const debuginfo::DebugInfo& debug, std::uint64_t to,
                       IntervalPlan plan);
Profile profile_run(const RecordedRun& recorded, const debuginfo::DebugInfo& debug, ProfileWindow window,
                    IntervalPlan plan);
// Every call of `target`'s copies (indices into debug.functions()) in [0, to),
// with registers read: one traced replay that stops at the function's entry
// and its calls' return addresses (a trace with recorded debugger writes:
// find_calls_two_passes).
// With plan.threads > 1 the trace is cut into intervals searched in
// parallel (each with its stops), their calls and stack moves merged in
// order: the same calls as on one thread (find_calls_run).
std::vector<CallRecord> find_calls(const trace::TraceData& trace, const debuginfo::DebugInfo& debug,
                                   const CallTarget& target, std::uint64_t to = UINT64_MAX,
                                   IntervalPlan plan = IntervalPlan{query_threads()});
// The same, always split (a debugging session's history so far, or a
// trace's): `recorded` must hold no debugger writes. Each interval stops at
// the function's entry, at the returns of the calls it saw, and at the
// return address of every call to the function written in the code (so a
// call made in one interval is read where it returns in another); a return
// none of them caught (an indirect or tail call across intervals) is read
// in one more, untraced replay. Throws QueryError on a divergence and
// Interrupted when plan.cancel is set meanwhile.
std::vector<CallRecord> find_calls_run(const RecordedRun& recorded, const debuginfo::DebugInfo& debug,
                                       const CallTarget& target, std::uint64_t to, IntervalPlan plan);
// Reads the registers of `calls` at their entries and returns (those that
// Returned) in one untraced replay of `recorded` (CallRegisterReader).
// Throws QueryError on a divergence, Interrupted once `cancel` is set.
void read_call_registers(const RecordedRun& recorded, std::vector<CallRecord>& calls,
                         const std::atomic<bool>* cancel = nullptr);
// The same in two replays: a traced one finds the calls, an untraced one
// stops at each entry and return to read the registers.
std::vector<CallRecord> find_calls_two_passes(const trace::TraceData& trace, const debuginfo::DebugInfo& debug,
                                              const CallTarget& target, std::uint64_t to = UINT64_MAX);

}  // namespace rvrr::query
