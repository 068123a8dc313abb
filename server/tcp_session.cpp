// server/tcp_session.cpp - the Asio front end: accept, read, dispatch, write.
#include "server/tcp_session.hpp"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "protocol/packet_writer.hpp"
#include "protocol/reply.hpp"

namespace rvrr::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// A payload as a log line: non-printable bytes escaped, long ones cut.
std::string printable(std::string_view payload) {
  constexpr std::size_t kMax = 400;
  std::string s;
  s.reserve(std::min(payload.size(), kMax) + 16);
  for (std::size_t i = 0; i < payload.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(payload[i]);
    if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  if (payload.size() > kMax) s += "... (" + std::to_string(payload.size()) + " bytes)";
  return s;
}

bool debug_logging() { return spdlog::should_log(spdlog::level::debug); }

// A connection refused because another gdb is being served. gdb 13 prints
// the error reply to its first packet ("Remote failure reply: E.<text>"),
// then loses the connection; so: wait for that packet (at most kPatience),
// ack it, answer with the reason, end our side and drain until the peer
// closes (closing with unread bytes would reset the connection, and the reset
// can destroy the reply before gdb reads it).
class Refusal : public std::enable_shared_from_this<Refusal> {
 public:
  static constexpr std::chrono::seconds kPatience{3};

  Refusal(asio::io_context& io, tcp::socket socket) : socket_(std::move(socket)), timer_(io) {}

  void start() {
    timer_.expires_after(kPatience);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->finish();
    });
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buf_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                             std::size_t n) {
      if (ec) {  // the peer closed (or we did): done
        self->finish();
        return;
      }
      if (!self->answered_) {
        self->frames_.clear();
        self->reader_.feed(std::span<const std::uint8_t>(self->buf_.data(), n), self->frames_);
        for (const protocol::Frame& f : self->frames_)
          if (f.kind == protocol::FrameKind::Packet || f.kind == protocol::FrameKind::BadChecksum) self->answer();
      }
      self->read();  // drain until the peer closes
    });
  }

  void answer() {
    if (answered_) return;
    answered_ = true;
    reply_ = std::string(protocol::kAck) +
             protocol::encode_packet(protocol::format_reply(protocol::ErrorMessage{kRefusalText}));
    asio::async_write(socket_, asio::buffer(reply_), [self = shared_from_this()](const boost::system::error_code&,
                                                                                 std::size_t) {
      boost::system::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  void finish() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

  static constexpr const char* kRefusalText =
      "rvrr: another gdb is already connected to this rvrr (it serves one gdb at a time); "
      "detach or quit that gdb first";

  tcp::socket socket_;
  asio::steady_timer timer_;
  protocol::PacketReader reader_{4096};
  std::vector<protocol::Frame> frames_;
  std::array<std::uint8_t, 4096> buf_{};
  std::string reply_;
  bool answered_ = false;
};

}  // namespace

// ---------------- GdbServer ----------------

GdbServer::GdbServer(asio::io_context& io, Debugger& debugger, const std::string& host, std::uint16_t port)
    : io_(io), debugger_(debugger), acceptor_(io), keepalive_(io) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {  // a name such as "localhost": take its first address
    tcp::resolver resolver(io);
    address = resolver.resolve(host, std::to_string(port))->endpoint().address();
  }
  tcp::endpoint endpoint(address, port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(1);
}

GdbServer::~GdbServer() { shutdown(); }

std::uint16_t GdbServer::port() const { return acceptor_.local_endpoint().port(); }

void GdbServer::start() { accept_next(); }

void GdbServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  keepalive_.cancel();
  if (active_) active_->close();
  cancel_work();  // the Worker's destructor then waits for the cancelled job
}

void GdbServer::accept_next() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_) return;
    if (ec) {
      spdlog::warn("accept failed: {}", ec.message());
      if (ec != asio::error::operation_aborted) accept_next();
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // replies are small and latency-bound
    if (active_ && active_->open()) {
      auto peer = socket.remote_endpoint(ignored);
      spdlog::warn("refused a second gdb connection from {}:{}: one gdb at a time",
                   peer.address().to_string(), peer.port());
      std::make_shared<Refusal>(io_, std::move(socket))->start();
    } else {
      active_ = std::make_shared<TcpSession>(*this, std::move(socket));
      active_->start();
    }
    accept_next();
  });
}

void GdbServer::submit(const Work& work, std::shared_ptr<TcpSession> session) {
  busy_ = true;
  ++work_serial_;
  cancel_.requested.store(false);
  if (host_interrupt_) host_interrupt_->clear();
  if (!work.ends_with_stop_reply()) keep_gdb_waiting(work, session, 0);
  worker_.submit([this, work, session = std::move(session)]() mutable {
    timeline::StopEvent event = debugger_.execute(work, cancel_);
    asio::post(io_, [this, work, event = std::move(event), session = std::move(session)] {
      work_done(work, event, session);
    });
  });
}

void GdbServer::keep_gdb_waiting(const Work& work, std::weak_ptr<TcpSession> session, unsigned ticks) {
  const std::uint64_t serial = work_serial_;
  keepalive_.expires_after(kKeepalive);
  keepalive_.async_wait([this, work, session, ticks, serial](const boost::system::error_code& ec) {
    if (ec || stopped_ || !busy_ || serial != work_serial_) return;
    std::shared_ptr<TcpSession> s = session.lock();
    if (!s || !s->open()) return;
    std::string text;
    if (ticks == 0) {
      text = std::string("[rvrr] ") + work.activity() + "; this takes a while (Ctrl-C stops it)\n";
    }
    s->send_console(text);  // empty after the first: gdb prints nothing, but waits on
    keep_gdb_waiting(work, session, ticks + 1);
  });
}

void GdbServer::work_done(const Work& work, const timeline::StopEvent& event,
                          std::shared_ptr<TcpSession> session) {
  busy_ = false;
  keepalive_.cancel();
  if (stopped_) return;
  Outcome outcome = debugger_.finish(work, event);
  if (session && session->open() && session == active_) {
    session->work_finished(outcome);
  } else {
    spdlog::info("gdb went away during an operation (stopped at instruction {}); history kept", event.icount());
  }
  if (active_ && active_ != session && active_->open()) active_->resume_processing();
  if (after_work) asio::post(io_, [this] { if (!stopped_ && !busy_ && after_work) after_work(); });
}

void GdbServer::session_ended(TcpSession* session) {
  if (active_.get() != session) return;
  if (busy_) cancel_work();
  // Keep active_ until the handlers holding it finish; it is closed, so a new gdb is accepted.
  if (!stopped_) spdlog::info("waiting for the next gdb on port {}", port());
}

// ---------------- TcpSession ----------------

TcpSession::TcpSession(GdbServer& server, tcp::socket socket)
    : server_(server), socket_(std::move(socket)) {
  boost::system::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : peer.address().to_string() + ":" + std::to_string(peer.port());
  out_.reserve(4096);
  writing_.reserve(4096);
}

void TcpSession::start() {
  spdlog::info("gdb connected from {}", peer_);
  process_pending();  // starts the Debugger session if the Timeline is idle
  read_more();
}

void TcpSession::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
  server_.session_ended(this);
}

void TcpSession::read_more() {
  if (!open_) return;
  socket_.async_read_some(asio::buffer(read_buf_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            if (!self->open_) return;
                            if (ec) {
                              if (ec != asio::error::eof && ec != asio::error::operation_aborted)
                                spdlog::info("connection from {} lost: {}", self->peer_, ec.message());
                              const bool killed = self->server_.debugger().process_killed();
                              self->close();
                              if (killed) {
                                spdlog::info("gdb killed the program and left: exiting");
                                if (self->server_.on_kill) self->server_.on_kill();
                              }
                              return;
                            }
                            self->on_bytes(n);
                            self->read_more();
                          });
}

void TcpSession::on_bytes(std::size_t n) {
  reader_.feed(std::span<const std::uint8_t>(read_buf_.data(), n), frames_);
  // An interrupt with no packet before it waiting acts now; one behind a
  // packet (sent in the same read as the vCont it is meant to stop) waits
  // its turn, or the packet would start what it was meant to stop.
  bool packet_waiting = std::any_of(pending_.begin(), pending_.end(), [](const protocol::Frame& f) {
    return f.kind == protocol::FrameKind::Packet;
  });
  for (protocol::Frame& frame : frames_) {
    if (frame.kind == protocol::FrameKind::Interrupt && !packet_waiting) {
      interrupt();
      continue;
    }
    packet_waiting = packet_waiting || frame.kind == protocol::FrameKind::Packet;
    pending_.push_back(std::move(frame));
  }
  frames_.clear();
  process_pending();
  flush();
}

void TcpSession::interrupt() {
  // Only meaningful while an operation runs; gdb sends nothing else then.
  if (server_.busy()) {
    spdlog::debug("<- interrupt (0x03): cancelling the running operation");
    server_.cancel_work();
  } else {
    spdlog::debug("<- interrupt (0x03) while stopped: ignored");
  }
}

void TcpSession::process_pending() {
  while (open_ && end_after_write_ == SessionAction::Continue) {
    if (server_.busy()) {
      // gdb sends nothing but interrupts while it waits for a stop reply
      // (a monitor command's keepalive output it may ack, and never interrupts).
      if (pending_.empty() || pending_.front().kind != protocol::FrameKind::Interrupt) return;
      pending_.pop_front();
      interrupt();
      continue;
    }
    if (!started_) {
      server_.debugger().start_session();
      started_ = true;
    }
    if (pending_.empty()) return;
    protocol::Frame frame = std::move(pending_.front());
    pending_.pop_front();
    bool acking = !server_.debugger().no_ack();
    switch (frame.kind) {
      case protocol::FrameKind::Packet:
        if (acking) send_raw(protocol::kAck);
        process_packet(frame.payload);
        break;
      case protocol::FrameKind::Ack:
        break;
      case protocol::FrameKind::Nack:
        if (acking && !last_packet_.empty()) {
          spdlog::debug("<- nack: sending the last packet again");
          send_raw(last_packet_);
        }
        break;
      case protocol::FrameKind::BadChecksum:
        spdlog::debug("<- bad checksum: {}", printable(frame.payload));
        if (acking) send_raw(protocol::kNack);
        break;
      case protocol::FrameKind::Invalid:
        // Resending will not help: acknowledge it and answer E03 (ill-formed).
        spdlog::debug("<- invalid packet: {}", frame.reason);
        if (acking) send_raw(protocol::kAck);
        send_payload("E03");
        break;
      case protocol::FrameKind::Interrupt:
        interrupt();
        break;
    }
  }
}

void TcpSession::process_packet(const std::string& payload) {
  if (debug_logging()) spdlog::debug("<- {}", printable(payload));
  protocol::Command command = protocol::parse_command(payload);
  Outcome outcome = server_.debugger().handle(command);
  send_outcome(outcome);
  if (outcome.work) server_.submit(*outcome.work, shared_from_this());
  if (outcome.action != SessionAction::Continue) end_after_write_ = outcome.action;
}

void TcpSession::work_finished(const Outcome& outcome) {
  send_outcome(outcome);
  process_pending();
  flush();
}

void TcpSession::send_console(const std::string& text) {
  send_payload(protocol::format_reply(protocol::ConsoleOutput{text}));
  flush();
}

void TcpSession::send_outcome(const Outcome& outcome) {
  for (const protocol::Reply& reply : outcome.replies) send_payload(protocol::format_reply(reply));
}

void TcpSession::send_payload(std::string_view payload) {
  if (debug_logging()) spdlog::debug("-> {}", printable(payload));
  std::size_t start = out_.size();
  protocol::append_packet(out_, payload);
  if (!server_.debugger().no_ack()) last_packet_.assign(out_, start, std::string::npos);
}

void TcpSession::send_raw(std::string_view bytes) { out_ += bytes; }

void TcpSession::flush() {
  if (!open_ || write_in_flight_) return;
  if (out_.empty()) {
    if (end_after_write_ != SessionAction::Continue) {
      SessionAction action = end_after_write_;
      spdlog::info(action == SessionAction::Kill ? "gdb killed the program: exiting" : "gdb detached");
      close();
      if (action == SessionAction::Kill && server_.on_kill) server_.on_kill();
    }
    return;
  }
  std::swap(writing_, out_);
  out_.clear();
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (!self->open_) return;
                      if (ec) {
                        spdlog::info("connection from {} lost while writing: {}", self->peer_, ec.message());
                        self->close();
                        return;
                      }
                      self->flush();
                    });
}

}  // namespace rvrr::server
