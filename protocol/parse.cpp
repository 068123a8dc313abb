// protocol/parse.cpp - parse_command(): payload -> Command. See command.hpp.
//
// One function per packet family, named after the packet (LLDB's habit), and
// the dispatch table in parse_command() at the bottom. Every path returns a
// value; nothing here throws on any input.

#include "protocol/command.hpp"
#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::uint64_t kMaxPid = 0x7fffffffffffffffULL;

Malformed malformed(std::string_view reason) { return Malformed{reason}; }

Unsupported unsupported(std::string_view name) {
  return Unsupported{std::string(name.substr(0, kMaxNameLength))};
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The packet name of a q/Q/v packet: up to the first ':', ';', ',' or '?'.
std::string_view packet_name(std::string_view payload) {
  return payload.substr(0, payload.find_first_of(":;,?"));
}

std::optional<std::int64_t> parse_pid(std::string_view text) {
  auto v = parse_hex_u64(text);
  if (!v || *v > kMaxPid) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

struct AddrLen {
  std::uint64_t addr;
  std::uint32_t length;
};

// "addr,length": a hex u64 address (guest memory: RV64) and a hex u32 length.
std::optional<AddrLen> parse_mem_range(std::string_view text) {
  std::size_t comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto addr = parse_hex_u64(text.substr(0, comma));
  auto len = parse_hex_u32(text.substr(comma + 1));
  if (!addr || !len) return std::nullopt;
  return AddrLen{*addr, *len};
}

// "offset,length", both hex u32 (qXfer, vCont ranges).
std::optional<AddrLen> parse_addr_len(std::string_view text) {
  auto al = parse_mem_range(text);
  if (!al || al->addr > 0xffffffffu) return std::nullopt;
  return al;
}

std::vector<std::uint8_t> to_bytes(std::string_view s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

// ---- registers and memory ------------------------------------------------

Command on_G(std::string_view args) {
  auto bytes = from_hex(args);
  if (!bytes) return malformed("G: register data is not hex");
  return WriteRegisters{std::move(*bytes)};
}

Command on_p(std::string_view args) {
  auto regno = parse_hex_u32(args);
  if (!regno) return malformed("p: bad register number");
  return ReadRegister{*regno};
}

Command on_P(std::string_view args) {
  std::size_t eq = args.find('=');
  if (eq == std::string_view::npos) return malformed("P: missing '='");
  auto regno = parse_hex_u32(args.substr(0, eq));
  if (!regno) return malformed("P: bad register number");
  auto bytes = from_hex(args.substr(eq + 1));
  if (!bytes || bytes->empty()) return malformed("P: register value is not hex");
  return WriteRegister{*regno, std::move(*bytes)};
}

Command on_m(std::string_view args) {
  auto al = parse_mem_range(args);
  if (!al) return malformed("m: expected addr,length in hex");
  return ReadMemory{al->addr, al->length};
}

// M addr,length:hex   and   X addr,length:binary
Command on_M_or_X(std::string_view args, bool binary) {
  std::size_t colon = args.find(':');
  if (colon == std::string_view::npos) return malformed("M/X: missing ':'");
  auto al = parse_mem_range(args.substr(0, colon));
  if (!al) return malformed("M/X: expected addr,length in hex");
  std::string_view data = args.substr(colon + 1);
  std::vector<std::uint8_t> bytes;
  if (binary) {
    bytes = to_bytes(data);
  } else {
    auto decoded = from_hex(data);
    if (!decoded) return malformed("M: data is not hex");
    bytes = std::move(*decoded);
  }
  if (bytes.size() != al->length) return malformed("M/X: data length differs from stated length");
  return WriteMemory{al->addr, std::move(bytes), binary};
}

// Z type,addr,kind  /  z type,addr,kind
Command on_Z(std::string_view args, bool insert) {
  if (args.size() < 2 || args[1] != ',') return malformed("Z: expected type,addr,kind");
  if (args[0] < '0' || args[0] > '4') return malformed("Z: unknown breakpoint type");
  auto type = static_cast<BreakpointType>(args[0] - '0');
  std::string_view rest = args.substr(2);
  if (rest.find(';') != std::string_view::npos)
    return malformed("Z: conditions and commands are not supported");
  auto al = parse_mem_range(rest);
  if (!al) return malformed("Z: expected type,addr,kind in hex");
  bool is_breakpoint = type == BreakpointType::Software || type == BreakpointType::Hardware;
  if (is_breakpoint && al->length != 2 && al->length != 4)
    return malformed("Z: breakpoint kind must be 2 or 4");
  if (!is_breakpoint && al->length == 0) return malformed("Z: watchpoint length must not be 0");
  return Breakpoint{type, al->addr, al->length, insert};
}

// ---- execution -----------------------------------------------------------

// c [addr] / s [addr]
Command on_c_or_s(std::string_view args, ResumeKind kind) {
  Resume r{Direction::Forward, kind, std::nullopt, std::nullopt, std::nullopt};
  if (!args.empty()) {
    auto addr = parse_hex_u64(args);
    if (!addr) return malformed("c/s: bad resume address");
    r.addr = *addr;
  }
  return r;
}

std::optional<std::uint8_t> parse_signal(std::string_view text) {
  auto sig = parse_hex_u32(text);
  if (!sig || *sig > 0xff) return std::nullopt;
  return static_cast<std::uint8_t>(*sig);
}

// C sig[;addr] / S sig[;addr]
Command on_C_or_S(std::string_view args, ResumeKind kind) {
  std::size_t semi = args.find(';');
  auto sig = parse_signal(args.substr(0, semi));
  if (!sig) return malformed("C/S: bad signal number");
  Resume r{Direction::Forward, kind, *sig, std::nullopt, std::nullopt};
  if (semi != std::string_view::npos) {
    auto addr = parse_hex_u64(args.substr(semi + 1));
    if (!addr) return malformed("C/S: bad resume address");
    r.addr = *addr;
  }
  return r;
}

// vCont;action[:thread-id][;action[:thread-id]]...
// Every action is validated; the leftmost one applies to our only thread.
Command on_vCont(std::string_view args) {
  if (args.empty()) return malformed("vCont: no action");
  std::optional<Command> first;
  while (true) {
    std::size_t semi = args.find(';');
    std::string_view action = args.substr(0, semi);
    std::size_t colon = action.find(':');
    std::optional<ThreadId> thread;
    if (colon != std::string_view::npos) {
      thread = parse_thread_id(action.substr(colon + 1));
      if (!thread) return malformed("vCont: bad thread id");
      action = action.substr(0, colon);
    }
    if (action.empty()) return malformed("vCont: empty action");
    std::string_view arg = action.substr(1);
    Command parsed = Malformed{};
    switch (action[0]) {
      case 'c':
      case 's':
        if (!arg.empty()) return malformed("vCont: c/s take no argument");
        parsed = Resume{Direction::Forward, action[0] == 'c' ? ResumeKind::Continue : ResumeKind::Step,
                        std::nullopt, std::nullopt, thread};
        break;
      case 'C':
      case 'S': {
        auto sig = parse_signal(arg);
        if (!sig) return malformed("vCont: bad signal number");
        parsed = Resume{Direction::Forward, action[0] == 'C' ? ResumeKind::Continue : ResumeKind::Step,
                        *sig, std::nullopt, thread};
        break;
      }
      case 't':
        if (!arg.empty()) return malformed("vCont: t takes no argument");
        parsed = VContStop{thread};
        break;
      case 'r': {
        if (!parse_addr_len(arg)) return malformed("vCont: bad range");
        // Range stepping is not offered in our vCont? reply; a client that
        // sends it anyway gets an error rather than a silently wrong step.
        parsed = malformed("vCont: range stepping is not supported");
        break;
      }
      default:
        return malformed("vCont: unknown action");
    }
    if (!first) first = std::move(parsed);
    if (semi == std::string_view::npos) break;
    args = args.substr(semi + 1);
  }
  return std::move(*first);
}

// ---- queries -------------------------------------------------------------

Command on_qSupported(std::string_view payload) {
  QuerySupported q;
  if (payload.size() == 10) return q;  // bare "qSupported"
  if (payload[10] != ':') return unsupported(packet_name(payload));
  std::string_view list = payload.substr(11);
  while (!list.empty()) {
    std::size_t semi = list.find(';');
    std::string_view item = list.substr(0, semi);
    if (!item.empty()) {
      if (item == "multiprocess+") q.multiprocess = true;
      if (item == "swbreak+") q.swbreak = true;
      if (item == "hwbreak+") q.hwbreak = true;
      if (item == "vContSupported+") q.vcont_supported = true;
      q.offered.emplace_back(item);
    }
    if (semi == std::string_view::npos) break;
    list = list.substr(semi + 1);
  }
  return q;
}

// qXfer:object:read:annex:offset,length
Command on_qXfer(std::string_view payload) {
  if (payload.size() < 6 || payload[5] != ':') return unsupported(packet_name(payload));
  std::string_view rest = payload.substr(6);  // after "qXfer:"
  std::size_t c1 = rest.find(':');
  std::string_view object = rest.substr(0, c1);
  std::size_t c2 = c1 == std::string_view::npos ? c1 : rest.find(':', c1 + 1);
  std::string_view op = c1 == std::string_view::npos ? std::string_view{}
                                                     : rest.substr(c1 + 1, c2 - (c1 + 1));
  bool known_object = object == "features" || object == "exec-file" || object == "siginfo";
  if (!known_object || op != "read")
    return unsupported(payload.substr(0, c2 == std::string_view::npos ? payload.size() : 6 + c2));
  if (c2 == std::string_view::npos) return malformed("qXfer: missing annex");
  std::string_view tail = rest.substr(c2 + 1);
  std::size_t c3 = tail.find(':');
  if (c3 == std::string_view::npos) return malformed("qXfer: missing offset,length");
  auto al = parse_addr_len(tail.substr(c3 + 1));
  if (!al) return malformed("qXfer: expected offset,length in hex");
  std::string annex(tail.substr(0, c3));
  const auto offset = static_cast<std::uint32_t>(al->addr);
  if (object == "features") return XferFeaturesRead{std::move(annex), offset, al->length};
  if (object == "siginfo") return XferSigInfoRead{offset, al->length};
  return XferExecFileRead{std::move(annex), offset, al->length};
}

Command on_qRcmd(std::string_view payload) {
  if (payload.size() < 6 || payload[5] != ',') return malformed("qRcmd: missing ','");
  auto text = from_hex_string(payload.substr(6));
  if (!text) return malformed("qRcmd: command is not hex");
  return MonitorCommand{std::move(*text)};
}

Command on_q(std::string_view payload) {
  std::string_view name = packet_name(payload);
  if (name == "qSupported") return on_qSupported(payload);
  if (name == "qXfer") return on_qXfer(payload);
  if (name == "qRcmd") return on_qRcmd(payload);
  if (name == "qSymbol") return QuerySymbol{};
  if (name == "qAttached") {
    if (payload.size() == name.size()) return QueryAttached{};
    if (payload[name.size()] != ':') return malformed("qAttached: expected ':pid'");
    auto pid = parse_pid(payload.substr(name.size() + 1));
    if (!pid) return malformed("qAttached: bad pid");
    return QueryAttached{*pid};
  }
  // The rest take no arguments.
  if (payload == "qC") return QueryCurrentThread{};
  if (payload == "qfThreadInfo") return ThreadInfoFirst{};
  if (payload == "qsThreadInfo") return ThreadInfoNext{};
  if (payload == "qOffsets") return QueryOffsets{};
  if (payload == "qTStatus") return QueryTStatus{};
  return unsupported(name);
}

// "a,b,c" -> {"a", "b", "c"}; "" -> {""}.
std::vector<std::string_view> split_fields(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  while (true) {
    const std::size_t at = text.find(separator);
    fields.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return fields;
    text = text.substr(at + 1);
  }
}

// vFile:setfs:pid / open:hexpath,flags,mode / pread:fd,count,offset /
// close:fd / fstat:fd; any other vFile operation -> FileIo::Other.
Command on_vFile(std::string_view args) {
  std::size_t colon = args.find(':');
  if (colon == std::string_view::npos) return malformed("vFile: missing ':'");
  std::string_view op = args.substr(0, colon);
  std::string_view rest = args.substr(colon + 1);
  const std::vector<std::string_view> fields = split_fields(rest, ',');
  FileIo f;
  auto number = [](std::string_view text) { return parse_hex_u64(text); };
  if (op == "setfs") {
    auto pid = fields.size() == 1 ? number(fields[0]) : std::nullopt;
    if (!pid) return malformed("vFile:setfs: expected a hex pid");
    f.op = FileIo::Op::SetFs;
    f.pid = *pid;
    return f;
  }
  if (op == "open") {
    if (fields.size() != 3) return malformed("vFile:open: expected path,flags,mode");
    auto path = from_hex_string(fields[0]);
    auto flags = parse_hex_u32(fields[1]);
    auto mode = parse_hex_u32(fields[2]);
    if (!path || !flags || !mode) return malformed("vFile:open: bad path, flags or mode");
    f.op = FileIo::Op::Open;
    f.path = std::move(*path);
    f.flags = *flags;
    f.mode = *mode;
    return f;
  }
  if (op == "pread") {
    if (fields.size() != 3) return malformed("vFile:pread: expected fd,count,offset");
    auto fd = parse_pid(fields[0]);
    auto count = parse_hex_u32(fields[1]);
    auto offset = number(fields[2]);
    if (!fd || !count || !offset) return malformed("vFile:pread: bad fd, count or offset");
    f.op = FileIo::Op::Pread;
    f.fd = *fd;
    f.count = *count;
    f.offset = *offset;
    return f;
  }
  if (op == "close" || op == "fstat") {
    auto fd = fields.size() == 1 ? parse_pid(fields[0]) : std::nullopt;
    if (!fd) return malformed("vFile:close/fstat: expected a hex fd");
    f.op = op == "close" ? FileIo::Op::Close : FileIo::Op::Fstat;
    f.fd = *fd;
    return f;
  }
  f.op = FileIo::Op::Other;
  f.name = std::string(op.substr(0, kMaxNameLength));
  return f;
}

Command on_v(std::string_view payload) {
  if (starts_with(payload, "vFile:")) return on_vFile(payload.substr(6));
  if (payload == "vMustReplyEmpty") return MustReplyEmpty{};
  if (payload == "vCont?") return VContQuery{};
  if (starts_with(payload, "vCont;")) return on_vCont(payload.substr(6));
  if (payload == "vCont") return malformed("vCont: no action");
  if (payload == "vKill") return VKill{};
  if (starts_with(payload, "vKill;")) {
    auto pid = parse_pid(payload.substr(6));
    if (!pid) return malformed("vKill: bad pid");
    return VKill{*pid};
  }
  if (starts_with(payload, "vRun;")) {
    VRun run;
    const std::vector<std::string_view> fields = split_fields(payload.substr(5), ';');
    for (std::size_t i = 0; i < fields.size(); ++i) {
      auto text = from_hex_string(fields[i]);
      if (!text) return malformed("vRun: arguments must be hex");
      if (i == 0)
        run.program = std::move(*text);
      else
        run.args.push_back(std::move(*text));
    }
    return run;
  }
  return unsupported(packet_name(payload));
}

// ---- threads and session ---------------------------------------------------

Command on_H(std::string_view args) {
  if (args.empty() || (args[0] != 'g' && args[0] != 'c')) return unsupported("H");
  auto thread = parse_thread_id(args.substr(1));
  if (!thread) return malformed("H: bad thread id");
  return SetThread{args[0], *thread};
}

Command on_T(std::string_view args) {
  auto thread = parse_thread_id(args);
  if (!thread) return malformed("T: bad thread id");
  return ThreadAlive{*thread};
}

Command on_D(std::string_view args) {
  if (args.empty()) return Detach{};
  if (args[0] != ';') return malformed("D: expected ';pid'");
  auto pid = parse_pid(args.substr(1));
  if (!pid) return malformed("D: bad pid");
  return Detach{*pid};
}

// A packet that takes no arguments: exactly its letter.
template <typename T>
Command exact(std::string_view args, std::string_view reason) {
  if (!args.empty()) return malformed(reason);
  return T{};
}

}  // namespace

Command parse_command(std::string_view payload) {
  if (payload.empty()) return malformed("empty packet");
  std::string_view args = payload.substr(1);
  switch (payload[0]) {
    case '?': return exact<QueryHalt>(args, "?: unexpected arguments");
    case 'g': return exact<ReadRegisters>(args, "g: unexpected arguments");
    case 'G': return on_G(args);
    case 'p': return on_p(args);
    case 'P': return on_P(args);
    case 'm': return on_m(args);
    case 'M': return on_M_or_X(args, /*binary=*/false);
    case 'X': return on_M_or_X(args, /*binary=*/true);
    case 'Z': return on_Z(args, /*insert=*/true);
    case 'z': return on_Z(args, /*insert=*/false);
    case 'c': return on_c_or_s(args, ResumeKind::Continue);
    case 's': return on_c_or_s(args, ResumeKind::Step);
    case 'C': return on_C_or_S(args, ResumeKind::Continue);
    case 'S': return on_C_or_S(args, ResumeKind::Step);
    case 'b':
      if (args == "c") return Resume{Direction::Backward, ResumeKind::Continue, {}, {}, {}};
      if (args == "s") return Resume{Direction::Backward, ResumeKind::Step, {}, {}, {}};
      return unsupported("b");
    case 'H': return on_H(args);
    case 'T': return on_T(args);
    case 'D': return on_D(args);
    case 'k': return exact<Kill>(args, "k: unexpected arguments");
    case '!': return exact<ExtendedMode>(args, "!: unexpected arguments");
    case 'q': return on_q(payload);
    case 'Q':
      if (payload == "QStartNoAckMode") return StartNoAckMode{};
      return unsupported(packet_name(payload));
    case 'v': return on_v(payload);
    default: return unsupported(payload.substr(0, 1));
  }
}

std::string_view command_name(const Command& command) noexcept {
  static constexpr std::string_view kNames[] = {
      "QuerySupported", "MustReplyEmpty", "StartNoAckMode", "QueryHalt", "ReadRegisters",
      "WriteRegisters", "ReadRegister", "WriteRegister", "ReadMemory", "WriteMemory",
      "Breakpoint", "Resume", "VContStop", "VContQuery", "XferFeaturesRead", "XferExecFileRead",
      "XferSigInfoRead", "FileIo",
      "QueryAttached", "QueryCurrentThread", "ThreadInfoFirst", "ThreadInfoNext", "QueryOffsets",
      "QueryTStatus", "QuerySymbol", "SetThread", "ThreadAlive", "MonitorCommand", "Detach",
      "Kill", "VKill", "ExtendedMode", "VRun", "Interrupt", "Malformed", "Unsupported"};
  static_assert(std::size(kNames) == std::variant_size_v<Command>);
  return kNames[command.index()];
}

}  // namespace rvrr::protocol
