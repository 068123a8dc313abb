// protocol/gdb_signal.hpp - gdb's own signal numbers, as stop replies carry them.
//
// RSP stop replies (T/S/X) and the signal of C/S/vCont;C carry gdb's target-
// independent numbering (GDB_SIGNAL_* in gdb's include/gdb/signals.def), not
// the host's or the target's: a Linux SIGBUS (7) sent as is reaches gdb as
// GDB_SIGNAL_EMT. Linux numbers (what the guest ABI and vm::Signal use) are
// translated here, at the protocol edge.
#pragma once
#include <cstdint>

namespace rvrr::protocol {

// The GDB_SIGNAL_* values rvrr can report or may be asked to deliver.
namespace gdb_signal {
inline constexpr std::uint8_t kNone = 0;
inline constexpr std::uint8_t kHup = 1;
inline constexpr std::uint8_t kInt = 2;
inline constexpr std::uint8_t kQuit = 3;
inline constexpr std::uint8_t kIll = 4;
inline constexpr std::uint8_t kTrap = 5;
inline constexpr std::uint8_t kAbrt = 6;
inline constexpr std::uint8_t kEmt = 7;
inline constexpr std::uint8_t kFpe = 8;
inline constexpr std::uint8_t kKill = 9;
inline constexpr std::uint8_t kBus = 10;
inline constexpr std::uint8_t kSegv = 11;
inline constexpr std::uint8_t kSys = 12;
inline constexpr std::uint8_t kPipe = 13;
inline constexpr std::uint8_t kAlrm = 14;
inline constexpr std::uint8_t kTerm = 15;
inline constexpr std::uint8_t kUnknown = 143;  // GDB_SIGNAL_UNKNOWN
}  // namespace gdb_signal

// Linux signal number (generic table: riscv, arm64, x86) -> GDB_SIGNAL_*.
// 0 -> 0; a number gdb has no name for (SIGSTKFLT, real-time signals,
// anything out of range) -> GDB_SIGNAL_UNKNOWN.
std::uint8_t gdb_signal_from_linux(int linux_signo) noexcept;

}  // namespace rvrr::protocol
