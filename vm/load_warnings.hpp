// vm/load_warnings.hpp - what a user should hear about a program before it runs.
//
// Problems that do not stop rvrr from running the program but will make it
// misbehave in ways that look like rvrr's fault: a picolibc heap that runs
// into the stack, arguments picolibc's start-up code cannot pass intact
// (spaces, empty ones, too many, too long a command line).
// Each warning is one sentence; the caller prints it (once, to stderr).
#pragma once
#include <string>
#include <vector>

#include "vm/elf_loader.hpp"
#include "vm/machine.hpp"

namespace rvrr::vm {

std::vector<std::string> load_warnings(const ElfImage& image, const MachineOptions& options);

}  // namespace rvrr::vm
