// protocol/features.cpp - qSupported derivation and the RV32 target description.
#include "protocol/features.hpp"

#include <algorithm>

#include "protocol/hex.hpp"

namespace rvrr::protocol {

namespace {

// gdb's own features/riscv/32bit-cpu.xml register set (names, types and
// numbering), wrapped in a target with the architecture so gdb needs no
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
</target>
)";

}  // namespace

std::string_view target_xml_rv32() noexcept { return kTargetXmlRv32; }

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
  if (annex == "target.xml") return target_xml_rv32();
  return std::nullopt;
}

XferChunk xfer_chunk(std::string_view document, std::uint64_t offset, std::uint64_t length) {
  if (offset >= document.size()) return XferChunk{true, {}};
  std::uint64_t available = document.size() - offset;
  std::uint64_t n = std::min(length, available);
  return XferChunk{n == available, std::string(document.substr(offset, n))};
}

}  // namespace rvrr::protocol
