// vm/process_layout.hpp - a fresh process's memory and registers (private to vm/).
#pragma once
#include <cstdint>

#include "vm/elf_loader.hpp"
#include "vm/machine.hpp"
#include "vm/memory.hpp"
#include "vm/syscalls.hpp"

namespace rvrr::vm {

// Lays out a fresh process: maps and fills PT_LOAD segments (at paddr and vaddr),
// stack, heap/brk; writes the Linux initial stack (argc, argv, envp, auxv);
// returns the entry pc and sp. Throws std::runtime_error with a clear
// message if the image cannot be laid out (segment in the guard area, overlap
// with the stack, over the memory limit). With `__stack` (picolibc) the RAM
// from the lowest writable segment up to __stack is mapped RW; without it the
// Linux stack is options.stack_size bytes below 0x7fff0000 and brk starts at
// the page after the highest segment end.
// For an RV64 image (image.xlen == 64) the initial stack holds 8-byte words
// and the auxv a Linux riscv64 kernel gives (AT_PHDR, AT_HWCAP, AT_EXECFN,
// ...), and the anonymous mmap area ends below the stack's guard gap.
struct ProcessStart {
  Addr pc = 0;  // the entry point
  Addr sp = 0;  // the initial stack pointer (x2)
};
ProcessStart layout_process(const ElfImage& image, const MachineOptions& options, Memory& memory,
                            SyscallState& state);
// The same for a 32-bit register file: sets regs[2] (sp), returns the entry pc.
inline Addr layout_process(const ElfImage& image, const MachineOptions& options, Memory& memory,
                           SyscallState& state, std::uint32_t* regs) {
  const ProcessStart start = layout_process(image, options, memory, state);
  regs[2] = start.sp;
  return start.pc;
}

}  // namespace rvrr::vm
