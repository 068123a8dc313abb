// vm/jit.hpp - which execution tier runs RV32 code: the interpreter alone, or
// the interpreter plus a translating tier for hot code (vm/jit.cpp).
//
// The translating tier changes speed only: every stop (limit, breakpoint,
// watchpoint, fault, host call, exit) leaves the machine in exactly the state
// the interpreter leaves it in, at the same instruction count. It runs only in
// the interpreter's fast path (no breakpoints or watchpoints given, no
// execution trace sink, more than kFastSlack instructions of budget left);
// everything else, and RV64, is the interpreter as it was.
//
// The tier is a process-wide setting (the CLI's --tier, the environment
// variable RVRR_TIER=interp|auto for test suites); machines read it each time
// they run, so a test may run the same machine under both tiers.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace rvrr::vm {

enum class Tier : std::uint8_t {
  Interp,  // the interpreter only
  Auto,    // translate hot blocks where the host supports it (x86-64 with asmjit), else the interpreter
};

// "interp" / "auto"; nullopt for anything else.
std::optional<Tier> parse_tier(std::string_view text);
const char* tier_name(Tier tier);

// The current tier: set_tier's last value, else RVRR_TIER from the environment
// (read once; an invalid value is reported on stderr and ignored), else Auto.
Tier current_tier();
void set_tier(Tier tier);

// Does this build translate at all (x86-64 host, asmjit found at build time)?
bool jit_supported();

// Entries into a block before it is translated (default 50, or
// RVRR_JIT_THRESHOLD). Tests lower it to 1 so that short programs run
// translated code.
void set_jit_threshold(std::uint32_t entries);
std::uint32_t jit_threshold();

}  // namespace rvrr::vm
