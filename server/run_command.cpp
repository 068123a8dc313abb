// server/run_command.cpp - `rvrr run`: execute a program to completion, no recording.
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <optional>

#include "server/commands.hpp"
#include "vm/environment.hpp"
#include "vm/jit.hpp"
#include "vm/load_warnings.hpp"
#include "vm/machine.hpp"

namespace rvrr::server {

std::string describe_fault(const vm::StopInfo& stop, vm::Addr pc, const vm::Memory& memory, unsigned xlen) {
  char buf[64];
  std::snprintf(buf, sizeof buf, " at pc 0x%08" PRIx64 ": ", static_cast<std::uint64_t>(pc));
  std::string text = std::string("program received ") + vm::signal_name(stop.signal()) + buf +
                     vm::disassemble(memory, pc, xlen);
  // The address matters for memory faults; for SIGILL/SIGTRAP it is the pc itself.
  if (stop.signal() == vm::Signal::Segv || stop.signal() == vm::Signal::Bus) {
    std::snprintf(buf, sizeof buf, " (address 0x%08" PRIx64 ")", static_cast<std::uint64_t>(stop.addr()));
    text += buf;
  }
  return text;
}

std::uint64_t host_epoch_ns() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

int report_stop(const vm::StopInfo& stop, vm::Addr pc, const vm::Memory& memory, std::uint64_t icount,
                unsigned xlen) {
  switch (stop.kind()) {
    case vm::StopKind::Exited:
      return stop.exit_code() & 0xff;
    case vm::StopKind::Fault:
      std::fprintf(stderr, "rvrr: %s\n", describe_fault(stop, pc, memory, xlen).c_str());
      return 128 + static_cast<int>(stop.signal());
    case vm::StopKind::Limit:
      std::fprintf(stderr, "rvrr: stopped after %" PRIu64 " instructions (--max-instructions) at pc 0x%08" PRIx64 "\n",
                   icount, static_cast<std::uint64_t>(pc));
      return kExitInstructionLimit;
    case vm::StopKind::HostFailure:
      std::fprintf(stderr, "rvrr: host call failed: %s\n", stop.message().c_str());
      return 1;
    case vm::StopKind::Interrupted:  // the caller saw why (a signal) and reports it
      return 1;
    case vm::StopKind::Breakpoint:
    case vm::StopKind::Watchpoint:  // impossible without points; report rather than assert
      std::fprintf(stderr, "rvrr: unexpected stop at pc 0x%08" PRIx64 "\n", static_cast<std::uint64_t>(pc));
      return 1;
  }
  return 1;
}

void print_load_warnings(const vm::ElfImage& image, const std::string& program, const std::vector<std::string>& args) {
  vm::MachineOptions mo;
  mo.argv.push_back(program);
  mo.argv.insert(mo.argv.end(), args.begin(), args.end());
  for (const std::string& w : vm::load_warnings(image, mo))
    std::fprintf(stderr, "rvrr: warning: %s: %s\n", program.c_str(), w.c_str());
}

void print_run_stats(std::uint64_t instructions, double seconds, std::optional<std::uint64_t> translated) {
  std::fprintf(stderr, "instructions: %" PRIu64 "\n", instructions);
  if (translated) {
    std::fprintf(stderr, "  translated: %" PRIu64 "\n  interpreted: %" PRIu64 "\ntier: %s\n", *translated,
                 instructions - *translated,
                 vm::current_tier() == vm::Tier::Interp ? "interp"
                 : vm::jit_supported()                  ? "auto (translating)"
                                                        : "auto (this build interprets only)");
  }
  std::fprintf(stderr, "wall time: %.3f s\nMIPS: %.1f\n", seconds,
               seconds > 0 ? static_cast<double>(instructions) / seconds / 1e6 : 0.0);
}

int run_command(const CliRequest& request) {
  const CliOptions& o = request.options;
  vm::ElfLoadResult loaded = vm::load_elf_file(request.program);
  if (!loaded.image) {
    // The loader's message already names the file.
    std::fprintf(stderr, "rvrr: %s\n", loaded.error.c_str());
    return kExitUsage;
  }
  vm::MachineOptions mo;
  mo.argv.push_back(request.program);
  mo.argv.insert(mo.argv.end(), request.args.begin(), request.args.end());
  mo.epoch_ns = host_epoch_ns();
  mo.memory_limit = o.memory_limit_mib << 20;

  std::optional<vm::Machine> machine;
  try {
    machine.emplace(*loaded.image, mo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: %s: %s\n", request.program.c_str(), e.what());
    return kExitUsage;
  }
  print_load_warnings(*loaded.image, request.program, request.args);
  vm::HostEnvironment env(!o.no_host_files);
  vm::RunOptions ro;
  if (o.max_instructions != 0) ro.stop_at = o.max_instructions;

  auto t0 = std::chrono::steady_clock::now();
  vm::StopInfo stop = machine->run(ro, env);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fflush(stdout);

  int status = report_stop(stop, machine->pc(), machine->memory(), machine->icount(), machine->xlen());
  if (o.stats) print_run_stats(machine->icount(), seconds, machine->translated_instructions());
  return status;
}

}  // namespace rvrr::server
