// trace/host_call_text.hpp - host calls as text, for divergence diagnostics
// and trace summaries ("read(fd 0, 16 bytes)", "getrandom(8 bytes)").
#pragma once
#include <cstdint>
#include <string>

#include "vm/environment.hpp"

namespace rvrr::trace {

// The call's name as the guest would know it: "read", "getrandom", ...
// (an op this build does not know gives "host-op-N").
std::string host_call_name(vm::HostOp op);
// The call with its arguments: read(fd 0, 16 bytes), open("data.txt", flags 0x0).
std::string describe_request(const vm::HostRequest& request);
// "divergence at instruction N: the trace has X here, the program asked for Y"
// (or "the trace has no host call here" when `recorded` is null).
std::string divergence_text(std::uint64_t icount, const vm::HostRequest* recorded,
                            const vm::HostRequest& asked);
// 1234567 -> "1,234,567" (for people; diagnostics keep plain numbers).
std::string group_digits(std::uint64_t value);
// 512 -> "512 bytes", 3565158 -> "3.4 MiB" (binary units, one decimal).
std::string human_bytes(std::uint64_t bytes);
// 0.0042 -> "4.2 ms", 12.26 -> "12.3 s", 125 -> "2 min 5 s", 7384 -> "2 h 3 min".
std::string human_duration(double seconds);

}  // namespace rvrr::trace
