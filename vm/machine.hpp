// vm/machine.hpp - one RV32IMAFDC or RV64IMAFDC hart, its memory and its syscall state.
//
// The Machine knows nothing of time travel: it executes, and copying it is
// taking a snapshot (copy-on-write memory, O(mapped pages) refcount bumps at
// most). The instruction count (icount) is the machine's clock: it counts
// retired instructions from 0 at the entry point and names every point in time.
//
// An instruction that stops the machine before retiring (breakpoint,
// watchpoint, fault, exit) leaves pc at that instruction and icount unchanged,
// so the state at a stop is exactly the state after icount instructions.
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "vm/debug_points.hpp"
#include "vm/elf_loader.hpp"
#include "vm/environment.hpp"
#include "vm/exec_trace.hpp"
#include "vm/memory.hpp"
#include "vm/types.hpp"

namespace rvrr::vm {

struct MachineOptions {
  std::vector<std::string> argv;        // argv[0] is the program name
  std::vector<std::string> envp;        // "NAME=value" entries for the Linux initial stack
  std::uint64_t epoch_ns = 0;           // guest wall-clock time at icount 0 (fixed by the owner, stored in traces)
  std::uint64_t memory_limit = 512ull << 20;  // bytes of guest memory (pages mapped) the guest may grow to
  std::uint32_t stack_size = 8u << 20;  // Linux-ABI stack when the ELF defines no __stack
};

// Where the process's regions are (for memory maps: `info proc mappings`).
struct ProcessLayout {
  Addr brk_start = 0, brk = 0;        // the Linux program break: the brk heap is [brk_start, brk)
  Addr heap_start = 0, heap_end = 0;  // the heap semihosting HEAPINFO reports (picolibc's malloc arena)
  Addr stack_base = 0, stack_top = 0; // the stack region: [stack_base, stack_top)
  bool linker_layout = false;         // the ELF defines __stack (picolibc): the RAM below it is heap + stack
};

struct RunOptions {
  // Stop with StopKind::Limit when icount reaches this value.
  std::uint64_t stop_at = std::numeric_limits<std::uint64_t>::max();
  // Breakpoints/watchpoints to honour; null or empty takes the fast path.
  const DebugPoints* points = nullptr;
  // The first instruction executed ignores a breakpoint at its pc and any
  // watchpoint it touches: how a resume steps off the stop it starts from.
  bool skip_points_at_start = false;
  // Report what executes (straight-line runs, pages read) to this sink; see
  // vm/exec_trace.hpp. Works with or without points.
  ExecTraceSink* trace = nullptr;
  // A pause point, not an exact stop: without points, the run may stop with
  // StopKind::Limit anywhere from stop_at to kMaxOvershoot instructions past
  // it, at a block boundary (where the fast path checks its limit), instead
  // of finishing the last stretch instruction by instruction in the exact
  // loop (10-20x slower than translated code). For callers that only need to
  // look up now and then (the recorder's progress and interrupt checks, the
  // background indexer's slices); the state where it stops is still exact
  // and deterministic. Ignored with points (they stop exactly anyway).
  bool soft_stop = false;
  static constexpr std::uint64_t kMaxOvershoot = 4096;
};

struct MachineDelta;

class Machine {
 public:
  // A machine at icount 0, ready to execute the image's entry point: segments
  // loaded at their physical address (and mapped at their virtual one too),
  // stack and heap regions mapped, the Linux initial stack (argc, argv, envp,
  // auxv) written when the program uses it.
  // Throws std::runtime_error with a clear message if the image cannot be laid out.
  Machine(const ElfImage& image, const MachineOptions& options);
  Machine(const Machine&);             // snapshot
  Machine& operator=(const Machine&);  // snapshot
  Machine(Machine&&) noexcept;
  Machine& operator=(Machine&&) noexcept;
  ~Machine();

  // Execute until an event or icount == options.stop_at. Host calls go to `env`.
  // Cost: the fast path runs at full interpreter speed when no points are given.
  // Calling run on a machine that has exited or faulted returns the same stop again.
  StopInfo run(const RunOptions& options, Environment& env);
  // Execute exactly one instruction (or stop before it); honours `points`
  // except as skip_points_at_start says.
  StopInfo step(Environment& env, const DebugPoints* points = nullptr, bool skip_points_at_start = true);

  std::uint64_t icount() const;
  // Of the instructions this machine (and the machines it was copied from)
  // retired, how many ran as translated code (vm/jit.hpp); the rest were
  // interpreted. Speed bookkeeping only: not part of the state or its hashes.
  std::uint64_t translated_instructions() const;
  // 32 for an RV32 program, 64 for an RV64 one (from the ELF class).
  unsigned xlen() const;
  // x0..x31; x0 is always 0. On RV64, reg() is the low 32 bits and set_reg
  // writes the value zero-extended; reg64/set_reg64 see all of it (on RV32
  // they zero-extend / truncate).
  std::uint32_t reg(unsigned index) const;
  void set_reg(unsigned index, std::uint32_t value);  // writes to x0 are ignored
  std::uint64_t reg64(unsigned index) const;
  void set_reg64(unsigned index, std::uint64_t value);
  // F/D registers (64 bits; a single is NaN-boxed) and fcsr (fflags in bits
  // 4:0, frm in 7:5; set_fcsr keeps those 8 bits).
  std::uint64_t freg(unsigned index) const;
  void set_freg(unsigned index, std::uint64_t value);
  std::uint32_t fcsr() const;
  void set_fcsr(std::uint32_t value);
  Addr pc() const;
  void set_pc(Addr pc);
  Memory& memory();
  const Memory& memory() const;

  // After an exit or a fatal fault the machine is halted; run() returns that stop again.
  bool halted() const;
  const StopInfo& halt_reason() const;  // valid when halted()

  // Deterministic hashes: registers+pc+icount; and everything (registers,
  // memory, syscall state). Equal states give equal hashes across runs and hosts.
  std::uint64_t register_hash() const;
  std::uint64_t state_hash() const;
  // state_hash without the guest epoch (the clock's origin, MachineOptions::
  // epoch_ns): two runs started at different wall-clock times hash equal
  // until the guest reads the clock (then its registers or memory differ).
  std::uint64_t state_hash_without_epoch() const;

  // Pages of guest memory currently mapped, and where the heap break is.
  std::size_t mapped_pages() const;
  ProcessLayout layout() const;

  struct Impl;
 private:
  friend std::optional<MachineDelta> delta_between(const Machine& base, const Machine& now,
                                                   std::size_t page_limit);  // vm/machine_delta.hpp
  friend bool apply_delta(Machine& m, const MachineDelta& d);
  std::unique_ptr<Impl> impl_;
};

// A one-line disassembly of the instruction at `pc` ("addi a0, a0, 1"), or
// "<unmapped>"/".word 0x...." when it cannot be decoded. For fault messages.
std::string disassemble(const Memory& memory, Addr pc);
// The same for a machine of width `xlen` (64: RV64's meanings, compressed
// forms shown as their 32-bit expansion).
std::string disassemble(const Memory& memory, Addr pc, unsigned xlen);

}  // namespace rvrr::vm
