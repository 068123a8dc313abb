// server/cli.cpp - Boost.Program_options for each subcommand.
#include "server/cli.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <boost/program_options.hpp>
#include <sstream>

#include "vm/jit.hpp"

namespace po = boost::program_options;

namespace rvrr::server {

namespace {

std::string subcommand_usage_line(Subcommand c) {
  switch (c) {
    case Subcommand::Run: return "usage: rvrr run [options] PROGRAM [ARGS...]\n"
                                 "Runs a RISC-V program to completion (no recording). The program may read\n"
                                 "stdin and open host files read-only (never write them); --no-host-files\n"
                                 "forbids the files.\n"
                                 "Exit status: the program's own; 128+signal if it faulted (SIGSEGV: 139,\n"
                                 "SIGILL: 132, SIGBUS: 135); 124 if --max-instructions stopped it; 2 for bad\n"
                                 "usage or a program that cannot be loaded; 1 for an internal failure.\n";
    case Subcommand::Record: return "usage: rvrr record [options] [-o TRACE] PROGRAM [ARGS...]\n"
                                    "Runs a program and records a trace that `rvrr replay` re-executes exactly.\n"
                                    "Traces go to $RVRR_TRACE_DIR (default ~/.local/share/rvrr), with a `latest`\n"
                                    "link to the newest. The trace holds the program and what it read (stdin,\n"
                                    "files it opened), nothing else from the host. On a terminal, progress is\n"
                                    "shown on stderr.\n"
                                    "Ctrl-C or SIGTERM stop the recording (inside a read if the program waits\n"
                                    "for input) and finish the trace, marked interrupted.\n"
                                    "Exit status: as for `rvrr run` (the program's own, 128+signal, 124, 2), or\n"
                                    "1 if the trace could not be written completely (disk full, ...), or 130/143\n"
                                    "when SIGINT/SIGTERM stopped it.\n";
    case Subcommand::Replay: return "usage: rvrr replay [options] [TRACE]\n"
                                    "Serves a recorded trace (default: the latest) to gdb, forwards and backwards.\n"
                                    "The server listens on 127.0.0.1 unless --host says otherwise.\n"
                                    "Exit status: 0 when the session ends; 2 for bad usage or an unreadable\n"
                                    "trace; 1 if the port cannot be bound or gdb cannot be started.\n";
    case Subcommand::Debug: return "usage: rvrr debug [options] PROGRAM [ARGS...]\n"
                                   "Debugs a program live with gdb, recording it so gdb can go backwards.\n"
                                   "Without --port, starts gdb (with rvrr's gdbinit) on this terminal. The\n"
                                   "server listens on 127.0.0.1 unless --host says otherwise. When the session\n"
                                   "ends the trace is complete and `rvrr replay` replays it. SIGTERM (or a\n"
                                   "SIGINT not typed at gdb's terminal) ends the session and gdb, trace finished.\n"
                                   "Exit status: 0 when the session ends; 2 for bad usage or a program that\n"
                                   "cannot be loaded; 1 if the port cannot be bound or gdb cannot be started;\n"
                                   "130/143 when SIGINT/SIGTERM ended it.\n";
    case Subcommand::TraceInfo: return "usage: rvrr trace info [--verify] TRACE\n"
                                       "Summarises a trace: program, arguments, events, length, exit status.\n"
                                       "TRACE may be a file, a trace directory (its latest) or `latest`.\n"
                                       "Exit status: 0; 1 if --verify found a divergence; 2 for bad usage or an\n"
                                       "unreadable trace.\n";
    case Subcommand::TraceLines: return "usage: rvrr trace lines [--annotate FILE] [--json] TRACE\n"
                                        "How often execution entered each source line with code (file:line count),\n"
                                        "over the whole recording. A line is entered when one of its instructions\n"
                                        "runs right after another line's, or after a taken branch, jump, call or\n"
                                        "return. --annotate prints FILE with the counts in the margin, as gcov does\n"
                                        "(##### never executed, - no code); the file is read from the path in the\n"
                                        "program's DWARF, or FILE itself when that exists.\n"
                                        "Exit status: 0; 2 for bad usage, an unreadable trace or a missing source.\n";
    case Subcommand::TraceProfile: return "usage: rvrr trace profile [--folded] [--from N] [--to M] [--top K] [--json] TRACE\n"
                                          "An exact profile of the recording (every instruction counted): the top\n"
                                          "functions by instructions executed in them (self) and in them plus their\n"
                                          "callees (inclusive), and the top lines. --folded writes one `a;b;c count`\n"
                                          "line per call path instead (flamegraph.pl, inferno, speedscope read it).\n"
                                          "--from/--to restrict it to the instructions counted N to M-1.\n"
                                          "Exit status: 0; 2 for bad usage or an unreadable trace.\n";
    case Subcommand::TraceDump: return "usage: rvrr trace dump [--json] TRACE\n"
                                       "Prints the trace's header and every recorded event (host calls with their\n"
                                       "results, debugger writes, the end), one per line with its instruction count.\n"
                                       "Exit status: 0; 2 for bad usage or an unreadable trace.\n";
    case Subcommand::TraceWrites: return "usage: rvrr trace writes [--reads] [--json] TRACE ADDR[,LEN]\n"
                                         "Lists every write to [ADDR, ADDR+LEN) in the recorded run (LEN defaults\n"
                                         "to 1; ADDR is 0x.. hex, decimal or an ELF symbol): instruction count, pc,\n"
                                         "old -> new bytes; writes by host calls (read() into a buffer) are named.\n"
                                         "Exit status: 0; 1 if the replay diverged; 2 for bad usage or an\n"
                                         "unreadable trace.\n";
    case Subcommand::TraceDiff: return "usage: rvrr trace diff [--json] TRACE_A TRACE_B\n"
                                       "Compares two recordings of the same program: the first instruction where\n"
                                       "their control flow parts, the first host call whose result differs, and\n"
                                       "how each run ended.\n"
                                       "Exit status: 0 if they are equal; 1 if they differ; 2 for bad usage, an\n"
                                       "unreadable trace or traces of different programs.\n";
    case Subcommand::TraceMemory: return "usage: rvrr trace memory [--at N] [--json] TRACE\n"
                                         "The guest's memory map at instruction N (default: the end): ELF segments,\n"
                                         "heap, stack and other mappings, with permissions, resident pages and the\n"
                                         "pages written since the start.\n"
                                         "Exit status: 0; 1 if the replay diverged; 2 for bad usage or an\n"
                                         "unreadable trace.\n";
    case Subcommand::TraceCalls: return "usage: rvrr trace calls [--json] TRACE FUNC\n"
                                        "Every call of function FUNC in the recording: the instruction count at its\n"
                                        "entry, its arguments (named and typed from DWARF), the caller's file:line,\n"
                                        "and its return value with the count of the return (or no return: longjmp,\n"
                                        "or still running at the end). `seek N` in a debugging session goes there.\n"
                                        "Exit status: 0; 2 for bad usage, an unreadable trace or an unknown FUNC.\n";
    case Subcommand::Help: break;
  }
  return top_level_usage();
}

// Numeric options are read as text and checked here: Boost's lexical_cast
// turns "-5" into 2^64-5 for an unsigned option, so a typo would silently
// become an absurd value (a 17-exabyte budget, port 65535).
struct NumberRange {
  const char* option;  // "--port"
  std::uint64_t min, max;
  const char* unit;    // " MiB", "" ...
};
constexpr NumberRange kMaxInstructions{"--max-instructions", 0, UINT64_MAX - 1, ""};
constexpr NumberRange kMemoryLimit{"--memory-limit", 1, 4096, " MiB"};
constexpr NumberRange kPort{"--port", 0, 65535, ""};
constexpr NumberRange kCheckpointMemory{"--checkpoint-memory", 1, 1u << 20, " MiB"};
constexpr NumberRange kCheckpointInterval{"--checkpoint-interval", 0, 1ull << 40, ""};
constexpr std::uint64_t kMinCheckpointInterval = 10'000;
constexpr NumberRange kFrom{"--from", 0, UINT64_MAX - 1, ""};
constexpr NumberRange kTo{"--to", 1, UINT64_MAX - 1, ""};
constexpr NumberRange kTop{"--top", 1, 1u << 30, ""};
constexpr NumberRange kAt{"--at", 0, UINT64_MAX - 1, ""};

std::uint64_t parse_number(const std::string& text, const NumberRange& r, const std::string& usage) {
  auto bad = [&] {
    return CliError(std::string(r.option) + " must be a whole number from " + std::to_string(r.min) + " to " +
                        std::to_string(r.max) + r.unit + ", not '" + text + "'",
                    usage);
  };
  if (text.empty() || text.size() > 20) throw bad();
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw bad();  // no sign, no spaces, no hex, no suffix
    const std::uint64_t d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) throw bad();
    v = v * 10 + d;
  }
  if (v < r.min || v > r.max) throw bad();
  return v;
}

void add_number(po::options_description& d, const NumberRange& r, const char* value_name, const char* help,
                std::optional<std::uint64_t> shown_default = std::nullopt) {
  auto* v = po::value<std::string>()->value_name(value_name);
  if (shown_default) v->default_value(std::to_string(*shown_default));
  d.add_options()(r.option + 2, v, help);
}

// Copies each numeric option given in `vm` into `o`, range-checked.
void read_numbers(const po::variables_map& vm, CliOptions& o, const std::string& usage) {
  auto get = [&](const NumberRange& r) -> std::optional<std::uint64_t> {
    auto it = vm.find(r.option + 2);
    if (it == vm.end() || it->second.defaulted()) return std::nullopt;
    return parse_number(it->second.as<std::string>(), r, usage);
  };
  if (auto v = get(kMaxInstructions)) o.max_instructions = *v;
  if (auto v = get(kMemoryLimit)) o.memory_limit_mib = *v;
  if (auto v = get(kPort)) o.port = static_cast<std::uint16_t>(*v);
  if (auto v = get(kCheckpointMemory)) o.checkpoint_memory_mib = *v;
  if (auto v = get(kCheckpointInterval)) o.checkpoint_interval = *v;
  // The recording index works in stretches of this many instructions: a
  // handful each would make it (and TRACE.idx) grow without bound.
  if (o.checkpoint_interval != 0 && o.checkpoint_interval < kMinCheckpointInterval)
    throw CliError("--checkpoint-interval must be 0 (automatic) or at least " +
                       std::to_string(kMinCheckpointInterval) + ", not " + std::to_string(o.checkpoint_interval),
                   usage);
  if (auto v = get(kFrom)) o.from = *v;
  if (auto v = get(kTo)) o.to = *v;
  if (auto v = get(kTop)) o.top = *v;
  if (o.from >= o.to) throw CliError("--from must be below --to", usage);
  if (auto v = get(kAt)) o.at = *v;
}

void add_limits(po::options_description& d, CliOptions& o, bool host_files) {
  add_number(d, kMaxInstructions, "N", "stop the program after N instructions (0 = unlimited)");
  add_number(d, kMemoryLimit, "MiB", "guest memory the program may map, in MiB (1-4096)", o.memory_limit_mib);
  if (host_files)
    d.add_options()("no-host-files", po::bool_switch(&o.no_host_files),
                    "the program may not open host files (by default it may open them, read-only)");
}

void add_tier(po::options_description& d, CliOptions& o) {
  d.add_options()("tier", po::value(&o.tier)->value_name("TIER"),
                  "how to execute: auto (translate hot code to host code where supported; the default, "
                  "or RVRR_TIER) or interp (interpret only); results are identical");
}

void add_server(po::options_description& d, CliOptions& o) {
  add_number(d, kPort, "N",
             "only serve: listen on port N (0 = any free port) and print how to connect; "
             "without it rvrr starts gdb-multiarch itself");
  d.add_options()
      ("host", po::value(&o.host)->value_name("ADDR")->default_value(o.host),
       "address to listen on; anything but loopback lets anyone who reaches the port control "
       "the program (rvrr warns)");
  add_number(d, kCheckpointMemory, "MiB", "memory for checkpoints, in MiB (more = faster reverse execution)",
             o.checkpoint_memory_mib);
  add_number(d, kCheckpointInterval, "N", "instructions between automatic checkpoints (0 = automatic, else at least 10000)");
  d.add_options()
      ("gdb", po::value(&o.gdb)->value_name("PATH")->default_value(o.gdb),
       "the gdb to start when --port is not given (it gets -x with rvrr's gdbinit)");
}

void add_common(po::options_description& d, CliOptions& o, bool& help) {
  d.add_options()
      ("log-level", po::value(&o.log_level)->value_name("LEVEL")->default_value(o.log_level),
       "how much rvrr logs on stderr: trace, debug (shows every packet), info, warn, error or off")
      ("help,h", po::bool_switch(&help), "show this help");
}

// Index of the first positional token (PROGRAM or TRACE) in `args`, skipping
// option values; args.size() if none. "--" ends the options (and is erased).
std::size_t first_positional(std::vector<std::string>& args, const po::options_description& d) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
      return i;
    }
    if (a.size() < 2 || a[0] != '-') return i;
    if (a.find('=') != std::string::npos) continue;  // --name=value
    bool long_form = a[1] == '-';
    std::string name = long_form ? a.substr(2) : a.substr(0, 2);  // short names are stored as "-o"
    if (!long_form && a.size() > 2) continue;  // -oTRACE
    const po::option_description* opt = d.find_nothrow(name, false);
    if (opt && opt->semantic()->max_tokens() > 0) ++i;  // its value follows
  }
  return args.size();
}

Subcommand subcommand_of(const std::string& word, std::vector<std::string>& rest, std::string& err) {
  if (word == "run") return Subcommand::Run;
  if (word == "record") return Subcommand::Record;
  if (word == "replay") return Subcommand::Replay;
  if (word == "debug") return Subcommand::Debug;
  if (word == "trace") {
    static const std::pair<const char*, Subcommand> kTraceWords[] = {
        {"info", Subcommand::TraceInfo},     {"lines", Subcommand::TraceLines},
        {"profile", Subcommand::TraceProfile}, {"dump", Subcommand::TraceDump},
        {"writes", Subcommand::TraceWrites},   {"diff", Subcommand::TraceDiff},
        {"memory", Subcommand::TraceMemory},   {"calls", Subcommand::TraceCalls}};
    for (const auto& [name, sub] : kTraceWords) {
      if (!rest.empty() && rest.front() == name) {
        rest.erase(rest.begin());
        return sub;
      }
    }
    if (!rest.empty() && (rest.front() == "--help" || rest.front() == "-h")) return Subcommand::TraceInfo;
    err = rest.empty() ? "`trace` needs a subcommand: trace info|lines|profile|dump|calls|writes|diff|memory TRACE ..."
                       : "unknown trace subcommand '" + rest.front() +
                             "' (expected: info, lines, profile, dump, calls, writes, diff, memory)";
    return Subcommand::Help;
  }
  err = "unknown subcommand '" + word + "'";
  return Subcommand::Help;
}

}  // namespace

std::string version_text() { return std::string("rvrr ") + RVRR_VERSION + "\n"; }

std::string top_level_usage() {
  return "usage: rvrr COMMAND [options] ...\n"
         "\n"
         "A reverse debugger for RISC-V programs (RV32GC, and RV64GC static Linux programs).\n"
         "\n"
         "commands:\n"
         "  run PROGRAM [ARGS...]      run a program (no recording)\n"
         "  record PROGRAM [ARGS...]   run and record a trace\n"
         "  replay [TRACE]             debug a recorded trace with gdb (default: the latest)\n"
         "  debug PROGRAM [ARGS...]    debug a program live with gdb, recording it\n"
         "  trace info TRACE           summarise a trace\n"
         "  trace lines TRACE          line hit counts (--annotate FILE: the source with counts)\n"
         "  trace profile TRACE        an exact profile (--folded: stacks for flame graphs)\n"
         "  trace dump TRACE           the header and every recorded event\n"
         "  trace writes TRACE ADDR[,LEN]  every write to an address range, and who made it\n"
         "  trace diff TRACE_A TRACE_B where two runs of one program part\n"
         "  trace memory TRACE         the guest's memory map\n"
         "  trace calls TRACE FUNC     every call of FUNC: arguments, caller, return value\n"
         "  version                    print rvrr's version (also --version)\n"
         "\n"
         "`rvrr COMMAND --help` lists a command's options and exit statuses.\n";
}

CliRequest parse_cli(const std::vector<std::string>& argv) {
  CliRequest req;
  if (argv.size() < 2) throw CliError("missing command", top_level_usage());
  const std::string& word = argv[1];
  if (word == "--help" || word == "-h" || word == "help") {
    req.command = Subcommand::Help;
    req.help = true;
    req.help_text = top_level_usage();
    return req;
  }
  if (word == "--version" || word == "version") {
    req.command = Subcommand::Help;
    req.help = true;  // print help_text on stdout, exit 0
    req.help_text = version_text();
    return req;
  }
  std::vector<std::string> rest(argv.begin() + 2, argv.end());
  std::string err;
  req.command = subcommand_of(word, rest, err);
  if (req.command == Subcommand::Help) throw CliError(err, top_level_usage());

  CliOptions& o = req.options;
  po::options_description d("options");
  bool wants_program = false;
  switch (req.command) {
    case Subcommand::Run:
      add_limits(d, o, true);
      d.add_options()("stats", po::bool_switch(&o.stats),
                      "print instructions (and how many ran translated), wall time and MIPS to stderr at the end");
      add_tier(d, o);
      wants_program = true;
      break;
    case Subcommand::Record:
      d.add_options()("output,o", po::value(&o.output)->value_name("TRACE"),
                      "where to write the trace (default: a new trace in the trace store)");
      add_limits(d, o, true);
      d.add_options()("stats", po::bool_switch(&o.stats),
                      "print instructions, wall time and MIPS to stderr at the end");
      add_tier(d, o);
      wants_program = true;
      break;
    case Subcommand::Debug:
      d.add_options()("output,o", po::value(&o.output)->value_name("TRACE"),
                      "where to write the trace (default: a new trace in the trace store)");
      add_limits(d, o, true);
      add_server(d, o);
      add_tier(d, o);
      wants_program = true;
      break;
    case Subcommand::Replay:
      add_server(d, o);
      add_tier(d, o);
      break;
    case Subcommand::TraceInfo:
      d.add_options()("verify", po::bool_switch(&o.verify),
                      "replay the trace to its end and check the final instruction count, exit status and "
                      "state against the recording (exit 1 and the divergence if they differ)");
      break;
    case Subcommand::TraceLines:
      d.add_options()("annotate", po::value(&o.annotate)->value_name("FILE"),
                      "print FILE's source with each line's count in the margin");
      d.add_options()("json", po::bool_switch(&o.json), "print the counts as JSON (with instructions per line)");
      break;
    case Subcommand::TraceProfile:
      d.add_options()("folded", po::bool_switch(&o.folded), "print folded stacks (`a;b;c count` per call path)");
      add_number(d, kFrom, "N", "count only instructions from instruction count N on");
      add_number(d, kTo, "M", "count only instructions before instruction count M");
      add_number(d, kTop, "K", "functions and lines listed (default 20)");
      d.add_options()("json", po::bool_switch(&o.json), "print JSON (every function, line and call path)");
      break;
    case Subcommand::TraceDump:
      d.add_options()("json", po::bool_switch(&o.json), "print the header and events as JSON (data in hex)");
      break;
    case Subcommand::TraceWrites:
      d.add_options()("reads", po::bool_switch(&o.reads), "list the reads of the range too");
      d.add_options()("json", po::bool_switch(&o.json), "answer in JSON");
      break;
    case Subcommand::TraceDiff:
      d.add_options()("json", po::bool_switch(&o.json), "answer in JSON");
      break;
    case Subcommand::TraceMemory:
      add_number(d, kAt, "N", "the map at instruction count N (default: the end of the recording)");
      d.add_options()("json", po::bool_switch(&o.json), "answer in JSON");
      break;
    case Subcommand::TraceCalls:
      d.add_options()("json", po::bool_switch(&o.json), "print the calls as JSON");
      break;
    case Subcommand::Help:
      break;
  }
  add_common(d, o, req.help);

  std::ostringstream help;
  help << subcommand_usage_line(req.command) << "\n" << d;
  req.help_text = help.str();

  std::vector<std::string> option_words;
  std::vector<std::string> positional;
  if (wants_program) {
    // Everything after PROGRAM belongs to the guest.
    std::size_t pos = first_positional(rest, d);
    option_words.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(pos));
    positional.assign(rest.begin() + static_cast<std::ptrdiff_t>(pos), rest.end());
  } else {
    // No guest arguments: options may come before or after TRACE.
    while (!rest.empty()) {
      std::size_t pos = first_positional(rest, d);
      option_words.insert(option_words.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(pos));
      if (pos < rest.size()) positional.push_back(rest[pos]);
      rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(std::min(pos + 1, rest.size())));
    }
  }

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(option_words).options(d).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw CliError(e.what(), req.help_text);
  }
  if (req.help) return req;
  read_numbers(vm, o, req.help_text);

  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok = level_ok || o.log_level == l;
  if (!level_ok) throw CliError("bad --log-level '" + o.log_level + "'", req.help_text);
  if (vm.count("tier") && !vm::parse_tier(o.tier))
    throw CliError("bad --tier '" + o.tier + "' (expected interp or auto)", req.help_text);
  // -o "$OUT" with OUT unset: not "the default" (a trace in the store the user did not ask for).
  if (vm.count("output") && o.output.empty()) throw CliError("-o/--output needs a file name (it was empty)", req.help_text);

  if (wants_program) {
    if (positional.empty()) throw CliError("missing PROGRAM", req.help_text);
    req.program = positional.front();
    req.args.assign(positional.begin() + 1, positional.end());
  } else if (req.command == Subcommand::Replay) {
    if (positional.size() > 1) throw CliError("unexpected argument '" + positional[1] + "'", req.help_text);
    if (!positional.empty()) req.trace = positional.front();
  } else if (req.command == Subcommand::TraceInfo || req.command == Subcommand::TraceLines ||
             req.command == Subcommand::TraceProfile || req.command == Subcommand::TraceDump) {
    if (positional.empty()) throw CliError("missing TRACE", req.help_text);
    if (positional.size() > 1) throw CliError("unexpected argument '" + positional[1] + "'", req.help_text);
    req.trace = positional.front();
  } else if (req.command == Subcommand::TraceCalls) {
    if (positional.size() < 2) throw CliError(positional.empty() ? "missing TRACE" : "missing FUNC", req.help_text);
    if (positional.size() > 2) throw CliError("unexpected argument '" + positional[2] + "'", req.help_text);
    req.trace = positional[0];
    req.function = positional[1];
  } else if (req.command != Subcommand::Help) {  // trace writes/diff/memory: TRACE and operands
    const std::size_t want = req.command == Subcommand::TraceMemory ? 1 : 2;
    if (positional.size() < want)
      throw CliError(positional.empty() ? "missing TRACE"
                     : req.command == Subcommand::TraceDiff ? "missing TRACE_B" : "missing ADDR",
                     req.help_text);
    if (positional.size() > want) throw CliError("unexpected argument '" + positional[want] + "'", req.help_text);
    req.trace = positional.front();
    req.operands.assign(positional.begin() + 1, positional.end());
  }
  return req;
}

}  // namespace rvrr::server
