#include "server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "bridge_context.hpp"
#include "drain.hpp"
#include "http_session.hpp"
#include "router.hpp"

namespace ringcast::bridge {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 interfaces).
tcp::endpoint parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw config_error("--listen \"" + text + "\": expected address:port");
  std::string host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) throw config_error("--listen \"" + text + "\": \"" + host + "\" is not an IP address");
  unsigned long p = 0;
  try {
    std::size_t used = 0;
    p = std::stoul(port, &used);
    if (used != port.size() || p > 65535) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw config_error("--listen \"" + text + "\": bad port \"" + port + "\"");
  }
  return {address, static_cast<unsigned short>(p)};
}

std::string random_epoch() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  return hex64(v);
}

}  // namespace

struct bridge_server::impl {
  // ctx before ioc: handlers still queued when the io_context is destroyed
  // hold sessions, whose destructors give back their admission tickets.
  bridge_context ctx;
  net::io_context ioc;
  std::unique_ptr<router> routes;
  std::unique_ptr<drain> drainer;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};
  net::steady_timer grace{ioc};
  bool stopping = false;

  impl(bridge_config config, std::string secret) : ctx(std::move(config)), ioc(static_cast<int>(ctx.config.io_threads)) {
    ctx.jwt_secret = std::move(secret);
    std::error_code fec;
    ctx.web_root = std::filesystem::canonical(ctx.config.web_root, fec);
    if (fec) throw config_error("--web-root \"" + ctx.config.web_root.string() + "\": " + fec.message());
    ctx.segment = shm::segment::open_or_create({.name = shm::resolve_segment_name(ctx.config.segment)});
    ctx.epoch = random_epoch();
    routes = std::make_unique<router>(ctx, [this] { drainer->wake(); });
    ctx.routes = routes.get();
    drainer = std::make_unique<drain>(ctx, *routes);

    const auto endpoint = parse_listen(ctx.config.listen);
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw config_error("cannot listen on " + ctx.config.listen + ": " + ec.message());
  }

  void do_accept() {
    // Each connection gets its own strand: its handlers never run at once.
    acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // shutting down
        std::fprintf(stderr, "ringcast-bridge: accept: %s\n", ec.message().c_str());
      } else {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);  // events are small and latency-bound
        std::make_shared<http_session>(std::move(socket), ctx)->run();
      }
      do_accept();
    });
  }

  void shutdown() {
    if (stopping) return;
    stopping = true;
    std::fprintf(stderr, "ringcast-bridge: stopping\n");
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    // Stops after the batch in progress and asks every session to close
    // with 1001 once what it holds is sent.
    drainer->stop();
    // Sessions that do not finish their close in time are cut by their own
    // deadline (shutdown_grace). The io_context stops once every session
    // has ended, or at the deadline, which also ends idle keep-alive HTTP
    // connections.
    watch_shutdown(std::chrono::steady_clock::now() + ctx.config.shutdown_grace + std::chrono::milliseconds(200));
  }

  void watch_shutdown(std::chrono::steady_clock::time_point deadline) {
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([this, deadline](boost::system::error_code ec) {
      if (ec) return;
      if (ctx.admit.total() == 0 || std::chrono::steady_clock::now() >= deadline)
        ioc.stop();
      else
        watch_shutdown(deadline);
    });
  }
};

bridge_server::bridge_server(bridge_config config, std::string jwt_secret)
    : impl_(std::make_unique<impl>(std::move(config), std::move(jwt_secret))) {}

bridge_server::~bridge_server() = default;

int bridge_server::run() {
  auto& m = *impl_;
  m.signals.async_wait([&m](boost::system::error_code ec, int) {
    if (!ec) m.shutdown();
  });
  m.drainer->start();
  m.do_accept();
  const auto ep = m.acceptor.local_endpoint();
  const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
  // Tests and scripts read this line for the port (--listen with port 0).
  std::printf("ringcast-bridge: listening on http://%s:%u segment '%s' epoch %s\n", host.c_str(), ep.port(),
              m.ctx.segment->name().c_str(), m.ctx.epoch.c_str());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < m.ctx.config.io_threads; ++i) threads.emplace_back([&m] { m.ioc.run(); });
  m.ioc.run();
  for (auto& t : threads) t.join();
  m.drainer->stop();  // if the io_context ended some other way
  std::fprintf(stderr, "ringcast-bridge: stopped; %llu events drained, %llu frames delivered\n",
               static_cast<unsigned long long>(m.ctx.metrics.events_drained()),
               static_cast<unsigned long long>(m.ctx.metrics.frames_delivered()));
  return 0;
}

}  // namespace ringcast::bridge
