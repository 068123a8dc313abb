// tests/protocol/test_packet_reader.cpp - framing tables {wire bytes -> frames}.
//
// Every row is also replayed byte by byte and at every two-way split, which
// must give the same frames: the reader is a push state machine.
#include <doctest/doctest.h>

#include "protocol/hex.hpp"
#include "protocol/packet_reader.hpp"
#include "protocol/packet_writer.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;
using rvrr::protocol::test::printable;
using rvrr::protocol::test::render;

namespace {

// "$" + raw body + "#" + its correct checksum. The body is sent as is (no
// escaping), so rows can contain hand-made escapes and run-length codes.
std::string wire(std::string_view raw_body) {
  return "$" + std::string(raw_body) + "#" + format_hex_u8(rsp_checksum(raw_body));
}

struct Row {
  const char* label;
  std::string wire;
  std::string frames;  // render() of the expected frames
  std::size_t max_payload = PacketReader::kDefaultMaxPayload;
};

std::vector<Row> framing_rows() {
  using namespace std::string_literals;
  return {
      {"plain packet, checksum by hand", "$g#67", "P:g"},
      {"query halt", "$?#3f", "P:?"},
      {"memory read", "$m0,4#fd", "P:m0,4"},
      {"upper-case checksum digits", "$m0,4#FD", "P:m0,4"},
      {"empty packet", "$#00", "P:"},
      {"ack", "+", "+"},
      {"nack", "-", "-"},
      {"interrupt byte alone", "\x03", "^C"},
      {"stray acks around a packet", "++$g#67-+", "+ | + | P:g | - | +"},
      {"interrupt between packets", "$c#63\x03$?#3f", "P:c | ^C | P:?"},
      {"interrupt after ack", "+\x03", "+ | ^C"},
      {"two packets back to back", "$g#67$c#63", "P:g | P:c"},
      {"garbage before a packet is skipped", "hello\r\n$g#67", "P:g"},
      {"stray '#' and digits outside a packet", "#67$g#67", "P:g"},
      {"bad checksum", "$g#68", "BAD:g"},
      {"non-hex checksum", "$g#zz", "BAD:g"},
      {"bad checksum, then a good packet", "$g#00$g#67", "BAD:g | P:g"},
      {"'$' in a body restarts the packet", "$qSupp$g#67", "P:g"},
      {"'$' in place of a checksum digit restarts", "$g#6$c#63", "P:c"},
      {"escaped '#'", wire("X0,1:}\x03"), "P:X0,1:#"},
      {"escaped '$'", wire("X0,1:}\x04"), "P:X0,1:$"},
      {"escaped '}'", wire("X0,1:}]"), "P:X0,1:}"},
      {"escaped '*'", wire("X0,1:}\x0a"), "P:X0,1:*"},
      {"'#' right after '}' still ends the packet", "$}#7d", "INV:escape character at the end of a packet"},
      {"escape split from its byte by nothing else", wire("a}"), "INV:escape character at the end of a packet"},
      {"0x03 inside a body is data", wire("X0,1:\x03"), "P:X0,1:\\x03"},
      {"NUL inside a body is data", wire("X0,1:"s + '\0'), "P:X0,1:\\x00"},
      {"run-length: ' ' = 3 more (RSP manual)", wire("0* "), "P:0000"},
      {"run-length: '!' = 4 more", wire("ab*!"), "P:abbbbb"},
      {"run-length: smallest count (30 = 1 more)", wire("x*\x1e"), "P:xx"},
      {"run-length: largest count ('~' = 97 more)", wire("y*~"), "P:" + std::string(98, 'y')},
      // gdb expands run-length codes before undoing escapes (read_frame, then
      // remote_unescape_input): the repeated byte is the raw one after '}'.
      {"run-length repeats the raw byte after an escape", wire("}\x03*!"), "P:#\\x03\\x03\\x03\\x03"},
      {"run-length of escaped pairs", wire("}]*!"), "P:}]]]]"},
      {"run-length of '}' forms escapes", wire("a}*\x1e" "b"), "P:a]b"},
      {"'*' after '}' is still run-length", wire("x}*\x1e"), "P:x]"},
      {"run-length then more text", wire("0* 1"), "P:00001"},
      {"run-length with nothing to repeat", wire("* "), "INV:run-length encoding with nothing to repeat"},
      {"run-length count too small", wire("a*\x1d"), "INV:run-length count out of range"},
      {"run-length count too large", wire("a*\x7f"), "INV:run-length count out of range"},
      {"invalid body but bad checksum: checksum wins", "$* #00", "BAD:"},
      {"packet exactly at the limit", wire("12345678"), "P:12345678", 8},
      {"over-long packet, then resync", wire("123456789") + "$g#67", "INV:packet too long | P:g", 8},
      {"over-long via run-length", wire("a*~") + "+", "INV:packet too long | +", 8},
      {"over-long packet cut by a new '$'", "$123456789$g#67", "INV:packet too long | P:g", 8},
      {"ack right after an over-long packet's checksum", wire("123456789") + "+", "INV:packet too long | +", 8},
      {"interrupt after an over-long packet", wire("123456789") + "\x03", "INV:packet too long | ^C", 8},
      {"qSupported as gdb 13 sends it",
       wire("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
            "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+"),
       "P:qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
       "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+"},
  };
}

std::vector<Frame> feed_in_pieces(PacketReader& reader, std::string_view wire,
                                  const std::vector<std::size_t>& cuts) {
  std::vector<Frame> frames;
  std::size_t start = 0;
  for (std::size_t cut : cuts) {
    reader.feed(std::span<const std::uint8_t>(
                    reinterpret_cast<const std::uint8_t*>(wire.data()) + start, cut - start),
                frames);
    start = cut;
  }
  reader.feed(std::span<const std::uint8_t>(
                  reinterpret_cast<const std::uint8_t*>(wire.data()) + start, wire.size() - start),
              frames);
  return frames;
}

}  // namespace

TEST_CASE("packet_reader: framing table, whole input") {
  for (const Row& row : framing_rows()) {
    CAPTURE(row.label);
    std::string shown = printable(row.wire);
    CAPTURE(shown);
    PacketReader reader(row.max_payload);
    CHECK(render(reader.feed(row.wire)) == row.frames);
    CHECK_FALSE(reader.mid_packet());
  }
}

TEST_CASE("packet_reader: framing table, byte by byte and every split") {
  for (const Row& row : framing_rows()) {
    CAPTURE(row.label);
    {
      PacketReader reader(row.max_payload);
      std::vector<std::size_t> cuts;
      for (std::size_t i = 1; i < row.wire.size(); ++i) cuts.push_back(i);
      CHECK(render(feed_in_pieces(reader, row.wire, cuts)) == row.frames);
    }
    for (std::size_t split = 0; split <= row.wire.size(); ++split) {
      CAPTURE(split);
      PacketReader reader(row.max_payload);
      CHECK(render(feed_in_pieces(reader, row.wire, {split})) == row.frames);
    }
  }
}

TEST_CASE("packet_reader: a partial packet is kept across feeds") {
  PacketReader reader;
  CHECK(reader.feed("$m8000").empty());
  CHECK(reader.mid_packet());
  CHECK(reader.feed(",4#").empty());
  CHECK(reader.mid_packet());
  std::string rest = format_hex_u8(rsp_checksum("m8000,4"));
  CHECK(render(reader.feed(rest)) == "P:m8000,4");
  CHECK_FALSE(reader.mid_packet());
}

TEST_CASE("packet_reader: counters and reset") {
  PacketReader reader;
  reader.feed("xyz$g$c#63");
  CHECK(reader.skipped_bytes() == 3);
  CHECK(reader.dropped_packets() == 1);
  reader.feed("$qSup");
  CHECK(reader.mid_packet());
  reader.reset();
  CHECK_FALSE(reader.mid_packet());
  CHECK(render(reader.feed("#00$g#67")) == "P:g");  // "#00" is now garbage
}

TEST_CASE("packet_reader: the appending form keeps earlier frames") {
  PacketReader reader;
  std::vector<Frame> out;
  std::string_view a = "+$g#67";
  std::string_view b = "$c#63";
  reader.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()), out);
  reader.feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()), out);
  CHECK(render(out) == "+ | P:g | P:c");
}

TEST_CASE("packet_reader: a long binary packet at the default limit") {
  // 64 KiB of every byte value, escaped by the writer: the largest accepted packet.
  std::string payload(PacketReader::kDefaultMaxPayload, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7);
  PacketReader reader;
  auto frames = reader.feed(encode_packet(payload));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].kind == FrameKind::Packet);
  CHECK(frames[0].payload == payload);
  frames = reader.feed(encode_packet(payload + "x"));
  REQUIRE(frames.size() == 1);
  CHECK(frames[0].kind == FrameKind::Invalid);
}
