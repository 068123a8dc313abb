// timeline/session_setup.cpp - building the machine and environment of a session.
#include "timeline/session_setup.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "vm/host_io.hpp"

namespace rvrr::timeline {

std::vector<std::uint8_t> read_program_file(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  vm::FileReadError error;
  int error_number;
  static constexpr std::uint8_t kElf[] = {0x7f, 'E', 'L', 'F'};
  if (vm::read_file_bytes(path, bytes, error, error_number, kElf)) return bytes;
  switch (error) {
    case vm::FileReadError::IsDirectory: throw std::runtime_error(path + ": is a directory, not a program");
    case vm::FileReadError::WrongStart: throw std::runtime_error(path + ": not an ELF file");
    case vm::FileReadError::ReadFailed: throw std::runtime_error(path + ": read error");
    default: throw std::runtime_error(path + ": " + std::strerror(error_number));
  }
}

std::string program_name_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return base.empty() ? "program" : base;
}

namespace {

vm::ElfImage load_or_throw(std::span<const std::uint8_t> program, const std::string& name) {
  vm::ElfLoadResult loaded = vm::load_elf(program);
  if (!loaded.image) throw std::runtime_error(name + ": " + loaded.error);
  return std::move(*loaded.image);
}

std::uint64_t host_now_ns() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

}  // namespace

SessionSetup make_live_setup(std::vector<std::uint8_t> program, const std::string& program_name,
                             const LiveOptions& options, const std::string& trace_path) {
  vm::MachineOptions mo;
  mo.argv.push_back(program_name);
  mo.argv.insert(mo.argv.end(), options.args.begin(), options.args.end());
  mo.envp = options.envp;
  mo.memory_limit = options.memory_limit;
  mo.stack_size = options.stack_size;
  // Host time enters the guest exactly once, here, and is stored in the trace.
  mo.epoch_ns = options.epoch_ns ? *options.epoch_ns : host_now_ns();

  vm::ElfImage image = load_or_throw(program, program_name);
  vm::Machine machine(image, mo);  // throws on an impossible layout, before any file is created
  trace::TraceHeader header = trace::make_trace_header(std::move(program), program_name, mo);

  std::shared_ptr<trace::TraceWriter> writer;
  if (!trace_path.empty()) writer = std::make_shared<trace::TraceWriter>(trace_path, header);
  std::shared_ptr<vm::Environment> live = options.live;
  if (!live) live = std::make_shared<vm::HostEnvironment>(options.allow_host_files, options.interrupt);
  auto env = std::make_shared<HistoryEnvironment>(std::make_shared<trace::History>(), HistoryEnvironment::Mode::Live,
                                                  std::move(live), writer.get());
  if (options.output_to) env->output_to = options.output_to;
  return SessionSetup{std::move(machine), std::move(env), std::move(writer), std::move(header)};
}

SessionSetup make_replay_setup(const trace::TraceData& trace,
                               std::function<void(int fd, std::span<const std::uint8_t>)> output_to) {
  vm::ElfLoadResult loaded = vm::load_elf(trace.header.program);
  if (!loaded.image) {
    throw trace::TraceError("the program embedded in the trace does not load: " + loaded.error);
  }
  std::optional<vm::Machine> machine;
  try {
    machine.emplace(*loaded.image, trace.header.machine_options());
  } catch (const std::exception& e) {
    throw trace::TraceError(std::string("the program embedded in the trace cannot be laid out: ") + e.what());
  }
  auto history = std::make_shared<trace::History>(trace.history);
  auto env = std::make_shared<HistoryEnvironment>(std::move(history), HistoryEnvironment::Mode::Replay, nullptr);
  if (output_to) env->output_to = std::move(output_to);
  return SessionSetup{std::move(*machine), std::move(env), nullptr, trace.header};
}

std::optional<std::string> apply_debugger_write(vm::Machine& machine, const trace::DebuggerWrite& write) {
  if (write.target == trace::DebuggerWrite::Target::Register) {
    if (write.where > kFcsrWrite) return "debugger write to register " + std::to_string(write.where) + ", which does not exist";
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < write.bytes.size() && i < 8; ++i) value |= std::uint64_t(write.bytes[i]) << (8 * i);
    if (write.where == 32) machine.set_pc(value);  // an RV32 machine keeps the low half
    else if (write.where < 32) machine.set_reg64(write.where, value);  // RV32 keeps the low half
    else if (write.where < kFcsrWrite) machine.set_freg(write.where - kFirstFloatWrite, value);
    else machine.set_fcsr(static_cast<std::uint32_t>(value));
    return std::nullopt;
  }
  if (!machine.memory().write_bytes(write.where, write.bytes)) {
    return "debugger write to unmapped memory at " + std::to_string(write.where);
  }
  return std::nullopt;
}

void finish_live_trace(trace::TraceWriter& writer, const vm::Machine& machine, std::uint64_t frontier,
                       const std::string& interrupted_by) {
  trace::TraceFooter footer;
  if (machine.icount() == frontier) {
    vm::StopInfo stop;
    if (machine.halted()) stop = machine.halt_reason();
    footer = trace::footer_for(machine, stop);
  } else {
    footer.final_icount = frontier;
    footer.end = trace::TraceEnd::Stopped;
  }
  if (!interrupted_by.empty() && footer.end == trace::TraceEnd::Stopped) {
    footer.end = trace::TraceEnd::Interrupted;
    footer.message = interrupted_by;
  }
  writer.finish(footer);
}

}  // namespace rvrr::timeline
