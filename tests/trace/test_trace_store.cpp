// tests/trace/test_trace_store.cpp - default trace directory, naming, `latest`.
#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "trace/format.hpp"
#include "trace/store.hpp"
#include "trace_test_util.hpp"

using namespace rvrr::trace;
using namespace rvrr::trace_test;

namespace {

// Sets an environment variable for one scope, restoring the old value.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(const char* n, const char* value) : name(n) {
    if (const char* v = std::getenv(n)) old = v;
    if (value) ::setenv(n, value, 1);
    else ::unsetenv(n);
  }
  ~ScopedEnv() {
    if (old) ::setenv(name.c_str(), old->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};

}  // namespace

TEST_CASE("the default trace directory follows RVRR_TRACE_DIR, XDG_DATA_HOME, HOME") {
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv a("RVRR_TRACE_DIR", "/tmp/traces-here");
    ScopedEnv b("XDG_DATA_HOME", "/xdg");
    CHECK(default_trace_dir() == fs::path("/tmp/traces-here"));
  }
  {
    ScopedEnv a("RVRR_TRACE_DIR", nullptr);
    ScopedEnv b("XDG_DATA_HOME", "/xdg");
    CHECK(default_trace_dir() == fs::path("/xdg/rvrr"));
  }
  {
    ScopedEnv a("RVRR_TRACE_DIR", nullptr);
    ScopedEnv b("XDG_DATA_HOME", nullptr);
    CHECK(default_trace_dir() == fs::path("/home/someone/.local/share/rvrr"));
    ScopedEnv c("HOME", nullptr);
    CHECK_THROWS_AS(default_trace_dir(), TraceError);
  }
}

TEST_CASE("traces are named PROGRAM-N with the next free N, and latest follows") {
  fs::path dir = temp_path("store");
  fs::remove_all(dir);
  ScopedEnv a("RVRR_TRACE_DIR", dir.c_str());
  CHECK_THROWS_WITH_AS(resolve_trace(""), doctest::Contains("no traces recorded yet in"), TraceError);

  fs::path t0 = reserve_trace_path(default_trace_dir(), "/some/where/hello.elf");
  CHECK(t0 == dir / "hello-0.rvrr");
  CHECK(fs::exists(t0));
  update_latest_link(dir, t0);
  fs::path t1 = reserve_trace_path(dir, "hello.elf");
  CHECK(t1 == dir / "hello-1.rvrr");
  CHECK(resolve_trace("") == t0);  // latest is updated only after a recording
  update_latest_link(dir, t1);
  CHECK(resolve_trace("") == t1);
  CHECK(resolve_trace("latest") == t1);
  CHECK(resolve_trace(dir.string()) == t1);
  CHECK(fs::read_symlink(dir / "latest") == fs::path("hello-1.rvrr"));  // relative: the directory can move
  CHECK(resolve_trace("/elsewhere/x.rvrr") == fs::path("/elsewhere/x.rvrr"));

  fs::path odd = reserve_trace_path(dir, "we ird$name");
  CHECK(odd.filename() == "we_ird_name-0.rvrr");
  fs::path hidden = reserve_trace_path(dir, ".elf");
  CHECK(hidden.filename().string().rfind("program", 0) == 0);
}
