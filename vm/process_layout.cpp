// vm/process_layout.cpp - a fresh process: segments, stack, heap, initial stack.
//
// Two kinds of program:
//  - picolibc / bare-metal (the ELF defines `__stack`): the linker script owns
//    the layout. Segments are loaded at their LMA (paddr) as a bare-metal
//    loader does, and at their VMA too (crt0 copies .data from LMA to VMA;
//    having the bytes at both is harmless and lets code that skips the copy
//    work). All RAM from the lowest writable segment up to `__stack` is mapped
//    RW, since picolibc treats everything between the end of .bss and the
//    stack as heap + stack. `__heap_start`/`__heap_end` (or `end`/`__end`/
//    `_end` and `__heap_limit`) give the semihosting HEAPINFO answer.
//  - Linux ABI (no `__stack`): a stack of options.stack_size bytes below
//    kLinuxStackTop, and a brk heap starting at the page after the highest
//    segment end, growing on demand up to the stack region and the memory limit.
// In both cases the Linux initial stack (argc, argv, envp, auxv) is written
// at sp, so either kind of crt0 finds what it expects.
#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

#include "vm/guest_access.hpp"
#include "vm/process_layout.hpp"

namespace rvrr::vm {

namespace {

// Linux-ABI stack top: RV32 below 2 GiB like a 32-bit Linux process
// (qemu-riscv32 puts its stack in the same region), leaving 64 KiB unmapped
// above it; RV64 at the top of sv39's user space (0x40_0000_0000), where a
// Linux riscv64 kernel without ASLR puts it. (qemu-riscv64 7.2 puts its
// stack at 0x40_0000_0000 and mmap regions just above it: far from the
// program either way.)
constexpr Addr kLinuxStackTop = 0x7fff0000;
constexpr Addr kLinuxStackTop64 = kRv64SpaceTop;
// Unmapped gap kept between the brk heap and the stack, so a runaway heap or
// stack faults instead of silently running into the other.
constexpr std::uint32_t kStackGuardGap = 1u << 20;

constexpr std::uint32_t kAtNull = 0, kAtPhnum = 5, kAtPagesz = 6, kAtEntry = 9, kAtUid = 11, kAtEuid = 12,
                        kAtGid = 13, kAtEgid = 14, kAtClktck = 17, kAtSecure = 23,
                        kAtRandom = 25;

std::uint64_t page_down(std::uint64_t a) { return a & ~static_cast<std::uint64_t>(kPageSize - 1); }
std::uint64_t page_up(std::uint64_t a) { return page_down(a + kPageSize - 1); }

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// 16 bytes for AT_RANDOM: derived from the image, never from the host, so two
// runs of one program see the same "random" stack canary.
std::array<std::uint8_t, 16> image_random(const ElfImage& image) {
  std::uint64_t h1 = 0xcbf29ce484222325ull, h2 = 0x84222325cbf29ce4ull;
  auto mix = [&](std::uint8_t b) {
    h1 = (h1 ^ b) * 0x100000001b3ull;
    h2 = (h2 ^ b ^ 0x5a) * 0x100000001b3ull;
  };
  for (int i = 0; i < 4; ++i) mix(static_cast<std::uint8_t>(image.entry >> (8 * i)));
  for (const auto& s : image.segments) {
    for (int i = 0; i < 4; ++i) mix(static_cast<std::uint8_t>(s.vaddr >> (8 * i)));
    for (std::uint8_t b : s.bytes) mix(b);
  }
  std::array<std::uint8_t, 16> out{};
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<std::uint8_t>(h1 >> (8 * i));
    out[8 + i] = static_cast<std::uint8_t>(h2 >> (8 * i));
  }
  return out;
}

void load_segment_at(Memory& memory, const ElfSegment& seg, Addr at, const char* which) {
  if (at > kRv64SpaceTop || seg.memsz > kRv64SpaceTop - at) throw std::runtime_error("segment at " + hex(at) + " lies beyond the address space");
  const std::uint8_t perms = seg.perms ? seg.perms : static_cast<std::uint8_t>(PermRead);
  if (!memory.map(at, seg.memsz, perms))
    throw std::runtime_error(std::string("cannot map the ") + which + " segment at " + hex(at));
  if (!seg.bytes.empty() && !memory.write_bytes(at, seg.bytes))
    throw std::runtime_error("cannot load segment bytes at " + hex(at));
}

// Writes argc/argv/envp/auxv below `top`; returns the 16-byte aligned sp.
// RV32 words are 4 bytes, RV64 words 8; RV64 also gets the auxv entries
// static glibc reads (AT_PHDR/PHENT/PHNUM for its TLS segment, AT_HWCAP,
// AT_EXECFN), as a Linux riscv64 kernel lays them out.
Addr write_initial_stack(const ElfImage& image, const MachineOptions& options, Memory& memory, Addr top,
                         Addr lowest) {
  const bool rv64 = image.xlen == 64;
  const std::uint32_t word = rv64 ? 8 : 4;
  // Strings and the random bytes go at the top; pointers are computed as we go.
  std::vector<std::uint8_t> strings;
  std::vector<std::uint32_t> string_offsets;  // offset into `strings`, argv then envp
  auto add = [&](const std::string& s) {
    string_offsets.push_back(static_cast<std::uint32_t>(strings.size()));
    strings.insert(strings.end(), s.begin(), s.end());
    strings.push_back(0);
  };
  for (const auto& a : options.argv) add(a);
  for (const auto& e : options.envp) add(e);
  const auto random = image_random(image);
  const std::uint32_t random_off = static_cast<std::uint32_t>(strings.size());
  strings.insert(strings.end(), random.begin(), random.end());
  // AT_EXECFN: the program's name as the kernel saw it (argv[0] here).
  const std::uint32_t execfn_off = static_cast<std::uint32_t>(strings.size());
  if (rv64) add(options.argv.empty() ? std::string() : options.argv[0]);

  constexpr std::uint32_t kAtPhdr = 3, kAtPhent = 4, kAtBase = 7, kAtFlags = 8, kAtHwcap = 16, kAtExecfn = 31;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> auxv;
  const std::uint64_t auxv_count = rv64 ? 16 : 10;
  const std::uint64_t table_words = 1 + options.argv.size() + 1 + options.envp.size() + 1 + 2 * (auxv_count + 1);
  const std::uint64_t need = strings.size() + 16 + table_words * word + 32;
  if (need > static_cast<std::uint64_t>(top) - lowest)
    throw std::runtime_error("arguments and environment (" + std::to_string(need) +
                             " bytes) do not fit in the stack");

  const Addr strings_at = (top - 16 - strings.size()) & ~Addr{word - 1};
  const Addr sp = (strings_at - table_words * word) & ~Addr{15};

  std::vector<std::uint8_t> table;
  auto put = [&](std::uint64_t v) {
    if (rv64) guest::put_u64(table, v);
    else guest::put_u32(table, static_cast<std::uint32_t>(v));
  };
  put(options.argv.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < options.argv.size(); ++i, ++k) put(strings_at + string_offsets[k]);
  put(0);
  for (std::size_t i = 0; i < options.envp.size(); ++i, ++k) put(strings_at + string_offsets[k]);
  put(0);
  if (rv64) {
    // misa-style letter bits of RV64IMAFDC: what Linux reports in AT_HWCAP.
    constexpr std::uint32_t kHwcap = (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | (1u << ('A' - 'A')) |
                                     (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | (1u << ('C' - 'A'));
    auxv = {{kAtHwcap, kHwcap}, {kAtPagesz, kPageSize}, {kAtClktck, 100}, {kAtPhdr, image.phdr},
            {kAtPhent, image.phent}, {kAtPhnum, image.phnum}, {kAtBase, 0}, {kAtFlags, 0},
            {kAtEntry, image.entry}, {kAtUid, 0}, {kAtEuid, 0}, {kAtGid, 0}, {kAtEgid, 0},
            {kAtSecure, 0}, {kAtRandom, strings_at + random_off}, {kAtExecfn, strings_at + execfn_off}};
  } else {
    auxv = {
        {kAtPagesz, kPageSize}, {kAtEntry, image.entry}, {kAtPhnum, 0},     {kAtUid, 0},
        {kAtEuid, 0},           {kAtGid, 0},             {kAtEgid, 0},      {kAtSecure, 0},
        {kAtClktck, 100},       {kAtRandom, strings_at + random_off},
    };
  }
  for (const auto& [key, value] : auxv) {
    put(key);
    put(value);
  }
  put(kAtNull);
  put(0);
  if (!memory.write_bytes(strings_at, strings) || !memory.write_bytes(sp, table))
    throw std::runtime_error("cannot write the initial stack at " + hex(sp));
  return sp;
}

std::optional<Addr> first_symbol(const ElfImage& image, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (auto v = image.symbol(n)) return v;
  return std::nullopt;
}

}  // namespace

ProcessStart layout_process(const ElfImage& image, const MachineOptions& options, Memory& memory,
                            SyscallState& state) {
  if (image.segments.empty()) throw std::runtime_error("the program has no loadable segments");
  const std::uint64_t limit = options.memory_limit;

  // Cheap early refusal before mapping anything large.
  std::uint64_t total = 0;
  for (const auto& s : image.segments) total += s.memsz;
  if (total > limit)
    throw std::runtime_error("the program's segments need " + std::to_string(total >> 10) +
                             " KiB, more than the memory limit of " + std::to_string(limit >> 10) + " KiB");

  std::uint64_t highest_end = 0;
  std::uint64_t lowest_rw = UINT64_MAX;
  for (const auto& s : image.segments) {
    load_segment_at(memory, s, s.paddr, "physical");
    highest_end = std::max<std::uint64_t>(highest_end, static_cast<std::uint64_t>(s.paddr) + s.memsz);
    if (s.vaddr != s.paddr) {
      load_segment_at(memory, s, s.vaddr, "virtual");
      highest_end = std::max<std::uint64_t>(highest_end, static_cast<std::uint64_t>(s.vaddr) + s.memsz);
    }
    if (s.perms & PermWrite) lowest_rw = std::min<std::uint64_t>(lowest_rw, s.vaddr);
  }
  // If one segment's LMA overlaps another's VMA, the VMA bytes must win (that
  // is what the program sees after crt0's copy): write them all once more.
  for (const auto& s : image.segments)
    if (!s.bytes.empty() && s.vaddr != s.paddr) memory.write_bytes(s.vaddr, s.bytes);

  state = SyscallState{};
  state.epoch_ns = options.epoch_ns;
  state.memory_limit = limit;
  state.files.resize(3);
  for (int fd = 0; fd < 3; ++fd) state.files[fd] = GuestFile{fd, fd == 0 ? "<stdin>" : fd == 1 ? "<stdout>" : "<stderr>", 0};
  // Semihosting GET_CMDLINE carries the arguments only: picolibc's crt0 names
  // the program itself ("program-name") and splits this string into argv[1..].
  for (std::size_t i = 1; i < options.argv.size(); ++i) {
    if (i > 1) state.cmdline += ' ';
    state.cmdline += options.argv[i];
  }
  state.brk_start = state.brk =
      image.xlen == 64 ? page_up(highest_end) : std::min<std::uint64_t>(page_up(highest_end), 0xfffff000u);

  Addr sp_top;
  if (auto stack = image.symbol("__stack")) {
    // picolibc: the linker script fixes RAM; map it all, RW.
    const std::uint64_t top = page_up(*stack);
    std::uint64_t low = lowest_rw != UINT64_MAX ? page_down(lowest_rw) : 0;
    if (low == 0 || low >= top) low = top > options.stack_size ? page_down(top - options.stack_size) : kGuardEnd;
    if (low < kGuardEnd) low = kGuardEnd;
    if (top <= low || top > (image.xlen == 64 ? kRv64SpaceTop : Addr{1} << 32))
      throw std::runtime_error("__stack (" + hex(*stack) + ") is not a usable stack address");
    if (top - low > limit)
      throw std::runtime_error("the RAM from " + hex(low) + " to __stack (" + hex(*stack) +
                               ") is larger than the memory limit");
    memory.map(low, top - low, PermRead | PermWrite);
    sp_top = *stack & ~Addr{15};
    state.stack_top = sp_top;
    state.linker_layout = true;
    auto heap_start = first_symbol(image, {"__heap_start", "end", "__end", "_end"});
    auto heap_end = first_symbol(image, {"__heap_end", "__heap_limit"});
    state.heap_start = heap_start ? *heap_start : state.brk_start;
    state.heap_end = heap_end ? *heap_end : sp_top;
    state.stack_base = heap_end ? *heap_end : static_cast<Addr>(low);
    // brk (for the odd Linux-style allocator in a bare-metal program) may use
    // the RAM below the stack that is already mapped.
    state.brk_limit = std::max(state.brk_start, state.stack_base);
  } else {
    const Addr top = image.xlen == 64 ? kLinuxStackTop64 : kLinuxStackTop;
    if (options.stack_size < kPageSize || options.stack_size > top - kGuardEnd - kStackGuardGap)
      throw std::runtime_error("stack size " + std::to_string(options.stack_size) + " is out of range");
    const Addr base = static_cast<Addr>(page_down(top - options.stack_size));
    for (const auto& s : image.segments)
      for (Addr a : {s.paddr, s.vaddr})
        if (static_cast<std::uint64_t>(a) + s.memsz > base - kStackGuardGap && a < top)
          throw std::runtime_error("segment at " + hex(a) + " overlaps the stack region " + hex(base) + "-" +
                                   hex(top));
    memory.map(base, top - base, PermRead | PermWrite);
    sp_top = top;
    state.stack_top = top;
    state.stack_base = base;
    state.brk_limit = std::max<Addr>(state.brk_start, base - kStackGuardGap);
    if (image.xlen == 64) {
      // Anonymous mmap regions grow down from below the stack's guard gap
      // (as Linux's mmap_base sits below the stack); brk grows up to meet them.
      state.mmap_top = state.mmap_next = state.brk_limit;
      // What readlink("/proc/self/exe") answers: glibc insists on an absolute
      // path. argv[0] if it is one, else "/" + its last component (never a
      // host path rvrr would have to look up, so runs compare equal anywhere).
      const std::string a0 = options.argv.empty() ? std::string("program") : options.argv[0];
      state.exe = !a0.empty() && a0[0] == '/' ? a0 : "/" + a0.substr(a0.find_last_of('/') + 1);
    }
    state.heap_start = state.brk_start;
    state.heap_end = state.brk_limit;
  }
  if (static_cast<std::uint64_t>(memory.page_count()) * kPageSize > limit)
    throw std::runtime_error("the program needs " + std::to_string(memory.page_count() * (kPageSize >> 10)) +
                             " KiB of memory, more than the limit of " + std::to_string(limit >> 10) + " KiB");

  // picolibc crt0 ignores the Linux block, so it may spill below the heap end
  // into RAM crt0 re-initialises; a Linux stack must fit in the stack region.
  const Addr lowest = image.symbol("__stack") ? std::max(state.heap_start, static_cast<Addr>(kGuardEnd)) : state.stack_base;
  const Addr sp = write_initial_stack(image, options, memory, sp_top, lowest);
  state.stack_top = sp_top;
  return ProcessStart{image.entry, sp};
}

}  // namespace rvrr::vm
