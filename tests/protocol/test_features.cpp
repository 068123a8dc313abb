// tests/protocol/test_features.cpp - qSupported derivation, target.xml, chunking.
#include <doctest/doctest.h>

#include "protocol/features.hpp"
#include "protocol/hex.hpp"
#include "protocol_test_util.hpp"

using namespace rvrr::protocol;

namespace {
QuerySupported offered(std::string_view payload) {
  Command c = parse_command(payload);
  REQUIRE(std::holds_alternative<QuerySupported>(c));
  return std::get<QuerySupported>(c);
}

constexpr std::string_view kBase =
    "PacketSize=4000;qXfer:features:read+;qXfer:exec-file:read+;qXfer:siginfo:read+;QStartNoAckMode+;"
    "ReverseStep+;ReverseContinue+;vContSupported+";
}  // namespace

TEST_CASE("features: qSupported reply derived from what gdb offered") {
  struct Row { const char* offer; std::string reply; Negotiated negotiated; };
  const Row rows[] = {
      {"qSupported", std::string(kBase), {}},
      {"qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
       "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;xmlRegisters=i386",
       std::string(kBase) + ";swbreak+;hwbreak+;multiprocess+", {true, true, true, true}},
      {"qSupported:swbreak+", std::string(kBase) + ";swbreak+", {false, true, false, false}},
      {"qSupported:hwbreak+", std::string(kBase) + ";hwbreak+", {false, false, true, false}},
      {"qSupported:multiprocess+", std::string(kBase) + ";multiprocess+", {true, false, false, false}},
      {"qSupported:swbreak-;multiprocess-;hwbreak?", std::string(kBase), {}},
  };
  Features features;
  for (const Row& row : rows) {
    CAPTURE(row.offer);
    QuerySupported q = offered(row.offer);
    CHECK(features.supported_reply(q) == row.reply);
    CHECK(features.negotiate(q) == row.negotiated);
  }
}

TEST_CASE("features: packet size is hex and at least 0x4000") {
  Features features;
  CHECK(features.packet_size >= 0x4000u);
  features.packet_size = 0x10000;
  CHECK(features.supported_reply(QuerySupported{}).rfind("PacketSize=10000;", 0) == 0);
  features.reverse = false;
  features.exec_file = false;
  CHECK(features.supported_reply(QuerySupported{}).find("Reverse") == std::string::npos);
  CHECK(features.supported_reply(QuerySupported{}).find("exec-file") == std::string::npos);
}

TEST_CASE("features: the riscv:rv32 target description") {
  std::string_view xml = target_xml_rv32();
  CHECK(xml.find("<architecture>riscv:rv32</architecture>") != std::string_view::npos);
  CHECK(xml.find("<feature name=\"org.gnu.gdb.riscv.cpu\">") != std::string_view::npos);
  const char* abi[32] = {"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0",
                         "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
                         "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  std::size_t previous = 0;
  for (int i = 0; i < 32; ++i) {
    CAPTURE(i);
    std::string reg = "<reg name=\"" + std::string(abi[i]) + "\" bitsize=\"32\"";
    std::size_t at = xml.find(reg);
    REQUIRE(at != std::string_view::npos);
    CHECK(at > previous);  // in regnum order
    previous = at;
    std::size_t end = xml.find("/>", at);
    std::string_view element = xml.substr(at, end - at);
    CHECK(element.find("regnum=\"" + std::to_string(i) + "\"") != std::string_view::npos);
  }
  CHECK(xml.find("<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\" regnum=\"32\"/>") !=
        std::string_view::npos);
  // Only the float registers are 64 bits wide (D on RV32); the cpu feature ends before them.
  const std::size_t fpu = xml.find("<feature name=\"org.gnu.gdb.riscv.fpu\">");
  REQUIRE(fpu != std::string_view::npos);
  CHECK(xml.find("bitsize=\"64\"") > fpu);
  const char* fnames[32] = {"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0",
                            "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5",
                            "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
  for (int i = 0; i < 32; ++i) {
    CAPTURE(i);
    CHECK(xml.find("<reg name=\"" + std::string(fnames[i]) + "\" bitsize=\"64\" type=\"riscv_double\" regnum=\"" +
                   std::to_string(33 + i) + "\"/>") != std::string_view::npos);
  }
  CHECK(xml.find("<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"66\"/>") != std::string_view::npos);
  CHECK(xml.find("<reg name=\"frm\" bitsize=\"32\" type=\"int\" regnum=\"67\"/>") != std::string_view::npos);
  CHECK(xml.find("<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\"/>") != std::string_view::npos);
  // Nothing gdb would have to unescape: the document is sent as is.
  CHECK(xml.find_first_of("#$}*") == std::string_view::npos);
  Features features;
  CHECK(features.feature_document("target.xml") == xml);
  CHECK_FALSE(features.feature_document("riscv-32bit-cpu.xml").has_value());
  CHECK_FALSE(features.feature_document("").has_value());
}

TEST_CASE("features: the riscv:rv64 target description (Features::xlen = 64)") {
  std::string_view xml = target_xml_rv64();
  CHECK(xml.find("<architecture>riscv:rv64</architecture>") != std::string_view::npos);
  CHECK(xml.find("riscv:rv32") == std::string_view::npos);
  const std::size_t fpu = xml.find("<feature name=\"org.gnu.gdb.riscv.fpu\">");
  REQUIRE(fpu != std::string_view::npos);
  // x0..x31 and pc are 64 bits (gdb's riscv-64bit-cpu.xml), nothing in the cpu feature is 32.
  CHECK(xml.find("<reg name=\"zero\" bitsize=\"64\" type=\"int\" regnum=\"0\"/>") < fpu);
  CHECK(xml.find("<reg name=\"t6\" bitsize=\"64\" type=\"int\" regnum=\"31\"/>") < fpu);
  CHECK(xml.find("<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>") < fpu);
  CHECK(xml.find("bitsize=\"32\"") > fpu);
  // The fpu feature is RV32's, unchanged (fflags/frm/fcsr stay 32 bits).
  CHECK(xml.substr(fpu) == target_xml_rv32().substr(target_xml_rv32().find("<feature name=\"org.gnu.gdb.riscv.fpu\">")));
  Features features;
  features.xlen = 64;
  CHECK(features.feature_document("target.xml") == xml);
}

TEST_CASE("features: xfer chunking") {
  std::string_view doc = "0123456789";
  struct Row { std::uint64_t offset, length; bool last; std::string data; };
  const Row rows[] = {
      {0, 4, false, "0123"},
      {4, 4, false, "4567"},
      {8, 4, true, "89"},
      {0, 10, true, "0123456789"},
      {0, 0xffb, true, "0123456789"},
      {9, 1, true, "9"},
      {10, 4, true, ""},
      {11, 4, true, ""},
      {0xffffffffffffffffull, 0xffffffffffffffffull, true, ""},
      {3, 0xffffffffffffffffull, true, "3456789"},
      {2, 0, false, ""},
  };
  for (const Row& row : rows) {
    CAPTURE(row.offset);
    CAPTURE(row.length);
    XferChunk c = xfer_chunk(doc, row.offset, row.length);
    CHECK(c.last == row.last);
    CHECK(c.data == row.data);
  }
}

TEST_CASE("features: reading target.xml the way gdb does reassembles it") {
  // gdb asks for 0xffb bytes at a time; use a small chunk to force many rounds.
  for (std::uint32_t chunk : {0xffbu, 100u, 7u, 1u}) {
    CAPTURE(chunk);
    std::string assembled;
    std::uint32_t offset = 0;
    for (int rounds = 0; rounds < 100000; ++rounds) {
      Command c = parse_command("qXfer:features:read:target.xml:" + format_hex(offset) + "," +
                                format_hex(chunk));
      REQUIRE(std::holds_alternative<XferFeaturesRead>(c));
      const auto& req = std::get<XferFeaturesRead>(c);
      auto doc = Features{}.feature_document(req.annex);
      REQUIRE(doc.has_value());
      XferChunk part = xfer_chunk(*doc, req.offset, req.length);
      std::string text = format_reply(part);
      REQUIRE(!text.empty());
      CHECK((text[0] == 'l') == part.last);
      assembled += text.substr(1);
      offset += static_cast<std::uint32_t>(text.size() - 1);
      if (text[0] == 'l') break;
    }
    CHECK(assembled == target_xml_rv32());
  }
}
