// protocol/features.hpp - capabilities declared once, derived into qSupported
// and target.xml (gdbstub's habit).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/command.hpp"
#include "protocol/reply.hpp"

namespace rvrr::protocol {

// What both sides agreed on after qSupported. The server keeps this for the
// session: it decides the stop-reply format (swbreak/hwbreak reasons, "p1.1"
// thread ids).
struct Negotiated {
  bool multiprocess = false;
  bool swbreak = false;
  bool hwbreak = false;
  bool vcont_supported = false;
  friend bool operator==(const Negotiated&, const Negotiated&) = default;
};

// rvrr's capabilities.
struct Features {
  // Largest packet gdb may send us, advertised as hex "PacketSize=4000".
  // 0x4000 (16 KiB): big enough that 'g' (33 registers = 264 hex chars) and
  // target.xml fit easily and memory reads come in few round trips; smaller
  // than PacketReader's limit (64 KiB), so gdb never hits it.
  std::uint32_t packet_size = 0x4000;
  bool reverse = true;     // ReverseStep+ / ReverseContinue+ (bs / bc)
  bool exec_file = true;   // qXfer:exec-file:read+
  bool no_ack = true;      // QStartNoAckMode+
  bool siginfo = true;     // qXfer:siginfo:read+ ($_siginfo at a stop)
  unsigned xlen = 32;      // 64: target.xml is the riscv:rv64 one

  // What to enable given what gdb offered: swbreak, hwbreak, multiprocess
  // only if offered (RSP: a stub must not use them otherwise); vContSupported
  // we always advertise, gdb's offer is recorded.
  Negotiated negotiate(const QuerySupported& offered) const;

  // The qSupported reply, e.g.
  // "PacketSize=4000;qXfer:features:read+;qXfer:exec-file:read+;qXfer:siginfo:read+;
  //  QStartNoAckMode+;ReverseStep+;ReverseContinue+;vContSupported+;swbreak+;multiprocess+"
  std::string supported_reply(const QuerySupported& offered) const;

  // The document served under qXfer:features:read for `annex`
  // ("target.xml"), or nullopt for any other annex (reply E00).
  std::optional<std::string_view> feature_document(std::string_view annex) const;
};

// The riscv:rv32 target description: <architecture>riscv:rv32</architecture>
// and feature org.gnu.gdb.riscv.cpu with x0..x31 by ABI name (zero ra sp gp
// tp t0 t1 t2 fp s1 a0..a7 s2..s11 t3..t6, as gdb's own riscv-32bit-cpu.xml),
// 32 bits each, regnums 0..31, and pc regnum 32 of type code_ptr; and
// feature org.gnu.gdb.riscv.fpu as gdb's own riscv-64bit-fpu.xml: ft0..ft11
// by ABI name, 64 bits each (a float/double union), regnums 33..64, then
// fflags, frm and fcsr, 32 bits, at gdb's CSR numbering (65 + CSR number:
// 66, 67, 68). Served always: gdb shows the float registers of a soft-float
// program too (as zeros), as it does on any RV32GC core.
std::string_view target_xml_rv32() noexcept;
// The riscv:rv64 description: the same with x0..x31 and pc 64 bits wide
// (gdb's riscv-64bit-cpu.xml); the fpu feature is unchanged.
std::string_view target_xml_rv64() noexcept;
inline constexpr unsigned kFirstFloatRegno = 33;   // ft0; ft11 is 64
inline constexpr unsigned kFflagsRegno = 66, kFrmRegno = 67, kFcsrRegno = 68;

// One qXfer read chunk of `document`: bytes [offset, offset+length).
// 'm' if bytes remain after the chunk, 'l' otherwise; offset at or past the
// end -> empty 'l'. length 0 -> empty 'm' if offset is before the end (gdb
// never asks for 0 bytes). Cost: copies the chunk.
XferChunk xfer_chunk(std::string_view document, std::uint64_t offset, std::uint64_t length);

}  // namespace rvrr::protocol
