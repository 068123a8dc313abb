// timeline/trace_diff.hpp - where two recordings of one program part.
//
// Two runs of the same program (same SHA-256) are compared three ways:
//  - host calls: the recorded events side by side; the first pair that
//    differs (a call made at another count, another call, or the same call
//    with another result: the input byte that differs);
//  - state: both are replayed untraced in lockstep, interval by interval,
//    each on its own thread, comparing the full state hash
//    (vm::Machine::state_hash_without_epoch) at every boundary; the first
//    interval whose end states differ is narrowed by bisection to the
//    instruction that made them differ (data that differs without changing
//    the path at once: a value read, the clock). Bisection assumes states
//    that differ once stay different, as they do unless the program
//    overwrites every trace of the difference;
//  - control flow: a run is decided by its state and the host results it
//    gets, so the paths cannot part before the states do. From there both
//    are replayed in lockstep with a hash of the straight-line runs they
//    execute (vm/exec_trace.hpp); the first interval that differs is run
//    again with the runs logged and narrowed to the exact instruction count
//    where the pc (or "still running") differs.
// Two recordings of a deterministic program with the same inputs are equal;
// the guest epoch (the wall clock at the start) matters only if the program
// reads the clock.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/format.hpp"
#include "vm/types.hpp"

namespace rvrr::timeline {

// One side of a difference at instruction count `icount`.
struct DiffSide {
  bool exists = true;      // false: this run has no such point (it ended before / made no such call)
  std::uint64_t icount = 0;
  vm::Addr pc = 0;
  bool ended = false;      // the run had ended there (exit, fault, end of the recording)
  std::string what;        // host call: "read(fd 0, 16 bytes) = 16"; control flow: the instruction at pc
  std::vector<std::uint8_t> bytes;  // host call: the result's bytes around the first that differs
};

struct DiffPoint {
  std::uint64_t icount = 0;  // the first count where the two differ
  DiffSide a, b;
  std::size_t byte_offset = 0;  // host call results: offset of the first differing byte (bytes start at byte_window_start)
  std::size_t byte_window_start = 0;
};

struct RunEndText {
  std::uint64_t instructions = 0;
  std::string description;     // "exited with status 0", "killed by SIGSEGV ...", "cut short"
  std::optional<std::uint64_t> state_hash;
};

struct TraceDiff {
  bool same_program = false;
  std::string program_a, program_b;     // names (and SHA-256 prefixes when they differ)
  std::vector<std::string> notes;       // header differences: argv, environment, epoch
  std::optional<DiffPoint> control;     // first control-flow difference
  std::optional<DiffPoint> host_call;   // first host-call difference
  std::optional<DiffPoint> state;       // first state difference (registers or memory)
  RunEndText end_a, end_b;
  bool same_end = false;
  std::string error;                    // a replay failed (divergence from its own trace): the comparison stops
  // What the comparison cost, both runs together: instructions executed, and
  // of them those run traced (the slower run loop with a sink).
  std::uint64_t replayed = 0, traced = 0;
  bool equal() const { return same_program && !control && !host_call && !state && same_end && error.empty(); }
};

// Compares two traces (see above). Cost: one untraced replay of the common
// prefix up to where the states part, on two threads (about one replay's
// time), plus a state hash per interval, a bisection inside one interval,
// and a traced replay of what follows the state difference (up to where
// the paths part, or the end). Throws TraceError if a trace's program
// cannot be loaded.
TraceDiff diff_traces(const trace::TraceData& a, const trace::TraceData& b);

}  // namespace rvrr::timeline
