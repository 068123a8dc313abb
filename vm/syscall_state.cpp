// vm/syscall_state.cpp - a deterministic hash of the syscall layer's state.
#include <cstring>

#include "vm/syscalls.hpp"

namespace rvrr::vm {

namespace {
// FNV-1a over explicit little-endian encodings: the same on every host.
struct Hasher {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void byte(std::uint8_t b) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void str(const std::string& s) {
    u64(s.size());
    for (char c : s) byte(static_cast<std::uint8_t>(c));
  }
};
}  // namespace

std::uint64_t SyscallState::hash(bool with_epoch) const {
  Hasher h;
  h.u64(brk_start);
  h.u64(brk);
  h.u64(brk_limit);
  h.u64(heap_start);
  h.u64(heap_end);
  h.u64(stack_top);
  h.u64(stack_base);
  if (mmap_top != 0) {  // RV64 only: RV32 states hash as they always did
    h.u64(mmap_top);
    h.u64(mmap_next);
  }
  if (with_epoch) h.u64(epoch_ns);
  h.u64(memory_limit);
  h.u64(static_cast<std::uint32_t>(semihost_errno));
  h.u64(files.size());
  for (const auto& f : files) {
    h.byte(f ? 1 : 0);
    if (!f) continue;
    h.u64(static_cast<std::uint64_t>(f->host_handle));
    h.str(f->path);
    h.u64(f->position);
  }
  h.str(cmdline);
  if (!exe.empty()) h.str(exe);  // RV64 only
  h.u64(logged_unknown.size());
  for (const auto& s : logged_unknown) h.str(s);
  return h.h;
}

}  // namespace rvrr::vm
