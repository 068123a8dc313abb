// tests/fuzz/fuzz_command_parser.cpp - libFuzzer target for parse_command.
//
// parse_command must be total: any payload yields a Command without throwing,
// crashing or reading out of bounds, the same one every time. Also exercises
// the thread-id and hex helpers and reply formatting of parsed data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/command.hpp"
#include "protocol/features.hpp"
#include "protocol/hex.hpp"
#include "protocol/reply.hpp"

using namespace rvrr::protocol;

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  Command c = parse_command(payload);
  require(parse_command(payload) == c);  // deterministic
  require(!command_name(c).empty());
  if (auto* m = std::get_if<Malformed>(&c)) require(!m->reason.empty());
  if (auto* u = std::get_if<Unsupported>(&c)) require(u->name.size() <= 64);

  // Feed parsed data through the reply side where it fits.
  if (auto* q = std::get_if<QuerySupported>(&c)) {
    require(!Features{}.supported_reply(*q).empty());
  } else if (auto* x = std::get_if<XferFeaturesRead>(&c)) {
    if (auto doc = Features{}.feature_document(x->annex)) {
      XferChunk chunk = xfer_chunk(*doc, x->offset, x->length);
      require(chunk.data.size() <= x->length);
      (void)format_reply(chunk);
    }
  } else if (auto* w = std::get_if<WriteMemory>(&c)) {
    require(from_hex(format_reply(Hex{w->bytes})) == w->bytes);
  } else if (auto* mc = std::get_if<MonitorCommand>(&c)) {
    require(from_hex_string(format_reply(ConsoleOutput{mc->command}).substr(1)) == mc->command);
  }

  if (auto id = parse_thread_id(payload)) {
    // A parsed id formats back to something that parses to the same id.
    std::string text = format_thread_id(id->pid.value_or(0), id->tid, id->pid.has_value());
    require(parse_thread_id(text) == id);
  }
  return 0;
}
