// ringcast-bench-e2e: the whole path, producer -> ring -> ringcast-bridge ->
// WebSocket clients, at a stated offered load.
//
// It starts a real ringcast-bridge process on a private segment and
// loopback port, connects --clients Beast WebSocket clients (spread over
// --users users), publishes PNL_UPDATE events at --rate for --duration on
// a fixed clock schedule (an event late to be published is not skipped or
// re-timed), and records, for every event every client receives:
//   - publish -> receive: the envelope's producer timestamp to the client's
//     receipt (both CLOCK_REALTIME on this host);
//   - scheduled -> receive: the event's slot in the schedule to receipt,
//     which keeps the time an overloaded producer spent behind schedule
//     (no coordinated omission).
// Prints p50/p99/p99.9/max of both, and deliveries against what routing
// promised (every client must get every event of its user and every global).
//
// --slow-percent P compares, in one run against one bridge process, the
// healthy clients' latency with and without ceil(P% of --clients) slow
// clients, spread over the same users (so they are sent the same events):
//   - three phases of the same load and duration: baseline, slow, baseline.
//     The two baselines bracket the slow phase so that a drift of this
//     shared machine (a build starting, caches warming) does not land on one
//     side only; "without" is both baselines pooled. The bridge settles 1 s
//     between phases.
//   - events alternate PNL_UPDATE (state: the bridge may conflate it for a
//     backlogged client) and ORDER_UPDATE (stream: dropped with a stream:gap
//     notice), so that the whole slow-client policy is exercised.
//   - a slow client has a 4 KiB receive buffer and a 536 B MSS, set before
//     connect (see k_slow_link), and reads one message per 40 ms on its own
//     thread: it falls behind at once. The bridge runs with a smaller
//     per-session queue (--queue-messages, 256 by default, ~1.3 s of a
//     client's events at the default load) so that the queue fills and the
//     close after --slow-close-after (5 s) can happen within a 10 s phase.
//     A slow client the bridge closes (1013) stays closed. After the phase
//     the slow clients read the rest at full speed for 1 s, to reach the
//     close frame behind what the kernel holds for them.
// The ratios are figures, not a verdict on the exit status: it is 1 only if
// a healthy client missed an event, as without --slow-percent.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "ringcast/shm/publisher.hpp"
#include "ringcast/shm/realtime_clock.hpp"
#include "ringcast/shm/segment.hpp"
#include "token.hpp"

extern char** environ;

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using namespace ringcast;
using namespace std::chrono_literals;

struct options {
  std::string bridge = RINGCAST_BRIDGE_BIN;
  unsigned clients = 100;
  unsigned users = 10;
  double rate = 1000;
  double duration_s = 10;
  double global_share = 0.1;  // of events with userId ""
  unsigned bridge_threads = 1;
  unsigned slow_percent = 0;      // 0: no comparison, the single run of old
  unsigned queue_messages = 256;  // the bridge's per-session queue limit in a comparison
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: ringcast-bench-e2e [--clients N] [--users N] [--rate EVENTS_PER_S] [--duration S]\n"
      "                          [--global SHARE] [--bridge-threads N] [--bridge PATH]\n"
      "                          [--slow-percent P [--queue-messages N]]\n"
      "Producer -> ring -> ringcast-bridge -> WebSocket clients on loopback, at a fixed offered load.\n"
      "Defaults: 100 clients over 10 users, 1000 events/s for 10 s, 10% global, 1 bridge I/O thread.\n"
      "--slow-percent P: phases baseline / slow / baseline, the slow one with ceil(P% of --clients) more\n"
      "clients reading slowly; PNL_UPDATE and ORDER_UPDATE alternate; the bridge runs with\n"
      "--queue-messages N (default 256). Prints the healthy clients' latency ratios with / without them.\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    try {
      if (a == "--clients") o.clients = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--users") o.users = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--rate") o.rate = std::stod(value());
      else if (a == "--duration") o.duration_s = std::stod(value());
      else if (a == "--global") o.global_share = std::stod(value());
      else if (a == "--bridge-threads") o.bridge_threads = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--bridge") o.bridge = value();
      else if (a == "--slow-percent") o.slow_percent = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--queue-messages") o.queue_messages = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--help" || a == "-h") usage(0);
      else usage(2);
    } catch (const std::logic_error&) {
      usage(2);
    }
  }
  if (o.clients == 0 || o.users == 0 || o.users > o.clients || o.rate <= 0 || o.duration_s <= 0) usage(2);
  if (o.slow_percent > 100 || o.queue_messages == 0) usage(2);
  return o;
}

// ceil(slow_percent % of clients).
unsigned slow_count(const options& o) { return (o.slow_percent * o.clients + 99) / 100; }

constexpr const char* k_secret = "ringcast-bench-e2e-secret-0123456789";

std::vector<std::string> bridge_args(const options& o, const std::string& segment) {
  std::vector<std::string> args{o.bridge,         "--listen",      "127.0.0.1:0",
                                "--segment",      segment,         "--io-threads",
                                std::to_string(o.bridge_threads),  "--max-connections-per-user",
                                std::to_string(o.clients + slow_count(o)), "--startup-hold", "0"};
  if (o.slow_percent > 0) {
    args.emplace_back("--queue-messages");
    args.push_back(std::to_string(o.queue_messages));
  }
  return args;
}

// The bridge as a child process; its stdout's first line gives the port.
struct bridge_process {
  pid_t pid = -1;
  unsigned short port = 0;

  bridge_process(const options& o, const std::string& segment) {
    ::setenv("RINGCAST_JWT_SECRET", k_secret, 1);
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> args = bridge_args(o, segment);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + o.bridge);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out[0]);
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(R"(:(\d+) segment)"))) throw std::runtime_error("bridge said: " + line);
    port = static_cast<unsigned short>(std::stoi(m[1]));
  }
  ~bridge_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
};

using ws_stream = websocket::stream<beast::tcp_stream>;

// "u3". Appended rather than "u" + ...: GCC 12 warns falsely (-Wrestrict) on that.
std::string user_name(unsigned i) {
  std::string s = "u";
  s += std::to_string(i);
  return s;
}

// How a slow client's socket is set up before connect, when these still
// shape the connection.
struct slow_link {
  int rcvbuf = 0;  // > 0: the receive buffer, which bounds the TCP window the bridge can fill
  int mss = 0;     // > 0: the MSS this side announces (TCP_MAXSEG)
};

// Connects as `user` and reads the connection:status greeting.
void connect(ws_stream& ws, unsigned short port, const std::string& user, slow_link link = {}) {
  using max_segment = net::detail::socket_option::integer<IPPROTO_TCP, TCP_MAXSEG>;
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.socket().open(net::ip::tcp::v4());
  if (link.rcvbuf > 0) tcp.socket().set_option(net::socket_base::receive_buffer_size(link.rcvbuf));
  if (link.mss > 0) tcp.socket().set_option(max_segment(link.mss));
  tcp.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  tcp.socket().set_option(net::ip::tcp::no_delay(true));
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  const std::string token = bridge::mint_token({user, now_s + 3600, false}, k_secret);
  ws.handshake("127.0.0.1", "/ws?token=" + token);
  beast::flat_buffer b;
  ws.read(b);  // connection:status
}

struct client {
  ws_stream ws;
  beast::flat_buffer buffer;
  std::string user;
  std::vector<std::int64_t> publish_to_receive_ns;
  std::vector<std::int64_t> schedule_to_receive_ns;
  std::uint64_t received = 0;
  std::uint64_t gaps = 0;  // stream:gap notices: a healthy client should get none
  explicit client(net::io_context& ioc) : ws(ioc) {}
};

// The schedule: event i is due at start + i / rate; its marker (the
// payload's dailyPnl, or orderId) is i, so a client finds its slot.
struct schedule {
  std::int64_t start_ns = 0;
  double period_ns = 0;
  [[nodiscard]] std::int64_t due(std::uint64_t i) const {
    return start_ns + static_cast<std::int64_t>(static_cast<double>(i) * period_ns);
  }
};

// The envelope's timestamp, "2026-11-22T02:55:02.616830Z", back to Unix ns.
std::int64_t parse_iso8601(std::string_view t) {
  std::tm tm{};
  int micros = 0;
  if (t.size() != 27 || std::sscanf(std::string(t).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ", &tm.tm_year, &tm.tm_mon,
                                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micros) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1'000'000'000 + std::int64_t{micros} * 1000;
}

// The message in the buffer, parsed (null if it is not JSON), and consumed.
json::value take_message(beast::flat_buffer& buffer) {
  const auto data = buffer.cdata();
  boost::system::error_code ec;
  auto v = json::parse(std::string_view(static_cast<const char*>(data.data()), data.size()), ec);
  buffer.consume(buffer.size());
  return ec ? json::value() : v;
}

// Calls on_event for each event of a message: an object with a numeric
// "seq" and a "payload", or each such element of a batch (an array).
// Returns how many stream:gap notices it held; the other control messages
// (connection:status, pong, error, resume:*, logs:suppressed...) are skipped.
template <class OnEvent>
std::uint64_t visit_message(const json::value& v, OnEvent&& on_event) {
  if (const auto* batch = v.if_array()) {
    std::uint64_t gaps = 0;
    for (const auto& m : *batch) gaps += visit_message(m, on_event);
    return gaps;
  }
  const auto* o = v.if_object();
  if (o == nullptr) return 0;
  const auto* seq = o->if_contains("seq");
  if (seq != nullptr && seq->is_number() && o->contains("payload")) {
    on_event(*o);
    return 0;
  }
  const auto* type = o->if_contains("type");
  return type != nullptr && *type == "stream:gap" ? 1 : 0;
}

// The event's slot in the schedule, carried by PNL_UPDATE as dailyPnl and
// by ORDER_UPDATE as orderId; nullopt for anything else.
std::optional<std::uint64_t> marker_of(const json::object& event) {
  const auto* type = event.if_contains("type");
  const auto* payload = event.at("payload").if_object();
  if (type == nullptr || payload == nullptr) return std::nullopt;
  const char* field = *type == "PNL_UPDATE" ? "dailyPnl" : *type == "ORDER_UPDATE" ? "orderId" : nullptr;
  const auto* m = field != nullptr ? payload->if_contains(field) : nullptr;
  if (m == nullptr || !m->is_number()) return std::nullopt;
  return static_cast<std::uint64_t>(m->to_number<double>());
}

void record(client& c, const json::object& event, const schedule& s, std::int64_t now) {
  const auto index = marker_of(event);
  const auto* ts = event.if_contains("timestamp");
  if (!index || ts == nullptr || !ts->is_string()) return;
  c.publish_to_receive_ns.push_back(now - parse_iso8601(ts->get_string()));
  c.schedule_to_receive_ns.push_back(now - s.due(*index));
  ++c.received;
}

void read_loop(client& c, const schedule& s) {
  c.ws.async_read(c.buffer, [&c, &s](beast::error_code ec, std::size_t) {
    if (ec) return;
    const std::int64_t now = shm::realtime_now_ns();
    c.gaps += visit_message(take_message(c.buffer), [&](const json::object& e) { record(c, e, s, now); });
    read_loop(c, s);
  });
}

// A slow client reads one message per k_slow_pause through a small receive
// buffer. It also announces the classic default MSS, 536: Linux sizes the
// bridge's send buffer for a socket from the MSS, at ~4 MiB on loopback
// (MSS 64 KiB), which would hide a minute of this client's backlog from the
// bridge. With 536 it is ~200 KiB, ~2 s of it (1460: ~5 s, measured), and
// the bridge's own queue starts filling early in the phase, as it would for
// a remote client that does not keep up.
constexpr slow_link k_slow_link{.rcvbuf = 4096, .mss = 536};
constexpr auto k_slow_pause = 40ms;
// After the slow phase, the slow clients read what is left at full speed for
// this long: the bridge's 1013 close frame waits behind the data the kernel
// holds, which a slow reader would only reach many seconds later.
constexpr auto k_slow_drain = 1s;

struct slow_client {
  ws_stream ws;
  net::steady_timer pause;
  beast::flat_buffer buffer;
  std::uint64_t messages = 0, drained = 0, events = 0, gaps = 0;
  bool draining = false;
  bool closed_1013 = false;
  explicit slow_client(net::io_context& ioc) : ws(ioc), pause(ioc) {}
};

void slow_read_loop(slow_client& c) {
  c.ws.async_read(c.buffer, [&c](beast::error_code ec, std::size_t) {
    if (ec) {
      c.closed_1013 = ec == websocket::error::closed && c.ws.reason().code == websocket::close_code::try_again_later;
      return;  // closed stays closed: no reconnect
    }
    ++(c.draining ? c.drained : c.messages);
    c.gaps += visit_message(take_message(c.buffer), [&c](const json::object&) { ++c.events; });
    if (c.draining) return slow_read_loop(c);
    c.pause.expires_after(k_slow_pause);
    c.pause.async_wait([&c](beast::error_code) { slow_read_loop(c); });  // cancelled: draining, read on
  });
}

struct slow_tally {
  unsigned clients = 0, closed_1013 = 0;
  std::uint64_t messages = 0, drained = 0, events = 0, gaps = 0;
};

// The slow clients of one phase, on their own io_context and thread so that
// they never hold up the healthy clients' reader.
class slow_pool {
 public:
  slow_pool(const options& o, unsigned short port, unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      clients_.push_back(std::make_unique<slow_client>(ioc_));
      connect(clients_.back()->ws, port, user_name(i % o.users), k_slow_link);
      slow_read_loop(*clients_.back());
    }
    if (n > 0) thread_ = std::thread([this] { ioc_.run(); });
  }
  ~slow_pool() { stop(); }
  slow_pool(const slow_pool&) = delete;
  slow_pool& operator=(const slow_pool&) = delete;

  // Drains them (k_slow_drain), stops them (their sockets close when the
  // pool goes) and counts.
  slow_tally finish() {
    net::post(ioc_, [this] {
      for (auto& c : clients_) {
        c->draining = true;
        c->pause.cancel();
      }
    });
    std::this_thread::sleep_for(k_slow_drain);
    stop();
    slow_tally t;
    for (const auto& c : clients_) {
      ++t.clients;
      t.closed_1013 += c->closed_1013 ? 1u : 0u;
      t.messages += c->messages;
      t.drained += c->drained;
      t.events += c->events;
      t.gaps += c->gaps;
    }
    return t;
  }

 private:
  void stop() {
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }

  net::io_context ioc_;  // declared first: outlives the clients' sockets
  std::vector<std::unique_ptr<slow_client>> clients_;
  std::thread thread_;
};

// The bridge's count of events it dropped for sessions, over their limit or
// closing (/health bridge.sessionDrops); nullopt if it cannot be read.
std::optional<std::uint64_t> session_drops(unsigned short port) {
  net::io_context ioc;
  beast::tcp_stream s(ioc);
  beast::error_code ec;
  s.socket().connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  http::request<http::empty_body> req{http::verb::get, "/health", 11};
  req.set(http::field::host, "127.0.0.1");
  if (!ec) http::write(s, req, ec);
  beast::flat_buffer b;
  http::response<http::string_body> res;
  if (!ec) http::read(s, b, res, ec);
  if (ec) return std::nullopt;
  const auto v = json::parse(res.body(), ec);
  const auto* bridge = !ec && v.is_object() ? v.as_object().if_contains("bridge") : nullptr;
  const auto* drops = bridge != nullptr && bridge->is_object() ? bridge->get_object().if_contains("sessionDrops")
                                                                : nullptr;
  if (drops == nullptr || !drops->is_number()) return std::nullopt;
  return drops->to_number<std::uint64_t>();
}

// What the producer published, hence what routing promised.
struct load {
  std::uint64_t total = 0, refused = 0, globals = 0;
  std::vector<std::uint64_t> per_user;
};

// Event i: PNL_UPDATE, or in the mixed load ORDER_UPDATE for odd i.
shm::publish_status publish_one(shm::publisher& pub, const std::string& user, std::uint64_t i, bool mixed) {
  if (mixed && i % 2 == 1) {
    shm::order_update u{};
    u.order_id = static_cast<std::int64_t>(i);
    u.symbol = "BTCUSDT";
    u.price = 1;
    u.qty = 1;
    return pub.publish(user, u);
  }
  shm::pnl_update p{};
  p.total_pnl = 1;
  p.daily_pnl = static_cast<double>(i);
  return pub.publish(user, p);
}

// Publishes rate x duration events on the schedule s. The same seed every
// phase: the same users in the same order, the same offered load.
load publish(shm::publisher& pub, const options& o, const schedule& s, bool mixed) {
  load l;
  l.total = static_cast<std::uint64_t>(o.rate * o.duration_s);
  l.per_user.assign(o.users, 0);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  for (std::uint64_t i = 0; i < l.total; ++i) {
    const std::int64_t due = s.due(i);
    // Sleep until 50 us before the slot, then spin: on two cores a
    // producer spinning all the time would take one from the bridge.
    for (std::int64_t left = due - shm::realtime_now_ns(); left > 0; left = due - shm::realtime_now_ns())
      if (left > 60'000) std::this_thread::sleep_for(std::chrono::nanoseconds(left - 50'000));
    const bool global = unit(rng) < o.global_share;
    const auto u = static_cast<unsigned>(rng() % o.users);
    const std::string user = global ? std::string() : user_name(u);
    if (publish_one(pub, user, i, mixed) != shm::publish_status::published) {
      ++l.refused;
      continue;
    }
    (global ? l.globals : l.per_user[u]) += 1;
  }
  return l;
}

// The healthy clients, connected once for the whole run. Their reader
// thread runs during a phase only, which makes a phase's samples the main
// thread's to read once it has joined.
struct healthy_pool {
  net::io_context ioc;
  std::vector<std::unique_ptr<client>> clients;
  schedule s;

  healthy_pool(const options& o, unsigned short port) {
    s.period_ns = 1e9 / o.rate;
    for (unsigned i = 0; i < o.clients; ++i) {
      auto c = std::make_unique<client>(ioc);
      c->user = user_name(i % o.users);
      connect(c->ws, port, c->user);
      clients.push_back(std::move(c));
    }
    for (auto& c : clients) read_loop(*c, s);
  }
};

struct phase_result {
  std::string name;
  load published;
  std::uint64_t expected = 0, received = 0, healthy_gaps = 0;
  std::vector<std::int64_t> pub_lat, sched_lat;
  std::optional<slow_tally> slow;
  std::optional<std::uint64_t> session_drops;  // during the phase, by the bridge
};

void tally_healthy(phase_result& r, healthy_pool& h, const options& o) {
  for (std::size_t i = 0; i < h.clients.size(); ++i) {
    auto& c = *h.clients[i];
    r.expected += r.published.per_user[i % o.users] + r.published.globals;
    r.received += c.received;
    r.healthy_gaps += c.gaps;
    r.pub_lat.insert(r.pub_lat.end(), c.publish_to_receive_ns.begin(), c.publish_to_receive_ns.end());
    r.sched_lat.insert(r.sched_lat.end(), c.schedule_to_receive_ns.begin(), c.schedule_to_receive_ns.end());
    c.publish_to_receive_ns.clear();
    c.schedule_to_receive_ns.clear();
    c.received = c.gaps = 0;
  }
}

std::optional<std::uint64_t> minus(std::optional<std::uint64_t> a, std::optional<std::uint64_t> b) {
  if (!a || !b) return std::nullopt;
  return *a - *b;
}

// One phase: `slow` slow clients join, the load is published, the last
// events get 1 s to arrive, then the slow clients leave.
phase_result run_phase(std::string name, healthy_pool& h, shm::publisher& pub, const options& o, unsigned short port,
                       unsigned slow) {
  phase_result r;
  r.name = std::move(name);
  const bool comparing = o.slow_percent > 0;
  const auto drops_before = comparing ? session_drops(port) : std::nullopt;
  slow_pool slow_clients(o, port, slow);
  h.s.start_ns = shm::realtime_now_ns() + 50'000'000;
  h.ioc.restart();
  std::thread io([&h] { h.ioc.run(); });
  r.published = publish(pub, o, h.s, comparing);
  std::this_thread::sleep_for(1s);
  h.ioc.stop();
  io.join();
  if (slow > 0) r.slow = slow_clients.finish();
  if (comparing) r.session_drops = minus(session_drops(port), drops_before);
  tally_healthy(r, h, o);
  return r;
}

struct percentiles {
  double p50, p99, p999, max;
};

percentiles summarize(std::vector<std::int64_t>& v) {
  if (v.empty()) return {0, 0, 0, 0};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto i = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    return static_cast<double>(v[i]) / 1000.0;
  };
  return {at(0.50), at(0.99), at(0.999), static_cast<double>(v.back()) / 1000.0};
}

void print_header(const options& o) {
  std::printf("ringcast-bench-e2e: %u clients over %u users, %.0f events/s offered for %.1f s (%.0f%% global), "
              "bridge with %u I/O thread(s)\n",
              o.clients, o.users, o.rate, o.duration_s, o.global_share * 100, o.bridge_threads);
  if (o.slow_percent == 0) return;
  std::printf("  slow-client comparison: slow clients %u (%u%% of %u) over the same users, each reading one message "
              "per %lld ms (receive buffer %d B, MSS %d);\n"
              "  events alternate PNL_UPDATE (state) / ORDER_UPDATE (stream); bridge --queue-messages %u; "
              "phases baseline, slow, baseline\n",
              slow_count(o), o.slow_percent, o.clients, static_cast<long long>(k_slow_pause.count()),
              k_slow_link.rcvbuf, k_slow_link.mss, o.queue_messages);
}

void print_latency(const percentiles& a, const percentiles& b) {
  std::printf("  latency (us)          p50      p99    p99.9      max\n");
  std::printf("  publish -> receive %8.1f %8.1f %8.1f %8.1f\n", a.p50, a.p99, a.p999, a.max);
  std::printf("  schedule -> receive%8.1f %8.1f %8.1f %8.1f\n", b.p50, b.p99, b.p999, b.max);
}

void print_slow(const phase_result& r) {
  if (r.session_drops) {
    std::printf("  bridge: %llu events dropped for sessions (/health sessionDrops)\n",
                static_cast<unsigned long long>(*r.session_drops));
  }
  if (!r.slow) return;
  const auto& t = *r.slow;
  std::printf("  slow clients: %u; messages received %llu slowly + %llu in the drain after the phase (events %llu), "
              "stream:gap notices %llu, closed with 1013: %u of %u\n",
              t.clients, static_cast<unsigned long long>(t.messages), static_cast<unsigned long long>(t.drained),
              static_cast<unsigned long long>(t.events), static_cast<unsigned long long>(t.gaps), t.closed_1013,
              t.clients);
}

// The block printed for a phase; the same lines as the single run of old,
// which prints it without a name.
void print_phase(phase_result& r, bool named) {
  if (named) std::printf("phase %s\n", r.name.c_str());
  const auto& l = r.published;
  std::printf("  events published %llu (refused by a full lane: %llu); deliveries %llu of %llu expected\n",
              static_cast<unsigned long long>(l.total - l.refused), static_cast<unsigned long long>(l.refused),
              static_cast<unsigned long long>(r.received), static_cast<unsigned long long>(r.expected));
  if (named && r.healthy_gaps > 0)
    std::printf("  healthy clients got %llu stream:gap notices\n", static_cast<unsigned long long>(r.healthy_gaps));
  print_latency(summarize(r.pub_lat), summarize(r.sched_lat));
  if (named) print_slow(r);
}

double ratio(double with, double without) { return without > 0 ? with / without : 0; }

percentiles pooled(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> v = a;
  v.insert(v.end(), b.begin(), b.end());
  return summarize(v);
}

// "With" is the slow phase, "without" both baselines pooled.
void print_verdict(phase_result& slow, const phase_result& base1, const phase_result& base2) {
  const auto without_pub = pooled(base1.pub_lat, base2.pub_lat);
  const auto without_sched = pooled(base1.sched_lat, base2.sched_lat);
  const auto with_pub = summarize(slow.pub_lat), with_sched = summarize(slow.sched_lat);
  std::printf("baselines 1 + 2 pooled (healthy clients)\n");
  print_latency(without_pub, without_sched);
  std::printf("healthy clients, slow phase / baselines pooled:\n");
  for (const auto& [label, with, without] : {std::tuple{"publish -> receive", with_pub, without_pub},
                                             std::tuple{"schedule -> receive", with_sched, without_sched}}) {
    std::printf("  %-19s healthy p99 with slow clients / without = %.2fx (limit 2x); p50 %.2fx, p99.9 %.2fx\n", label,
                ratio(with.p99, without.p99), ratio(with.p50, without.p50), ratio(with.p999, without.p999));
  }
}

// The single run of old: one phase, PNL_UPDATE only, no slow clients.
int run_single(const options& o, healthy_pool& h, shm::publisher& pub, unsigned short port) {
  auto r = run_phase("", h, pub, o, port, 0);
  print_header(o);
  print_phase(r, false);
  return r.received == r.expected ? 0 : 1;
}

int run_comparison(const options& o, healthy_pool& h, shm::publisher& pub, unsigned short port) {
  auto base1 = run_phase("baseline 1 (healthy clients only)", h, pub, o, port, 0);
  std::this_thread::sleep_for(1s);
  auto slow = run_phase("slow (healthy clients + " + std::to_string(slow_count(o)) + " slow ones)", h, pub, o, port,
                        slow_count(o));
  std::this_thread::sleep_for(1s);  // the slow sessions' teardown
  auto base2 = run_phase("baseline 2 (healthy clients only)", h, pub, o, port, 0);
  print_header(o);
  bool complete = true;
  for (auto* r : {&base1, &slow, &base2}) {
    print_phase(*r, true);
    complete = complete && r->received == r->expected;
  }
  print_verdict(slow, base1, base2);
  return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const std::string segment = "rcbench-e2e-" + std::to_string(::getpid());
  shm::segment::remove(segment);
  auto seg = shm::segment::open_or_create({.name = segment});
  int rc = 0;
  {
    bridge_process bridge(o, segment);
    healthy_pool healthy(o, bridge.port);
    shm::publisher pub(seg);
    rc = o.slow_percent > 0 ? run_comparison(o, healthy, pub, bridge.port) : run_single(o, healthy, pub, bridge.port);
  }
  shm::segment::remove(segment);
  return rc;
}
