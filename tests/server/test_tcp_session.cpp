// tests/server/test_tcp_session.cpp - the Asio session over a real loopback
// socket: acks, no-ack mode, interrupting a running resume, one gdb at a
// time, detach and reconnect, kill.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "fake_target.hpp"
#include "protocol/packet_writer.hpp"
#include "server/tcp_session.hpp"

using namespace rvrr;
using namespace rvrr::server;
namespace asio = boost::asio;
using asio::ip::tcp;
using rvrr::server::test::FakeTarget;

namespace {

// A minimal blocking gdb: writes raw bytes, reads one reply packet.
struct Client {
  asio::io_context io;
  tcp::socket socket{io};
  std::string buffer;

  explicit Client(std::uint16_t port) {
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    socket.set_option(tcp::no_delay(true));  // as gdb does
  }
  void write(std::string_view bytes) { asio::write(socket, asio::buffer(bytes.data(), bytes.size())); }
  void packet(std::string_view payload) { write(protocol::encode_packet(payload)); }
  // Reads until `n` bytes are buffered; false on EOF.
  bool fill(std::size_t n) {
    while (buffer.size() < n) {
      char tmp[4096];
      boost::system::error_code ec;
      std::size_t got = socket.read_some(asio::buffer(tmp), ec);
      if (ec) return false;
      buffer.append(tmp, got);
    }
    return true;
  }
  std::string take(std::size_t n) {
    REQUIRE(fill(n));
    std::string s = buffer.substr(0, n);
    buffer.erase(0, n);
    return s;
  }
  // The next reply packet's payload (acks before it are checked by the caller).
  std::string reply() {
    REQUIRE(fill(1));
    REQUIRE(buffer[0] == '$');
    std::size_t hash;
    for (;;) {
      hash = buffer.find('#');
      if (hash != std::string::npos && buffer.size() >= hash + 3) break;
      REQUIRE(fill(buffer.size() + 1));
    }
    std::string payload = buffer.substr(1, hash - 1);
    buffer.erase(0, hash + 3);
    return payload;
  }
  bool closed_by_peer() {
    char tmp[16];
    boost::system::error_code ec;
    socket.read_some(asio::buffer(tmp), ec);
    return ec == asio::error::eof || ec == asio::error::connection_reset;
  }
};

struct ServerFixture {
  FakeTarget target;
  Debugger debugger{target, DebuggerOptions{"/tmp/prog.elf", {}}};
  asio::io_context io;
  GdbServer server{io, debugger, "127.0.0.1", 0};
  std::thread thread;
  bool killed = false;

  ServerFixture() {
    server.on_kill = [this] {
      killed = true;
      io.stop();
    };
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~ServerFixture() {
    io.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("tcp: acks until QStartNoAckMode, then plain packets") {
  ServerFixture f;
  Client gdb(f.server.port());
  gdb.packet("qSupported:swbreak+;multiprocess+");
  CHECK(gdb.take(1) == "+");
  CHECK(gdb.reply().rfind("PacketSize=4000;", 0) == 0);
  gdb.write("+");
  gdb.packet("QStartNoAckMode");
  CHECK(gdb.take(1) == "+");  // still acked: it was sent in ack mode
  CHECK(gdb.reply() == "OK");
  gdb.write("+");
  gdb.packet("qC");
  CHECK(gdb.reply() == "QCp1.1");  // no '+' before it any more
  gdb.write("$m10000,zz#00");      // bad checksum: ignored in no-ack mode
  gdb.packet("m10000,2");
  CHECK(gdb.reply() == "0000");
}

TEST_CASE("tcp: bad checksums are nacked and stray acks tolerated in ack mode") {
  ServerFixture f;
  Client gdb(f.server.port());
  gdb.write("+++$qC#00");
  CHECK(gdb.take(1) == "-");
  gdb.packet("qC");
  CHECK(gdb.take(1) == "+");
  CHECK(gdb.reply() == "QC1");
  gdb.write("-");  // please resend
  CHECK(gdb.reply() == "QC1");
}

TEST_CASE("tcp: the interrupt byte cancels a running continue within milliseconds") {
  ServerFixture f;
  std::atomic<bool> running{false};
  f.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken& cancel) {
    running = true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    return cancel.cancelled() ? timeline::StopEvent::interrupted(0) : timeline::StopEvent::step(0);
  };
  Client gdb(f.server.port());
  gdb.packet("qSupported:multiprocess+");
  gdb.take(1);
  gdb.reply();
  gdb.packet("QStartNoAckMode");
  gdb.take(1);
  gdb.reply();
  gdb.packet("vCont;c:p1.1");
  while (!running) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto t0 = std::chrono::steady_clock::now();
  gdb.write("\x03");
  std::string stop = gdb.reply();
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  CHECK(stop.rfind("T02thread:p1.1;", 0) == 0);
  MESSAGE("interrupt to stop reply: " << ms << " ms");
  // The session carries on afterwards.
  gdb.packet("qC");
  CHECK(gdb.reply() == "QCp1.1");
}

TEST_CASE("tcp: one gdb at a time - detach leaves the server ready for the next") {
  ServerFixture f;
  {
    Client first(f.server.port());
    first.packet("qC");
    CHECK(first.take(1) == "+");
    CHECK(first.reply() == "QC1");

    // The second is told why (gdb prints the error reply to its first
    // packet), then disconnected.
    Client second(f.server.port());
    second.packet("qSupported:multiprocess+");
    CHECK(second.take(1) == "+");
    CHECK(second.reply().rfind("E.rvrr: another gdb is already connected", 0) == 0);
    CHECK(second.closed_by_peer());

    first.packet("Z0,10074,4");
    first.take(1);
    CHECK(first.reply() == "OK");
    first.packet("D");
    CHECK(first.take(1) == "+");
    CHECK(first.reply() == "OK");
    CHECK(first.closed_by_peer());
  }
  Client next(f.server.port());
  next.packet("?");
  CHECK(next.take(1) == "+");
  CHECK(next.reply().rfind("T05thread:1;", 0) == 0);
  // The new session starts clean.
  CHECK_FALSE(f.target.points().has_breakpoint(0x10074));
  next.packet("vKill;1");
  CHECK(next.take(1) == "+");
  CHECK(next.reply() == "OK");
  CHECK(next.closed_by_peer());
  f.thread.join();
  f.thread = std::thread([] {});
  CHECK(f.killed);
}

TEST_CASE("tcp: a gdb that disconnects mid-continue cancels it - the next one is served") {
  ServerFixture f;
  std::atomic<bool> running{false};
  std::atomic<bool> cancelled{false};
  f.target.on_resume = [&](timeline::Direction, timeline::ResumeKind, const timeline::CancelToken& cancel) {
    running = true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel.cancelled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    cancelled = cancel.cancelled();
    return timeline::StopEvent::interrupted(0);
  };
  {
    Client gdb(f.server.port());
    gdb.packet("c");
    while (!running) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }  // disconnects
  Client next(f.server.port());
  next.packet("qC");
  CHECK(next.take(1) == "+");
  CHECK(next.reply() == "QC1");
  CHECK(cancelled);
}

TEST_CASE("tcp: garbage, torn packets and over-long packets leave the session usable") {
  ServerFixture f;
  Client gdb(f.server.port());
  std::string junk;
  std::uint32_t x = 12345;
  for (int i = 0; i < 5000; ++i) {
    x = x * 1103515245u + 12345u;
    char c = static_cast<char>(x >> 16);
    if (c == '$' || c == '\x03') c = 'z';  // keep it outside packets: no interrupts, no half packets
    junk += c;
  }
  gdb.write(junk);
  gdb.write("$" + std::string(100000, 'm') + "#00");  // longer than the reader accepts
  gdb.packet("qC");
  // Whatever came back for the junk (acks, nacks, E03), the qC reply arrives intact.
  bool found = false;
  for (int i = 0; i < 10 && !found; ++i) {
    std::size_t dollar;
    while ((dollar = gdb.buffer.find('$')) == std::string::npos) REQUIRE(gdb.fill(gdb.buffer.size() + 1));
    gdb.buffer.erase(0, dollar);
    found = gdb.reply() == "QC1";
  }
  CHECK(found);
}
