// protocol/features.cpp - qSupported derivation and the RV32 target description.
#include "protocol/features.hpp"

#include <algorithm>

#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {

// gdb's own features/riscv/32bit-cpu.xml and 64bit-fpu.xml register sets
// (names, types and numbering), wrapped in a target with the architecture so gdb needs no
// `set architecture`. fp (not s0) for x8 and pointer types for ra/sp/gp/tp
// match what gdb prints for its built-in riscv:rv32 description.
constexpr std::string_view kTargetXmlRv32 =
    R"(<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
  <architecture>riscv:rv32</architecture>
  <feature name="org.gnu.gdb.riscv.cpu">
    <reg name="zero" bitsize="32" type="int" regnum="0"/>
    <reg name="ra" bitsize="32" type="code_ptr" regnum="1"/>
    <reg name="sp" bitsize="32" type="data_ptr" regnum="2"/>
    <reg name="gp" bitsize="32" type="data_ptr" regnum="3"/>
    <reg name="tp" bitsize="32" type="data_ptr" regnum="4"/>
    <reg name="t0" bitsize="32" type="int" regnum="5"/>
    <reg name="t1" bitsize="32" type="int" regnum="6"/>
    <reg name="t2" bitsize="32" type="int" regnum="7"/>
    <reg name="fp" bitsize="32" type="data_ptr" regnum="8"/>
    <reg name="s1" bitsize="32" type="int" regnum="9"/>
    <reg name="a0" bitsize="32" type="int" regnum="10"/>
    <reg name="a1" bitsize="32" type="int" regnum="11"/>
    <reg name="a2" bitsize="32" type="int" regnum="12"/>
    <reg name="a3" bitsize="32" type="int" regnum="13"/>
    <reg name="a4" bitsize="32" type="int" regnum="14"/>
    <reg name="a5" bitsize="32" type="int" regnum="15"/>
    <reg name="a6" bitsize="32" type="int" regnum="16"/>
    <reg name="a7" bitsize="32" type="int" regnum="17"/>
    <reg name="s2" bitsize="32" type="int" regnum="18"/>
    <reg name="s3" bitsize="32" type="int" regnum="19"/>
    <reg name="s4" bitsize="32" type="int" regnum="20"/>
    <reg name="s5" bitsize="32" type="int" regnum="21"/>
    <reg name="s6" bitsize="32" type="int" regnum="22"/>
    <reg name="s7" bitsize="32" type="int" regnum="23"/>
    <reg name="s8" bitsize="32" type="int" regnum="24"/>
    <reg name="s9" bitsize="32" type="int" regnum="25"/>
    <reg name="s10" bitsize="32" type="int" regnum="26"/>
    <reg name="s11" bitsize="32" type="int" regnum="27"/>
    <reg name="t3" bitsize="32" type="int" regnum="28"/>
    <reg name="t4" bitsize="32" type="int" regnum="29"/>
    <reg name="t5" bitsize="32" type="int" regnum="30"/>
    <reg name="t6" bitsize="32" type="int" regnum="31"/>
    <reg name="pc" bitsize="32" type="code_ptr" regnum="32"/>
  </feature>
  <feature name="org.gnu.gdb.riscv.fpu">
    <union id="riscv_double">
      <field name="float" type="ieee_single"/>
      <field name="double" type="ieee_double"/>
    </union>
    <reg name="ft0" bitsize="64" type="riscv_double" regnum="33"/>
    <reg name="ft1" bitsize="64" type="riscv_double" regnum="34"/>
    <reg name="ft2" bitsize="64" type="riscv_double" regnum="35"/>
    <reg name="ft3" bitsize="64" type="riscv_double" regnum="36"/>
    <reg name="ft4" bitsize="64" type="riscv_double" regnum="37"/>
    <reg name="ft5" bitsize="64" type="riscv_double" regnum="38"/>
    <reg name="ft6" bitsize="64" type="riscv_double" regnum="39"/>
    <reg name="ft7" bitsize="64" type="riscv_double" regnum="40"/>
    <reg name="fs0" bitsize="64" type="riscv_double" regnum="41"/>
    <reg name="fs1" bitsize="64" type="riscv_double" regnum="42"/>
    <reg name="fa0" bitsize="64" type="riscv_double" regnum="43"/>
    <reg name="fa1" bitsize="64" type="riscv_double" regnum="44"/>
    <reg name="fa2" bitsize="64" type="riscv_double" regnum="45"/>
    <reg name="fa3" bitsize="64" type="riscv_double" regnum="46"/>
    <reg name="fa4" bitsize="64" type="riscv_double" regnum="47"/>
    <reg name="fa5" bitsize="64" type="riscv_double" regnum="48"/>
    <reg name="fa6" bitsize="64" type="riscv_double" regnum="49"/>
    <reg name="fa7" bitsize="64" type="riscv_double" regnum="50"/>
    <reg name="fs2" bitsize="64" type="riscv_double" regnum="51"/>
    <reg name="fs3" bitsize="64" type="riscv_double" regnum="52"/>
    <reg name="fs4" bitsize="64" type="riscv_double" regnum="53"/>
    <reg name="fs5" bitsize="64" type="riscv_double" regnum="54"/>
    <reg name="fs6" bitsize="64" type="riscv_double" regnum="55"/>
    <reg name="fs7" bitsize="64" type="riscv_double" regnum="56"/>
    <reg name="fs8" bitsize="64" type="riscv_double" regnum="57"/>
    <reg name="fs9" bitsize="64" type="riscv_double" regnum="58"/>
    <reg name="fs10" bitsize="64" type="riscv_double" regnum="59"/>
    <reg name="fs11" bitsize="64" type="riscv_double" regnum="60"/>
    <reg name="ft8" bitsize="64" type="riscv_double" regnum="61"/>
    <reg name="ft9" bitsize="64" type="riscv_double" regnum="62"/>
    <reg name="ft10" bitsize="64" type="riscv_double" regnum="63"/>
    <reg name="ft11" bitsize="64" type="riscv_double" regnum="64"/>
    <reg name="fflags" bitsize="32" type="int" regnum="66"/>
    <reg name="frm" bitsize="32" type="int" regnum="67"/>
    <reg name="fcsr" bitsize="32" type="int" regnum="68"/>
  </feature>
</target>
)";

}  // namespace

std::string_view target_xml_rv32() noexcept { return kTargetXmlRv32; }

std::string_view target_xml_rv64() noexcept {
  static const std::string xml = [] {
    std::string s(kTargetXmlRv32);
    const std::size_t fpu = s.find("<feature name=\"org.gnu.gdb.riscv.fpu\">");
    std::string cpu = s.substr(0, fpu), rest = s.substr(fpu);
    for (std::size_t at; (at = cpu.find("bitsize=\"32\"")) != std::string::npos;) cpu.replace(at, 12, "bitsize=\"64\"");
    cpu.replace(cpu.find("riscv:rv32"), 10, "riscv:rv64");
    return cpu + rest;
  }();
  return xml;
}

Negotiated Features::negotiate(const QuerySupported& offered) const {
  return Negotiated{offered.multiprocess, offered.swbreak, offered.hwbreak,
                    offered.vcont_supported};
}

std::string Features::supported_reply(const QuerySupported& offered) const {
  Negotiated n = negotiate(offered);
  std::string out = "PacketSize=" + format_hex(packet_size);
  out.append(";qXfer:features:read+");
  if (exec_file) out.append(";qXfer:exec-file:read+");
  if (siginfo) out.append(";qXfer:siginfo:read+");
  if (no_ack) out.append(";QStartNoAckMode+");
  if (reverse) out.append(";ReverseStep+;ReverseContinue+");
  out.append(";vContSupported+");
  if (n.swbreak) out.append(";swbreak+");
  if (n.hwbreak) out.append(";hwbreak+");
  if (n.multiprocess) out.append(";multiprocess+");
  return out;
}

std::optional<std::string_view> Features::feature_document(std::string_view annex) const {
  if (annex == "target.xml") return xlen == 64 ? target_xml_rv64() : target_xml_rv32();
  return std::nullopt;
}

XferChunk xfer_chunk(std::string_view document, std::uint64_t offset, std::uint64_t length) {
  if (offset >= document.size()) return XferChunk{true, {}};
  std::uint64_t available = document.size() - offset;
  std::uint64_t n = std::min(length, available);
  return XferChunk{n == available, std::string(document.substr(offset, n))};
}

}  // namespace rvrr::protocol
