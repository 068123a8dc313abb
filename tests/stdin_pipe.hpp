// tests/stdin_pipe.hpp - a test's stdin as a pipe that stays open without data.
#pragma once
#include <doctest/doctest.h>
#include <unistd.h>

#include <string>

namespace rvrr::test {

// Makes this process's stdin the read end of a pipe that stays open without
// data (as a terminal nobody types at) for the life of the object; put()
// feeds it.
struct StdinPipe {
  int write_fd = -1;
  int saved = -1;
  StdinPipe() {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    saved = ::dup(0);
    ::dup2(p[0], 0);
    ::close(p[0]);
    write_fd = p[1];
  }
  ~StdinPipe() {
    ::close(write_fd);
    ::dup2(saved, 0);
    ::close(saved);
  }
  StdinPipe(const StdinPipe&) = delete;
  StdinPipe& operator=(const StdinPipe&) = delete;
  void put(const std::string& s) const { REQUIRE(::write(write_fd, s.data(), s.size()) == ssize_t(s.size())); }
};

}  // namespace rvrr::test
