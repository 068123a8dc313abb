// server/serve.cpp - run the gdb server, optionally with gdb as a child process.
#include "server/serve.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <thread>
#include <vector>

#include "server/debugger.hpp"
#include "server/stop_signals.hpp"
#include "server/tcp_session.hpp"

extern char** environ;

namespace rvrr::server {

namespace asio = boost::asio;
namespace fs = std::filesystem;

std::optional<std::string> find_gdbinit() {
  std::error_code ec;
  // An explicit choice wins over every default.
  if (const char* env = std::getenv("RVRR_GDBINIT"); env && *env) {
    if (fs::is_regular_file(env, ec)) return std::string(env);
    std::fprintf(stderr, "rvrr: warning: RVRR_GDBINIT=%s is not a file; looking elsewhere\n", env);
  }
  std::vector<fs::path> candidates;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path bin = exe.parent_path();
    // Installed (PREFIX/bin/rvrr -> PREFIX/share/rvrr/gdbinit), then a build
    // directory inside the source tree.
    candidates = {bin / ".." / "share" / "rvrr" / "gdbinit", bin / "gdbinit", bin / ".." / "gdbinit"};
  }
#ifdef RVRR_SOURCE_GDBINIT
  candidates.emplace_back(RVRR_SOURCE_GDBINIT);  // the source tree this binary was built from
#endif
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate, ec)) return fs::weakly_canonical(candidate, ec).string();
  }
  return std::nullopt;
}

namespace {

bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

// Starts gdb attached to our terminal. Returns its pid, or -1 (errno set).
// `xlen` (the machine's width) picks riscv:rv32 or riscv:rv64.
pid_t spawn_gdb(const ServeOptions& options, const std::string& address, unsigned xlen) {
  std::vector<std::string> args = {options.gdb, "-q"};
  if (auto init = find_gdbinit()) {
    args.push_back("-x");
    args.push_back(*init);
  } else {
    std::fprintf(stderr, "rvrr: warning: rvrr's gdbinit was not found (set RVRR_GDBINIT); gdb starts "
                         "without the rvrr commands (when, seek, checkpoint, restart)\n");
  }
  args.insert(args.end(), {"-ex", xlen == 64 ? "set architecture riscv:rv64" : "set architecture riscv:rv32",
                           options.program,
                           "-ex", "target remote " + address});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // gdb gets the default SIGINT/SIGTERM/SIGPIPE dispositions back (exec keeps ignored ones).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, options.gdb.c_str(), nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return pid;
}

// The terminal's settings when gdb was started, put back when it is gone: a
// gdb killed while its prompt had the terminal in raw mode must not leave it so.
class TerminalState {
 public:
  TerminalState() { saved_ = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &state_) == 0; }
  void restore() const {
    if (!saved_) return;
    // A background process changing the terminal gets SIGTTOU: not a reason to stop here.
    struct sigaction ignore {}, old {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGTTOU, &ignore, &old);
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &state_);
    sigaction(SIGTTOU, &old, nullptr);
  }

 private:
  termios state_ {};
  bool saved_ = false;
};

// Ends the gdb we started: SIGTERM (gdb quits, restoring the terminal), then
// SIGKILL if it has not gone after a few seconds.
void end_gdb(pid_t pid) {
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 300; ++i) {
    int wstatus = 0;
    pid_t r = waitpid(pid, &wstatus, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ServeResult serve(timeline::Timeline& timeline, const ServeOptions& options, StopSignals& stop_signals) {
  asio::io_context io;
  TimelineTarget target(timeline);
  if (!options.program.empty()) {
    vm::ElfLoadResult elf = vm::load_elf_file(options.program);
    if (elf.image) target.set_program(std::move(*elf.image), options.program);
  }
  DebuggerOptions dopts;
  std::error_code fec;
  dopts.exec_file = options.program.empty() ? std::string() : fs::absolute(options.program, fec).string();
  Debugger debugger(target, dopts);

  std::string host = options.host;
  std::optional<GdbServer> server;
  try {
    server.emplace(io, debugger, host, options.port.value_or(0));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rvrr: cannot listen on %s:%u: %s\n", host.c_str(), unsigned(options.port.value_or(0)),
                 e.what());
    return ServeResult{1, {}};
  }
  server->set_host_interrupt(options.host_interrupt);
  if (!is_loopback(host))
    std::fprintf(stderr, "rvrr: warning: listening on %s, not loopback: anyone who can reach this port "
                         "controls the debugged program\n", host.c_str());
  std::string address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                        std::to_string(server->port());
  server->on_kill = [&] { io.stop(); };
  server->after_work = options.after_work;
  server->start();

  int status = 0;
  pid_t gdb_pid = -1;
  TerminalState terminal;
  // SIGINT/SIGTERM (see StopSignals) make its interrupt readable: stop serving.
  asio::posix::stream_descriptor stop_fd(io, ::fcntl(stop_signals.interrupt()->fd(), F_DUPFD_CLOEXEC, 0));
  stop_fd.async_wait(asio::posix::stream_descriptor::wait_read, [&](const boost::system::error_code& ec) {
    if (ec) return;
    spdlog::info("{}: stopping", stop_signals.name());
    io.stop();
  });
  asio::signal_set signals(io);
  if (options.port) {
    stop_signals.set_gdb_shares_terminal(false);
    std::fprintf(stderr, "rvrr: listening on %s; connect with: gdb-multiarch %s -ex 'target remote %s'\n",
                 address.c_str(), options.program.c_str(), address.c_str());
    std::fflush(stderr);
  } else {
    // Ctrl-C at the terminal reaches the whole foreground group: it is gdb's
    // to handle (it interrupts the target through us), not a reason to exit.
    stop_signals.set_gdb_shares_terminal(true);
    signals.add(SIGCHLD);
    gdb_pid = spawn_gdb(options, address, target.xlen());
    if (gdb_pid < 0) {
      std::fprintf(stderr, "rvrr: cannot start %s: %s (use --port N to serve without starting gdb)\n",
                   options.gdb.c_str(), std::strerror(errno));
      return ServeResult{1, {}};
    }
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int) {
          if (ec) return;
          int wstatus = 0;
          pid_t r = waitpid(gdb_pid, &wstatus, WNOHANG);
          if (r == gdb_pid) {
            gdb_pid = -1;
            if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127) {
              std::fprintf(stderr, "rvrr: could not run %s (use --port N to serve without starting gdb)\n",
                           options.gdb.c_str());
              status = 1;
            }
            io.stop();
            return;
          }
          signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);
  }

  io.run();
  // Drain: cancel the running operation, let its completion and the aborted
  // socket handlers run (they are no-ops once stopped), then tear down.
  server->shutdown();
  signals.cancel();
  stop_fd.cancel();
  while (server->busy()) {
    io.restart();
    if (io.run_for(std::chrono::milliseconds(10)) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  io.restart();
  io.poll();
  server.reset();
  ServeResult result{status, stop_signals.name()};
  if (gdb_pid > 0) {
    if (!result.stopped_by.empty()) {
      // Told to stop: gdb goes too (left behind, it would fight the shell for the terminal).
      end_gdb(gdb_pid);
    } else {
      // gdb killed the program but is still at its prompt: it is the user's
      // terminal now; wait for it rather than leave it orphaned. A signal
      // meanwhile ends it as above.
      // (Polled: the stop signals restart system calls.)
      int wstatus = 0;
      for (;;) {
        pid_t r = waitpid(gdb_pid, &wstatus, WNOHANG);
        if (r == gdb_pid || (r < 0 && errno != EINTR)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (stop_signals.received() != 0) {
          end_gdb(gdb_pid);
          result.stopped_by = stop_signals.name();
          break;
        }
      }
    }
    terminal.restore();
  }
  return result;
}

}  // namespace rvrr::server
