// tests/server/test_stop_signals.cpp - SIGINT/SIGTERM as requests to stop cleanly.
#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include "server/stop_signals.hpp"

using namespace rvrr;
using namespace rvrr::server;

namespace {
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}
}  // namespace

TEST_CASE("stop signals: SIGTERM is noted and raises the interrupt; the old disposition comes back") {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    StopSignals signals(nullptr, false);
    CHECK(signals.received() == 0);
    CHECK(signals.name() == "");
    CHECK_FALSE(signals.interrupt()->raised());
    ::kill(::getpid(), SIGTERM);  // handled: the test goes on
    CHECK(signals.received() == SIGTERM);
    CHECK(signals.name() == "SIGTERM");
    CHECK(signals.interrupt()->raised());
    CHECK(readable(signals.interrupt()->fd()));
    ::kill(::getpid(), SIGINT);   // the first signal is the one reported
    CHECK(signals.received() == SIGTERM);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  CHECK((after.sa_handler == before.sa_handler));
}

TEST_CASE("stop signals: with gdb on the terminal, a SIGINT sent with kill still stops rvrr") {
  // Only a SIGINT the terminal generated (si_code SI_KERNEL: Ctrl-C, which gdb
  // gets too) is gdb's; kill(1) sends SI_USER.
  StopSignals signals(nullptr, true);
  ::kill(::getpid(), SIGINT);
  CHECK(signals.received() == SIGINT);
  CHECK(signals.interrupt()->raised());
}
