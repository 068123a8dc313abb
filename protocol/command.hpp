// protocol/command.hpp - every packet the server understands, as data.
//
// parse_command() turns a decoded packet payload (PacketReader's output) into
// one alternative of Command. It is total: it never throws and never reads
// past the payload. Client mistakes are data:
//   Malformed{reason}  a packet we implement but whose arguments are wrong
//                      (bad hex, missing ',' or ':', number overflow, length
//                      mismatch). The server replies E03.
//   Unsupported{name}  a packet we do not implement. The server replies with
//                      the empty packet, which RSP defines as "not supported"
//                      (vMustReplyEmpty checks exactly that).
// Numbers are hex as in the RSP manual; memory and resume addresses are
// 64-bit (riscv:rv64; the server refuses what its target cannot hold), other
// numbers and lengths 32-bit: a value that overflows is Malformed, not truncated.
// Command structs hold no views into the payload: they own their data.
// Cost: linear in the payload.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/thread_id.hpp"

namespace rvrr::protocol {

// qSupported[:gdbfeature;...] - what gdb offered. Flags for the features we
// negotiate; `offered` keeps every entry as sent ("swbreak+", "xmlRegisters=i386").
struct QuerySupported {
  bool multiprocess = false;
  bool swbreak = false;
  bool hwbreak = false;
  bool vcont_supported = false;
  std::vector<std::string> offered;
  friend bool operator==(const QuerySupported&, const QuerySupported&) = default;
};

struct MustReplyEmpty { friend bool operator==(MustReplyEmpty, MustReplyEmpty) = default; };  // vMustReplyEmpty
struct StartNoAckMode { friend bool operator==(StartNoAckMode, StartNoAckMode) = default; };  // QStartNoAckMode -> OK
struct QueryHalt { friend bool operator==(QueryHalt, QueryHalt) = default; };                 // '?': why stopped
struct ReadRegisters { friend bool operator==(ReadRegisters, ReadRegisters) = default; };     // 'g'

// 'G XX...': all registers in 'g' order, target byte order. Length unchecked here.
struct WriteRegisters {
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const WriteRegisters&, const WriteRegisters&) = default;
};

// 'p n': one register by target.xml regnum (hex).
struct ReadRegister {
  std::uint32_t regno = 0;
  friend bool operator==(const ReadRegister&, const ReadRegister&) = default;
};

// 'P n=XX...': one register, value in target byte order. Size unchecked here.
struct WriteRegister {
  std::uint32_t regno = 0;
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const WriteRegister&, const WriteRegister&) = default;
};

// 'm addr,length'. The server may return fewer bytes (RSP allows a short read)
// and should cap the reply to the PacketSize it advertised. length 0 parses
// (its reply, no bytes, is indistinguishable from the empty packet; gdb never
// asks for it).
struct ReadMemory {
  std::uint64_t addr = 0;
  std::uint32_t length = 0;
  friend bool operator==(const ReadMemory&, const ReadMemory&) = default;
};

// 'M addr,length:XX...' (hex) and 'X addr,length:bin' (binary; the reader
// has already undone the '}' escapes). bytes.size() == the stated length is
// checked here. An empty X ("X addr,0:") is gdb's probe for X support: the
// server answers OK.
struct WriteMemory {
  std::uint64_t addr = 0;
  std::vector<std::uint8_t> bytes;
  bool binary = false;  // came as X
  friend bool operator==(const WriteMemory&, const WriteMemory&) = default;
};

enum class BreakpointType : std::uint8_t {
  Software = 0,     // Z0: kind = 2 (compressed) or 4
  Hardware = 1,     // Z1: kind = 2 or 4
  WriteWatch = 2,   // Z2
  ReadWatch = 3,    // Z3
  AccessWatch = 4,  // Z4
};

// 'Z type,addr,kind' / 'z type,addr,kind'. For breakpoints `kind` is the
// instruction length (2 or 4, else Malformed); for watchpoints it is the byte
// length of the watched range (>= 1). Conditions/commands (";X...") are not
// supported (we do not advertise them) -> Malformed.
struct Breakpoint {
  BreakpointType type = BreakpointType::Software;
  std::uint64_t addr = 0;
  std::uint32_t kind = 4;
  bool insert = true;
  friend bool operator==(const Breakpoint&, const Breakpoint&) = default;
};

enum class Direction : std::uint8_t { Forward, Backward };
enum class ResumeKind : std::uint8_t { Continue, Step };

// c [addr] / s [addr] / C sig[;addr] / S sig[;addr] / bc / bs / vCont;...
// For vCont the parser picks the action that applies to our single thread:
// the leftmost one (RSP: "for each thread, the leftmost action with a
// matching thread-id is applied"; every id names our thread, see
// refers_to). `thread` is that action's id (nullopt = no id = all threads);
// the server may reject an id that cannot refer to its thread.
// Reverse (bc/bs) carries no signal, address or thread.
struct Resume {
  Direction direction = Direction::Forward;
  ResumeKind kind = ResumeKind::Continue;
  std::optional<std::uint8_t> signal;  // C / S / vCont;C / vCont;S
  std::optional<std::uint64_t> addr;   // c addr / s addr: resume there
  std::optional<ThreadId> thread;      // vCont action's thread id
  friend bool operator==(const Resume&, const Resume&) = default;
};

// vCont whose applicable action is 't' (stop). Only meaningful in non-stop
// mode; in all-stop the thread is already stopped: the server answers OK.
struct VContStop {
  std::optional<ThreadId> thread;
  friend bool operator==(const VContStop&, const VContStop&) = default;
};

struct VContQuery { friend bool operator==(VContQuery, VContQuery) = default; };  // vCont?

// qXfer:features:read:ANNEX:offset,length  (ANNEX e.g. "target.xml")
struct XferFeaturesRead {
  std::string annex;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  friend bool operator==(const XferFeaturesRead&, const XferFeaturesRead&) = default;
};

// qXfer:exec-file:read:ANNEX:offset,length  (ANNEX = hex pid or empty)
struct XferExecFileRead {
  std::string annex;
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  friend bool operator==(const XferExecFileRead&, const XferExecFileRead&) = default;
};

// qXfer:siginfo:read::offset,length - the siginfo of the last stop ($_siginfo).
struct XferSigInfoRead {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  friend bool operator==(const XferSigInfoRead&, const XferSigInfoRead&) = default;
};

// vFile:OPERATION:ARGS - gdb's host I/O (reading the program "from the
// target", sysroot "target:"). Numbers are hex; the path of open is hex-encoded
// text. Operations gdb may send but rvrr does not serve (pwrite, unlink,
// readlink, stat, ...) parse as Other with their name, so the server can
// refuse them with an errno rather than leave gdb guessing.
struct FileIo {
  enum class Op : std::uint8_t { SetFs, Open, Pread, Close, Fstat, Other };
  Op op = Op::Other;
  std::string path;           // Open: the file name (decoded)
  std::uint32_t flags = 0;    // Open: gdb File-I/O open flags (0 = O_RDONLY)
  std::uint32_t mode = 0;     // Open
  std::int64_t fd = 0;        // Pread / Close / Fstat
  std::uint32_t count = 0;    // Pread
  std::uint64_t offset = 0;   // Pread
  std::uint64_t pid = 0;      // SetFs (0 = the remote's own filesystem)
  std::string name;           // Other: the operation ("unlink", "pwrite", ...)
  friend bool operator==(const FileIo&, const FileIo&) = default;
};

// qAttached[:pid] -> "1" (we are attached to an existing process: gdb then
// detaches rather than kills on quit).
struct QueryAttached {
  std::optional<std::int64_t> pid;
  friend bool operator==(const QueryAttached&, const QueryAttached&) = default;
};

struct QueryCurrentThread { friend bool operator==(QueryCurrentThread, QueryCurrentThread) = default; };  // qC
struct ThreadInfoFirst { friend bool operator==(ThreadInfoFirst, ThreadInfoFirst) = default; }; // qfThreadInfo
struct ThreadInfoNext { friend bool operator==(ThreadInfoNext, ThreadInfoNext) = default; };    // qsThreadInfo
struct QueryOffsets { friend bool operator==(QueryOffsets, QueryOffsets) = default; };          // qOffsets
struct QueryTStatus { friend bool operator==(QueryTStatus, QueryTStatus) = default; };          // qTStatus
struct QuerySymbol { friend bool operator==(QuerySymbol, QuerySymbol) = default; };             // qSymbol:...

// Hg<id> (registers/memory ops) / Hc<id> (resume ops).
struct SetThread {
  char op = 'g';  // 'g' or 'c'
  ThreadId thread;
  friend bool operator==(const SetThread&, const SetThread&) = default;
};

// T<id>: is the thread alive? -> OK or E..
struct ThreadAlive {
  ThreadId thread;
  friend bool operator==(const ThreadAlive&, const ThreadAlive&) = default;
};

// qRcmd,HEX: `monitor <command>`; command is the hex-decoded text. The server
// sends output as O packets (ConsoleOutput) and then OK.
struct MonitorCommand {
  std::string command;
  friend bool operator==(const MonitorCommand&, const MonitorCommand&) = default;
};

// D / D;pid
struct Detach {
  std::optional<std::int64_t> pid;
  friend bool operator==(const Detach&, const Detach&) = default;
};

struct Kill { friend bool operator==(Kill, Kill) = default; };  // k (no reply expected)

// vKill;pid -> OK
struct VKill {
  std::optional<std::int64_t> pid;
  friend bool operator==(const VKill&, const VKill&) = default;
};

// ! -> OK: extended-remote mode (`target extended-remote`): the server
// outlives the process, so gdb may kill it and `run` it again (vRun).
struct ExtendedMode { friend bool operator==(ExtendedMode, ExtendedMode) = default; };

// vRun;PROGRAM[;ARG]... (each hex-encoded; PROGRAM may be empty: "the same
// one") -> a stop reply for the new process at its first instruction.
struct VRun {
  std::string program;
  std::vector<std::string> args;
  friend bool operator==(const VRun&, const VRun&) = default;
};

// Not a packet: the 0x03 byte (FrameKind::Interrupt). Present so a session
// can route it through the same handler table; parse_command never returns it.
struct Interrupt { friend bool operator==(Interrupt, Interrupt) = default; };

// A packet we implement, with bad arguments -> E03. `reason` is always a
// string literal (static storage), suitable for a debug log.
struct Malformed {
  std::string_view reason;
  friend bool operator==(const Malformed&, const Malformed&) = default;
};

// A packet we do not implement -> empty reply. `name` is the packet's name
// (e.g. "qTfV", "vFile", "!", "qXfer:auxv:read"), at most 64 bytes, for the log.
struct Unsupported {
  std::string name;
  friend bool operator==(const Unsupported&, const Unsupported&) = default;
};

using Command = std::variant<
    QuerySupported, MustReplyEmpty, StartNoAckMode, QueryHalt, ReadRegisters, WriteRegisters,
    ReadRegister, WriteRegister, ReadMemory, WriteMemory, Breakpoint, Resume, VContStop,
    VContQuery, XferFeaturesRead, XferExecFileRead, XferSigInfoRead, FileIo, QueryAttached, QueryCurrentThread,
    ThreadInfoFirst, ThreadInfoNext, QueryOffsets, QueryTStatus, QuerySymbol, SetThread,
    ThreadAlive, MonitorCommand, Detach, Kill, VKill, ExtendedMode, VRun, Interrupt, Malformed, Unsupported>;

// Total parse of one decoded payload (see the file comment). Never throws
// on any input (only std::bad_alloc could escape, as from any allocation).
Command parse_command(std::string_view payload);

// A short name for the alternative held ("ReadMemory", "Malformed", ...), for logs.
std::string_view command_name(const Command& command) noexcept;

}  // namespace rvrr::protocol
