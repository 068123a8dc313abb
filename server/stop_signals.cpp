// server/stop_signals.cpp - see stop_signals.hpp.
#include "server/stop_signals.hpp"

#include <signal.h>

#include <atomic>
#include <cerrno>
#include <system_error>

namespace rvrr::server {

namespace {

// Shared with the handler: lock-free atomics only.
std::atomic<int> g_received{0};
std::atomic<vm::HostInterrupt*> g_interrupt{nullptr};
std::atomic<bool> g_ignore_terminal_sigint{false};
struct sigaction g_old_int, g_old_term;

void on_stop_signal(int sig, siginfo_t* info, void*) {
  // A Ctrl-C at the terminal (the kernel sends it to the foreground group) is gdb's.
  if (sig == SIGINT && info != nullptr && info->si_code == SI_KERNEL &&
      g_ignore_terminal_sigint.load(std::memory_order_relaxed))
    return;
  int none = 0;
  g_received.compare_exchange_strong(none, sig);
  if (vm::HostInterrupt* interrupt = g_interrupt.load()) interrupt->raise();
}

}  // namespace

StopSignals::StopSignals(std::shared_ptr<vm::HostInterrupt> interrupt, bool gdb_shares_terminal)
    : interrupt_(std::move(interrupt)) {
  if (!interrupt_) interrupt_ = std::make_shared<vm::HostInterrupt>();
  g_received.store(0);
  g_ignore_terminal_sigint.store(gdb_shares_terminal);
  g_interrupt.store(interrupt_.get());
  struct sigaction sa {};
  sa.sa_sigaction = on_stop_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  if (sigaction(SIGINT, &sa, &g_old_int) != 0 || sigaction(SIGTERM, &sa, &g_old_term) != 0)
    throw std::system_error(errno, std::generic_category(), "sigaction");
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  g_interrupt.store(nullptr);
}

int StopSignals::received() const { return g_received.load(); }

std::string StopSignals::name() const {
  switch (received()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case 0: return "";
    default: return "signal " + std::to_string(received());
  }
}

void StopSignals::set_gdb_shares_terminal(bool shares) { g_ignore_terminal_sigint.store(shares); }

}  // namespace rvrr::server
