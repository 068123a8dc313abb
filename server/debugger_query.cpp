// server/debugger_query.cpp - monitor commands that ask the history so far
// (`monitor lines`): run on the worker thread as Work, Ctrl-C cancels them.
// Lines are split across threads as `rvrr trace lines` splits them (a
// history with debugger writes is re-run on one thread). The profile is
// not: its split form logs and replays every shadow-stack move, which on
// call-heavy code costs more than the second thread saves (compute example,
// 110M instructions: 0.48 s on two threads against 0.27 s on one).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "query/line_hits.hpp"
#include "query/profile.hpp"
#include "query/replay_query.hpp"
#include "server/debugger.hpp"
#include "server/query_output.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::server {

namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// The answer to `question` over [0, now): the one kept from last time if the
// history up to `now` is the same execution (query_memo.hpp), else run()'s
// (nullopt: cancelled or failed), kept for next time. Points into `memo` or `scratch`.
template <typename T, typename Run>
const T* answer(QueryMemo<T>& memo, const std::string& question, std::uint64_t now,
                std::optional<std::uint64_t> key, std::optional<T>& scratch, Run run) {
  if (const T* kept = memo.find(question, now, key)) return kept;
  scratch = run();
  if (!scratch || !key) return scratch ? &*scratch : nullptr;
  memo.keep(question, now, key, std::move(*scratch));
  return memo.find(question, now, key);
}

// The history so far, to answer from on all hardware threads as `rvrr trace
// lines`, `profile` and `calls` do (query/replay_query.hpp), when it holds no
// debugger writes (the split replays do not apply them) and there is more
// than one thread; else nullopt: it is re-run on one thread. Not for the
// replay of a cut-short trace either: its history may still find where it
// ends.
std::optional<query::RecordedRun> split_run(const Target& target, std::uint64_t now) {
  std::optional<query::RecordedRun> run = target.recorded_run();
  if (!run || !run->history.writes.empty() || run->history.open_ended || now > run->history.frontier ||
      query::query_threads() <= 1)
    return std::nullopt;
  return run;
}

query::IntervalPlan split_plan(const timeline::CancelToken& cancel) {
  query::IntervalPlan plan = query::IntervalPlan::for_questions(query::query_threads());
  plan.cancel = &cancel.requested;
  return plan;
}

// run()'s answer; nullopt when Ctrl-C interrupted it or the replay failed.
template <typename Run>
auto split_query(Run run) -> std::optional<decltype(run())> {
  try {
    return run();
  } catch (const std::exception&) {  // query::Interrupted, QueryError (a divergence), out of memory or threads
    return std::nullopt;
  }
}

}  // namespace

const debuginfo::DebugInfo* Debugger::debug_info() {
  if (debug_info_) return &*debug_info_;
  if (options_.exec_file.empty()) {
    debug_info_error_ = "rvrr does not know the program's file, so it has no symbols";
    return nullptr;
  }
  std::ifstream in(options_.exec_file, std::ios::binary);
  if (!in) {
    debug_info_error_ = options_.exec_file + ": cannot open the program's file";
    return nullptr;
  }
  std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  try {
    debug_info_.emplace(bytes);
  } catch (const std::exception& e) {
    debug_info_error_ = options_.exec_file + ": " + e.what();
    return nullptr;
  }
  return &*debug_info_;
}

std::string Debugger::run_query(const std::string& command, const timeline::CancelToken& cancel) {
  const std::vector<std::string> words = words_of(command);
  if (!words.empty() && words[0] == "lines") return query_lines(words, cancel);
  if (!words.empty() && words[0] == "profile") return query_profile(words, cancel);
  if (!words.empty() && words[0] == "calls") return query_calls(words, cancel);
  return "unknown monitor command '" + command + "'; try 'monitor help'\n";
}

std::string Debugger::query_lines(const std::vector<std::string>& words, const timeline::CancelToken& cancel) {
  static const char* kUsage = "usage: monitor lines FILE[:LINE] (a source file of the program, e.g. main.c or main.c:12)\n";
  if (words.size() < 2) return kUsage;
  // A path with spaces ("my prog.c", quoted or with `\ `) came split into words.
  std::string file_name = words[1];
  for (std::size_t k = 2; k < words.size(); ++k) file_name += " " + words[k];
  // FILE:LINE when what follows the last ':' is a line number.
  std::optional<std::uint32_t> line;
  if (auto colon = file_name.rfind(':'); colon != std::string::npos && colon + 1 < file_name.size() &&
                                         file_name.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
    const std::string digits = file_name.substr(colon + 1);
    if (digits.size() > 9) return kUsage;
    line = static_cast<std::uint32_t>(std::stoul(digits));
    file_name.resize(colon);
  }
  if (file_name.size() >= 2 && (file_name.front() == '"' || file_name.front() == '\'') &&
      file_name.back() == file_name.front())
    file_name = file_name.substr(1, file_name.size() - 2);
  for (std::size_t at = 0; (at = file_name.find("\\ ", at)) != std::string::npos; ++at) file_name.erase(at, 1);
  while (file_name.rfind("./", 0) == 0) file_name.erase(0, 2);
  const debuginfo::DebugInfo* debug = debug_info();
  if (!debug) return "cannot count lines: " + debug_info_error_ + "\n";
  auto file = debug->find_file(file_name);
  if (!file) file = debug->find_file(std::filesystem::path(file_name).filename().string());
  if (!file) return "the program's line table has no source file '" + file_name + "'" +
                    (debug->has_dwarf() ? "\n" : " (it has no DWARF: build it with -g)\n");

  const std::uint64_t now = target_.now();
  std::optional<query::LineReport> scratch;
  const query::LineReport* report =
      answer(lines_memo_, "lines", now, target_.history_key(now), scratch, [&]() -> std::optional<query::LineReport> {
        if (auto run = split_run(target_, now)) {
          return split_query([&] { return query::count_lines(*run, *debug, now, split_plan(cancel)); });
        }
        query::RunMap map(*debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return target_.read_memory(a, out); });
        query::LineCounter counter(map);
        if (!target_.trace_history(now, counter, cancel)) return std::nullopt;
        return counter.finish();
      });
  if (report == nullptr) {
    return cancel.cancelled() ? "interrupted: no line counts\n"
                              : "cannot count lines: re-running the history up to instruction " + std::to_string(now) +
                                    " failed\n";
  }
  std::string listing = lines_text(*report, *debug, file, line);
  std::string text = "Line entries in instructions 0 to " + trace::group_digits(now) + " (the history so far):\n";
  if (listing.empty()) {
    return text + debug->files()[*file] + (line ? ":" + std::to_string(*line) : std::string()) +
           " has no code (no line table entry)\n";
  }
  return text + listing;
}

std::string Debugger::query_profile(const std::vector<std::string>& words, const timeline::CancelToken& cancel) {
  static const char* kUsage = "usage: monitor profile [K] (the top K functions and lines, default 10)\n";
  std::uint64_t top = 10;
  if (words.size() > 2) return kUsage;
  if (words.size() == 2) {
    const std::string& k = words[1];
    if (k.empty() || k.size() > 6 || k.find_first_not_of("0123456789") != std::string::npos) return kUsage;
    top = std::stoull(k);
    if (top == 0) return kUsage;
  }
  const debuginfo::DebugInfo* debug = debug_info();
  if (!debug) return "cannot profile: " + debug_info_error_ + "\n";
  const std::uint64_t now = target_.now();
  std::optional<query::Profile> scratch;
  const query::Profile* profile =
      answer(profile_memo_, "profile", now, target_.history_key(now), scratch, [&]() -> std::optional<query::Profile> {
        if (auto run = split_run(target_, now)) {
          return split_query(
              [&] { return query::profile_run(*run, *debug, query::ProfileWindow{0, now}, split_plan(cancel)); });
        }
        // Counted runs first; again without when they broke the profiler's rules (query/profile.hpp).
        for (const bool counts : {true, false}) {
          query::RunMap map(*debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return target_.read_memory(a, out); });
          query::Profiler profiler(map, query::ProfileWindow{0, now}, 0, counts);
          if (!target_.trace_history(now, profiler, cancel)) return std::nullopt;
          if (profiler.counts_exact()) return profiler.finish();
          query::note_asked_again();
        }
        return std::nullopt;
      });
  if (profile == nullptr) {
    return cancel.cancelled() ? "interrupted: no profile\n"
                              : "cannot profile: re-running the history up to instruction " + std::to_string(now) +
                                    " failed\n";
  }
  return "Profile of instructions 0 to " + trace::group_digits(now) + " (the history so far):\n" +
         profile_text(*profile, *debug, top, "monitor profile K");
}

// Split over all hardware threads as `rvrr trace calls` is; else one traced
// re-run of the history finds the calls and stops at their entries and
// returns to read the registers (query/calls.hpp, CallStopReader).
std::string Debugger::query_calls(const std::vector<std::string>& words, const timeline::CancelToken& cancel) {
  if (words.size() != 2) return "usage: monitor calls FUNC (a function of the program)\n";
  const debuginfo::DebugInfo* debug = debug_info();
  if (!debug) return "cannot list calls: " + debug_info_error_ + "\n";
  std::string error;
  const std::optional<query::CallTarget> target = query::call_target_named(*debug, words[1], error);
  if (!target) return error + "\n";
  const std::uint64_t now = target_.now();
  using Calls = std::vector<query::CallRecord>;
  std::optional<Calls> scratch;
  const Calls* calls = answer(calls_memo_, "calls " + call_target_key(*target), now, target_.history_key(now), scratch,
                              [&]() -> std::optional<Calls> {
    if (auto run = split_run(target_, now))
      return split_query([&] { return query::find_calls_run(*run, *debug, *target, now, split_plan(cancel)); });
    // Counted runs first; again without when they broke the finder's rules (query/calls.hpp).
    for (const bool counts : {true, false}) {
      query::RunMap map(*debug, [this](vm::Addr a, std::span<std::uint8_t> out) { return target_.read_memory(a, out); });
      query::CallFinder finder(map, *target, 0, counts);
      query::CallStopReader stops(finder);
      // Stops at points, then the end (where a call may have returned just now, as after `finish`).
      if (!target_.trace_history(now, finder, cancel, &stops.points(), [&](const vm::Machine& m) {
            if (m.icount() < now) stops.stopped(m);
            else stops.ended(m);
          }))
        return std::nullopt;
      finder.end_of_history();
      if (!finder.counts_exact()) {
        query::note_asked_again();
        continue;
      }
      Calls found = finder.finish();
      stops.reads().fill(found, target_.xlen());
      return found;
    }
    return std::nullopt;
  });
  if (calls == nullptr) {
    return cancel.cancelled() ? "interrupted: no calls\n"
                              : "cannot list calls: re-running the history up to instruction " + std::to_string(now) +
                                    " failed\n";
  }
  return "Calls in instructions 0 to " + trace::group_digits(now) + " (the history so far):\n" +
         calls_text(*calls, *debug, *target);
}

}  // namespace rvrr::server
