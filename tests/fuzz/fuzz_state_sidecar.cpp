// tests/fuzz/fuzz_state_sidecar.cpp - bytes -> TRACE.states and TRACE.idx
// decoders: never a crash, a hang or an out-of-bounds read. The input is
// tried as a whole state file (its own trace hash is taken as the expected
// one, so mutations get past the key check), as one state, and as an index
// sidecar; a state that decodes is applied to a small machine.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "timeline/index_sidecar.hpp"
#include "timeline/state_sidecar.hpp"
#include "trace/format.hpp"
#include "vm/elf_loader.hpp"
#include "vm/machine_delta.hpp"

namespace {

using namespace rvrr;

void apply_to_small_machine(const vm::MachineDelta& d) {
  if (d.pages.size() > 64) return;  // bounded work per input
  static const std::vector<std::uint8_t> code = {0x73, 0x00, 0x10, 0x00};  // ebreak
  vm::ElfImage image;
  image.entry = 0x10000;
  vm::ElfSegment text;
  text.vaddr = text.paddr = 0x10000;
  text.memsz = 0x1000;
  text.perms = vm::PermRead | vm::PermExec;
  text.bytes = code;
  image.segments.push_back(text);
  vm::MachineOptions o;
  o.argv = {"fuzz"};
  vm::Machine m(image, o);
  (void)vm::apply_delta(m, d);
  (void)m.state_hash();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  timeline::StateSidecarKey key;
  key.rvrr_version = trace::rvrr_version_string();
  key.interval = 4'000'000;
  constexpr std::size_t kHashAt = sizeof timeline::kStateSidecarMagic - 1 + 8;
  if (size >= kHashAt + key.trace_sha256.size())
    for (std::size_t i = 0; i < key.trace_sha256.size(); ++i) key.trace_sha256[i] = data[kHashAt + i];
  auto states = timeline::decode_state_sidecar(bytes, key);
  if (auto* all = std::get_if<std::vector<std::vector<std::uint8_t>>>(&states)) {
    for (std::size_t k = 0; k < all->size(); ++k)
      if (auto d = timeline::decode_state((*all)[k], (k + 1) * key.interval)) apply_to_small_machine(*d);
  }
  if (auto d = timeline::decode_state(bytes, 0)) apply_to_small_machine(*d);
  (void)timeline::decode_index_sidecar(bytes, timeline::sidecar_key(key.trace_sha256, 50000));
  return 0;
}
