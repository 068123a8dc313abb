// protocol/packet_reader.hpp - RSP framing, bytes in -> frames out.
//
// A push state machine with no I/O (gdbstub's design): the session feeds it
// whatever the socket delivered, in any split, and gets complete frames back.
// It works identically whether bytes arrive one at a time or in one burst.
//
// Wire format (RSP manual, "Overview"):
//   $<body>#<two hex checksum digits>   a packet; checksum = sum of the raw body
//                                       bytes (as sent, escapes included) mod 256
//   +  /  -                             ack / nack of the last packet we sent
//   0x03                                interrupt request (Ctrl-C), between packets
// Body decoding, done here so commands see plain bytes, in gdb's own order
// (remote.c read_frame, then remote_unescape_input):
//   1. run-length: c '*' n -> c followed by (n - 29) more copies of c, where
//      c is the previous byte of the *expanded, still escaped* stream and n
//      is taken literally, whatever it is;
//   2. binary escapes: '}' x -> the byte x ^ 0x20 (used by X for # $ } *).
// '#' always ends the body and '*' always starts a run-length code, even
// right after '}' (as in gdb): a sender escapes them ("}\x03", "}\x0a").
//
// Tolerance: bytes outside a packet other than + - 0x03 $ are skipped (and
// counted in skipped_bytes()). A '$' inside a body (or in place of a checksum
// digit) restarts the packet; the partial one is dropped, as gdb does.
// 0x03 inside a body is payload data (X packets carry raw binary), not an
// interrupt.
// No-ack mode is the session's business: acks are reported either way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rvrr::protocol {

enum class FrameKind : std::uint8_t {
  Packet,       // a well-formed packet; payload = decoded body
  Ack,          // '+'
  Nack,         // '-': the peer wants our last packet again
  Interrupt,    // 0x03 outside a packet
  BadChecksum,  // checksum mismatch (or non-hex checksum); payload = decoded body
                // as received. In ack mode the session answers '-' and gdb resends.
  Invalid,      // unusable packet: too long, or a body that cannot be decoded
                // ('*' with nothing to repeat, a run-length count outside
                // 1..97, a '}' with nothing after it). reason says which. Resending will not help, so the
                // session should ack it and reply E03 rather than nack it.
};

struct Frame {
  FrameKind kind = FrameKind::Packet;
  std::string payload;      // Packet / BadChecksum: decoded body (may contain any byte); else empty
  std::string_view reason;  // Invalid: a string literal saying why; else empty

  friend bool operator==(const Frame&, const Frame&) = default;
};

class PacketReader {
 public:
  // 64 KiB: four times the PacketSize we advertise (0x4000), so a gdb that
  // respects qSupported never comes near it, yet a hostile peer cannot make
  // us buffer without bound.
  static constexpr std::size_t kDefaultMaxPayload = 64 * 1024;

  // max_payload bounds the *decoded* body (and so memory use: the raw body
  // of a packet within the limit is at most 2 * max_payload + 1 bytes).
  // A longer packet yields one Invalid frame ("packet too long") as soon as
  // the limit is crossed; the rest of it is discarded up to its checksum, and
  // reading resumes at the next '$' (or + - 0x03 once it has ended).
  explicit PacketReader(std::size_t max_payload = kDefaultMaxPayload);

  // Consumes all of `bytes`, appending every frame completed by them to
  // `out` in wire order. A packet split across calls is kept in progress.
  // Cost: O(bytes.size() + decoded output); one allocation per frame with a
  // payload (the internal buffer keeps its capacity across packets).
  void feed(std::span<const std::uint8_t> bytes, std::vector<Frame>& out);

  // Convenience forms returning the frames of this call only.
  std::vector<Frame> feed(std::span<const std::uint8_t> bytes);
  std::vector<Frame> feed(std::string_view bytes);

  // Forgets any partial packet (e.g. after a reconnect). Counters are kept.
  void reset();

  // True while a packet has started ('$' seen) but not ended.
  bool mid_packet() const noexcept { return state_ != State::Idle; }

  // Bytes skipped as garbage outside packets, and packets dropped by a
  // restarting '$', since construction (for the server's debug log).
  std::uint64_t skipped_bytes() const noexcept { return skipped_bytes_; }
  std::uint64_t dropped_packets() const noexcept { return dropped_packets_; }

  std::size_t max_payload() const noexcept { return max_payload_; }

 private:
  enum class State : std::uint8_t {
    Idle,       // between packets
    Body,       // after '$', reading the body
    RunLength,  // after '*': the next byte is the count
    Checksum1,  // after '#'
    Checksum2,  // after the first checksum digit
    Discard,    // an over-long packet: skip to its '#'
    DiscardChecksum1,
    DiscardChecksum2,
  };

  void start_packet();
  // Takes one byte of the expanded (run-length decoded) but still escaped
  // stream, undoes '}' escapes, appends to the body; on crossing
  // max_payload_ emits the Invalid frame and switches to Discard.
  void take_expanded(std::uint8_t byte, std::vector<Frame>& out);
  void finish_packet(std::vector<Frame>& out);

  std::size_t max_payload_;
  State state_ = State::Idle;
  std::string body_;              // decoded payload so far
  std::uint8_t sum_ = 0;          // running checksum of raw body bytes
  int received_sum_ = 0;          // checksum digits seen so far
  bool checksum_digits_ok_ = true;
  std::string_view invalid_;      // first decoding error in this packet, if any
  bool escape_pending_ = false;   // the last expanded byte was an unconsumed '}'
  bool have_last_ = false;        // last_expanded_ is valid (the body is not empty)
  std::uint8_t last_expanded_ = 0;  // what a '*' repeats
  std::uint64_t skipped_bytes_ = 0;
  std::uint64_t dropped_packets_ = 0;
};

}  // namespace rvrr::protocol
