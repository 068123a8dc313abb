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
// (LLDB's choice), 0x01 generic failure, 0x0e memory not accessible (EFAULT).
struct Error {
  std::uint8_t code = 0x01;
  friend bool operator==(const Error&, const Error&) = default;
};
inline constexpr std::uint8_t kErrorMalformed = 0x03;
inline constexpr std::uint8_t kErrorFault = 0x0e;

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
  std::uint32_t value = 0;  // sent little-endian, e.g. "20:00000080;"
  friend bool operator==(const RegisterValue&, const RegisterValue&) = default;
};

// "T<sig>[reason;]thread:<id>;[<regno>:<value>;]..."
// e.g. T05swbreak:;thread:p1.1;20:00010000;
struct StopReply {
  std::uint8_t signal = 5;  // SIGTRAP unless a fault/interrupt says otherwise
  StopReason reason = StopReason::Signal;
  std::uint32_t watch_addr = 0;  // Watch/ReadWatch/AccessWatch only
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

using Reply = std::variant<Empty, Ok, Error, Hex, Raw, ConsoleOutput, XferChunk, StopReply,
                           Exited, Terminated>;

// The payload text of a reply (unescaped, unframed). Cost: linear in its size.
std::string format_reply(const Reply& reply);

}  // namespace rvrr::protocol
