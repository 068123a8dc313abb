// protocol/siginfo.cpp - siginfo_bytes_ilp32() and _lp64(). See siginfo.hpp.
#include "protocol/siginfo.hpp"

namespace rvrr::protocol {

namespace {
void put_le(std::string& out, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}
// si_signo, si_errno, si_code, then si_addr (a pointer) where the union starts.
std::string siginfo_bytes(const SigInfo& info, std::size_t union_at, int pointer_bytes) {
  std::string out(kSigInfoSizeIlp32, '\0');
  put_le(out, 0, static_cast<std::uint32_t>(info.signo), 4);
  put_le(out, 4, 0, 4);  // si_errno
  put_le(out, 8, static_cast<std::uint32_t>(info.code), 4);
  put_le(out, union_at, info.addr, pointer_bytes);  // _sifields._sigfault.si_addr
  return out;
}
}  // namespace

std::string siginfo_bytes_ilp32(const SigInfo& info) { return siginfo_bytes(info, 12, 4); }
std::string siginfo_bytes_lp64(const SigInfo& info) { return siginfo_bytes(info, 16, 8); }

}  // namespace rvrr::protocol
