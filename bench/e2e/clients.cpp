#include "clients.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "frames.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bench {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using ws_stream = websocket::stream<beast::tcp_stream>;

// How a socket is set up before connect, while these still shape the connection.
struct link_options {
  int rcvbuf = 0;  // > 0: the receive buffer, which bounds the TCP window the server can fill
  int mss = 0;     // > 0: the MSS this side announces (TCP_MAXSEG)
};

// Connects as `user`; against ringcast, also reads the connection:status
// greeting, after which the session is certainly registered for routing
// (the ws baseline registers a socket before its 101 goes out).
void connect(ws_stream& ws, const server& srv, const std::string& user, link_options link = {}) {
  using max_segment = net::detail::socket_option::integer<IPPROTO_TCP, TCP_MAXSEG>;
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.socket().open(net::ip::tcp::v4());
  if (link.rcvbuf > 0) tcp.socket().set_option(net::socket_base::receive_buffer_size(link.rcvbuf));
  if (link.mss > 0) tcp.socket().set_option(max_segment(link.mss));
  tcp.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), srv.port()));
  tcp.socket().set_option(net::ip::tcp::no_delay(true));
  ws.auto_fragment(false);
  ws.handshake("127.0.0.1", srv.ws_target(user));
  if (is_ringcast(srv.kind())) {
    beast::flat_buffer b;
    ws.read(b);
  }
}

std::string_view text_of(const beast::flat_buffer& b) {
  const auto d = b.cdata();
  return {static_cast<const char*>(d.data()), d.size()};
}

}  // namespace

// --- measured clients -------------------------------------------------------

struct measured_clients::impl {
  struct client {
    std::unique_ptr<ws_stream> ws;
    std::string user;
    net::steady_timer retry;
    beast::flat_buffer buffer;
    frame_parser parser;
    // Touched only by this client's handlers, one at a time.
    std::uint64_t received = 0;
    std::vector<std::uint8_t> seen;  // faults: per marker, how often
    std::uint64_t reconnects = 0;
    bool back = false;               // reconnected, its first event not yet here
    std::int64_t back_ns = 0;
    client(net::io_context& ioc, std::string u) : ws(std::make_unique<ws_stream>(ioc)), user(std::move(u)), retry(ioc) {}
  };

  const server* srv = nullptr;
  net::io_context ioc;  // declared first: outlives the clients' sockets
  std::vector<std::unique_ptr<client>> clients;
  std::vector<std::thread> threads;
  unsigned thread_count;
  recorder* rec = nullptr;  // set before the threads start, which orders it for them
  bool reading = false;
  bool reconnect = false;

  void read(client& c) {
    c.ws->async_read(c.buffer, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) {
        // Closed: the run is over, or the server dropped it (its events count as missed).
        if (reconnect && ec != net::error::operation_aborted) retry(c);
        return;
      }
      const std::int64_t now = shm::realtime_now_ns();
      rec->on_frame();
      const auto gaps = visit_message(c.parser.parse(text_of(c.buffer)), [&](std::uint64_t marker, std::int64_t pub) {
        if (!rec->on_event(marker, pub, now)) return;  // another phase's
        ++c.received;
        if (marker < c.seen.size() && c.seen[marker] < 255) ++c.seen[marker];
        if (std::exchange(c.back, false)) c.back_ns = now;
      });
      for (std::uint64_t i = 0; i < gaps; ++i) rec->on_gap();
      c.buffer.consume(c.buffer.size());
      read(c);
    });
  }

  // A synchronous connect on this thread: the server is away, and the
  // others are waiting for it as well.
  void retry(client& c) {
    c.retry.expires_after(50ms);
    c.retry.async_wait([this, &c](beast::error_code ec) {
      if (ec) return;
      c.ws = std::make_unique<ws_stream>(ioc);
      c.buffer.clear();
      try {
        connect(*c.ws, *srv, c.user);
      } catch (const std::exception&) {
        return retry(c);
      }
      ++c.reconnects;
      c.back = true;
      read(c);
    });
  }
};

measured_clients::measured_clients(const server& srv, unsigned clients, unsigned users, unsigned threads)
    : impl_(std::make_unique<impl>()) {
  impl_->srv = &srv;
  impl_->thread_count = threads;
  for (unsigned i = 0; i < clients; ++i) {
    impl_->clients.push_back(std::make_unique<impl::client>(impl_->ioc, user_name(i % users)));
    connect(*impl_->clients.back()->ws, srv, impl_->clients.back()->user);
  }
}

measured_clients::~measured_clients() { stop(); }

void measured_clients::start(recorder& r) {
  impl_->rec = &r;
  impl_->ioc.restart();
  // The reads stay pending across stop(): they are started once.
  if (!std::exchange(impl_->reading, true))
    for (auto& c : impl_->clients) impl_->read(*c);
  for (unsigned t = 0; t < impl_->thread_count; ++t) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void measured_clients::track(std::size_t events, bool reconnect) {
  impl_->reconnect = reconnect;
  for (auto& c : impl_->clients) c->seen.assign(events, 0);
}

measured_clients::fault_view measured_clients::faults(unsigned users, std::size_t in_lo, std::size_t in_hi) const {
  fault_view v;
  for (std::size_t i = 0; i < impl_->clients.size(); ++i) {
    const auto& c = *impl_->clients[i];
    for (std::size_t m = 0; m < c.seen.size(); ++m) {
      if (m % users == i % users && c.seen[m] == 0) {
        ++v.missing;
        if (m >= in_lo && m < in_hi) ++v.missing_in;
      }
      if (c.seen[m] > 1) v.duplicates += c.seen[m] - 1u;
    }
    v.reconnects += c.reconnects;
    v.last_back_ns = std::max(v.last_back_ns, c.back_ns);
  }
  return v;
}

void measured_clients::stop() {
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

std::vector<std::uint64_t> measured_clients::take_received() {
  std::vector<std::uint64_t> out;
  for (auto& c : impl_->clients) out.push_back(std::exchange(c->received, 0));
  return out;
}

// --- slow clients ---------------------------------------------------------

namespace {

// A slow client reads one message per k_slow_pause through a small receive
// buffer. It also announces the classic default MSS, 536: Linux sizes the
// server's send buffer for a socket from the MSS, at ~4 MiB on loopback
// (MSS 64 KiB), which would hide a minute of this client's backlog from the
// bridge. With 536 it is ~200 KiB, ~2 s of it, and the bridge's own queue
// starts filling early in the phase, as it would for a remote client that
// does not keep up.
constexpr link_options k_slow_link{.rcvbuf = 4096, .mss = 536};
constexpr auto k_slow_pause = 40ms;
// After the slow phase, the slow clients read what is left at full speed for
// this long: the bridge's 1013 close frame waits behind the data the kernel
// holds, which a slow reader would only reach many seconds later.
constexpr auto k_slow_drain = 1s;

}  // namespace

struct slow_clients::impl {
  struct client {
    ws_stream ws;
    net::steady_timer pause;
    beast::flat_buffer buffer;
    frame_parser parser;
    std::uint64_t messages = 0, drained = 0, events = 0, gaps = 0;
    bool draining = false;
    bool closed_1013 = false;
    explicit client(net::io_context& ioc) : ws(ioc), pause(ioc) {}
  };

  net::io_context ioc;  // declared first: outlives the clients' sockets
  std::vector<std::unique_ptr<client>> clients;
  std::thread thread;

  void read(client& c) {
    c.ws.async_read(c.buffer, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) {
        c.closed_1013 = ec == websocket::error::closed && c.ws.reason().code == websocket::close_code::try_again_later;
        return;  // closed stays closed: no reconnect
      }
      ++(c.draining ? c.drained : c.messages);
      c.gaps += visit_message(c.parser.parse(text_of(c.buffer)), [&c](std::uint64_t, std::int64_t) { ++c.events; });
      c.buffer.consume(c.buffer.size());
      if (c.draining) return read(c);
      c.pause.expires_after(k_slow_pause);
      c.pause.async_wait([this, &c](beast::error_code) { read(c); });  // cancelled: draining, read on
    });
  }

  void stop() {
    ioc.stop();
    if (thread.joinable()) thread.join();
  }
};

slow_clients::slow_clients(const server& srv, unsigned count, unsigned users) : impl_(std::make_unique<impl>()) {
  for (unsigned i = 0; i < count; ++i) {
    impl_->clients.push_back(std::make_unique<impl::client>(impl_->ioc));
    connect(impl_->clients.back()->ws, srv, user_name(i % users), k_slow_link);
    impl_->read(*impl_->clients.back());
  }
  // Their own thread: they never hold up the measured clients' reader.
  if (count > 0) impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

slow_clients::~slow_clients() { impl_->stop(); }

const char* slow_clients::description() {
  return "each reads one message per 40 ms through a 4 KiB receive buffer (MSS 536)";
}

slow_tally slow_clients::finish() {
  net::post(impl_->ioc, [this] {
    for (auto& c : impl_->clients) {
      c->draining = true;
      c->pause.cancel();
    }
  });
  std::this_thread::sleep_for(k_slow_drain);
  impl_->stop();
  slow_tally t;
  for (const auto& c : impl_->clients) {
    ++t.clients;
    t.closed_1013 += c->closed_1013 ? 1u : 0u;
    t.messages += c->messages;
    t.drained += c->drained;
    t.events += c->events;
    t.gaps += c->gaps;
  }
  return t;
}

// --- idle clients ---------------------------------------------------------

struct idle_clients::impl {
  struct client {
    ws_stream ws;
    beast::flat_buffer buffer;
    explicit client(net::io_context& ioc) : ws(ioc) {}
  };
  net::io_context ioc;  // declared first: outlives the clients' sockets
  std::vector<std::unique_ptr<client>> clients;
  std::thread thread;
  std::atomic<unsigned> open{0};  // relaxed: a count read for a report

  void read(client& c) {
    // A pending read is what answers the server's pings.
    c.ws.async_read(c.buffer, [this, &c](beast::error_code ec, std::size_t) {
      if (ec) {
        open.fetch_sub(1, std::memory_order_relaxed);
        return;
      }
      c.buffer.consume(c.buffer.size());
      read(c);
    });
  }
};

idle_clients::idle_clients(const server& srv, unsigned count, unsigned users) : impl_(std::make_unique<impl>()) {
  impl_->clients.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    impl_->clients.push_back(std::make_unique<impl::client>(impl_->ioc));
    auto& ws = impl_->clients.back()->ws;
    ws.read_message_max(64 * 1024);
    connect(ws, srv, user_name(i % users));
    impl_->open.fetch_add(1, std::memory_order_relaxed);
    impl_->read(*impl_->clients.back());
  }
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

idle_clients::~idle_clients() {
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

unsigned idle_clients::open() const noexcept { return impl_->open.load(std::memory_order_relaxed); }

// --- /metrics -------------------------------------------------------------

std::map<std::string, std::uint64_t> session_drops(unsigned short port) {
  std::map<std::string, std::uint64_t> out;
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  beast::error_code ec;
  s.socket().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "127.0.0.1");
  if (!ec) http::write(s, req, ec);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  if (!ec) http::read(s, b, res, ec);
  if (ec) return out;
  // Prometheus text exposition, one sample per line:
  //   ringcast_session_drops_total{reason="queue_full"} 12
  std::istringstream lines(res.body());
  const std::string name = "ringcast_session_drops_total{reason=\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name, 0) != 0) continue;
    const auto end = line.find('"', name.size());
    const auto space = line.rfind(' ');
    if (end == std::string::npos || space == std::string::npos) continue;
    out[line.substr(name.size(), end - name.size())] = static_cast<std::uint64_t>(std::stod(line.substr(space + 1)));
  }
  return out;
}

}  // namespace ringcast::bench
