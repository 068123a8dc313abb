// protocol/reply.hpp - typed replies and their RSP payload text.
//
// format_reply() returns the *unescaped, unframed* payload; encode_packet()
// escapes and frames it. Stop replies follow RSP "Stop Reply Packets".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rvrr::protocol {

struct Empty { friend bool operator==(Empty, Empty) = default; };  // "": unsupported packet
struct Ok { friend bool operator==(Ok, Ok) = default; };           // "OK"

// "Exx", two hex digits. Conventions used by rvrr: 0x03 malformed packet
// (LLDB's choice), 0x01 generic failure, 0x14 memory not accessible ("E14",
// EFAULT's decimal 14 as QEMU's gdbstub sends it).
struct Error {
  std::uint8_t code = 0x01;
  friend bool operator==(const Error&, const Error&) = default;
};
inline constexpr std::uint8_t kErrorMalformed = 0x03;
inline constexpr std::uint8_t kErrorMemory = 0x14;

// "E." + text: an error with a message (RSP allows it wherever Exx is). gdb
// 13 prints it for register writes ("Could not write register ...; remote
// failure reply 'E.text'") and for the first packet of a connection
// ("Remote failure reply: E.text"); elsewhere it is an error like any Exx.
// format_reply drops the characters the framing reserves (# $ } *).
struct ErrorMessage {
  std::string text;
  friend bool operator==(const ErrorMessage&, const ErrorMessage&) = default;
};

// Bytes as hex: 'g' (registers in order, little-endian), 'p', 'm'.
struct Hex {
  std::vector<std::uint8_t> bytes;
  friend bool operator==(const Hex&, const Hex&) = default;
};

// Text sent as is: qSupported, qC ("QCp1.1"), qfThreadInfo ("mp1.1"),
// qsThreadInfo ("l"), qAttached ("1"), vCont? ("vCont;c;C;s;S"), ...
// Must not need escaping to be read correctly by gdb as text (no # $ } *).
struct Raw {
  std::string text;
  friend bool operator==(const Raw&, const Raw&) = default;
};

// "O" + hex(text): console output during qRcmd (monitor) commands. gdb prints
// it; the final reply to qRcmd is then Ok. Precondition: text is not empty
// (the server simply sends nothing for empty output).
struct ConsoleOutput {
  std::string text;
  friend bool operator==(const ConsoleOutput&, const ConsoleOutput&) = default;
};

// qXfer read reply: 'l' + data for the last chunk, 'm' + data if more
// follows. data is raw bytes; encode_packet applies the binary escaping.
struct XferChunk {
  bool last = true;
  std::string data;
  friend bool operator==(const XferChunk&, const XferChunk&) = default;
};

// vFile reply: "F" + hex(result) [";" + data] on success; "F-1," + hex(errno)
// on failure (errno in gdb's File-I/O numbering, see file_errno). data is
// raw bytes (pread's bytes, fstat's struct stat); encode_packet escapes them.
struct FileReply {
  std::int64_t result = 0;   // >= 0: success (fd, byte count; for fstat the size of data)
  std::uint32_t error = 0;   // result < 0: the errno
  std::string data;          // attachment (result >= 0 only)
  // pread replies carry an attachment even when it is empty (EOF: "F0;"):
  // gdb fails a pread whose reply has none with EINVAL.
  bool attachment = false;
  friend bool operator==(const FileReply&, const FileReply&) = default;
};

// errno values of gdb's File-I/O protocol (gdb manual, "Errno Values").
namespace file_errno {
inline constexpr std::uint32_t kPerm = 1;
inline constexpr std::uint32_t kNoEnt = 2;
inline constexpr std::uint32_t kBadF = 9;
inline constexpr std::uint32_t kAccess = 13;
inline constexpr std::uint32_t kInval = 22;
inline constexpr std::uint32_t kMFile = 24;
inline constexpr std::uint32_t kRoFs = 30;
inline constexpr std::uint32_t kNoSys = 88;
}  // namespace file_errno

// open flags of gdb's File-I/O protocol: anything but O_RDONLY (0) writes.
namespace file_open {
inline constexpr std::uint32_t kAccessMode = 0x3;  // O_WRONLY 1, O_RDWR 2
inline constexpr std::uint32_t kWriting = 0x8 | 0x200 | 0x400 | 0x800;  // O_APPEND, O_CREAT, O_TRUNC, O_EXCL
}  // namespace file_open

// gdb's File-I/O struct stat (64 bytes, big-endian): st_dev, st_ino, st_mode,
// st_nlink, st_uid, st_gid, st_rdev (4 each), st_size, st_blksize, st_blocks
// (8 each), st_atime, st_mtime, st_ctime (4 each).
struct FileStat {
  std::uint32_t mode = 0;
  std::uint64_t size = 0;
  std::uint32_t mtime = 0;
};
std::string file_stat_bytes(const FileStat& st);

// Why a stop happened, as the stop reply tells gdb.
enum class StopReason : std::uint8_t {
  Signal,        // plain "T<sig>" (after a step, an interrupt T02, a fault)
  SwBreak,       // "swbreak:;" - only if gdb offered swbreak+ (else send Signal)
  HwBreak,       // "hwbreak:;" - only if gdb offered hwbreak+
  Watch,         // "watch:ADDR;"  write watchpoint, ADDR = address touched
  ReadWatch,     // "rwatch:ADDR;"
  AccessWatch,   // "awatch:ADDR;"
  HistoryBegin,  // "replaylog:begin;" - reverse execution reached the start
  HistoryEnd,    // "replaylog:end;"   - forward replay reached the end of history
};

struct RegisterValue {
  std::uint32_t regno = 0;  // target.xml regnum (pc = 32)
  std::uint64_t value = 0;  // sent little-endian, e.g. "20:00000080;"
  std::uint8_t size = 4;    // bytes sent: 4 (RV32) or 8 (RV64)
  friend bool operator==(const RegisterValue&, const RegisterValue&) = default;
};

// "T<sig>[reason;]thread:<id>;[<regno>:<value>;]..."
// e.g. T05swbreak:;thread:p1.1;20:00010000;
struct StopReply {
  std::uint8_t signal = 5;  // SIGTRAP unless a fault/interrupt says otherwise
  StopReason reason = StopReason::Signal;
  std::uint64_t watch_addr = 0;  // Watch/ReadWatch/AccessWatch only (64-bit: RV64)
  std::int64_t pid = 1;
  std::int64_t tid = 1;
  bool multiprocess = false;  // thread as "p1.1" (negotiated) or "1"
  std::vector<RegisterValue> registers;  // expedited registers (saves gdb a 'g')
  friend bool operator==(const StopReply&, const StopReply&) = default;
};

// "W<status>[;process:<pid>]": the process exited. The server avoids it while
// the user can still go backwards (gdb forgets the process after W).
struct Exited {
  std::uint8_t status = 0;
  std::optional<std::int64_t> pid;  // set when multiprocess was negotiated
  friend bool operator==(const Exited&, const Exited&) = default;
};

// "X<sig>[;process:<pid>]": the process was terminated by a signal.
struct Terminated {
  std::uint8_t signal = 9;
  std::optional<std::int64_t> pid;
  friend bool operator==(const Terminated&, const Terminated&) = default;
};

using Reply = std::variant<Empty, Ok, Error, ErrorMessage, Hex, Raw, ConsoleOutput, XferChunk, FileReply,
                           StopReply, Exited, Terminated>;

// The payload text of a reply (unescaped, unframed). Cost: linear in its size.
std::string format_reply(const Reply& reply);

}  // namespace rvrr::protocol
