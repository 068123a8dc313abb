// server/tcp_session.hpp - gdb over TCP with Boost.Asio.
//
// GdbServer listens and serves one gdb at a time; a second connection while
// one is active is accepted and closed at once (with a log line). TcpSession
// is one connection: async reads feed a PacketReader, each packet goes through
// the Debugger, replies are framed by encode_packet and written in one
// batch per read. Acks ('+') until QStartNoAckMode.
//
// Threads: everything here runs on the io thread, except Work (a resume or a
// monitor seek), which runs on the Worker thread while the io thread keeps
// reading: a 0x03 byte sets the CancelToken, which the Timeline polls between
// slices; the stop reply is posted back to the io thread. A disconnect
// mid-operation cancels it; the history stays intact for the next gdb.
#pragma once
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without including it
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "protocol/packet_reader.hpp"
#include "server/debugger.hpp"
#include "server/worker.hpp"
#include "timeline/timeline.hpp"
#include "vm/host_interrupt.hpp"

namespace rvrr::server {

class TcpSession;

class GdbServer {
 public:
  // Binds and listens on host:port (port 0 = any free port). Throws
  // boost::system::system_error if the address cannot be bound.
  GdbServer(boost::asio::io_context& io, Debugger& debugger, const std::string& host, std::uint16_t port);
  ~GdbServer();

  std::uint16_t port() const;
  void start();  // begin accepting connections
  // Stop accepting, close the session, cancel running work (then wait for it).
  void shutdown();

  // Called on the io thread when gdb kills the program (k / vKill): the
  // server should exit (status 0).
  std::function<void()> on_kill;
  // Called on the io thread after each Work's replies went out, with no
  // Work running (e.g. to save what the Timeline learnt).
  std::function<void()> after_work;

  // ---- for TcpSession ----
  bool busy() const { return busy_; }
  void submit(const Work& work, std::shared_ptr<TcpSession> session);
  // Cancels the running Work: the Timeline sees the token between slices, and
  // a live guest waiting for input in a host read gives up at once (the read
  // is made again when it goes on).
  void cancel_work() {
    cancel_.requested.store(true);
    if (host_interrupt_) host_interrupt_->raise();
  }
  // The interrupt of the live host environment (rvrr debug); none for replays.
  void set_host_interrupt(std::shared_ptr<vm::HostInterrupt> interrupt) { host_interrupt_ = std::move(interrupt); }
  void session_ended(TcpSession* session);
  Debugger& debugger() { return debugger_; }

  // While a monitor command's Work (seek, restart) runs, gdb waits for its
  // reply only `remotetimeout` seconds (2 by default) before it prints
  // "Ignoring packet error" and falls out of step. Console output packets
  // reset that wait (gdb's qRcmd loop prints them and keeps waiting), so one
  // goes out every kKeepalive: first a line saying what runs, then empty ones.
  static constexpr std::chrono::milliseconds kKeepalive{750};

 private:
  void accept_next();
  void work_done(const Work& work, const timeline::StopEvent& event, std::shared_ptr<TcpSession> session);
  void keep_gdb_waiting(const Work& work, std::weak_ptr<TcpSession> session, unsigned ticks);

  boost::asio::io_context& io_;
  Debugger& debugger_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<TcpSession> active_;  // the one gdb being served, if any
  timeline::CancelToken cancel_;
  std::shared_ptr<vm::HostInterrupt> host_interrupt_;  // raised with cancel_, cleared per Work
  bool busy_ = false;                   // Work submitted and not yet finished
  std::uint64_t work_serial_ = 0;       // counts submitted Work, so a stale keepalive tick does nothing
  boost::asio::steady_timer keepalive_;
  bool stopped_ = false;
  Worker worker_;                       // last: joined first on destruction
};

class TcpSession : public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(GdbServer& server, boost::asio::ip::tcp::socket socket);
  void start();
  void close();  // idempotent
  bool open() const { return open_; }
  // The end of Work this session requested: send the replies, carry on.
  void work_finished(const Outcome& outcome);
  // The server became idle: process packets that arrived meanwhile.
  void resume_processing() { process_pending(); flush(); }
  // Console output ("O" packet) while a monitor command runs.
  void send_console(const std::string& text);

 private:
  void read_more();
  void on_bytes(std::size_t n);
  void process_pending();
  void interrupt();  // a 0x03 from gdb, in its turn
  void process_packet(const std::string& payload);
  void send_outcome(const Outcome& outcome);
  void send_payload(std::string_view payload);
  void send_raw(std::string_view bytes);
  void flush();

  GdbServer& server_;
  boost::asio::ip::tcp::socket socket_;
  protocol::PacketReader reader_;
  std::vector<protocol::Frame> frames_;       // scratch, reused per read
  std::deque<protocol::Frame> pending_;       // packets waiting while Work runs
  std::array<std::uint8_t, 16384> read_buf_;
  std::string out_;                           // bytes to write next
  std::string writing_;                       // bytes being written
  bool write_in_flight_ = false;
  std::string last_packet_;                   // for a '-' (nack) in ack mode
  bool open_ = true;
  bool started_ = false;                      // Debugger::start_session() done for us
  SessionAction end_after_write_ = SessionAction::Continue;
  std::string peer_;
};

}  // namespace rvrr::server
