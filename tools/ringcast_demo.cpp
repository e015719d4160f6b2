// ringcast-demo: the transport at work. Creates (or opens) the segment, runs
// a few producer threads publishing a trading-like mix at a steady rate,
// one consumer draining it, and prints throughput and latency every second
// until Ctrl-C (or --duration).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "sample_window.hpp"

namespace shm = ringcast::shm;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

struct demo_options {
  std::string segment;
  unsigned producers = 3;
  double rate = 100'000;  // events/s per producer: busy, and leaves the machine usable
  double duration = 0;    // seconds; 0 = until Ctrl-C
};

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: ringcast-demo [--segment NAME] [--producers N] [--rate EVENTS_PER_S] [--duration S]\n"
               "  --segment    shared-memory segment (default: $RINGCAST_SEGMENT or 'ringcast')\n"
               "  --producers  producer threads, one lane each (default 3)\n"
               "  --rate       events per second per producer, 0 = as fast as possible (default 100000)\n"
               "  --duration   stop after S seconds (default: run until Ctrl-C)\n");
  std::exit(code);
}

demo_options parse(int argc, char** argv) {
  demo_options o;
  std::string cli_segment;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ringcast-demo: %s needs a value\n", argv[i]);
        usage(2);
      }
      return argv[++i];
    };
    try {
      if (a == "--help" || a == "-h") usage(0);
      else if (a == "--segment") cli_segment = value();
      else if (a == "--producers") o.producers = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--rate") o.rate = std::stod(value());
      else if (a == "--duration") o.duration = std::stod(value());
      else {
        std::fprintf(stderr, "ringcast-demo: unknown option %s\n", argv[i]);
        usage(2);
      }
    } catch (const std::logic_error&) {
      std::fprintf(stderr, "ringcast-demo: bad value for %s\n", argv[i]);
      usage(2);
    }
  }
  o.segment = shm::resolve_segment_name(cli_segment);
  return o;
}

// One producer thread: a steady mix of per-user PnL and orders and global
// mark prices, scheduled by the clock (not by how long publishing took).
void produce(std::shared_ptr<shm::segment> seg, unsigned id, double rate) {
  shm::publisher pub(std::move(seg));
  static constexpr std::string_view users[] = {"alice", "bob", "carol", "dave"};
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t n = 0; !g_stop.load(std::memory_order_relaxed); ++n) {
    if (rate > 0) {
      // Steady offered load without a spinning thread: every millisecond,
      // catch up to what the clock says should have been sent by now.
      for (;;) {
        const double due = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * rate;
        if (static_cast<double>(n) < due || g_stop.load(std::memory_order_relaxed)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    const auto user = users[(n + id) % std::size(users)];
    const double x = static_cast<double>(n % 1000) / 10.0;
    shm::publish_status st = shm::publish_status::published;
    switch (n % 4) {
      case 0:
        st = pub.publish("", shm::futures_mark_price_update{.symbol = "BTCUSDT", .mark_price = 65000 + x, .index_price = 64990 + x, .funding_rate = 0.0001, .next_funding_time = 0});
        break;
      case 1:
        st = pub.publish(user, shm::order_update{.order_id = static_cast<std::int64_t>(n), .client_order_id = "demo", .symbol = "ETHUSDT", .side = shm::order_side::buy, .type = shm::order_type::limit, .status = shm::order_status::new_, .reduce_only = false, .price = 3000 + x, .stop_price = 0, .qty = 1, .filled_qty = 0, .avg_price = 0, .update_time = 0});
        break;
      default:
        st = pub.publish(user, shm::pnl_update{.total_pnl = x, .daily_pnl = -x, .position_pnl = x / 2, .realized_pnl = x / 3});
    }
    (void)st;  // drops are counted in the segment and shown below
  }
}

}  // namespace

int main(int argc, char** argv) {
  const demo_options o = parse(argc, argv);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    auto seg = shm::segment::open_or_create({.name = o.segment});
    shm::consumer consumer(seg);
    std::printf("ringcast-demo: segment '%s' (%s, epoch %016llx, %u lanes x %u KiB), %u producers at %s events/s each\n",
                seg->name().c_str(), seg->created() ? "created" : "opened",
                static_cast<unsigned long long>(seg->epoch()), seg->lane_count(), seg->lane_capacity() / 1024,
                o.producers, o.rate > 0 ? std::to_string(static_cast<long long>(o.rate)).c_str() : "max");
    std::printf("%8s %12s %12s %10s %10s %10s %10s %10s\n", "time", "published/s", "drained/s", "dropped", "lag",
                "p50 us", "p99 us", "max us");
    std::fflush(stdout);
    std::vector<std::jthread> producers;
    for (unsigned i = 0; i < o.producers; ++i) producers.emplace_back(produce, seg, i, o.rate);

    ringcast::tools::sample_window latency;
    const auto start = std::chrono::steady_clock::now();
    auto next_report = start + std::chrono::seconds(1);
    std::uint64_t last_published = 0, last_drained = 0;
    auto totals = [&] {
      std::uint64_t published = 0, dropped = 0;
      for (std::uint32_t i = 0; i < seg->lane_count(); ++i) {
        published += seg->lane(i).producer.published.load(std::memory_order_relaxed);
        dropped += seg->lane(i).producer.dropped.load(std::memory_order_relaxed);
      }
      return std::pair{published, dropped};
    };
    last_published = totals().first;
    last_drained = consumer.stats().drained;
    while (!g_stop.load(std::memory_order_relaxed)) {
      const std::size_t n = consumer.poll([&](const shm::record_view& r) {
        latency.add(shm::realtime_now_ns() - r.timestamp_ns);
      });
      if (n == 0) consumer.wait(std::chrono::milliseconds(10));
      const auto now = std::chrono::steady_clock::now();
      if (now < next_report) continue;
      next_report += std::chrono::seconds(1);
      const auto [published, dropped] = totals();
      const auto drained = consumer.stats().drained;
      const auto q = latency.take_quantiles();
      std::printf("%7.0fs %12llu %12llu %10llu %10lld %10.1f %10.1f %10.1f\n",
                  std::chrono::duration<double>(now - start).count(),
                  static_cast<unsigned long long>(published - last_published),
                  static_cast<unsigned long long>(drained - last_drained), static_cast<unsigned long long>(dropped),
                  static_cast<long long>(published - drained), q.p50 / 1e3, q.p99 / 1e3, q.max / 1e3);
      std::fflush(stdout);
      last_published = published;
      last_drained = drained;
      if (o.duration > 0 && std::chrono::duration<double>(now - start).count() >= o.duration) g_stop = true;
    }
    producers.clear();  // join: each releases its lane
    while (consumer.poll([](const shm::record_view&) {}) > 0) {
    }
    const auto [published, dropped] = totals();
    std::printf("ringcast-demo: stopped; %llu published, %llu drained, %llu dropped\n",
                static_cast<unsigned long long>(published),
                static_cast<unsigned long long>(consumer.stats().drained), static_cast<unsigned long long>(dropped));
    return 0;
  } catch (const shm::segment_error& e) {
    std::fprintf(stderr, "ringcast-demo: %s\n", e.what());
    return 1;
  }
}
