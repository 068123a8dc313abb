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
// sets sp (x2) and returns the entry pc. Throws std::runtime_error with a clear
// message if the image cannot be laid out (segment in the guard area, overlap
// with the stack, over the memory limit). With `__stack` (picolibc) the RAM
// from the lowest writable segment up to __stack is mapped RW; without it the
// Linux stack is options.stack_size bytes below 0x7fff0000 and brk starts at
// the page after the highest segment end.
Addr layout_process(const ElfImage& image, const MachineOptions& options, Memory& memory,
                    SyscallState& state, std::uint32_t* regs);

}  // namespace rvrr::vm
