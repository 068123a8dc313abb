// server/debugger_monitor.cpp - `monitor` commands (qRcmd): output in O packets, then OK.
//
// Commands that move in time (seek, restart) are Work, like a resume, so they
// run on the worker thread and Ctrl-C interrupts them. After they return,
// gdb's register and frame caches are stale: the gdbinit wrappers flush them.
#include <spdlog/spdlog.h>

#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "server/debugger.hpp"
#include "server/memory_history_text.hpp"
#include "trace/host_call_text.hpp"
#include "vm/memory.hpp"

namespace rvrr::server {

namespace {

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Decimal, or hex with 0x; digit separators ',' and '_' allowed ("1,234,567").
std::optional<std::uint64_t> parse_count(std::string text) {
  std::string digits;
  for (char c : text)
    if (c != ',' && c != '_') digits += c;
  if (digits.empty()) return std::nullopt;
  int base = 10;
  std::size_t start = 0;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    start = 2;
  }
  std::uint64_t value = 0;
  for (std::size_t i = start; i < digits.size(); ++i) {
    int d = -1;
    char c = digits[i];
    if (c >= '0' && c <= '9') d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return std::nullopt;
    if (value > (UINT64_MAX - static_cast<std::uint64_t>(d)) / static_cast<std::uint64_t>(base)) return std::nullopt;
    value = value * static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d);
  }
  return value;
}

// "12.5%" -> the count that far into a history of `length` instructions
// (0% the start, 100% the end), rounded down; nullopt if not a percentage
// from 0 to 100 with at most 9 decimals.
std::optional<std::uint64_t> parse_percent(const std::string& text, std::uint64_t length) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  const std::string number = text.substr(0, text.size() - 1);
  unsigned __int128 whole = 0, scale = 1;
  bool dot = false, digits = false;
  unsigned decimals = 0;
  for (char c : number) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    digits = true;
    if (dot && ++decimals > 9) return std::nullopt;
    if (dot) scale *= 10;
    whole = whole * 10 + static_cast<unsigned>(c - '0');
    if (whole > 100 * scale * 10) return std::nullopt;  // far past 100%: stop before overflowing
  }
  if (!digits || whole > 100 * scale) return std::nullopt;
  return static_cast<std::uint64_t>(whole * length / (100 * scale));
}

// `seek`'s argument: an instruction count or a percentage of history.
std::optional<std::uint64_t> parse_seek_target(const std::string& text, std::uint64_t length) {
  return !text.empty() && text.back() == '%' ? parse_percent(text, length) : parse_count(text);
}

using trace::group_digits;
using trace::human_bytes;
using trace::human_duration;

constexpr const char* kHelp =
    "rvrr monitor commands:\n"
    "  help              this list\n"
    "  when              the current instruction count (the point in time)\n"
    "  seek N            go to instruction count N (0x.. for hex); then flush gdb's caches:\n"
    "                    `maintenance flush register-cache` and `maintenance flush dcache`\n"
    "  seek P%           go to P percent of the history (0% the start, 100% the end; 12.5% too)\n"
    "  seek-next N|P%    make gdb's next resume (stepi, continue) that seek instead, so that\n"
    "                    Ctrl-C interrupts it (the gdbinit's `seek` does this)\n"
    "  checkpoint        pin a checkpoint here; prints its id\n"
    "  checkpoints       list checkpoints (pinned and automatic)\n"
    "  restart ID        go to checkpoint ID (any listed by checkpoints)\n"
    "  info timeline     history length, position, checkpoints and their memory\n"
    "  stats             instructions executed, speed, guest memory\n"
    "  lines FILE[:LINE] how often each line of FILE (or just LINE) was entered so far: each\n"
    "                    time one of its instructions ran after another line's, or after a\n"
    "                    taken branch, jump, call or return (re-runs history up to now)\n"
    "  profile [K]       an exact profile of the history so far: the top K (10) functions\n"
    "                    (self, inclusive, calls) and lines, by instructions\n"
    "  heap              the live heap blocks now (from the malloc/calloc/realloc/free calls\n"
    "                    so far): address, size, when and where allocated; by call site\n"
    "  info memory       the memory map: ELF segments, heap, stack, with permissions,\n"
    "                    resident pages and pages written since the start\n"
    "  last-write ADDR [LEN]  go to the last write to [ADDR, ADDR+LEN) before now (LEN\n"
    "                    defaults to 1): the writing instruction, before it runs; prints\n"
    "                    its instruction count, pc and old -> new bytes; not found: no move\n"
    "  next-write ADDR [LEN]  the same, forward: the next write after now (in recorded history)\n"
    "  calls FUNC        every call of FUNC so far: entry count, arguments, caller,\n"
    "                    return value and its count (`seek N` goes there)\n"
    "  notes [write|call]  what rvrr could not tell gdb yet (e.g. history a write discarded);\n"
    "                    with write/call, also whether the write gdb is about to make is refused\n"
    "The gdbinit shipped with rvrr wraps when/seek/checkpoint/restart (and last-write EXPR,\n"
    "next-write EXPR) as gdb commands that also refresh gdb's view after moving.\n";

}  // namespace

Outcome Debugger::on_qRcmd(const protocol::MonitorCommand& c) {
  armed_seek_.reset();  // a seek-next is for the resume right after it
  Outcome o = monitor(c);
  if (!o.work) deliver_notes(o);  // Work: finish_monitor delivers them
  std::vector<std::string> words = split_words(c.command);
  if (words.size() == 2 && words[0] == "notes" && target_.read_only()) {
    // The gdbinit asks `notes write` / `notes call` just before gdb writes
    // for the user: in a replay, say now that it will be refused (gdb 13
    // itself only prints "Cannot access memory" for a refused memory write).
    o.replies.insert(o.replies.begin(),
                     protocol::ConsoleOutput{std::string("[rvrr] this is a replay, and replays are read-only: ") +
                                             (words[1] == "call" ? "the inferior call" : "the write") +
                                             " will be refused\n"});
    write_announced_ = true;
  }
  return o;
}

Outcome Debugger::monitor(const protocol::MonitorCommand& c) {
  std::vector<std::string> words = split_words(c.command);
  spdlog::debug("monitor {}", c.command);
  if (words.empty() || words[0] == "help") return monitor_help();
  const std::string& cmd = words[0];
  if (cmd == "when" && words.size() == 1) return monitor_when();
  if (cmd == "checkpoint" && words.size() == 1) return monitor_checkpoint();
  if (cmd == "checkpoints" && words.size() == 1) return monitor_checkpoints();
  if (cmd == "stats" && words.size() == 1) return monitor_stats();
  if (cmd == "notes" && (words.size() == 1 || (words.size() == 2 && (words[1] == "write" || words[1] == "call"))))
    return console_then_ok("");  // on_qRcmd adds the notes
  if (cmd == "info" && words.size() == 2 && words[1] == "timeline") return monitor_info_timeline();
  if (cmd == "info" && words.size() == 2 && words[1] == "memory")
    return console_then_ok(format_memory_map(target_.memory_map(), target_.now()));
  if (cmd == "heap" && words.size() == 1) {
    Outcome o;
    o.work = Work{Work::Heap{}};
    return o;
  }
  if (cmd == "last-write" || cmd == "next-write") {
    std::optional<std::uint64_t> addr = words.size() >= 2 ? parse_count(words[1]) : std::nullopt;
    std::optional<std::uint64_t> len = words.size() == 3 ? parse_count(words[2]) : std::uint64_t{1};
    const std::uint64_t space_last = target_.xlen() == 64 ? ~std::uint64_t{0} : 0xffffffffull;  // RV32: 4 GiB
    const std::uint64_t a = addr.value_or(0), n = len.value_or(0);
    const bool usable = addr && len && words.size() <= 3 && n != 0 && n <= (1u << 20) && a <= space_last &&
                        n - 1 <= space_last - a;  // inside the target's space
    if (!usable)
      return console_then_ok("usage: monitor " + cmd + " ADDR [LEN] (a guest address, 0x.. for hex; LEN in bytes, "
                             "default 1, at most 1 MiB)\n");
    Outcome o;
    o.work = Work{Work::FindWrite{cmd == "last-write" ? timeline::Direction::Backward : timeline::Direction::Forward,
                                  static_cast<vm::Addr>(a), static_cast<std::uint32_t>(n)}};
    return o;
  }
  if (cmd == "lines" || cmd == "profile" || cmd == "calls") {
    Outcome o;
    o.work = Work{Work::Query{c.command}};
    return o;
  }
  if (cmd == "seek" || cmd == "seek-next") {
    const std::uint64_t length = target_.history_end();
    std::optional<std::uint64_t> n = words.size() == 2 ? parse_seek_target(words[1], length) : std::nullopt;
    if (!n) {
      return console_then_ok("usage: monitor " + cmd +
                             " N|P% (an instruction count, or a percentage of the history from 0% to 100%"
                             ", e.g. 50% or 12.5%)\n");
    }
    if (cmd == "seek-next") {
      armed_seek_ = *n;
      return console_then_ok("");
    }
    Outcome o;
    o.work = Work{Work::Seek{*n}};
    return o;
  }
  if (cmd == "restart") {
    std::optional<std::uint64_t> n = words.size() == 2 ? parse_count(words[1]) : std::nullopt;
    if (!n) return console_then_ok("usage: monitor restart ID (see monitor checkpoints)\n");
    Outcome o;
    o.work = Work{Work::Restart{*n}};
    return o;
  }
  return console_then_ok("unknown monitor command '" + c.command + "'; try 'monitor help'\n");
}

Outcome Debugger::monitor_help() { return console_then_ok(kHelp); }

Outcome Debugger::monitor_when() {
  return console_then_ok("Current instruction: " + std::to_string(target_.now()) + "\n");
}

Outcome Debugger::monitor_checkpoint() {
  std::uint64_t id = target_.pin_checkpoint();
  return console_then_ok("Checkpoint " + std::to_string(id) + " at instruction " +
                         std::to_string(target_.now()) + "\n");
}

Outcome Debugger::monitor_checkpoints() {
  std::vector<timeline::CheckpointInfo> list = target_.checkpoints();
  std::string text;
  char line[96];
  std::snprintf(line, sizeof line, "%8s  %20s  %s\n", "id", "instruction", "kind");
  text += line;
  for (const auto& cp : list) {
    std::snprintf(line, sizeof line, "%8" PRIu64 "  %20" PRIu64 "  %s\n", cp.id, cp.icount,
                  cp.pinned ? "pinned" : "automatic");
    text += line;
  }
  if (list.empty()) text += "(none)\n";
  return console_then_ok(std::move(text));
}

Outcome Debugger::monitor_info_timeline() {
  timeline::TimelineStats s = target_.stats();
  std::string text;
  text += "position: instruction " + group_digits(s.now) + "\n";
  text += "history: " + group_digits(s.history_end) + " instructions" +
          (s.history_cut_short && !s.history_complete
               ? " (at least: the trace was cut short; replaying on goes up to the first host call it lost)\n"
           : s.history_cut_short ? " (the trace was cut short: history ends at the first host call it lost)\n"
           : s.recording_stopped ? " (complete: the recording was stopped there, the program still running)\n"
           : s.history_complete  ? " (complete: the program ended there)\n"
                                 : " (so far: running forward extends it)\n");
  text += "checkpoints: " + group_digits(s.checkpoints) + ", holding " + human_bytes(s.checkpoint_bytes) +
          " (peak " + human_bytes(s.peak_checkpoint_bytes) + ", budget " + human_bytes(s.budget_bytes) + ")\n";
  text += "index: " + group_digits(s.indexed_stretches) + " stretches of " + group_digits(s.stretch_span) +
          " instructions known (" + human_bytes(s.index_bytes) + "); reverse scans skip those that cannot hit\n";
  switch (s.indexing) {
    case timeline::TimelineStats::Indexing::Off:
      break;
    case timeline::TimelineStats::Indexing::Running:
      text += "indexing: in the background, at instruction " + group_digits(s.indexing_at) + " (" +
              group_digits(s.background_stretches) + " stretches so far)\n";
      break;
    case timeline::TimelineStats::Indexing::Done:
      text += "indexing: done (" + group_digits(s.background_stretches) + " stretches indexed in the background";
      if (s.indexing_seconds > 0) text += ", " + human_duration(s.indexing_seconds) + " of work";
      text += ")\n";
      break;
    case timeline::TimelineStats::Indexing::Failed:
      text += "indexing: stopped (" + s.indexing_failure + "); scans index what they run\n";
      break;
  }
  text += "reverse scans: re-run intervals on " + std::to_string(s.scan_threads) + " thread" +
          (s.scan_threads == 1 ? "" : "s at once") + "\n";
  return console_then_ok(std::move(text));
}

std::string format_execution_stats(std::uint64_t instructions, std::chrono::steady_clock::duration busy) {
  double seconds = std::chrono::duration<double>(busy).count();
  std::string text = "instructions executed: " + group_digits(instructions) +
                     " (including re-execution for reverse steps)\n";
  if (instructions == 0 || seconds <= 0) return text + "execution time: none yet\n";
  char mips[48];
  std::snprintf(mips, sizeof mips, "%.1f MIPS", static_cast<double>(instructions) / seconds / 1e6);
  return text + "execution time: " + human_duration(seconds) + " (" + mips + ")\n";
}

Outcome Debugger::monitor_stats() {
  timeline::TimelineStats s = target_.stats();
  std::string text = format_execution_stats(s.instructions_executed, busy_);
  std::size_t pages = target_.mapped_pages();
  text += "guest memory: " + group_digits(pages) + " pages (" + human_bytes(pages << vm::kPageShift) + ")\n";
  return console_then_ok(std::move(text));
}

Outcome Debugger::finish_monitor(const Work& work, const timeline::StopEvent& event) {
  Outcome o = finish_monitor_text(work, event);
  deliver_notes(o);
  return o;
}

Outcome Debugger::finish_monitor_text(const Work& work, const timeline::StopEvent& event) {
  if (std::holds_alternative<Work::Query>(work.what)) return console_then_ok(std::move(query_text_));  // nothing moved
  if (!work_error_.empty()) return console_then_ok(std::move(work_error_));
  if (std::holds_alternative<Work::Heap>(work.what)) {
    if (!heap_walk_) return console_then_ok("The program has no malloc, calloc, realloc or free symbols: no heap to walk\n");
    return console_then_ok(format_heap(*heap_walk_, event.icount(), debug_info()));
  }
  if (const auto* find = std::get_if<Work::FindWrite>(&work.what)) {
    stop_reply(event);
    return console_then_ok(format_write_search(write_search_, find->direction == timeline::Direction::Forward,
                                               find->addr, find->len, work_start_icount_, debug_info()));
  }
  // The position changed without gdb knowing; remember a plain stop for '?'.
  stop_reply(event);
  std::string n = std::to_string(event.icount());
  std::string text;
  switch (event.kind()) {
    case timeline::StopKind::SeekDone:
    case timeline::StopKind::Step:
    case timeline::StopKind::Breakpoint:
    case timeline::StopKind::Watchpoint:
      text = "Now at instruction " + n + "\n";
      break;
    case timeline::StopKind::HistoryBegin:
      text = "Reached the start of history: now at instruction " + n + "\n";
      break;
    case timeline::StopKind::HistoryEnd:
    case timeline::StopKind::Signal:
      text = "Reached the end of history: now at instruction " + n +
             (event.message().empty() ? std::string() : " (" + event.message() + ")") + "\n";
      break;
    case timeline::StopKind::Interrupted:
      text = "Interrupted: now at instruction " + n + "\n";
      break;
    case timeline::StopKind::Divergence:
      text = "Replay diverged: " + event.message() + "\n";
      break;
  }
  return console_then_ok(std::move(text));
}

}  // namespace rvrr::server
