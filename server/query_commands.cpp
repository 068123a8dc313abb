// server/query_commands.cpp - `rvrr trace lines`, `trace profile`, `trace calls`, `trace dump`.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "query/answer_cache.hpp"
#include "query/answer_codec.hpp"
#include "query/replay_query.hpp"
#include "server/commands.hpp"
#include "server/cut_short.hpp"
#include "server/query_output.hpp"
#include "server/trace_dump.hpp"
#include "timeline/session_setup.hpp"
#include "timeline/timeline.hpp"
#include "trace/format.hpp"
#include "trace/store.hpp"

namespace rvrr::server {

namespace fs = std::filesystem;

namespace {

struct LoadedTrace {
  fs::path path;
  trace::TraceData data;
};

// The trace named on the command line; nullopt (after one line on stderr) when unreadable.
std::optional<LoadedTrace> load_trace(const CliRequest& request) {
  try {
    LoadedTrace t;
    t.path = trace::resolve_trace(request.trace);
    t.data = trace::read_trace_file(t.path.string());
    return t;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s\n", e.what());
    return std::nullopt;
  }
}

std::optional<std::string> read_text(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// --annotate FILE: which DWARF file it means, and its text (from the DWARF
// path, else FILE itself). Prints the problem and returns false when it cannot.
bool annotate(const query::LineReport& report, const debuginfo::DebugInfo& debug, const std::string& name) {
  std::string wanted = name;
  while (wanted.rfind("./", 0) == 0) wanted.erase(0, 2);
  auto file = debug.find_file(wanted);
  if (!file) file = debug.find_file(fs::path(wanted).filename().string());
  if (!file) {
    std::fprintf(stderr, "rvrr: the program's line table has no source file '%s' (%zu files%s)\n", name.c_str(),
                 debug.files().size(), debug.files().empty() ? ": was it built with -g?" : "; `rvrr trace lines` lists them");
    return false;
  }
  const std::string& dwarf_path = debug.files()[*file];
  std::optional<std::string> text = read_text(dwarf_path);
  if (!text) text = read_text(name);
  if (!text) {
    std::fprintf(stderr, "rvrr: cannot read the source of %s: neither %s nor %s is a readable file on this machine\n",
                 name.c_str(), dwarf_path.c_str(), name.c_str());
    return false;
  }
  std::fputs(annotate_source(report, debug, *file, *text).c_str(), stdout);
  return true;
}

// Runs ask(plan) on every thread, with the states kept next to the trace
// (timeline/state_sidecar.hpp), and keeps those it reached for the next question.
template <typename Ask>
auto with_stored_states(const LoadedTrace& t, Ask ask) {
  query::IntervalPlan plan = query::IntervalPlan::for_questions(query::query_threads());
  timeline::StoredStates states(t.path.string(), t.data.file_sha256, plan.interval);
  plan.states = &states;
  auto answer = ask(plan);
  (void)states.save();  // as for TRACE.answers, a directory rvrr cannot write just means none kept
  return answer;
}

}  // namespace

int trace_lines_command(const CliRequest& request) {
  std::optional<LoadedTrace> t = load_trace(request);
  if (!t) return kExitUsage;
  close_cut_short(t->data, t->path.string());
  try {
    const debuginfo::DebugInfo debug = query::debug_info_of(t->data);
    if (!debug.has_dwarf())
      std::fprintf(stderr, "rvrr: warning: %s has no DWARF line table (build it with -g): no lines to count\n",
                   t->data.header.program_name.c_str());
    query::AnswerCache cache(t->path.string(), t->data.file_sha256);
    const query::LineReport report = query::answer_cached(
        cache, "lines", [&] { return with_stored_states(*t, [&](query::IntervalPlan plan) {
          return query::count_lines(t->data, debug, UINT64_MAX, plan);
        }); }, query::encode_lines,
        [&](const query::Answer& a) { return query::decode_lines(a, debug); });
    if (!request.options.annotate.empty()) return annotate(report, debug, request.options.annotate) ? 0 : kExitUsage;
    std::fputs((request.options.json ? lines_json(report, debug) : lines_text(report, debug)).c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", t->path.c_str(), e.what());
    return kExitUsage;
  }
}

int trace_profile_command(const CliRequest& request) {
  std::optional<LoadedTrace> t = load_trace(request);
  if (!t) return kExitUsage;
  close_cut_short(t->data, t->path.string());
  const CliOptions& o = request.options;
  if (o.from > t->data.history.frontier) {
    std::fprintf(stderr, "rvrr: --from %llu is past the end of the recording (%llu instructions)\n",
                 static_cast<unsigned long long>(o.from), static_cast<unsigned long long>(t->data.history.frontier));
    return kExitUsage;
  }
  try {
    const debuginfo::DebugInfo debug = query::debug_info_of(t->data);
    query::AnswerCache cache(t->path.string(), t->data.file_sha256);
    const query::ProfileWindow window{o.from, o.to};
    const query::Profile p = query::answer_cached(
        cache, "profile " + std::to_string(o.from) + " " + std::to_string(o.to),
        [&] { return with_stored_states(*t, [&](query::IntervalPlan plan) {
          return query::profile_trace(t->data, debug, window, plan);
        }); }, query::encode_profile,
        [&](const query::Answer& a) { return query::decode_profile(a, debug); });
    std::string out = o.folded ? query::folded_stacks(p, debug) : o.json ? profile_json(p, debug) : profile_text(p, debug, o.top);
    std::fputs(out.c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", t->path.c_str(), e.what());
    return kExitUsage;
  }
}

int trace_dump_command(const CliRequest& request) {
  std::optional<LoadedTrace> t = load_trace(request);
  if (!t) return kExitUsage;
  const std::string out = request.options.json ? dump_trace_json(t->data, t->path.string())
                                               : dump_trace_text(t->data, t->path.string());
  std::fputs(out.c_str(), stdout);
  return 0;
}

int trace_calls_command(const CliRequest& request) {
  std::optional<LoadedTrace> t = load_trace(request);
  if (!t) return kExitUsage;
  close_cut_short(t->data, t->path.string());
  try {
    const debuginfo::DebugInfo debug = query::debug_info_of(t->data);
    std::string error;
    const std::optional<query::CallTarget> target = query::call_target_named(debug, request.function, error);
    if (!target) {
      std::fprintf(stderr, "rvrr: %s\n", error.c_str());
      return kExitUsage;
    }
    query::AnswerCache cache(t->path.string(), t->data.file_sha256);
    const std::vector<query::CallRecord> calls = query::answer_cached(
        cache, "calls " + call_target_key(*target) + " " + request.function,
        [&] { return with_stored_states(*t, [&](query::IntervalPlan plan) {
          return query::find_calls(t->data, debug, *target, UINT64_MAX, plan);
        }); }, query::encode_calls,
        [&](const query::Answer& a) { return query::decode_calls(a, debug); });
    std::fputs((request.options.json ? calls_json(calls, debug, *target) : calls_text(calls, debug, *target)).c_str(),
               stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", t->path.c_str(), e.what());
    return kExitUsage;
  }
}

}  // namespace rvrr::server
