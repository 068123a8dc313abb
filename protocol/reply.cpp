// protocol/reply.cpp - format_reply(). See reply.hpp.
#include "protocol/reply.hpp"

#include <variant>

#include "protocol/hex.hpp"
#include "protocol/thread_id.hpp"

namespace rvrr::protocol {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

void append_reason(std::string& out, const StopReply& stop) {
  auto watch = [&](std::string_view key) {
    out.append(key);
    out.push_back(':');
    out.append(format_hex(stop.watch_addr));
    out.push_back(';');
  };
  switch (stop.reason) {
    case StopReason::Signal: break;
    case StopReason::SwBreak: out.append("swbreak:;"); break;
    case StopReason::HwBreak: out.append("hwbreak:;"); break;
    case StopReason::Watch: watch("watch"); break;
    case StopReason::ReadWatch: watch("rwatch"); break;
    case StopReason::AccessWatch: watch("awatch"); break;
    case StopReason::HistoryBegin: out.append("replaylog:begin;"); break;
    case StopReason::HistoryEnd: out.append("replaylog:end;"); break;
  }
}

std::string format_stop(const StopReply& stop) {
  std::string out = "T" + format_hex_u8(stop.signal);
  append_reason(out, stop);
  out.append("thread:");
  out.append(format_thread_id(stop.pid, stop.tid, stop.multiprocess));
  out.push_back(';');
  for (const RegisterValue& r : stop.registers) {
    out.append(format_hex(r.regno));
    out.push_back(':');
    append_le32_hex(out, r.value);
    out.push_back(';');
  }
  return out;
}

std::string with_process(char letter, std::uint8_t code, const std::optional<std::int64_t>& pid) {
  std::string out = letter + format_hex_u8(code);
  if (pid) out.append(";process:" + format_hex(static_cast<std::uint64_t>(*pid)));
  return out;
}

}  // namespace

std::string format_reply(const Reply& reply) {
  return std::visit(
      Overloaded{
          [](const Empty&) { return std::string(); },
          [](const Ok&) { return std::string("OK"); },
          [](const Error& e) { return "E" + format_hex_u8(e.code); },
          [](const Hex& h) { return to_hex(h.bytes); },
          [](const Raw& r) { return r.text; },
          [](const ConsoleOutput& o) { return "O" + to_hex(std::string_view(o.text)); },
          [](const XferChunk& x) { return (x.last ? "l" : "m") + x.data; },
          [](const StopReply& s) { return format_stop(s); },
          [](const Exited& e) { return with_process('W', e.status, e.pid); },
          [](const Terminated& t) { return with_process('X', t.signal, t.pid); },
      },
      reply);
}

}  // namespace rvrr::protocol
