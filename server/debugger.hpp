// server/debugger.hpp - the gdb session logic, without any I/O.
//
// The Debugger turns typed commands (protocol::Command) into typed replies
// (protocol::Reply) against a Target (the Timeline). It knows nothing of
// sockets: TcpSession feeds it, and tests drive whole conversations through
// it. Handlers are named after their packet (on_qSupported, on_g, on_Z, ...)
// and listed in one table in debugger.cpp.
//
// Long operations (resume, monitor seek/restart) are not executed by handle():
// it returns Work, which the caller executes with execute() (on a worker
// thread, with a CancelToken that gdb's interrupt byte sets), then passes the
// StopEvent to finish() for the replies. Between handle() returning Work and
// finish(), the caller must not call handle() (gdb sends nothing but 0x03 while
// it waits for a stop reply).
//
// What gdb 13 expects (see DESIGN.md "How gdb 13 drives a RISC-V target"):
// Z/z are O(1) and never touch guest memory; the stop reply says why it
// stopped (swbreak/hwbreak only if negotiated, watch/rwatch/awatch with the
// watched address, replaylog:begin/end at the edges of history); W is never
// sent, so the process stays inspectable and reversible after it exits.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/command.hpp"
#include "protocol/features.hpp"
#include "protocol/reply.hpp"
#include "protocol/siginfo.hpp"
#include "server/served_files.hpp"
#include "debuginfo/debug_info.hpp"
#include "query/calls.hpp"
#include "query/line_hits.hpp"
#include "query/profile.hpp"
#include "server/query_memo.hpp"
#include "server/target.hpp"
#include "timeline/stop_event.hpp"
#include "timeline/timeline.hpp"

namespace rvrr::server {

// A long operation requested by a packet: one of a closed set, each with
// exactly the fields it needs.
struct Work {
  struct Resume {
    timeline::Direction direction = timeline::Direction::Forward;
    timeline::ResumeKind kind = timeline::ResumeKind::Continue;
  };
  struct Seek {
    std::uint64_t icount = 0;
    // A seek gdb waits on as on a resume (`monitor seek-next` then stepi, or
    // vRun): it ends with a stop reply (gdb sends 0x03 for Ctrl-C while it
    // waits for one, never during a monitor command), not monitor output.
    bool as_resume = false;
  };
  struct Restart {
    std::uint64_t checkpoint = 0;
  };
  // A monitor command that re-runs history without moving (lines, profile, calls).
  struct Query {
    std::string command;
  };
  // monitor last-write (Backward) / next-write (Forward).
  struct FindWrite {
    timeline::Direction direction = timeline::Direction::Backward;
    vm::Addr addr = 0;
    std::uint32_t len = 0;
  };
  struct Heap {};

  std::variant<Resume, Seek, Restart, Query, FindWrite, Heap> what;

  // Ends with a stop reply (a resume, or a seek run as one) rather than monitor output.
  bool ends_with_stop_reply() const {
    if (std::holds_alternative<Resume>(what)) return true;
    const Seek* seek = std::get_if<Seek>(&what);
    return seek != nullptr && seek->as_resume;
  }
  // What gdb is told it waits for, when a monitor command runs long.
  const char* activity() const {
    if (std::holds_alternative<Seek>(what)) return "seeking";
    if (std::holds_alternative<Query>(what)) return "re-running history";
    if (std::holds_alternative<Restart>(what)) return "restarting";
    return "searching";
  }
};

enum class SessionAction : std::uint8_t {
  Continue,  // keep reading packets
  Detach,    // D: send the replies, close the connection, wait for the next gdb
  Kill,      // k / vKill: send the replies, close, and the server exits 0
};

struct Outcome {
  std::vector<protocol::Reply> replies;  // to send, in order (O packets before the final reply)
  std::optional<Work> work;              // set: execute() it, then finish() gives the replies
  SessionAction action = SessionAction::Continue;
};

struct DebuggerOptions {
  std::string exec_file;     // served by qXfer:exec-file:read (empty: not offered)
  protocol::Features features;
};

class Debugger {
 public:
  Debugger(Target& target, DebuggerOptions options);

  // One command -> replies, or Work. Never throws on client input: malformed
  // packets get E03 (and a debug log line), unknown ones the empty reply.
  Outcome handle(const protocol::Command& command);

  // Runs `work` against the target. May run on another thread (it touches
  // only the target and the timing counters). Cost: that of the operation.
  timeline::StopEvent execute(const Work& work, const timeline::CancelToken& cancel);
  // The replies that end `work`: the stop reply (preceded by console output
  // for an exit or a divergence), or for monitor commands their output + OK.
  Outcome finish(const Work& work, const timeline::StopEvent& event);

  // A new gdb connected: forget the negotiated features and no-ack mode.
  // Breakpoints left by a previous gdb are cleared.
  void start_session();
  bool no_ack() const { return no_ack_; }
  const protocol::Negotiated& negotiated() const { return negotiated_; }
  // Extended-remote: gdb killed the process and did not run it again. If it
  // now goes away, the session is over as after a kill in plain remote mode.
  bool process_killed() const { return killed_; }

  // The stop reply for an event (also remembered for '?').
  protocol::StopReply stop_reply(const timeline::StopEvent& event);

 private:
  // Handlers, one per packet (debugger.cpp has the table).
  Outcome on_qSupported(const protocol::QuerySupported& c);
  Outcome on_QStartNoAckMode();
  Outcome on_question();
  Outcome on_g();
  Outcome on_G(const protocol::WriteRegisters& c);
  Outcome on_p(const protocol::ReadRegister& c);
  Outcome on_p_float(unsigned regno);
  Outcome on_P(const protocol::WriteRegister& c);
  Outcome on_P_float(const protocol::WriteRegister& c);
  Outcome on_m(const protocol::ReadMemory& c);
  Outcome on_M(const protocol::WriteMemory& c);
  Outcome on_Z(const protocol::Breakpoint& c);
  Outcome on_resume(const protocol::Resume& c);
  Outcome on_qXfer_features(const protocol::XferFeaturesRead& c);
  Outcome on_qXfer_exec_file(const protocol::XferExecFileRead& c);
  Outcome on_qXfer_siginfo(const protocol::XferSigInfoRead& c);
  Outcome on_vFile(const protocol::FileIo& c);
  Outcome on_H(const protocol::SetThread& c);
  Outcome on_T(const protocol::ThreadAlive& c);
  Outcome on_qRcmd(const protocol::MonitorCommand& c);
  Outcome on_D();
  Outcome on_k();
  Outcome on_vKill();
  // k / vKill: the replies `o`, ending the session unless in extended mode.
  Outcome kill(Outcome o);
  Outcome on_vRun(const protocol::VRun& c);

  // Monitor commands (debugger_monitor.cpp).
  Outcome monitor_help();
  Outcome monitor_when();
  Outcome monitor_checkpoint();
  Outcome monitor_checkpoints();
  Outcome monitor_info_timeline();
  Outcome monitor_stats();
  Outcome monitor_notes();
  Outcome monitor(const protocol::MonitorCommand& c);
  Outcome finish_monitor(const Work& work, const timeline::StopEvent& event);
  Outcome finish_monitor_text(const Work& work, const timeline::StopEvent& event);
  // Query monitor commands (debugger_query.cpp): run on the worker, the
  // answer's text (or a usage/problem line) is returned.
  std::string run_query(const std::string& command, const timeline::CancelToken& cancel);
  std::string query_lines(const std::vector<std::string>& words, const timeline::CancelToken& cancel);
  std::string query_profile(const std::vector<std::string>& words, const timeline::CancelToken& cancel);
  std::string query_calls(const std::vector<std::string>& words, const timeline::CancelToken& cancel);
  // The program's symbols (from exec_file, read once); null when unavailable (query_error_ says why).
  const debuginfo::DebugInfo* debug_info();

  // The two helpers every handler uses for bad input (LLDB's habit).
  static Outcome ill_formed(std::string_view reason);       // log + E03
  static Outcome unsupported(std::string_view name);        // log + empty reply
  static Outcome reply(protocol::Reply r);
  static Outcome console_then_ok(std::string text);
  static Outcome error(std::uint8_t code);

  // Debugger writes (G, P, M/X, a resume address). `writes` performs them and
  // returns the first refusal. A live session written behind its end loses
  // its recorded future: that is said to gdb (a note, see notes_). A refusal
  // becomes an E.message reply, which gdb prints for register writes.
  std::optional<std::string> write_history(const std::function<std::optional<std::string>()>& writes);
  Outcome refused(std::string_view what, const std::string& refusal, bool gdb_shows_reason);
  // Puts pending notes_ in front of `o`'s replies as console output. Only for
  // replies gdb reads console output before: stop replies and qRcmd.
  void deliver_notes(Outcome& o);

  // $_siginfo for a stop (Linux numbering and si_code; see protocol/siginfo.hpp).
  protocol::SigInfo siginfo_of(const timeline::StopEvent& event) const;

  std::string thread_text() const;
  void expedite(protocol::StopReply& r) const;

  Target& target_;
  DebuggerOptions options_;
  std::optional<debuginfo::DebugInfo> debug_info_;  // loaded on first use
  std::string debug_info_error_;                   // why it could not be loaded
  std::string query_text_;                         // a Query's answer, between execute and finish
  // The last whole-history answers (worker thread only), for a repeated question at the same point.
  QueryMemo<query::LineReport> lines_memo_;
  QueryMemo<query::Profile> profile_memo_;
  QueryMemo<std::vector<query::CallRecord>> calls_memo_;
  protocol::Negotiated negotiated_;
  bool no_ack_ = false;
  bool extended_ = false;  // gdb sent '!' (target extended-remote)
  bool killed_ = false;    // extended mode: gdb killed the process and has not run it again
  // Where gdb inserted Z1 (hardware) breakpoints, one entry per insert, so a
  // stop there reports hwbreak rather than swbreak. Small: gdb inserts a handful.
  std::vector<vm::Addr> hw_breakpoint_addrs_;
  protocol::StopReply last_stop_;    // for '?'
  // For qXfer:siginfo:read ($_siginfo) at the last stop; before any, the
  // SIGTRAP that the first '?' reports.
  protocol::SigInfo last_siginfo_{5, protocol::si_code::kTrapBrkpt, 0};
  // Messages for gdb that could not go out when they arose (gdb reads console
  // output only while it waits for a stop or a monitor command): a write that
  // discarded history, a refused write. Sent with the next stop reply or
  // monitor output (the gdbinit asks with `monitor notes` after every write).
  std::string notes_;
  // `monitor notes write|call` just told gdb that the coming write is refused
  // (a replay): no second note for its refusal. Cleared with the next notes.
  bool write_announced_ = false;
  ServedFiles files_;                // vFile: the program file(s), read-only
  // Where the last Work started (a write search reports how far it moved).
  std::uint64_t work_start_icount_ = 0;
  // Set by execute() when the Work could not start (restart of an unknown id): the console text.
  std::string work_error_;
  // `monitor seek-next`: the instruction count gdb's next resume packet seeks to instead.
  std::optional<std::uint64_t> armed_seek_;
  // What the last LastWrite/NextWrite Work found (for its monitor output).
  timeline::WriteSearch write_search_;
  std::optional<timeline::HeapWalk> heap_walk_;  // what the last Heap Work found (nullopt: no allocator)
  // Time spent executing Work (for `monitor stats`: MIPS).
  std::chrono::steady_clock::duration busy_{};
};

// `monitor stats`' first lines: "instructions executed: 1,234 (...)\n" and
// "execution time: 1.2 s (512.0 MIPS)\n" ("none yet" before any execution).
std::string format_execution_stats(std::uint64_t instructions, std::chrono::steady_clock::duration busy);

}  // namespace rvrr::server
