// tests/fuzz/fuzz_elf_loader.cpp - bytes -> ELF loader -> process layout -> a
// short run: never a crash, a hang or an out-of-bounds access. Bad input is an
// ElfLoadResult error or a std::runtime_error from the layout; a loaded image
// runs a bounded number of instructions with no host behind it.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "vm/elf_loader.hpp"
#include "vm/environment.hpp"
#include "vm/machine.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rvrr::vm::ElfLoadResult r = rvrr::vm::load_elf(std::span<const std::uint8_t>(data, size));
  if (!r.image) {
    if (r.error.empty()) __builtin_trap();  // an error must say what is wrong
    return 0;
  }
  rvrr::vm::MachineOptions options;
  options.argv = {"fuzz", "arg"};
  options.memory_limit = 64ull << 20;  // keep each input cheap
  options.stack_size = 1u << 20;
  try {
    rvrr::vm::Machine machine(*r.image, options);
    rvrr::vm::NullEnvironment env;
    rvrr::vm::RunOptions run;
    run.stop_at = 20000;
    (void)machine.run(run, env);
    (void)machine.state_hash();
  } catch (const std::runtime_error&) {
    // The image could not be laid out (guard area, limit, overlap): a clear error.
  }
  return 0;
}
