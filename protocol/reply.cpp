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
    append_le32_hex(out, static_cast<std::uint32_t>(r.value));
    if (r.size == 8) append_le32_hex(out, static_cast<std::uint32_t>(r.value >> 32));
    out.push_back(';');
  }
  return out;
}

std::string with_process(char letter, std::uint8_t code, const std::optional<std::int64_t>& pid) {
  std::string out = letter + format_hex_u8(code);
  if (pid) out.append(";process:" + format_hex(static_cast<std::uint64_t>(*pid)));
  return out;
}

void put_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string format_file(const FileReply& f) {
  if (f.result < 0) return "F-1," + format_hex(f.error);
  std::string out = "F" + format_hex(static_cast<std::uint64_t>(f.result));
  if (f.attachment || !f.data.empty()) {
    out.push_back(';');
    out.append(f.data);
  }
  return out;
}

std::string format_error_message(const ErrorMessage& e) {
  std::string out = "E.";
  for (char c : e.text)
    if (c != '#' && c != '$' && c != '}' && c != '*' && c != '\n') out.push_back(c);
  return out;
}

}  // namespace

std::string file_stat_bytes(const FileStat& st) {
  std::string out;
  out.reserve(64);
  put_be(out, 0, 4);         // st_dev
  put_be(out, 0, 4);         // st_ino
  put_be(out, st.mode, 4);   // st_mode
  put_be(out, 1, 4);         // st_nlink
  put_be(out, 0, 4);         // st_uid
  put_be(out, 0, 4);         // st_gid
  put_be(out, 0, 4);         // st_rdev
  put_be(out, st.size, 8);   // st_size
  put_be(out, 4096, 8);      // st_blksize
  put_be(out, (st.size + 511) / 512, 8);  // st_blocks
  put_be(out, st.mtime, 4);  // st_atime
  put_be(out, st.mtime, 4);  // st_mtime
  put_be(out, st.mtime, 4);  // st_ctime
  return out;
}

std::string format_reply(const Reply& reply) {
  return std::visit(
      Overloaded{
          [](const Empty&) { return std::string(); },
          [](const Ok&) { return std::string("OK"); },
          [](const Error& e) { return "E" + format_hex_u8(e.code); },
          [](const ErrorMessage& e) { return format_error_message(e); },
          [](const FileReply& f) { return format_file(f); },
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
