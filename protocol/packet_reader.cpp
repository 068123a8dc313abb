// protocol/packet_reader.cpp - see packet_reader.hpp.
#include "protocol/packet_reader.hpp"

#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {
constexpr std::uint8_t kInterruptByte = 0x03;
// A run-length count byte n means n - 29 more copies (RSP "Overview": ' ',
// 32, means 3 more). We accept 30 (1 more) up to 126 '~' (97 more), the
// printable range senders use; a count outside it makes the packet Invalid.
constexpr int kRunLengthBias = 29;
constexpr int kRunLengthMinByte = 30;
constexpr int kRunLengthMaxByte = 126;
}  // namespace

PacketReader::PacketReader(std::size_t max_payload) : max_payload_(max_payload) {}

void PacketReader::reset() {
  state_ = State::Idle;
  body_.clear();
  invalid_ = {};
}

void PacketReader::start_packet() {
  state_ = State::Body;
  body_.clear();
  sum_ = 0;
  received_sum_ = 0;
  checksum_digits_ok_ = true;
  invalid_ = {};
  escape_pending_ = false;
  have_last_ = false;
}

void PacketReader::take_expanded(std::uint8_t byte, std::vector<Frame>& out) {
  last_expanded_ = byte;
  have_last_ = true;
  if (escape_pending_) {
    escape_pending_ = false;
    byte = static_cast<std::uint8_t>(byte ^ 0x20);
  } else if (byte == '}') {
    escape_pending_ = true;
    return;
  }
  if (body_.size() >= max_payload_) {
    out.push_back(Frame{FrameKind::Invalid, {}, "packet too long"});
    body_.clear();
    state_ = State::Discard;
    return;
  }
  body_.push_back(static_cast<char>(byte));
}

void PacketReader::finish_packet(std::vector<Frame>& out) {
  state_ = State::Idle;
  if (escape_pending_ && invalid_.empty()) invalid_ = "escape character at the end of a packet";
  if (!checksum_digits_ok_ || received_sum_ != sum_) {
    out.push_back(Frame{FrameKind::BadChecksum, body_, {}});
  } else if (!invalid_.empty()) {
    out.push_back(Frame{FrameKind::Invalid, {}, invalid_});
  } else {
    out.push_back(Frame{FrameKind::Packet, body_, {}});
  }
  body_.clear();
}

void PacketReader::feed(std::span<const std::uint8_t> bytes, std::vector<Frame>& out) {
  for (std::uint8_t c : bytes) {
    switch (state_) {
      case State::Idle:
        if (c == '$') {
          start_packet();
        } else if (c == '+') {
          out.push_back(Frame{FrameKind::Ack, {}, {}});
        } else if (c == '-') {
          out.push_back(Frame{FrameKind::Nack, {}, {}});
        } else if (c == kInterruptByte) {
          out.push_back(Frame{FrameKind::Interrupt, {}, {}});
        } else {
          ++skipped_bytes_;
        }
        break;

      case State::Body:
        if (c == '#') {
          state_ = State::Checksum1;
        } else if (c == '$') {
          ++dropped_packets_;
          start_packet();
        } else {
          sum_ = static_cast<std::uint8_t>(sum_ + c);
          if (c == '*') {
            state_ = State::RunLength;
          } else {
            take_expanded(c, out);
          }
        }
        break;

      case State::RunLength:
        sum_ = static_cast<std::uint8_t>(sum_ + c);
        state_ = State::Body;
        if (!have_last_) {
          if (invalid_.empty()) invalid_ = "run-length encoding with nothing to repeat";
        } else if (c < kRunLengthMinByte || c > kRunLengthMaxByte) {
          if (invalid_.empty()) invalid_ = "run-length count out of range";
        } else {
          // Stops early if the body overflows (take_expanded switches to Discard).
          for (int i = c - kRunLengthBias; i > 0 && state_ == State::Body; --i) {
            take_expanded(last_expanded_, out);
          }
        }
        break;

      case State::Checksum1:
      case State::Checksum2: {
        if (c == '$') {  // a lost checksum: resynchronise on the new packet
          ++dropped_packets_;
          start_packet();
          break;
        }
        int d = hex_digit_value(static_cast<char>(c));
        if (d < 0) checksum_digits_ok_ = false;
        received_sum_ = (received_sum_ << 4) | (d < 0 ? 0 : d);
        if (state_ == State::Checksum1) {
          state_ = State::Checksum2;
        } else {
          finish_packet(out);
        }
        break;
      }

      case State::Discard:
        if (c == '#') {
          state_ = State::DiscardChecksum1;
        } else if (c == '$') {
          start_packet();
        }
        break;

      case State::DiscardChecksum1:
        if (c == '$') {
          start_packet();
        } else {
          state_ = State::DiscardChecksum2;
        }
        break;

      case State::DiscardChecksum2:
        if (c == '$') {
          start_packet();
        } else {
          state_ = State::Idle;
        }
        break;
    }
  }
}

std::vector<Frame> PacketReader::feed(std::span<const std::uint8_t> bytes) {
  std::vector<Frame> out;
  feed(bytes, out);
  return out;
}

std::vector<Frame> PacketReader::feed(std::string_view bytes) {
  return feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            bytes.size()));
}

}  // namespace rvrr::protocol
