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
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <memory>
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
namespace websocket = beast::websocket;
using namespace ringcast;

struct options {
  std::string bridge = RINGCAST_BRIDGE_BIN;
  unsigned clients = 100;
  unsigned users = 10;
  double rate = 1000;
  double duration_s = 10;
  double global_share = 0.1;  // of events with userId ""
  unsigned bridge_threads = 1;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: ringcast-bench-e2e [--clients N] [--users N] [--rate EVENTS_PER_S] [--duration S]\n"
      "                          [--global SHARE] [--bridge-threads N] [--bridge PATH]\n"
      "Producer -> ring -> ringcast-bridge -> WebSocket clients on loopback, at a fixed offered load.\n"
      "Defaults: 100 clients over 10 users, 1000 events/s for 10 s, 10% global, 1 bridge I/O thread.\n",
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
      else if (a == "--help" || a == "-h") usage(0);
      else usage(2);
    } catch (const std::logic_error&) {
      usage(2);
    }
  }
  if (o.clients == 0 || o.users == 0 || o.users > o.clients || o.rate <= 0 || o.duration_s <= 0) usage(2);
  return o;
}

constexpr const char* k_secret = "ringcast-bench-e2e-secret-0123456789";

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
    const std::string threads = std::to_string(o.bridge_threads);
    std::vector<std::string> args{o.bridge, "--listen", "127.0.0.1:0", "--segment", segment, "--io-threads", threads,
                                  "--max-connections-per-user", std::to_string(o.clients), "--startup-hold", "0"};
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

struct client {
  websocket::stream<beast::tcp_stream> ws;
  beast::flat_buffer buffer;
  std::string user;
  std::vector<std::int64_t> publish_to_receive_ns;
  std::vector<std::int64_t> schedule_to_receive_ns;
  std::uint64_t received = 0;
  bool failed = false;
  explicit client(net::io_context& ioc) : ws(ioc) {}
};

// The schedule: event i is due at start + i / rate; its marker (the
// payload's dailyPnl) is i, so a client finds its slot.
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

void read_loop(client& c, const schedule& s) {
  c.ws.async_read(c.buffer, [&c, &s](beast::error_code ec, std::size_t) {
    if (ec) return;
    const std::int64_t now = shm::realtime_now_ns();
    const auto data = c.buffer.cdata();
    boost::system::error_code pec;
    const auto v = boost::json::parse(std::string_view(static_cast<const char*>(data.data()), data.size()), pec);
    c.buffer.consume(c.buffer.size());
    if (!pec && v.is_object() && v.as_object().at("type") == "PNL_UPDATE") {
      const auto& p = v.at("payload").as_object();
      const auto index = static_cast<std::uint64_t>(p.at("dailyPnl").to_number<double>());
      c.publish_to_receive_ns.push_back(now - parse_iso8601(v.at("timestamp").as_string()));
      c.schedule_to_receive_ns.push_back(now - s.due(index));
      ++c.received;
    }
    read_loop(c, s);
  });
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

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  const std::string segment = "rcbench-e2e-" + std::to_string(::getpid());
  shm::segment::remove(segment);
  auto seg = shm::segment::open_or_create({.name = segment});
  int rc = 0;
  {
    bridge_process bridge(o, segment);

    net::io_context ioc;
    std::vector<std::unique_ptr<client>> clients;
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    for (unsigned i = 0; i < o.clients; ++i) {
      auto c = std::make_unique<client>(ioc);
      c->user = "u" + std::to_string(i % o.users);
      auto& tcp = beast::get_lowest_layer(c->ws);
      tcp.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), bridge.port));
      tcp.socket().set_option(net::ip::tcp::no_delay(true));
      const std::string token = bridge::mint_token({c->user, now_s.count() + 3600, false}, k_secret);
      c->ws.handshake("127.0.0.1", "/ws?token=" + token);
      beast::flat_buffer b;
      c->ws.read(b);  // connection:status
      clients.push_back(std::move(c));
    }
    schedule s;
    s.period_ns = 1e9 / o.rate;
    for (auto& c : clients) read_loop(*c, s);
    std::thread io([&ioc] { ioc.run(); });

    const auto total = static_cast<std::uint64_t>(o.rate * o.duration_s);
    std::vector<std::uint64_t> per_user(o.users, 0);
    std::uint64_t globals = 0, refused = 0;
    {
      shm::publisher pub(seg);
      std::mt19937_64 rng(42);
      std::uniform_real_distribution<double> unit(0, 1);
      s.start_ns = shm::realtime_now_ns() + 50'000'000;
      for (std::uint64_t i = 0; i < total; ++i) {
        const std::int64_t due = s.due(i);
        // Sleep until 50 us before the slot, then spin: on two cores a
        // producer spinning all the time would take one from the bridge.
        for (std::int64_t left = due - shm::realtime_now_ns(); left > 0; left = due - shm::realtime_now_ns())
          if (left > 60'000) std::this_thread::sleep_for(std::chrono::nanoseconds(left - 50'000));
        const bool global = unit(rng) < o.global_share;
        const auto u = static_cast<unsigned>(rng() % o.users);
        const std::string user = global ? std::string() : "u" + std::to_string(u);
        shm::pnl_update p{};
        p.total_pnl = 1;
        p.daily_pnl = static_cast<double>(i);
        if (pub.publish(user, p) != shm::publish_status::published) {
          ++refused;
          continue;
        }
        (global ? globals : per_user[u]) += 1;
      }
    }
    // Let the last events arrive, then stop the clients.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    ioc.stop();
    io.join();

    std::vector<std::int64_t> pub_lat, sched_lat;
    std::uint64_t expected = 0, received = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      auto& c = *clients[i];
      expected += per_user[i % o.users] + globals;
      received += c.received;
      pub_lat.insert(pub_lat.end(), c.publish_to_receive_ns.begin(), c.publish_to_receive_ns.end());
      sched_lat.insert(sched_lat.end(), c.schedule_to_receive_ns.begin(), c.schedule_to_receive_ns.end());
    }
    const auto a = summarize(pub_lat);
    const auto b = summarize(sched_lat);
    std::printf("ringcast-bench-e2e: %u clients over %u users, %.0f events/s offered for %.1f s (%.0f%% global), "
                "bridge with %u I/O thread(s)\n",
                o.clients, o.users, o.rate, o.duration_s, o.global_share * 100, o.bridge_threads);
    std::printf("  events published %llu (refused by a full lane: %llu); deliveries %llu of %llu expected\n",
                static_cast<unsigned long long>(total - refused), static_cast<unsigned long long>(refused),
                static_cast<unsigned long long>(received), static_cast<unsigned long long>(expected));
    std::printf("  latency (us)          p50      p99    p99.9      max\n");
    std::printf("  publish -> receive %8.1f %8.1f %8.1f %8.1f\n", a.p50, a.p99, a.p999, a.max);
    std::printf("  schedule -> receive%8.1f %8.1f %8.1f %8.1f\n", b.p50, b.p99, b.p999, b.max);
    if (received != expected) rc = 1;
  }
  shm::segment::remove(segment);
  return rc;
}
