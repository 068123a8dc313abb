// tests/fuzz/fuzz_packet_reader.cpp - libFuzzer target for PacketReader.
//
// Properties checked on every input (abort on violation):
//  1. feeding the bytes in one call or one byte at a time gives the same frames
//     (the reader is a pure push state machine);
//  2. no payload exceeds the reader's limit;
//  3. every Packet payload survives encode_packet -> fresh reader unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "protocol/packet_reader.hpp"
#include "protocol/packet_writer.hpp"

using namespace rvrr::protocol;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A small limit so the over-long path is reached by short inputs.
  constexpr std::size_t kMax = 64;
  std::span<const std::uint8_t> bytes(data, size);

  PacketReader whole(kMax);
  std::vector<Frame> a;
  whole.feed(bytes, a);

  PacketReader bytewise(kMax);
  std::vector<Frame> b;
  for (std::size_t i = 0; i < size; ++i) bytewise.feed(bytes.subspan(i, 1), b);

  require(a == b);
  require(whole.mid_packet() == bytewise.mid_packet());
  require(whole.skipped_bytes() == bytewise.skipped_bytes());

  for (const Frame& f : a) {
    require(f.payload.size() <= kMax);
    require((f.kind == FrameKind::Invalid) == !f.reason.empty());
    if (f.kind != FrameKind::Packet) continue;
    PacketReader again(kMax);
    auto frames = again.feed(encode_packet(f.payload));
    require(frames.size() == 1 && frames[0].kind == FrameKind::Packet &&
            frames[0].payload == f.payload);
  }
  return 0;
}
