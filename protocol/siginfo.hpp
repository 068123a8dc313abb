// protocol/siginfo.hpp - the siginfo gdb reads as $_siginfo (qXfer:siginfo:read).
//
// gdb interprets the bytes with its own type for the target's OS ABI: for a
// riscv:rv32 target with the GNU/Linux ABI (gdb-multiarch's default) that is
// linux_get_siginfo_type for 32-bit int/long/pointers, i.e. the Linux
// siginfo_t of an ILP32 target: 128 bytes, little-endian,
//   0 si_signo, 4 si_errno, 8 si_code, 12 the union (_sigfault.si_addr first).
// For a riscv:rv64 target it is the LP64 siginfo_t: 128 bytes, the union
// 8-aligned at 16, si_addr 8 bytes.
// Numbers here are Linux's (si_signo is the target's number, not gdb's).
#pragma once
#include <cstdint>
#include <string>

namespace rvrr::protocol {

struct SigInfo {
  std::int32_t signo = 0;  // Linux numbering (SIGSEGV 11, SIGBUS 7, ...)
  std::int32_t code = 0;   // si_code: SEGV_MAPERR, BUS_ADRALN, ...
  std::uint64_t addr = 0;  // _sigfault.si_addr: the faulting address
  friend bool operator==(const SigInfo&, const SigInfo&) = default;
};

// si_code values (Linux uapi asm-generic/siginfo.h) rvrr reports.
namespace si_code {
inline constexpr std::int32_t kKernel = 0x80;  // SI_KERNEL: sent by the kernel (e.g. tty Ctrl-C)
inline constexpr std::int32_t kSegvMapErr = 1;  // SEGV_MAPERR: address not mapped
inline constexpr std::int32_t kSegvAccErr = 2;  // SEGV_ACCERR: mapped, access not permitted
inline constexpr std::int32_t kBusAdrAln = 1;   // BUS_ADRALN: misaligned address
inline constexpr std::int32_t kIllIllOpc = 1;   // ILL_ILLOPC: illegal opcode
inline constexpr std::int32_t kTrapBrkpt = 1;   // TRAP_BRKPT: breakpoint
}  // namespace si_code

inline constexpr std::size_t kSigInfoSizeIlp32 = 128;

// The 128 bytes gdb expects for an ILP32 Linux target (see the file comment).
std::string siginfo_bytes_ilp32(const SigInfo& info);
// The same for an LP64 Linux target (riscv:rv64).
std::string siginfo_bytes_lp64(const SigInfo& info);

}  // namespace rvrr::protocol
