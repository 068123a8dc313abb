// server/progress_meter.hpp - "rvrr: recording: 1,234,567,890 instructions, 512 MIPS"
// on stderr, rewritten in place with \r while a long operation runs.
//
// Shown only when stderr is a terminal, only once an operation has run for
// half a second (short ones never flicker), refreshed at most 5 times a
// second, and erased when the operation ends so the next output starts on a
// clean line. Fed by timeline::ProgressFn callbacks between slices: a clock
// read per call, nothing per instruction.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <span>
#include <string>

#include "timeline/progress.hpp"

namespace rvrr::server {

class ProgressMeter {
 public:
  using Clock = std::chrono::steady_clock;

  // `label` names the work ("recording", "running"). `out` null: never shows.
  ProgressMeter(std::string label, std::FILE* out);
  // A meter on stderr if it is a terminal (isatty), otherwise a silent one.
  static ProgressMeter for_stderr(std::string label);

  // Feed one callback. `now` is a parameter so tests need no sleeping.
  void update(const timeline::Progress& p, Clock::time_point now = Clock::now());
  // A callback that feeds this meter (which must outlive it).
  timeline::ProgressFn callback();

  // Erases the line if shown (it is redrawn at the next refresh). Call on the
  // thread that feeds the meter.
  void clear();
  // Guest output for LiveOptions::output_to / make_replay_setup: erases the
  // line first so the guest's text (same terminal) never lands on it, then
  // writes to the host's stdout/stderr as the default does.
  std::function<void(int fd, std::span<const std::uint8_t>)> guest_output();

  // The line as shown (without \r); for tests.
  static std::string format(const std::string& label, std::uint64_t done, std::uint64_t total, double mips);
  bool enabled() const { return out_ != nullptr; }
  bool showing() const { return shown_width_ != 0; }

  static constexpr std::chrono::milliseconds kDelay{500};
  static constexpr std::chrono::milliseconds kRefresh{200};
  // Columns a terminal's echo of a control key ("^C", "^\\") may add after the line.
  static constexpr std::size_t kEchoWidth = 2;

 private:
  std::string label_;
  std::FILE* out_;
  bool running_ = false;             // an operation is in progress
  Clock::time_point start_{};        // its first callback
  std::uint64_t start_done_ = 0;     // instructions done at that callback
  Clock::time_point last_shown_{};
  std::size_t shown_width_ = 0;      // characters on the line now (0: nothing shown)
};

}  // namespace rvrr::server
