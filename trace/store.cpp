// trace/store.cpp - default trace directory, naming and `latest`.
#include "trace/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "trace/format.hpp"

namespace fs = std::filesystem;

namespace rvrr::trace {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string trace_stem(const std::string& program) {
  std::string base = fs::path(program).filename().string();
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".elf") == 0) base.resize(base.size() - 4);
  std::string out;
  for (char c : base) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out = "program" + out;
  return out;
}

}  // namespace

fs::path default_trace_dir() {
  if (std::string dir = env_or_empty("RVRR_TRACE_DIR"); !dir.empty()) return dir;
  if (std::string xdg = env_or_empty("XDG_DATA_HOME"); !xdg.empty()) return fs::path(xdg) / "rvrr";
  if (std::string home = env_or_empty("HOME"); !home.empty()) return fs::path(home) / ".local" / "share" / "rvrr";
  throw TraceError("cannot choose a trace directory: set RVRR_TRACE_DIR (or HOME)");
}

fs::path reserve_trace_path(const fs::path& dir, const std::string& program) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw TraceError(dir.string() + ": cannot create the trace directory: " + ec.message());
  const std::string stem = trace_stem(program);
  for (unsigned n = 0; n < 1000000; ++n) {
    fs::path candidate = dir / (stem + "-" + std::to_string(n) + ".rvrr");
    int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return candidate;
    }
    if (errno != EEXIST) {
      throw TraceError(candidate.string() + ": cannot create trace: " + std::strerror(errno));
    }
  }
  throw TraceError(dir.string() + ": too many traces named " + stem + "-N.rvrr");
}

void update_latest_link(const fs::path& dir, const fs::path& trace) {
  fs::path target = trace.parent_path() == dir ? trace.filename() : fs::absolute(trace);
  fs::path tmp = dir / (".latest." + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (!ec) fs::rename(tmp, dir / "latest", ec);  // rename over the old link: never a moment without one
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw TraceError((dir / "latest").string() + ": cannot update the link: " + ec.message());
  }
}

fs::path resolve_trace(const std::string& spec) {
  fs::path dir;
  if (spec.empty() || spec == "latest") {
    dir = default_trace_dir();
  } else {
    std::error_code ec;
    if (!fs::is_directory(spec, ec)) return spec;
    dir = spec;
  }
  fs::path latest = dir / "latest";
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(latest, ec))) {
    // Traces copied into a directory of their own have no `latest` link: name them.
    std::vector<std::string> traces;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".rvrr") traces.push_back(it->path().filename().string());
    if (traces.empty())
      throw TraceError("no traces recorded yet in " + dir.string() + " (record one with `rvrr record PROGRAM`)");
    std::sort(traces.begin(), traces.end());
    std::string names;
    for (std::size_t i = 0; i < traces.size() && i < 5; ++i) names += (i ? ", " : "") + (dir / traces[i]).string();
    if (traces.size() > 5) names += ", ...";
    throw TraceError(dir.string() + " has no `latest` link (it is not a trace store): name a trace in it: " + names);
  }
  fs::path target = fs::read_symlink(latest, ec);
  if (ec) return latest;  // a regular file named latest: use it
  return target.is_absolute() ? target : dir / target;
}

}  // namespace rvrr::trace
