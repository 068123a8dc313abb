// protocol/siginfo.cpp - siginfo_bytes_ilp32(). See siginfo.hpp.
#include "protocol/siginfo.hpp"

namespace rvrr::protocol {

namespace {
void put_le32(std::string& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
}  // namespace

std::string siginfo_bytes_ilp32(const SigInfo& info) {
  std::string out(kSigInfoSizeIlp32, '\0');
  put_le32(out, 0, static_cast<std::uint32_t>(info.signo));
  put_le32(out, 4, 0);  // si_errno
  put_le32(out, 8, static_cast<std::uint32_t>(info.code));
  put_le32(out, 12, info.addr);  // _sifields._sigfault.si_addr
  return out;
}

}  // namespace rvrr::protocol
