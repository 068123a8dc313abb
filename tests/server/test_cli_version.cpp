// tests/server/test_cli_version.cpp - `rvrr --version` / `rvrr version`.
#include <doctest/doctest.h>

#include <regex>

#include "server/cli.hpp"

using namespace rvrr::server;

TEST_CASE("cli: --version and version print \"rvrr X.Y.Z\" (the CMake project version) like --help") {
  for (const char* word : {"--version", "version"}) {
    CAPTURE(word);
    CliRequest r = parse_cli({"rvrr", word});
    CHECK(r.help);  // main prints help_text on stdout and exits 0
    CHECK(r.help_text == version_text());
  }
  CHECK(std::regex_match(version_text(), std::regex("rvrr [0-9]+\\.[0-9]+\\.[0-9]+\n")));
  CHECK(top_level_usage().find("version") != std::string::npos);
}
