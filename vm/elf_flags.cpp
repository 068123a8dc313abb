// vm/elf_flags.cpp - the e_flags check (see elf_flags.hpp).
#include "vm/elf_flags.hpp"

namespace rvrr::vm {

const char* float_abi_name(std::uint32_t e_flags) {
  static const char* const names[4] = {"soft", "single", "double", "quad"};
  return names[(e_flags & kEfRiscvFloatAbiMask) >> 1];
}

std::optional<std::string> riscv_flags_problem(std::uint32_t e_flags) {
  if ((e_flags & kEfRiscvFloatAbiMask) == 6)
    return std::string("the program uses the quad-precision float ABI (ilp32q, the Q extension); "
                       "rvrr implements F and D only: build with -mabi=ilp32d or ilp32f");
  if (e_flags & kEfRiscvRve)
    return std::string("the program is built for RV32E (ilp32e, 16 integer registers); "
                       "rvrr runs RV32I programs: build with -march=rv32i... -mabi=ilp32, ilp32f or ilp32d");
  return std::nullopt;
}

}  // namespace rvrr::vm
