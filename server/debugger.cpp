// server/debugger.cpp - packet handlers and stop replies.
#include "server/debugger.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "protocol/gdb_signal.hpp"
#include "protocol/hex.hpp"
#include "protocol/thread_id.hpp"
#include "server/commands.hpp"
#include "trace/host_call_text.hpp"

namespace rvrr::server {

namespace {

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

constexpr std::int64_t kPid = 1;
constexpr std::int64_t kTid = 1;
constexpr unsigned kPcRegno = 32;
constexpr unsigned kRegisterCount = 33;  // x0..x31, pc: exactly what target.xml lists
// Replies to 'm' as QEMU's gdbstub does: gdb shows "Cannot access memory at address ...".
constexpr std::uint8_t kErrorGeneric = 0x01;
constexpr std::uint8_t kErrorBadRegister = 0x00;

bool is_our_thread(const protocol::ThreadId& id) { return protocol::refers_to(id, kPid, kTid); }

}  // namespace

Debugger::Debugger(Target& target, DebuggerOptions options)
    : target_(target), options_(std::move(options)) {
  options_.features.xlen = target_.xlen();  // target.xml and register packets follow the machine's width
  // Nothing to serve: do not advertise it (gdb would ask and get an error).
  if (options_.exec_file.empty()) options_.features.exec_file = false;
  else files_ = ServedFiles({options_.exec_file});
  // gdb's `info proc mappings` reads /proc/PID/maps through vFile: the guest's, never the host's.
  files_.set_synthetic([this](const std::string& path) -> std::optional<std::string> {
    const std::string prefix = "/proc/", suffix = "/maps";
    if (path.size() <= prefix.size() + suffix.size() || path.compare(0, prefix.size(), prefix) != 0 ||
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
      return std::nullopt;
    const std::string pid = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    if (pid != "self" && pid.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return timeline::linux_maps_text(target_.memory_map());
  });
  start_session();
}

void Debugger::start_session() {
  negotiated_ = {};
  no_ack_ = false;
  extended_ = false;
  killed_ = false;
  target_.clear_points();
  hw_breakpoint_addrs_.clear();
  files_.close_all();
  notes_.clear();  // meant for the gdb that caused them
  armed_seek_.reset();
  // A new gdb asks '?' first: tell it where we are with a plain SIGTRAP stop
  // (the reason of an older stop would mean nothing to it), keeping a fault's signal.
  std::uint8_t signal = last_stop_.signal;
  last_stop_ = {};
  last_stop_.signal = signal == protocol::gdb_signal::kInt ? protocol::gdb_signal::kTrap : signal;
}

// The packet -> handler table.
Outcome Debugger::handle(const protocol::Command& command) {
  using namespace protocol;
  return std::visit(
      overloaded{
          [&](const QuerySupported& c) { return on_qSupported(c); },
          [&](const MustReplyEmpty&) { return reply(Empty{}); },
          [&](const StartNoAckMode&) { return on_QStartNoAckMode(); },
          [&](const QueryHalt&) { return on_question(); },
          [&](const ReadRegisters&) { return on_g(); },
          [&](const WriteRegisters& c) { return on_G(c); },
          [&](const ReadRegister& c) { return on_p(c); },
          [&](const WriteRegister& c) { return on_P(c); },
          [&](const ReadMemory& c) { return on_m(c); },
          [&](const WriteMemory& c) { return on_M(c); },
          [&](const protocol::Breakpoint& c) { return on_Z(c); },
          [&](const Resume& c) { return on_resume(c); },
          [&](const VContStop&) { return reply(Ok{}); },  // all-stop: already stopped
          [&](const VContQuery&) { return reply(Raw{"vCont;c;C;s;S"}); },
          [&](const XferFeaturesRead& c) { return on_qXfer_features(c); },
          [&](const XferExecFileRead& c) { return on_qXfer_exec_file(c); },
          [&](const XferSigInfoRead& c) { return on_qXfer_siginfo(c); },
          [&](const FileIo& c) { return on_vFile(c); },
          [&](const QueryAttached&) { return reply(Raw{"1"}); },
          [&](const QueryCurrentThread&) { return reply(Raw{"QC" + thread_text()}); },
          [&](const ThreadInfoFirst&) { return reply(Raw{"m" + thread_text()}); },
          [&](const ThreadInfoNext&) { return reply(Raw{"l"}); },
          [&](const QueryOffsets&) { return reply(Empty{}); },
          [&](const QueryTStatus&) { return reply(Empty{}); },
          [&](const QuerySymbol&) { return reply(Empty{}); },
          [&](const SetThread& c) { return on_H(c); },
          [&](const ThreadAlive& c) { return on_T(c); },
          [&](const MonitorCommand& c) { return on_qRcmd(c); },
          [&](const Detach&) { return on_D(); },
          [&](const Kill&) { return on_k(); },
          [&](const VKill&) { return on_vKill(); },
          [&](const ExtendedMode&) {
            extended_ = true;
            return reply(protocol::Ok{});
          },
          [&](const VRun& c) { return on_vRun(c); },
          // 0x03 while stopped: nothing to interrupt (the session handles it while running).
          [&](const Interrupt&) { return Outcome{}; },
          [&](const Malformed& c) { return ill_formed(c.reason); },
          [&](const Unsupported& c) { return unsupported(c.name); },
      },
      command);
}

// ---- helpers ----

Outcome Debugger::ill_formed(std::string_view reason) {
  spdlog::debug("ill-formed packet: {}", reason);
  return reply(protocol::Error{protocol::kErrorMalformed});
}

Outcome Debugger::unsupported(std::string_view name) {
  spdlog::debug("unsupported packet: {}", name);
  return reply(protocol::Empty{});
}

Outcome Debugger::reply(protocol::Reply r) {
  Outcome o;
  o.replies.push_back(std::move(r));
  return o;
}

Outcome Debugger::error(std::uint8_t code) { return reply(protocol::Error{code}); }

std::optional<std::string> Debugger::write_history(const std::function<std::optional<std::string>()>& writes) {
  const std::uint64_t here = target_.now();
  const std::uint64_t end = target_.history_end();
  std::optional<std::string> refusal = writes();
  if (here < target_.history_end() || here >= end) return refusal;  // nothing was discarded
  std::string text = "[rvrr] warning: this write changed the past at instruction " + trace::group_digits(here) +
                     ": the recorded future after it (" + trace::group_digits(end - here) +
                     " instructions, up to instruction " + trace::group_digits(end) +
                     ") is discarded; history now ends here\n";
  spdlog::info("{}", text.substr(0, text.size() - 1));
  notes_ += text;
  return refusal;
}

Outcome Debugger::refused(std::string_view what, const std::string& refusal, bool gdb_shows_reason) {
  spdlog::warn("{} refused: {}", what, refusal);
  // gdb 13 prints the E.message of a failed register write; of a memory
  // write it only says "Cannot access memory", so a note gives the reason
  // with the next stop or monitor output (and the log line above on rvrr's
  // terminal, which `rvrr replay` shares with gdb, gives it at once).
  if (!gdb_shows_reason && !write_announced_) notes_ += "[rvrr] " + std::string(what) + " refused: " + refusal + "\n";
  return reply(protocol::ErrorMessage{"rvrr: " + refusal});
}

void Debugger::deliver_notes(Outcome& o) {
  write_announced_ = false;
  if (notes_.empty()) return;
  o.replies.insert(o.replies.begin(), protocol::ConsoleOutput{std::move(notes_)});
  notes_.clear();
}

Outcome Debugger::console_then_ok(std::string text) {
  Outcome o;
  o.replies.reserve(2);
  if (!text.empty()) o.replies.emplace_back(std::in_place_type<protocol::ConsoleOutput>, std::move(text));
  o.replies.emplace_back(std::in_place_type<protocol::Ok>);
  return o;
}

std::string Debugger::thread_text() const {
  return protocol::format_thread_id(kPid, kTid, negotiated_.multiprocess);
}

// ---- session ----

Outcome Debugger::on_qSupported(const protocol::QuerySupported& c) {
  negotiated_ = options_.features.negotiate(c);
  return reply(protocol::Raw{options_.features.supported_reply(c)});
}

Outcome Debugger::on_QStartNoAckMode() {
  // The OK itself still travels in ack mode; the session switches after sending it.
  no_ack_ = true;
  return reply(protocol::Ok{});
}

Outcome Debugger::on_question() {
  last_stop_.multiprocess = negotiated_.multiprocess;
  expedite(last_stop_);
  return reply(last_stop_);
}

Outcome Debugger::on_H(const protocol::SetThread& c) {
  return is_our_thread(c.thread) ? reply(protocol::Ok{}) : error(kErrorGeneric);
}

Outcome Debugger::on_T(const protocol::ThreadAlive& c) {
  return is_our_thread(c.thread) ? reply(protocol::Ok{}) : error(kErrorGeneric);
}

// Plain remote: the session ends (the next gdb may connect). Extended
// remote, as gdbserver --multi: the connection stays for `run`. Either
// way the server stays for the next gdb when this one leaves (unlike a
// kill in extended mode, which ends it then).
Outcome Debugger::on_D() {
  Outcome o = reply(protocol::Ok{});
  if (!extended_) o.action = SessionAction::Detach;
  return o;
}

// In extended-remote mode the server outlives the process: gdb kills it to
// `run` it again (vRun), so a kill only marks it gone. A plain `target
// remote` kill ends the session and the server (the trace is finished).
Outcome Debugger::on_k() { return kill(Outcome{}); }  // RSP: no reply to 'k'

Outcome Debugger::on_vKill() { return kill(reply(protocol::Ok{})); }

Outcome Debugger::kill(Outcome o) {
  if (extended_)
    killed_ = true;
  else
    o.action = SessionAction::Kill;
  return o;
}

// `run` (and `start`) in extended-remote mode: as in rr, running the program
// again is going back to its first instruction. The history stays: a live
// session replays what it recorded and records on past its end; the run is
// the recorded one, so other arguments cannot apply (said in rvrr's log).
Outcome Debugger::on_vRun(const protocol::VRun& c) {
  if (!c.args.empty())
    spdlog::warn("gdb asked to run with other arguments; they do not apply: the run starts again as recorded");
  killed_ = false;
  armed_seek_.reset();
  Outcome o;
  o.work = Work{Work::Seek{0, /*as_resume=*/true}};  // answered with a stop reply, as a resume is
  return o;
}

Outcome Debugger::on_qXfer_features(const protocol::XferFeaturesRead& c) {
  auto doc = options_.features.feature_document(c.annex);
  if (!doc) return error(kErrorBadRegister);
  return reply(protocol::xfer_chunk(*doc, c.offset, c.length));
}

Outcome Debugger::on_qXfer_exec_file(const protocol::XferExecFileRead& c) {
  if (options_.exec_file.empty()) return unsupported("qXfer:exec-file:read");
  return reply(protocol::xfer_chunk(options_.exec_file, c.offset, c.length));
}

Outcome Debugger::on_qXfer_siginfo(const protocol::XferSigInfoRead& c) {
  return reply(protocol::xfer_chunk(target_.xlen() == 64 ? protocol::siginfo_bytes_lp64(last_siginfo_)
                                                                : protocol::siginfo_bytes_ilp32(last_siginfo_),
                                         c.offset, c.length));
}

Outcome Debugger::on_vFile(const protocol::FileIo& c) {
  if (c.op == protocol::FileIo::Op::Other) spdlog::debug("vFile:{} refused (not served)", c.name);
  return reply(files_.handle(c));
}

// ---- registers ----

namespace {
// A register as the target's width gives it: 4 bytes (RV32) or 8 (RV64), little-endian.
void append_reg(std::vector<std::uint8_t>& out, std::uint64_t value, unsigned bytes) {
  protocol::append_le32(out, static_cast<std::uint32_t>(value));
  if (bytes == 8) protocol::append_le32(out, static_cast<std::uint32_t>(value >> 32));
}
std::uint64_t load_reg(std::span<const std::uint8_t> in, unsigned bytes) {
  std::uint64_t v = protocol::load_le32(in);
  if (bytes == 8) v |= static_cast<std::uint64_t>(protocol::load_le32(in.subspan(4))) << 32;
  return v;
}
}  // namespace

Outcome Debugger::on_g() {
  const unsigned w = target_.xlen() / 8;
  protocol::Hex hex;
  hex.bytes.reserve(kRegisterCount * w);
  for (unsigned r = 0; r < kRegisterCount; ++r) append_reg(hex.bytes, target_.reg64(r), w);
  return reply(std::move(hex));
}

Outcome Debugger::on_G(const protocol::WriteRegisters& c) {
  const unsigned w = target_.xlen() / 8;
  if (c.bytes.size() != kRegisterCount * w)
    return ill_formed(w == 8 ? "G: not 33 registers of 8 bytes" : "G: not 33 registers of 4 bytes");
  // Write only what changed: in a replay every write is refused, and gdb
  // sends G with unchanged values too.
  auto refusal = write_history([&]() -> std::optional<std::string> {
    for (unsigned r = 1; r < kRegisterCount; ++r) {
      const std::uint64_t value = load_reg(std::span(c.bytes).subspan(r * w, w), w);
      if (value == target_.reg64(r)) continue;
      if (auto refused = target_.write_register64(r, value)) return refused;
    }
    return std::nullopt;
  });
  if (refusal) return refused("register write", *refusal, true);
  return reply(protocol::Ok{});
}

Outcome Debugger::on_p(const protocol::ReadRegister& c) {
  if (c.regno >= kRegisterCount) return on_p_float(c.regno);
  protocol::Hex hex;
  append_reg(hex.bytes, target_.reg64(c.regno), target_.xlen() / 8);
  return reply(std::move(hex));
}

// The float registers (regnums from target.xml's fpu feature) are not in the
// 'g' reply: gdb fetches them with 'p' when it needs them (a short 'g' is
// how gdb expects optional register sets), so integer stepping pays nothing.
Outcome Debugger::on_p_float(unsigned regno) {
  using protocol::kFcsrRegno;
  using protocol::kFflagsRegno;
  using protocol::kFirstFloatRegno;
  using protocol::kFrmRegno;
  protocol::Hex hex;
  if (regno >= kFirstFloatRegno && regno < kFirstFloatRegno + 32) {
    const auto f = target_.float_reg(regno - kFirstFloatRegno);
    if (!f) return error(kErrorBadRegister);
    protocol::append_le32(hex.bytes, static_cast<std::uint32_t>(*f));
    protocol::append_le32(hex.bytes, static_cast<std::uint32_t>(*f >> 32));
    return reply(std::move(hex));
  }
  if (regno == kFflagsRegno || regno == kFrmRegno || regno == kFcsrRegno) {
    const auto fcsr = target_.float_reg(32);
    if (!fcsr) return error(kErrorBadRegister);
    const auto v = static_cast<std::uint32_t>(*fcsr);
    protocol::append_le32(hex.bytes, regno == kFflagsRegno ? v & 0x1f : regno == kFrmRegno ? (v >> 5) & 7 : v);
    return reply(std::move(hex));
  }
  return error(kErrorBadRegister);
}

Outcome Debugger::on_P(const protocol::WriteRegister& c) {
  if (c.regno >= kRegisterCount) return on_P_float(c);
  const unsigned w = target_.xlen() / 8;
  if (c.bytes.size() != w) return ill_formed(w == 8 ? "P: value is not 8 bytes" : "P: value is not 4 bytes");
  const std::uint64_t value = load_reg(c.bytes, w);
  if (c.regno == 0 || value == target_.reg64(c.regno)) return reply(protocol::Ok{});
  if (auto refusal = write_history([&] { return target_.write_register64(c.regno, value); }))
    return refused("register write", *refusal, true);
  return reply(protocol::Ok{});
}

// Float registers, fflags, frm and fcsr (regnums from target.xml's fpu
// feature): written like the integer registers, and recorded (gdb's
// inferior calls save and restore them all).
Outcome Debugger::on_P_float(const protocol::WriteRegister& c) {
  using protocol::kFcsrRegno;
  using protocol::kFflagsRegno;
  using protocol::kFirstFloatRegno;
  using protocol::kFrmRegno;
  unsigned index = 0;
  std::uint64_t value = 0;
  if (c.regno >= kFirstFloatRegno && c.regno < kFirstFloatRegno + 32) {
    if (c.bytes.size() != 8) return ill_formed("P: a float register value is not 8 bytes");
    index = c.regno - kFirstFloatRegno;
    value = protocol::load_le32(std::span(c.bytes).first(4)) |
            std::uint64_t{protocol::load_le32(std::span(c.bytes).subspan(4, 4))} << 32;
  } else if (c.regno == kFflagsRegno || c.regno == kFrmRegno || c.regno == kFcsrRegno) {
    if (c.bytes.size() != 4) return ill_formed("P: value is not 4 bytes");
    const auto fcsr = target_.float_reg(32);
    if (!fcsr) return error(kErrorBadRegister);
    const std::uint32_t v = protocol::load_le32(c.bytes), old = static_cast<std::uint32_t>(*fcsr);
    index = 32;
    value = c.regno == kFflagsRegno ? (old & ~0x1fu) | (v & 0x1f)
            : c.regno == kFrmRegno  ? (old & ~0xe0u) | ((v & 7) << 5)
                                    : v & 0xff;
  } else {
    return error(kErrorBadRegister);
  }
  const auto current = target_.float_reg(index);
  if (!current) return error(kErrorBadRegister);
  if (*current == value) return reply(protocol::Ok{});
  if (auto refusal = write_history([&] { return target_.write_float_register(index, value); }))
    return refused("register write", *refusal, true);
  return reply(protocol::Ok{});
}

// ---- memory ----

Outcome Debugger::on_m(const protocol::ReadMemory& c) {
  // Cap the reply to what we told gdb a packet may hold (two hex digits per byte).
  std::uint32_t cap = (options_.features.packet_size - 16) / 2;
  std::uint64_t length = std::min<std::uint64_t>(c.length, cap);
  length = std::min<std::uint64_t>(length, ~c.addr + 1 == 0 ? length : ~c.addr + 1);  // no wrap-around
  protocol::Hex hex;
  hex.bytes.resize(length);
  if (length != 0) {
    // RSP allows a short read: answer the readable prefix, or an error if the
    // first byte is unmapped.
    const std::size_t got = target_.read_memory_prefix(c.addr, hex.bytes);
    if (got == 0) return error(protocol::kErrorMemory);
    hex.bytes.resize(got);
  }
  return reply(std::move(hex));
}

Outcome Debugger::on_M(const protocol::WriteMemory& c) {
  if (c.bytes.empty()) return reply(protocol::Ok{});  // "X addr,0:" is gdb's probe for X
  if (c.bytes.size() - 1 > ~c.addr) return ill_formed("M/X: range wraps around the address space");
  // Unchanged bytes are not a write (gdb rewrites what it read sometimes).
  std::vector<std::uint8_t> current(c.bytes.size());
  if (target_.read_memory(c.addr, current) && current == c.bytes) return reply(protocol::Ok{});
  if (auto refusal = write_history([&] { return target_.write_memory(c.addr, c.bytes); }))
    return refused("memory write at 0x" + protocol::format_hex(c.addr), *refusal, false);
  return reply(protocol::Ok{});
}

// ---- breakpoints and watchpoints: O(1), never in guest memory ----

Outcome Debugger::on_Z(const protocol::Breakpoint& c) {
  using protocol::BreakpointType;
  auto watch_kind = [](BreakpointType t) {
    return t == BreakpointType::WriteWatch ? vm::WatchKind::Write
           : t == BreakpointType::ReadWatch ? vm::WatchKind::Read
                                            : vm::WatchKind::Access;
  };
  switch (c.type) {
    case BreakpointType::Software:
    case BreakpointType::Hardware:
      if (c.kind != 2 && c.kind != 4) return ill_formed("Z0/Z1: kind must be 2 or 4");
      if (c.insert) {
        target_.add_breakpoint(c.addr);
        if (c.type == BreakpointType::Hardware) hw_breakpoint_addrs_.push_back(c.addr);
      } else {
        target_.remove_breakpoint(c.addr);  // removing one that is not there is not an error for gdb
        if (c.type == BreakpointType::Hardware) {
          auto it = std::find(hw_breakpoint_addrs_.begin(), hw_breakpoint_addrs_.end(), c.addr);
          if (it != hw_breakpoint_addrs_.end()) hw_breakpoint_addrs_.erase(it);
        }
      }
      return reply(protocol::Ok{});
    case BreakpointType::WriteWatch:
    case BreakpointType::ReadWatch:
    case BreakpointType::AccessWatch:
      if (c.kind == 0) return ill_formed("Z2-Z4: length 0");
      if (c.kind - 1 > ~c.addr) return ill_formed("Z2-Z4: range wraps around the address space");
      if (c.insert)
        target_.add_watch(c.addr, c.kind, watch_kind(c.type));
      else
        target_.remove_watch(c.addr, c.kind, watch_kind(c.type));
      return reply(protocol::Ok{});
  }
  return ill_formed("Z: unknown type");
}

// ---- execution ----

Outcome Debugger::on_resume(const protocol::Resume& c) {
  if (c.thread && !is_our_thread(*c.thread)) return error(kErrorGeneric);
  if (armed_seek_) {
    // `monitor seek-next N` then stepi/continue (the gdbinit's seek): this
    // resume is the seek, so gdb's Ctrl-C reaches it.
    Outcome o;
    o.work = Work{Work::Seek{*armed_seek_, /*as_resume=*/true}};
    armed_seek_.reset();
    return o;
  }
  if (c.signal && *c.signal != 0)
    spdlog::debug("resume with signal {} (not delivered: the guest has no signal handlers)", *c.signal);
  if (c.addr && *c.addr != target_.reg64(kPcRegno)) {
    if (auto refusal = write_history([&] { return target_.write_register(kPcRegno, *c.addr); }))
      return refused("resume at 0x" + protocol::format_hex(*c.addr), *refusal, false);
  }
  Work::Resume r;
  r.direction = c.direction == protocol::Direction::Forward ? timeline::Direction::Forward
                                                            : timeline::Direction::Backward;
  r.kind = c.kind == protocol::ResumeKind::Continue ? timeline::ResumeKind::Continue : timeline::ResumeKind::Step;
  Outcome o;
  o.work = Work{r};
  return o;
}

timeline::StopEvent Debugger::execute(const Work& work, const timeline::CancelToken& cancel) {
  auto t0 = std::chrono::steady_clock::now();
  work_start_icount_ = target_.now();
  work_error_.clear();
  timeline::StopEvent event;
  // What a Work that does not move reports: the position it left alone.
  auto stay = [&] { event = timeline::StopEvent::seek_done(target_.now()); };
  std::visit(
      overloaded{
          [&](const Work::Resume& r) { event = target_.resume(r.direction, r.kind, cancel); },
          [&](const Work::Seek& seek) { event = target_.seek(seek.icount, cancel); },
          [&](const Work::FindWrite& f) {
            write_search_ = target_.find_write(f.direction, f.addr, f.len, cancel);
            event = write_search_.event;
          },
          [&](const Work::Heap&) {
            heap_walk_ = target_.heap_walk(cancel);
            stay();
          },
          [&](const Work::Restart& r) {
            if (auto e = target_.restart(r.checkpoint)) {
              event = *e;
            } else {
              work_error_ = "no checkpoint " + std::to_string(r.checkpoint) + " (see monitor checkpoints)\n";
              stay();
            }
          },
          [&](const Work::Query& q) {
            query_text_ = run_query(q.command, cancel);
            stay();
          },
      },
      work.what);
  busy_ += std::chrono::steady_clock::now() - t0;
  return event;
}

Outcome Debugger::finish(const Work& work, const timeline::StopEvent& event) {
  if (!work.ends_with_stop_reply()) return finish_monitor(work, event);
  Outcome o;
  deliver_notes(o);
  if (event.kind() == timeline::StopKind::HistoryEnd) {
    std::string text;
    if (event.exited()) {
      text = "[rvrr] the program exited with status " + std::to_string(event.exit_code()) +
             "; reverse-step or reverse-continue to go back\n";
    } else if (event.signal() != vm::Signal::None) {
      text = std::string("[rvrr] end of history: the program was stopped by ") + vm::signal_name(event.signal()) +
             (event.message().empty() ? std::string() : " (" + event.message() + ")") +
             "; reverse-step or reverse-continue to go back\n";
    } else {
      text = "[rvrr] end of history at instruction " + std::to_string(event.icount()) +
             (event.message().empty() ? std::string() : " (" + event.message() + ")") +
             "; reverse-step or reverse-continue to go back\n";
    }
    o.replies.push_back(protocol::ConsoleOutput{std::move(text)});
  } else if (event.kind() == timeline::StopKind::Divergence) {
    o.replies.push_back(protocol::ConsoleOutput{"[rvrr] replay diverged: " + event.message() + "\n"});
  } else if (event.kind() == timeline::StopKind::HistoryBegin) {
    o.replies.push_back(protocol::ConsoleOutput{"[rvrr] reached the start of history\n"});
  }
  o.replies.push_back(stop_reply(event));
  return o;
}

void Debugger::expedite(protocol::StopReply& r) const {
  // pc, sp and fp: gdb needs them for the frame at every stop and would
  // otherwise ask with 'g' or 'p' (one round trip less per stepi).
  const auto w = static_cast<std::uint8_t>(target_.xlen() / 8);
  r.registers = {{kPcRegno, target_.reg64(kPcRegno), w}, {2, target_.reg64(2), w}, {8, target_.reg64(8), w}};
}

protocol::StopReply Debugger::stop_reply(const timeline::StopEvent& event) {
  using protocol::StopReason;
  protocol::StopReply r;
  r.signal = protocol::gdb_signal::kTrap;
  r.reason = StopReason::Signal;
  r.pid = kPid;
  r.tid = kTid;
  r.multiprocess = negotiated_.multiprocess;
  switch (event.kind()) {
    case timeline::StopKind::Step:
    case timeline::StopKind::SeekDone:
    case timeline::StopKind::Divergence:
      break;
    case timeline::StopKind::Breakpoint: {
      vm::Addr pc = target_.reg64(kPcRegno);
      bool hw = std::find(hw_breakpoint_addrs_.begin(), hw_breakpoint_addrs_.end(), pc) !=
                hw_breakpoint_addrs_.end();
      if (hw && negotiated_.hwbreak)
        r.reason = StopReason::HwBreak;
      else if (negotiated_.swbreak)
        r.reason = StopReason::SwBreak;
      break;
    }
    case timeline::StopKind::Watchpoint:
      r.reason = event.watch_kind() == vm::WatchKind::Write  ? StopReason::Watch
                 : event.watch_kind() == vm::WatchKind::Read ? StopReason::ReadWatch
                                                           : StopReason::AccessWatch;
      r.watch_addr = event.watch_addr();
      break;
    case timeline::StopKind::Signal:
      r.signal = protocol::gdb_signal_from_linux(
          static_cast<int>(event.signal() == vm::Signal::None ? vm::Signal::Trap : event.signal()));
      break;
    case timeline::StopKind::HistoryBegin:
      r.reason = StopReason::HistoryBegin;
      break;
    case timeline::StopKind::HistoryEnd:
      r.reason = StopReason::HistoryEnd;
      break;
    case timeline::StopKind::Interrupted:
      r.signal = protocol::gdb_signal::kInt;
      break;
  }
  expedite(r);
  last_stop_ = r;
  last_siginfo_ = siginfo_of(event);
  return r;
}

protocol::SigInfo Debugger::siginfo_of(const timeline::StopEvent& event) const {
  using vm::Signal;
  namespace sc = protocol::si_code;
  const vm::Addr pc = target_.reg64(kPcRegno);
  protocol::SigInfo info{static_cast<std::int32_t>(Signal::Trap), sc::kTrapBrkpt, pc};
  if (event.kind() == timeline::StopKind::Interrupted) return {static_cast<std::int32_t>(Signal::Int), sc::kKernel, 0};
  bool fault = event.kind() == timeline::StopKind::Signal ||
               (event.kind() == timeline::StopKind::HistoryEnd && !event.exited() && event.signal() != Signal::None);
  if (!fault) return info;
  const vm::Addr addr = target_.fault_address().value_or(pc);
  info.signo = static_cast<std::int32_t>(event.signal());
  info.addr = addr;
  switch (event.signal()) {
    case Signal::Segv: {
      // Mapped but not allowed (a store to code, a fetch from data) vs not there at all.
      std::uint8_t byte = 0;
      info.code = target_.read_memory(addr, std::span(&byte, 1)) ? sc::kSegvAccErr : sc::kSegvMapErr;
      break;
    }
    case Signal::Bus: info.code = sc::kBusAdrAln; break;
    case Signal::Ill: info.code = sc::kIllIllOpc; break;
    default: info.code = sc::kTrapBrkpt; break;
  }
  return info;
}

}  // namespace rvrr::server
