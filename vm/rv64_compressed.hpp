// vm/rv64_compressed.hpp - RV64C: a 16-bit instruction expanded to the
// 32-bit RV64 instruction it stands for (private to vm/).
//
// The RV64 run loop (interpreter64.cpp) executes only 32-bit encodings, so
// every compressed form is turned into its canonical expansion from the
// spec's RVC tables (for RV64: c.ld/c.sd/c.ldsp/c.sdsp replace RV32's
// c.flw/c.fsw/c.flwsp/c.fswsp, c.addiw replaces c.jal, c.subw/c.addw exist,
// shift amounts have 6 bits). Reserved and illegal encodings (all zeros,
// c.addi4spn with 0, c.lwsp/c.ldsp to x0, c.jr x0, c.addiw to x0, c.lui/
// c.addi16sp with 0) expand to 0, which is itself an illegal instruction.
#pragma once
#include <cstdint>

namespace rvrr::vm {

// 0 when `half` is reserved or illegal on RV64; c.ebreak gives ebreak (the
// caller tells the two apart by the instruction length).
std::uint32_t expand_rv64c(std::uint16_t half);
// expand_rv64c of every halfword, computed once (256 KiB): the run loop's
// expansion is one lookup.
const std::uint32_t* rv64c_table();

}  // namespace rvrr::vm
