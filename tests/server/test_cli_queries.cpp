// tests/server/test_cli_queries.cpp - `rvrr trace writes|diff|memory` on the command line.
#include <doctest/doctest.h>

#include "server/cli.hpp"

using namespace rvrr::server;

namespace {
CliRequest parse(std::vector<std::string> words) {
  words.insert(words.begin(), "rvrr");
  return parse_cli(words);
}
std::string error_of(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const CliError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("cli: trace writes takes TRACE ADDR[,LEN], --reads and --json before or after them") {
  CliRequest r = parse({"trace", "writes", "t.rvrr", "0x1000,4", "--json", "--reads"});
  CHECK(r.command == Subcommand::TraceWrites);
  CHECK(r.trace == "t.rvrr");
  REQUIRE(r.operands.size() == 1);
  CHECK(r.operands[0] == "0x1000,4");
  CHECK(r.options.json);
  CHECK(r.options.reads);
  CHECK(error_of({"trace", "writes", "t.rvrr"}) == "missing ADDR");
  CHECK(error_of({"trace", "writes"}) == "missing TRACE");
  CHECK(error_of({"trace", "writes", "t", "1", "2"}) == "unexpected argument '2'");
}

TEST_CASE("cli: trace diff takes two traces; trace memory one, with --at N") {
  CliRequest d = parse({"trace", "diff", "--json", "a", "b"});
  CHECK(d.command == Subcommand::TraceDiff);
  CHECK(d.trace == "a");
  CHECK(d.operands == std::vector<std::string>{"b"});
  CHECK(d.options.json);
  CHECK(error_of({"trace", "diff", "a"}) == "missing TRACE_B");
  CliRequest m = parse({"trace", "memory", "--at", "1234", "t"});
  CHECK(m.command == Subcommand::TraceMemory);
  CHECK(m.options.at == 1234u);
  CHECK_FALSE(parse({"trace", "memory", "t"}).options.at.has_value());
  CHECK(error_of({"trace", "memory", "--at", "-1", "t"}).find("--at must be a whole number") == 0);
  CHECK(error_of({"trace", "memory", "--reads", "t"}).find("reads") != std::string::npos);  // not its option
}

TEST_CASE("cli: an unknown trace subcommand lists the known ones") {
  std::string e = error_of({"trace", "frob"});
  CHECK(e.find("unknown trace subcommand 'frob'") == 0);
  CHECK(e.find("writes") != std::string::npos);
  CHECK(e.find("diff") != std::string::npos);
  CHECK(e.find("memory") != std::string::npos);
  CHECK(error_of({"trace"}).find("trace info|lines|profile|dump|calls|writes|diff|memory") != std::string::npos);
}
