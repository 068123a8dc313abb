// vm/load_warnings.cpp - see load_warnings.hpp.
#include "vm/load_warnings.hpp"

#include <cstdio>

namespace rvrr::vm {

namespace {

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// picolibc's linker script (picolibc.ld) sets
//   __heap_end = __stack - (DEFINED(__stack_size) ? __stack_size : 0x800)
// but DEFINED() is false for a symbol given with --defsym, so a program
// linked with -Wl,--defsym=__stack_size=N still gets __heap_end 2 KiB below
// __stack and malloc hands out the stack. The stack is [__stack - __stack_size,
// __stack) by the script's own reckoning.
std::optional<std::string> heap_overlaps_stack(const ElfImage& image) {
  auto stack = image.symbol("__stack");
  auto stack_size = image.symbol("__stack_size");
  auto heap_start = image.symbol("__heap_start");
  auto heap_end = image.symbol("__heap_end");
  if (!stack || !stack_size || !heap_start || !heap_end) return std::nullopt;
  const std::uint64_t stack_low = *stack >= *stack_size ? *stack - *stack_size : 0;
  if (*heap_end <= *heap_start || *heap_end <= stack_low) return std::nullopt;
  return "the heap (" + hex(*heap_start) + "-" + hex(*heap_end) + ") overlaps the stack (" + hex(stack_low) + "-" +
         hex(*stack) +
         "): malloc can hand out stack memory. picolibc's linker script ignores a --defsym'd __stack_size "
         "when it computes __heap_end; link with -Wl,--defsym=__heap_end=__stack-__stack_size as well "
         "(see README, \"picolibc with semihosting\")";
}

// picolibc's crt0-semihost gets the arguments as one string (GET_CMDLINE,
// joined with spaces by rvrr) in a 1024-byte buffer (a longer one fails the
// call: no arguments at all), splits it at spaces dropping empty words, and
// keeps at most 62 of them (argv has 64 slots: the name and a null).
constexpr std::size_t kPicolibcCmdline = 1024;
constexpr std::size_t kPicolibcMaxArgs = 62;

std::optional<std::string> arguments_resplit(const MachineOptions& options) {
  std::vector<std::string> bad;
  for (std::size_t i = 1; i < options.argv.size(); ++i) {
    const std::string& a = options.argv[i];
    if (a.empty() || a.find(' ') != std::string::npos) bad.push_back("'" + a + "'");
  }
  if (bad.empty()) return std::nullopt;
  std::string list;
  for (std::size_t i = 0; i < bad.size() && i < 3; ++i) list += (i ? ", " : "") + bad[i];
  if (bad.size() > 3) list += ", ...";
  return "argument" + std::string(bad.size() > 1 ? "s " : " ") + list +
         " cannot reach the program intact: a semihosting program gets its arguments as one line that "
         "picolibc's start-up code splits at spaces, dropping empty ones";
}

std::vector<std::string> arguments_lost(const ElfImage& image, const MachineOptions& options) {
  if (!image.symbol("sys_semihost_get_cmdline") || options.argv.size() < 2) return {};
  std::size_t line = 0;
  for (std::size_t i = 1; i < options.argv.size(); ++i) line += options.argv[i].size() + (i > 1 ? 1 : 0);
  if (line + 1 > kPicolibcCmdline)
    return {"the arguments make a " + std::to_string(line) + "-byte command line, longer than picolibc's " +
            std::to_string(kPicolibcCmdline - 1) + "-byte limit: the program gets no arguments at all"};
  std::vector<std::string> out;
  if (options.argv.size() - 1 > kPicolibcMaxArgs)
    out.push_back("only the first " + std::to_string(kPicolibcMaxArgs) + " of " +
                  std::to_string(options.argv.size() - 1) + " arguments reach the program (picolibc's start-up code "
                  "keeps " + std::to_string(kPicolibcMaxArgs) + ")");
  if (auto w = arguments_resplit(options)) out.push_back(std::move(*w));
  return out;
}

}  // namespace

std::vector<std::string> load_warnings(const ElfImage& image, const MachineOptions& options) {
  std::vector<std::string> out;
  if (auto w = heap_overlaps_stack(image)) out.push_back(std::move(*w));
  for (std::string& w : arguments_lost(image, options)) out.push_back(std::move(w));
  return out;
}

}  // namespace rvrr::vm
