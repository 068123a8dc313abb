// tests/server/test_cli.cpp - the command line: subcommands, options, guest arguments.
#include <doctest/doctest.h>

#include "server/cli.hpp"

using namespace rvrr::server;

namespace {
CliRequest parse(std::vector<std::string> words) {
  words.insert(words.begin(), "rvrr");
  return parse_cli(words);
}
}  // namespace

TEST_CASE("cli: run stops option parsing at PROGRAM, so guest options pass through") {
  CliRequest r = parse({"run", "--max-instructions", "1000", "--stats", "prog.elf", "-x", "--stats", "a"});
  CHECK(r.command == Subcommand::Run);
  CHECK(r.options.max_instructions == 1000);
  CHECK(r.options.stats);
  CHECK(r.program == "prog.elf");
  CHECK(r.args == std::vector<std::string>{"-x", "--stats", "a"});

  r = parse({"run", "--memory-limit=64", "--", "-weird-name.elf", "x"});
  CHECK(r.options.memory_limit_mib == 64);
  CHECK(r.program == "-weird-name.elf");
  CHECK(r.args == std::vector<std::string>{"x"});
}

TEST_CASE("cli: record -o, debug and replay server options") {
  CliRequest r = parse({"record", "-o", "t.rvrr", "prog.elf", "1"});
  CHECK(r.command == Subcommand::Record);
  CHECK(r.options.output == "t.rvrr");
  CHECK(r.program == "prog.elf");

  r = parse({"debug", "--port", "0", "--host", "0.0.0.0", "--checkpoint-memory", "32", "--log-level", "debug",
             "prog.elf"});
  CHECK(r.command == Subcommand::Debug);
  REQUIRE(r.options.port.has_value());
  CHECK(*r.options.port == 0);
  CHECK(r.options.host == "0.0.0.0");
  CHECK(r.options.checkpoint_memory_mib == 32);
  CHECK(r.options.log_level == "debug");

  r = parse({"debug", "prog.elf"});
  CHECK_FALSE(r.options.port.has_value());

  r = parse({"replay"});
  CHECK(r.command == Subcommand::Replay);
  CHECK(r.trace.empty());
  r = parse({"replay", "my.rvrr", "--port", "1234"});  // options after TRACE are fine here
  CHECK(r.trace == "my.rvrr");
  CHECK(*r.options.port == 1234);

  r = parse({"trace", "info", "my.rvrr"});
  CHECK(r.command == Subcommand::TraceInfo);
  CHECK(r.trace == "my.rvrr");
}

TEST_CASE("cli: trace lines, profile and dump take their options before or after TRACE") {
  CliRequest r = parse({"trace", "lines", "t.rvrr", "--annotate", "main.c"});
  CHECK(r.command == Subcommand::TraceLines);
  CHECK(r.trace == "t.rvrr");
  CHECK(r.options.annotate == "main.c");
  CHECK_FALSE(r.options.json);
  r = parse({"trace", "profile", "--from", "10", "--to=20", "--folded", "t.rvrr", "--top", "3"});
  CHECK(r.command == Subcommand::TraceProfile);
  CHECK(r.options.from == 10);
  CHECK(r.options.to == 20);
  CHECK(r.options.folded);
  CHECK(r.options.top == 3);
  r = parse({"trace", "profile", "t.rvrr"});
  CHECK(r.options.from == 0);
  CHECK(r.options.to == UINT64_MAX);
  r = parse({"trace", "dump", "--json", "t.rvrr"});
  CHECK(r.command == Subcommand::TraceDump);
  CHECK(r.options.json);
  CHECK_THROWS_AS(parse({"trace", "profile", "--from", "20", "--to", "20", "t.rvrr"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "profile", "--top", "0", "t.rvrr"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "profile", "--from", "-1", "t.rvrr"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "dump"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "dump", "a", "b"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "lines", "--folded", "t.rvrr"}), CliError);  // a profile option
  try {
    parse({"trace", "dumb", "t.rvrr"});
    FAIL("no error");
  } catch (const CliError& e) {
    CHECK(std::string(e.what()).find("expected: info, lines, profile, dump") != std::string::npos);
  }
}

TEST_CASE("cli: --help on every subcommand") {
  for (const char* cmd : {"run", "record", "replay", "debug"}) {
    CAPTURE(cmd);
    CliRequest r = parse({cmd, "--help"});
    CHECK(r.help);
    CHECK(r.help_text.find("usage: rvrr") != std::string::npos);
  }
  CHECK(parse({"trace", "info", "--help"}).help);
  CHECK(parse({"--help"}).help);
}

TEST_CASE("cli: bad usage is a CliError with the usage text") {
  CHECK_THROWS_AS(parse({}), CliError);
  CHECK_THROWS_AS(parse({"frobnicate"}), CliError);
  CHECK_THROWS_AS(parse({"run"}), CliError);
  CHECK_THROWS_AS(parse({"run", "--bogus", "p.elf"}), CliError);
  CHECK_THROWS_AS(parse({"run", "--max-instructions", "many", "p.elf"}), CliError);
  CHECK_THROWS_AS(parse({"run", "--port", "1", "p.elf"}), CliError);  // not a run option
  CHECK_THROWS_AS(parse({"debug", "--port", "70000", "p.elf"}), CliError);
  CHECK_THROWS_AS(parse({"debug", "--log-level", "chatty", "p.elf"}), CliError);
  CHECK_THROWS_AS(parse({"replay", "a", "b"}), CliError);
  CHECK_THROWS_AS(parse({"trace"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "info"}), CliError);
  try {
    parse({"record", "--nope", "p.elf"});
    FAIL("no error");
  } catch (const CliError& e) {
    CHECK(e.usage().find("usage: rvrr record") != std::string::npos);
  }
}

TEST_CASE("cli: every subcommand's help documents its exit statuses and every option with a sentence") {
  struct Expect {
    std::vector<std::string> words;
    std::vector<std::string> options;
  };
  const std::vector<Expect> all = {
      {{"run"}, {"--max-instructions", "--memory-limit", "--no-host-files", "--stats", "--log-level", "--help"}},
      {{"record"},
       {"--output", "--max-instructions", "--memory-limit", "--no-host-files", "--stats", "--log-level", "--help"}},
      {{"debug"},
       {"--output", "--max-instructions", "--memory-limit", "--no-host-files", "--port", "--host",
        "--checkpoint-memory", "--checkpoint-interval", "--gdb", "--log-level", "--help"}},
      {{"replay"}, {"--port", "--host", "--checkpoint-memory", "--checkpoint-interval", "--gdb", "--log-level", "--help"}},
      {{"trace", "info"}, {"--log-level", "--help"}},
      {{"trace", "lines"}, {"--annotate", "--json", "--log-level", "--help"}},
      {{"trace", "profile"}, {"--folded", "--from", "--to", "--top", "--json", "--log-level", "--help"}},
      {{"trace", "dump"}, {"--json", "--log-level", "--help"}},
  };
  for (const Expect& e : all) {
    std::vector<std::string> words = e.words;
    words.push_back("--help");
    CliRequest r = parse(words);
    const std::string& text = r.help_text;
    CAPTURE(text);
    CHECK(text.find("Exit status: ") != std::string::npos);
    for (const std::string& opt : e.options) {
      CAPTURE(opt);
      std::size_t options_at = text.find("\noptions:\n");
      REQUIRE(options_at != std::string::npos);
      std::size_t at = text.find(opt, options_at);
      REQUIRE(at != std::string::npos);
      // The option's line goes on to a description (several words), not just its name.
      std::size_t eol = text.find('\n', at);
      std::string line = text.substr(at, eol - at);
      std::size_t words_after = 0;
      for (std::size_t i = opt.size(); i + 1 < line.size(); ++i)
        if (line[i] == ' ' && line[i + 1] != ' ') ++words_after;
      CHECK(words_after >= 3);
    }
  }
  std::string run_help = parse({"run", "--help"}).help_text;
  for (const char* status : {"128+signal", "124", " 2 ", " 1 "}) CHECK(run_help.find(status) != std::string::npos);
  // Programs may still take --help of their own after PROGRAM.
  CliRequest r = parse({"run", "prog.elf", "--help"});
  CHECK_FALSE(r.help);
  CHECK(r.args == std::vector<std::string>{"--help"});
}

TEST_CASE("cli: numeric options are range-checked, never wrapped") {
  auto message = [](std::vector<std::string> words) -> std::string {
    try {
      parse(std::move(words));
    } catch (const CliError& e) {
      return e.what();
    }
    return "(accepted)";
  };
  // Negative numbers once wrapped to 2^64 - n (or 65535 for the port).
  CHECK(message({"debug", "--checkpoint-memory", "-5", "p.elf"}).find("--checkpoint-memory must be a whole number") !=
        std::string::npos);
  CHECK(message({"debug", "--port", "-1", "p.elf"}).find("--port must be a whole number from 0 to 65535") !=
        std::string::npos);
  CHECK(message({"run", "--max-instructions", "-1", "p.elf"}).find("--max-instructions") != std::string::npos);
  CHECK(message({"run", "--max-instructions=-1", "p.elf"}).find("not '-1'") != std::string::npos);
  for (auto words : std::vector<std::vector<std::string>>{
           {"run", "--memory-limit", "-1", "p.elf"},
           {"run", "--memory-limit", "0", "p.elf"},
           {"run", "--memory-limit", "4097", "p.elf"},
           {"run", "--memory-limit", "99999999999999999999999", "p.elf"},
           {"run", "--max-instructions", "18446744073709551616", "p.elf"},
           {"run", "--max-instructions", "+5", "p.elf"},
           {"run", "--max-instructions", "1e9", "p.elf"},
           {"run", "--max-instructions", " 5", "p.elf"},
           {"debug", "--port", "65536", "p.elf"},
           {"debug", "--port", "0x10", "p.elf"},
           {"replay", "--checkpoint-memory", "0"},
           {"replay", "--checkpoint-memory", "18446744073709551615"},
           {"replay", "--checkpoint-interval", "-4000000"},
           {"replay", "--checkpoint-interval", ""},
           {"replay", "--checkpoint-interval", "1"},  // stretches of one instruction: an index without bound
           {"replay", "--checkpoint-interval", "9999"},
       }) {
    CAPTURE(words);
    CHECK_THROWS_AS(parse(words), CliError);
  }
  CliRequest r = parse({"debug", "--port", "65535", "--checkpoint-memory", "1", "--checkpoint-interval", "0",
                        "--max-instructions", "0", "--memory-limit", "4096", "p.elf"});
  CHECK(*r.options.port == 65535);
  CHECK(r.options.checkpoint_memory_mib == 1);
  CHECK(r.options.checkpoint_interval == 0);
  CHECK(r.options.max_instructions == 0);
  CHECK(r.options.memory_limit_mib == 4096);
  r = parse({"run", "--max-instructions", "18446744073709551614", "p.elf"});
  CHECK(r.options.max_instructions == 18446744073709551614ull);
  r = parse({"replay"});
  CHECK(r.options.checkpoint_memory_mib == 256);  // defaults untouched
  CHECK(r.options.memory_limit_mib == 512);
}

TEST_CASE("cli: --tier on run, record, debug and replay; a bad tier is a usage error") {
  CHECK(parse({"run", "--tier", "interp", "prog.elf"}).options.tier == "interp");
  CHECK(parse({"record", "--tier", "auto", "prog.elf"}).options.tier == "auto");
  CHECK(parse({"debug", "--tier=interp", "prog.elf"}).options.tier == "interp");
  CHECK(parse({"replay", "t.rvrr", "--tier", "interp"}).options.tier == "interp");
  CHECK(parse({"run", "prog.elf"}).options.tier.empty());  // RVRR_TIER, else auto
  CHECK_THROWS_AS(parse({"run", "--tier", "fast", "prog.elf"}), CliError);
  CHECK_THROWS_AS(parse({"run", "--tier", "", "prog.elf"}), CliError);
  CHECK_THROWS_AS(parse({"trace", "info", "--tier", "interp", "t.rvrr"}), CliError);
}
