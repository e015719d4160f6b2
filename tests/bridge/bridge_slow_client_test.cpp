// One client that stops reading must cost the others nothing. Against a
// real ringcast-bridge with --queue-bytes 256 KiB, --slow-close-after 500ms
// and --close-timeout 10s: eight fast clients read a steady stream of
// ~2 KiB events (2000/s) while the test measures their latency (producer
// timestamp in the envelope to receipt, both CLOCK_REALTIME), first alone,
// then with a ninth client that has stopped reading. With it, the fast
// clients still get every event, their p50/p99 stay within 2x the baseline
// (plus 2/5 ms), the bridge's memory stays bounded, the stuck session's
// drops are counted, and once the stuck client reads again it gets what
// the kernel buffered and then close 1013 "slow consumer".
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bridge_harness.hpp"
#include "bridge_raw_http.hpp"
#include "ringcast/shm/publisher.hpp"
#include "ringcast/shm/realtime_clock.hpp"
#include "ringcast/shm/schema.hpp"
#include "test_segment.hpp"
#include "ws_client.hpp"

namespace ringcast::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int k_fast_clients = 8;
constexpr int k_rate_per_s = 2000;
constexpr std::size_t k_message_bytes = 2000;  // the system_log text: ~2.1 KiB frames
constexpr std::size_t k_queue_bytes = 262144;

// The publish index carried in the log message: "m=<index>;xxxx...".
std::int64_t marker_of(std::string_view frame) {
  constexpr std::string_view key = R"("message":"m=)";
  const auto at = frame.find(key);
  if (at == std::string_view::npos) return -1;
  std::int64_t v = -1;
  const char* first = frame.data() + at + key.size();
  std::from_chars(first, frame.data() + frame.size(), v);
  return v;
}

// A fast client: reads on its own thread until it has `count` events or
// the deadline passes, recording each event's latency.
struct fast_reader {
  std::unique_ptr<ws_client> ws;
  std::string user;
  std::thread thread;
  std::vector<std::int64_t> latencies_ns;
  std::int64_t received = 0;
  std::int64_t out_of_order = 0;
  std::int64_t bad = 0;

  void start(std::int64_t first_marker, std::int64_t count, std::chrono::steady_clock::time_point deadline) {
    latencies_ns.clear();
    latencies_ns.reserve(static_cast<std::size_t>(count));
    received = 0;
    out_of_order = 0;
    bad = 0;
    thread = std::thread([this, first_marker, count, deadline] {
      std::int64_t expect = first_marker;
      while (received < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const auto m = ws->read(left);
        if (!m) break;
        const std::int64_t now = shm::realtime_now_ns();
        const auto ts = frame_string_field(*m, "timestamp");
        const auto produced = ts ? parse_iso8601_ns(*ts) : std::nullopt;
        const std::int64_t marker = marker_of(*m);
        if (!produced || marker < 0) {
          ++bad;
          continue;
        }
        if (marker != expect) ++out_of_order;
        expect = marker + 1;
        latencies_ns.push_back(now - *produced);
        ++received;
      }
    });
  }
  void join() {
    if (thread.joinable()) thread.join();
  }
  ~fast_reader() { join(); }
};

struct percentiles {
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::size_t n = 0;
};

percentiles measure(const std::vector<std::unique_ptr<fast_reader>>& readers) {
  std::vector<std::int64_t> all;
  for (const auto& r : readers) all.insert(all.end(), r->latencies_ns.begin(), r->latencies_ns.end());
  percentiles p;
  p.n = all.size();
  if (all.empty()) return p;
  std::sort(all.begin(), all.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(all.size() - 1));
    return static_cast<double>(all[i]) / 1e6;
  };
  p.p50_ms = at(0.50);
  p.p99_ms = at(0.99);
  p.max_ms = static_cast<double>(all.back()) / 1e6;
  return p;
}

class BridgeSlowClient : public ::testing::Test {
 protected:
  void SetUp() override {
    seg_ = shm::segment::open_or_create(small_options(name_.name, 4, 1u << 20));
    bridge_ = std::make_unique<running_bridge>(running_bridge::start(
        name_.name, {"--queue-bytes", std::to_string(k_queue_bytes), "--slow-close-after", "500ms", "--close-timeout",
                     "10s",
                     // The stream is system_log events (their text makes big frames):
                     // no per-client log rate limit here.
                     "--log-rate", "1000000",
                     // The resume history keeps recent frames for everyone; bounded
                     // small here so that RSS measures the stuck session's queue.
                     "--history-bytes", "1048576"}));
    pub_ = std::make_unique<shm::publisher>(seg_);
    padding_.assign(k_message_bytes, 'x');
  }
  void TearDown() override {
    readers_.clear();
    if (bridge_) bridge_->expect_clean_stop();
  }

  // Publishes `count` events at k_rate_per_s (global: every session gets
  // them), calling `tick` about every 50 ms. Returns the first marker.
  template <class Tick>
  std::int64_t publish_steady(std::int64_t count, Tick&& tick) {
    const std::int64_t first = next_marker_;
    const auto period = std::chrono::nanoseconds(1'000'000'000 / k_rate_per_s);
    const auto start = std::chrono::steady_clock::now();
    auto next_tick = start;
    for (std::int64_t i = 0; i < count; ++i) {
      std::this_thread::sleep_until(start + i * period);
      std::string message = "m=" + std::to_string(next_marker_) + ";";
      message += std::string_view(padding_).substr(0, k_message_bytes - message.size());
      const auto st = pub_->publish("", shm::system_log{.level = shm::log_level::info, .source = "slow-test"}, message,
                                    R"({"i":)" + std::to_string(next_marker_) + "}");
      EXPECT_EQ(st, shm::publish_status::published) << shm::to_string(st);
      ++next_marker_;
      if (std::chrono::steady_clock::now() >= next_tick) {
        tick();
        next_tick += 50ms;
      }
    }
    return first;
  }

  // Runs one measured phase: the fast readers read `count` events published
  // at the steady rate.
  percentiles run_phase(std::int64_t count, const char* label, long& max_rss_kb) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(count * 1000 / k_rate_per_s) + std::chrono::seconds(15);
    const std::int64_t first = next_marker_;
    for (auto& r : readers_) r->start(first, count, deadline);
    publish_steady(count, [&] { max_rss_kb = std::max(max_rss_kb, bridge_->rss_kb()); });
    for (auto& r : readers_) r->join();
    for (const auto& r : readers_) {
      EXPECT_EQ(r->received, count) << label << ": " << r->user << " missed events";
      EXPECT_EQ(r->out_of_order, 0) << label << ": " << r->user << " got events out of order or with gaps";
      EXPECT_EQ(r->bad, 0) << label << ": " << r->user << " got undecodable frames";
    }
    const auto p = measure(readers_);
    std::printf("[ %-8s ] %zu latencies over %d fast clients: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", label, p.n,
                k_fast_clients, p.p50_ms, p.p99_ms, p.max_ms);
    return p;
  }

  json::object health() {
    const auto r = raw_http(bridge_->port(), "GET", "/health");
    EXPECT_EQ(r.status, 200) << r.raw;
    return json::parse(r.body).as_object();
  }

  scoped_segment_name name_{"bridge-slow"};
  std::shared_ptr<shm::segment> seg_;
  std::unique_ptr<running_bridge> bridge_;
  std::unique_ptr<shm::publisher> pub_;
  std::vector<std::unique_ptr<fast_reader>> readers_;
  std::string padding_;
  std::int64_t next_marker_ = 0;
};

TEST_F(BridgeSlowClient, AStuckClientDoesNotSlowTheOthersAndIsClosedWith1013) {
#if defined(RINGCAST_TSAN)
  // 36 MB/s of frames through instrumented clients and bridge: under TSan's
  // 5-15x slowdown the fast clients themselves fall behind, and the test
  // would measure the instrumentation. The session queue's threading is
  // exercised under TSan by the isolation, ops and lifecycle tests.
  GTEST_SKIP() << "a throughput and latency comparison; not meaningful under TSan";
#endif
  const auto port = bridge_->port();
  for (int i = 0; i < k_fast_clients; ++i) {
    auto r = std::make_unique<fast_reader>();
    r->user = "fast-" + std::to_string(i);
    r->ws = std::make_unique<ws_client>(port, ws_target(token_for(r->user)));
    ASSERT_TRUE(r->ws->open()) << r->ws->status() << " " << r->ws->body();
    const auto status = r->ws->read_json(5s);
    ASSERT_TRUE(status && status->at("type") == "connection:status");
    readers_.push_back(std::move(r));
  }

  // Warm-up (allocator, page cache, TCP windows), then the baseline.
  long rss_warm = 0;
  run_phase(k_rate_per_s / 4, "warm-up", rss_warm);
  long baseline_max_rss = 0;
  const auto baseline = run_phase(k_rate_per_s * 5 / 2, "baseline", baseline_max_rss);
  const long baseline_rss = bridge_->rss_kb();
  ASSERT_FALSE(HasFailure());

  // The stuck client: connected, its status read, then never read again
  // until the end (a ws_client not called does not read its socket).
  ws_client stuck(port, ws_target(token_for("stuck")));
  ASSERT_TRUE(stuck.open());
  const auto stuck_status = stuck.read_json(5s);
  ASSERT_TRUE(stuck_status && stuck_status->at("type") == "connection:status");
  const auto stuck_id = std::string(stuck_status->at("sessionId").as_string());

  long stuck_max_rss = 0;
  const auto t_stuck = std::chrono::steady_clock::now();
  const std::int64_t stuck_first = next_marker_;
  const std::int64_t stuck_events = k_rate_per_s * 4;
  const auto with_stuck = run_phase(stuck_events, "stuck", stuck_max_rss);
  stuck_max_rss = std::max(stuck_max_rss, bridge_->rss_kb());

  std::printf("[ rss      ] bridge: %ld kB after baseline (max %ld during it), max %ld kB with the stuck client (+%ld kB)\n",
              baseline_rss, baseline_max_rss, stuck_max_rss, stuck_max_rss - baseline_rss);
  std::printf("[ verdict  ] p50 %.3f ms vs limit %.3f ms; p99 %.3f ms vs limit %.3f ms\n", with_stuck.p50_ms,
              2 * baseline.p50_ms + 2, with_stuck.p99_ms, 2 * baseline.p99_ms + 5);
  EXPECT_LE(with_stuck.p50_ms, 2 * baseline.p50_ms + 2.0) << "the stuck client slowed the fast ones (p50)";
  EXPECT_LE(with_stuck.p99_ms, 2 * baseline.p99_ms + 5.0) << "the stuck client slowed the fast ones (p99)";
#if !defined(__SANITIZE_ADDRESS__)
  // Not under ASan: its quarantine keeps freed frames resident (up to
  // 256 MiB), so RSS follows throughput there. The queue's bound is still
  // checked below through /health (queuedBytes within the limit).
  EXPECT_LT(stuck_max_rss, baseline_rss + 64 * 1024) << "the bridge's memory grew with the stuck client";
  // Tighter: the stuck session may hold 256 KiB of frames. Had it queued
  // what it dropped instead (~6000 frames of ~2.2 KiB here), it would hold
  // over 12 MiB.
  EXPECT_LT(stuck_max_rss - baseline_rss, 8 * 1024) << "the stuck session's queue is not bounded";
#endif

  // The bridge's view while the stuck client still exists: its session is
  // dropping, within its byte limit; the fast ones never dropped.
  {
    const auto h = health();
    bool found = false;
    for (const auto& v : h.at("sessions").at("list").as_array()) {
      const auto& s = v.as_object();
      const std::string user(s.at("userId").as_string());
      const auto dropped = s.at("dropped").to_number<std::uint64_t>();
      if (user == "stuck") {
        found = true;
        EXPECT_EQ(s.at("id").as_string(), stuck_id);
        EXPECT_GT(dropped, 0u) << "the stuck session never dropped: " << json::serialize(s);
        EXPECT_LE(s.at("queuedBytes").to_number<std::uint64_t>(), k_queue_bytes);
        std::printf("[ stuck    ] session %s: delivered %llu, dropped %llu, queued %llu B\n", stuck_id.c_str(),
                    static_cast<unsigned long long>(s.at("delivered").to_number<std::uint64_t>()),
                    static_cast<unsigned long long>(dropped),
                    static_cast<unsigned long long>(s.at("queuedBytes").to_number<std::uint64_t>()));
      } else {
        EXPECT_EQ(dropped, 0u) << user << " dropped events";
      }
    }
    EXPECT_TRUE(found) << "the stuck session is gone before its client read its close: " << json::serialize(h);
  }
  const auto m = raw_http(port, "GET", "/metrics").body;
  const double queue_drops = prom_value(m, "ringcast_session_drops_total", {{"reason", "queue_bytes"}}).value_or(0) +
                             prom_value(m, "ringcast_session_drops_total", {{"reason", "queue_messages"}}).value_or(0);
  EXPECT_GT(queue_drops, 0.0) << m;

  // Well past --slow-close-after: the bridge has decided to close it. Now
  // it reads again: what the kernel held, then the close frame.
  ASSERT_GT(std::chrono::steady_clock::now() - t_stuck, 1500ms);
  ASSERT_TRUE(stuck.wait_closed(15s)) << "no close after the stuck client resumed reading";
  EXPECT_EQ(stuck.close_code(), 1013);
  EXPECT_EQ(stuck.close_reason(), "slow consumer");
  std::int64_t last = -1;
  std::size_t got = 0, gap_notices = 0;
  while (auto msg = stuck.read(0ms)) {
    // The kernel may hold the stream:gap that followed the first drops too
    // (a corked backlog packs more frames into the socket buffers).
    if (msg->find(R"("type":"stream:gap")") != std::string::npos) {
      ++gap_notices;
      continue;
    }
    const auto marker = marker_of(*msg);
    // Nothing is dropped before its queue is full: it starts with the
    // first event published after it connected.
    if (got == 0) {
      EXPECT_EQ(marker, stuck_first);
    }
    EXPECT_GT(marker, last) << "stuck client's events out of order: " << msg->substr(0, 120);
    last = marker;
    ++got;
  }
  std::printf("[ stuck    ] read %zu buffered events and %zu stream:gap notices after resuming, then close %d \"%s\"\n",
              got, gap_notices, stuck.close_code(), stuck.close_reason().c_str());
  EXPECT_GT(got, 0u);
  EXPECT_LT(got, static_cast<std::size_t>(stuck_events)) << "nothing was dropped for the stuck client?";

  wait_until(
      [&] {
        const auto text = raw_http(port, "GET", "/metrics").body;
        return prom_value(text, "ringcast_session_closes_total", {{"code", "1013"}, {"reason", "slow_consumer"}}) == 1.0;
      },
      5s);
  const auto after = raw_http(port, "GET", "/metrics").body;
  EXPECT_EQ(prom_value(after, "ringcast_session_closes_total", {{"code", "1013"}, {"reason", "slow_consumer"}}), 1.0)
      << after;
  EXPECT_EQ(prom_value(after, "ringcast_sessions"), static_cast<double>(k_fast_clients));
  // The fast clients are still served.
  for (const auto& r : readers_) EXPECT_FALSE(r->ws->closed()) << r->user;
}

}  // namespace
}  // namespace ringcast::test
