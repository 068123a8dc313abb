// server/progress_meter.cpp - the in-place progress line.
#include "server/progress_meter.hpp"

#include <unistd.h>

#include <cerrno>

#include "trace/host_call_text.hpp"
#include "vm/host_io.hpp"

namespace rvrr::server {

ProgressMeter::ProgressMeter(std::string label, std::FILE* out) : label_(std::move(label)), out_(out) {}

ProgressMeter ProgressMeter::for_stderr(std::string label) {
  return ProgressMeter(std::move(label), ::isatty(STDERR_FILENO) ? stderr : nullptr);
}

std::string ProgressMeter::format(const std::string& label, std::uint64_t done, std::uint64_t total, double mips) {
  std::string text = "rvrr: " + label + ": " + trace::group_digits(done);
  if (total != 0) {
    std::uint64_t shown = done < total ? done : total;
    text += " of " + trace::group_digits(total) + " instructions (" +
            std::to_string(shown * 100 / total) + "%)";
  } else {
    text += " instructions";
  }
  char rate[48];
  std::snprintf(rate, sizeof rate, ", %.0f MIPS", mips);
  return text + rate;
}

void ProgressMeter::update(const timeline::Progress& p, Clock::time_point now) {
  if (out_ == nullptr) return;
  if (p.finished) {
    clear();
    running_ = false;
    return;
  }
  if (!running_) {
    running_ = true;
    start_ = now;
    start_done_ = p.done;
    return;
  }
  if (now - start_ < kDelay) return;
  if (shown_width_ != 0 && now - last_shown_ < kRefresh) return;
  double seconds = std::chrono::duration<double>(now - start_).count();
  double mips = seconds > 0 ? static_cast<double>(p.done - start_done_) / seconds / 1e6 : 0.0;
  std::string line = format(label_, p.done, p.total, mips);
  // Pad over a longer previous line (and a "^C" the terminal may have echoed
  // after it) rather than rely on terminal escapes.
  std::size_t width = line.size();
  if (line.size() < shown_width_ + kEchoWidth) line.append(shown_width_ + kEchoWidth - line.size(), ' ');
  std::fprintf(out_, "\r%s", line.c_str());
  std::fflush(out_);
  shown_width_ = width;
  last_shown_ = now;
}

void ProgressMeter::clear() {
  if (shown_width_ == 0) return;
  // Ctrl-C while the line shows makes the terminal echo "^C" right after it:
  // blank those columns too, or "^C" is left alone on the line.
  std::fprintf(out_, "\r%s\r", std::string(shown_width_ + kEchoWidth, ' ').c_str());
  std::fflush(out_);
  shown_width_ = 0;
}

std::function<void(int, std::span<const std::uint8_t>)> ProgressMeter::guest_output() {
  return [this](int fd, std::span<const std::uint8_t> bytes) {
    clear();
    vm::write_guest_output(fd, bytes);
  };
}

timeline::ProgressFn ProgressMeter::callback() {
  return [this](const timeline::Progress& p) { update(p); };
}

}  // namespace rvrr::server
