// vm/elf_flags.hpp - what a RISC-V ELF's e_flags ask of the machine.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace rvrr::vm {

// e_flags bits of the RISC-V psABI.
inline constexpr std::uint32_t kEfRiscvRvc = 0x1;
inline constexpr std::uint32_t kEfRiscvFloatAbiMask = 0x6;  // 0 soft, 2 single, 4 double, 6 quad
inline constexpr std::uint32_t kEfRiscvRve = 0x8;
inline constexpr std::uint32_t kEfRiscvTso = 0x10;

// The float ABI a program was built for ("soft", "single", "double", "quad").
const char* float_abi_name(std::uint32_t e_flags);

// Why a program with these e_flags cannot run on this machine (RV32IMAFDC,
// 32 integer registers), or nothing: the soft, single (ilp32f) and double
// (ilp32d) float ABIs run; the quad float ABI (ilp32q: Q extension) and RVE
// (ilp32e: 16-register ABI) are refused. The TSO flag is harmless on a
// single hart.
std::optional<std::string> riscv_flags_problem(std::uint32_t e_flags);

}  // namespace rvrr::vm
