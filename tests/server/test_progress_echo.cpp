// tests/server/test_progress_echo.cpp - the progress line leaves nothing
// behind when the terminal echoed "^C" after it.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "server/progress_meter.hpp"

using namespace rvrr::server;
using namespace std::chrono_literals;

namespace {

// A one-line terminal: '\r' returns to column 0, other bytes overwrite.
struct Line {
  std::string cells;
  std::size_t col = 0;
  void put(const std::string& bytes) {
    for (char c : bytes) {
      if (c == '\r') {
        col = 0;
        continue;
      }
      if (col >= cells.size()) cells.resize(col + 1, ' ');
      cells[col++] = c;
    }
  }
  bool blank() const { return cells.find_first_not_of(' ') == std::string::npos; }
};

std::string drain(std::FILE* f, long& at) {
  std::fflush(f);
  std::fseek(f, at, SEEK_SET);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  at = std::ftell(f);
  return s;
}

}  // namespace

TEST_CASE("ProgressMeter: erasing the line also erases a \"^C\" the terminal echoed after it") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  long at = 0;
  Line term;
  ProgressMeter meter("recording", f);
  auto t0 = ProgressMeter::Clock::time_point{} + 1000s;
  meter.update({1'000'000, 0, false}, t0);
  meter.update({300'000'000, 0, false}, t0 + 600ms);
  REQUIRE(meter.showing());
  term.put(drain(f, at));
  term.put("^C");  // Ctrl-C: the tty echoes it at the cursor, after the line

  SUBCASE("erased when the operation ends") {
    meter.update({300'000'000, 0, true}, t0 + 700ms);
    term.put(drain(f, at));
    CHECK(term.blank());
    CHECK(term.col == 0);
  }
  SUBCASE("redrawn over, then erased") {
    meter.update({310'000'000, 0, false}, t0 + 900ms);
    term.put(drain(f, at));
    CHECK(term.cells.find("^C") == std::string::npos);
    meter.clear();
    term.put(drain(f, at));
    CHECK(term.blank());
  }
  std::fclose(f);
}
