// timeline/progress.hpp - an optional callback that lets a front end show
// progress of long operations (record, seek, continue) without the timeline printing.
#pragma once
#include <cstdint>
#include <functional>

namespace rvrr::timeline {

struct Progress {
  std::uint64_t done = 0;   // instructions executed so far by this operation (re-execution included)
  std::uint64_t total = 0;  // expected instructions for the whole operation; 0 = unknown
  bool finished = false;    // the operation is over (sent once, only if progress was reported)
};

// Called between slices of execution (every ~1M-64M instructions, never per
// instruction), on the thread running the operation. Must be cheap and must
// not call back into the Timeline or recorder.
using ProgressFn = std::function<void(const Progress&)>;

}  // namespace rvrr::timeline
