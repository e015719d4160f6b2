// A session's and the bridge's life, against a real ringcast-bridge
// process: the heartbeat (a peer that answers no ping is torn down after
// --idle-timeout, one that does stays), SIGTERM (every client gets what was
// queued for it, then 1001; the process exits 0 within 2 s), and a restart
// on the same segment (the read positions live in the segment).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "bridge_protocol_util.hpp"
#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/publisher.hpp"

namespace ringcast::test {
namespace {

using ms = std::chrono::milliseconds;

ms since(steady::time_point t) { return std::chrono::duration_cast<ms>(steady::now() - t); }

// WebSocket opcodes.
constexpr int k_text = 1;
constexpr int k_close = 8;
constexpr int k_ping = 9;

TEST(BridgeLifecycle, ASilentPeerIsTornDownAfterTheIdleTimeoutWhileAHealthyClientStays) {
  scoped_segment_name name("life");
  auto seg = shm::segment::open_or_create(small_options(name.name));
  constexpr ms k_idle{1000};
  auto bridge = running_bridge::start(name.name, {"--ping-interval", "200ms", "--idle-timeout", "1s"});

  auto healthy = connect_user(bridge.port(), "alice");
  ASSERT_TRUE(healthy.ws->open());
  const auto healthy_since = steady::now();
  raw_ws_peer silent(bridge.port(), ws_target(token_for("bob")));
  ASSERT_TRUE(silent.upgraded()) << silent.response_head();
  const auto upgraded_at = steady::now();

  // The healthy client keeps reading (Beast answers pings by itself); the
  // silent one is only watched, without reading: POLLRDHUP.
  std::optional<ms> ended_after;
  std::vector<std::string> healthy_got;
  while (since(upgraded_at) < k_idle + 2s) {
    if (auto m = healthy.ws->read(20ms)) healthy_got.push_back(std::move(*m));
    if (silent.peer_ended(ms(0))) {
      ended_after = since(upgraded_at);
      break;
    }
  }
  ASSERT_TRUE(ended_after.has_value()) << "the silent peer was still connected " << (k_idle + 2s).count()
                                       << " ms after the upgrade (idle timeout " << k_idle.count() << " ms)";
  EXPECT_GE(ended_after->count(), (k_idle - ms(100)).count()) << "torn down before the idle timeout";

  // What it was sent: its status, pings, and no close frame (a peer that
  // does not answer pings cannot take part in a close handshake).
  ASSERT_TRUE(silent.read_to_end(2s));
  const auto ops = silent.opcodes();
  ASSERT_FALSE(ops.empty());
  EXPECT_EQ(ops.front(), k_text);
  EXPECT_GE(std::count(ops.begin(), ops.end(), k_ping), 2) << "pings every 200 ms for 1 s";
  EXPECT_EQ(std::count(ops.begin(), ops.end(), k_close), 0) << "a close frame was sent to a dead peer";
  EXPECT_TRUE(wait_metric(bridge.port(), R"(ringcast_session_closes_total{code="none",reason="idle"})", 1, 2s));

  // The healthy client outlives three idle timeouts.
  while (since(healthy_since) < 3 * k_idle + ms(200))
    if (auto m = healthy.ws->read(20ms)) healthy_got.push_back(std::move(*m));
  EXPECT_FALSE(healthy.ws->closed()) << "close code " << healthy.ws->close_code() << ", "
                                     << healthy.ws->read_error().message();
  EXPECT_TRUE(healthy_got.empty()) << healthy_got.front();
  healthy.ws->send_text(R"({"op":"ping"})");
  const auto pong = healthy.ws->read(2s);
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(*pong, R"({"type":"pong"})");
  EXPECT_EQ(scrape(bridge.port(), R"(ringcast_session_closes_total{code="none",reason="idle"})"), 1.0);
  EXPECT_EQ(scrape(bridge.port(), "ringcast_sessions"), 1.0);
}

// Reads until the bridge closes, in its own thread per client, so that
// every client takes part in its close handshake at once.
struct closing_reader {
  ws_client& client;
  bool closed = false;
  std::thread thread;
  explicit closing_reader(ws_client& c) : client(c) {
    thread = std::thread([this] { closed = client.wait_closed(5s); });
  }
  void join() {
    if (thread.joinable()) thread.join();
  }
  ~closing_reader() { join(); }
};

TEST(BridgeLifecycle, SigtermSendsEachClientWhatWasQueuedThen1001AndExitsZeroWithin2s) {
  scoped_segment_name name("life");
  // One lane that holds every event at once (the publisher never waits).
  auto seg = shm::segment::open_or_create(small_options(name.name, 1, 1u << 25));
#if defined(RINGCAST_TSAN)
  // The 2 s exit is a promise of the real build. Instrumented, both the
  // bridge and these clients run several times slower, and 1.5 s of grace
  // did not flush 20000 frames (CI: 19197 of them). What TSan checks here
  // is that the shutdown flushes without a race, so it gets more time.
  const std::string grace = "6000";
  constexpr long k_exit_within_ms = 8000;
#else
  const std::string grace = "1500";  // the default
  constexpr long k_exit_within_ms = 2000;
#endif
  // Queues large enough that nothing is dropped while the clients do not read.
  auto bridge = running_bridge::start(name.name, {"--queue-messages", "100000", "--queue-bytes", "67108864",
                                                 "--log-rate", "1000000", "--shutdown-grace", grace});
  auto alice = connect_user(bridge.port(), "alice");
  auto root = connect_user(bridge.port(), "root", true);
  ASSERT_TRUE(alice.ws->open() && root.ws->open());

  // Far more than the socket buffers hold (22 MB for each client, where
  // the kernel takes up to ~10 MB per connection once a backlog leaves in
  // full segments): most of it waits in the sessions' queues when SIGTERM
  // comes. Log events (never conflated) carry the size.
  constexpr int k_events = 20000;
  {
    shm::publisher pub(seg);
    const std::string message(1000, 'x');
    for (int i = 0; i < k_events; ++i)
      ASSERT_EQ(pub.publish("alice", shm::system_log{.level = shm::log_level::info, .source = "life"}, message, "{}"),
                shm::publish_status::published)
          << i;
  }
  ASSERT_TRUE(wait_metric(bridge.port(), "ringcast_events_drained_total", k_events, 10s));
  // Thousands are still in the sessions' queues, not in socket buffers
  // (how many depends on how much the kernel took): so what follows tests
  // that the shutdown sends what was queued.
  {
    const auto [code, body] = http_get(bridge.port(), "/health");
    ASSERT_EQ(code, 200);
    std::int64_t queued = 0;
    const auto health = boost::json::parse(body);
    for (const auto& s : health.at("sessions").at("list").as_array()) queued += num(s, "queuedMessages");
    EXPECT_GT(queued, k_events / 10) << body;
  }

  std::optional<int> status;
  ms took{0};
  std::thread stopper([&] {
    const auto t0 = steady::now();
    status = bridge.stop(std::chrono::milliseconds(k_exit_within_ms + 3000));
    took = since(t0);
  });
  std::this_thread::sleep_for(100ms);  // the clients start reading only once the shutdown is under way
  {
    closing_reader ra(*alice.ws);
    closing_reader rr(*root.ws);
    ra.join();
    rr.join();
    EXPECT_TRUE(ra.closed);
    EXPECT_TRUE(rr.closed);
  }
  stopper.join();
  ASSERT_TRUE(status.has_value()) << "still running long after SIGTERM";
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  EXPECT_LT(took.count(), k_exit_within_ms) << "SIGTERM to exit took " << took.count() << " ms";

  for (auto* c : {&alice, &root}) {
    SCOPED_TRACE(str(c->status, "userId"));
    const auto events = events_of(c->ws->drain(ms(10)));
    ASSERT_EQ(events.size(), static_cast<std::size_t>(k_events)) << "queued events lost at shutdown";
    for (int i = 0; i < k_events; ++i) ASSERT_EQ(num(events[static_cast<std::size_t>(i)], "seq"), i + 1);
    EXPECT_EQ(c->ws->close_code(), 1001);
    EXPECT_EQ(c->ws->close_reason(), "bridge shutting down");
  }
}

TEST(BridgeLifecycle, SigtermExitsZeroWithin2sEvenWithAPeerThatNeverAnswers) {
  scoped_segment_name name("life");
  auto seg = shm::segment::open_or_create(small_options(name.name));
  auto bridge = running_bridge::start(name.name);
  auto alice = connect_user(bridge.port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  raw_ws_peer silent(bridge.port(), ws_target(token_for("bob")));
  ASSERT_TRUE(silent.upgraded());
  ASSERT_TRUE(wait_metric(bridge.port(), "ringcast_sessions", 2, 2s));

  std::optional<int> status;
  ms took{0};
  {
    closing_reader ra(*alice.ws);
    const auto t0 = steady::now();
    status = bridge.stop(5s);
    took = since(t0);
    ra.join();
    EXPECT_TRUE(ra.closed);
  }
  ASSERT_TRUE(status.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_TRUE(exited_with(*status, 0)) << describe_status(*status);
  EXPECT_LT(took.count(), 2000) << "SIGTERM to exit took " << took.count() << " ms";
  EXPECT_EQ(alice.ws->close_code(), 1001);
  // The silent peer was sent a close frame too, and then cut.
  ASSERT_TRUE(silent.read_to_end(1s));
  const auto ops = silent.opcodes();
  EXPECT_EQ(std::count(ops.begin(), ops.end(), k_close), 1);
}

struct restart_fixture {
  scoped_segment_name name{"life"};
  std::shared_ptr<shm::segment> seg = shm::segment::open_or_create(small_options(name.name, 4, 1u << 20));
  std::optional<shm::publisher> pub{std::in_place, seg};
  std::string first_epoch;

  // First run: alice gets `n` events (totalPnl 0..n-1), then SIGTERM.
  void first_run(int n) {
    auto bridge = running_bridge::start(name.name);
    auto a = connect_user(bridge.port(), "alice");
    ASSERT_TRUE(a.ws->open());
    first_epoch = str(a.status, "epoch");
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(pub->publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
    const auto events = events_of(read_n(*a.ws, static_cast<std::size_t>(n)));
    ASSERT_EQ(events.size(), static_cast<std::size_t>(n));
    closing_reader r(*a.ws);
    const auto st = bridge.stop(5s);
    r.join();
    ASSERT_TRUE(st.has_value() && exited_with(*st, 0));
    EXPECT_EQ(a.ws->close_code(), 1001);
  }

  // While no bridge runs: totalPnl from..from+n-1.
  void publish_between(int from, int n) {
    for (int i = from; i < from + n; ++i)
      ASSERT_EQ(pub->publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
  }
};

// What the second run drains is exactly what the first one left: nothing
// again, nothing skipped. Its status and the snapshot say so.
TEST(BridgeLifecycle, ARestartedBridgeResumesAtTheFirstRunsReadPosition) {
  restart_fixture f;
  constexpr int k_first = 50;
  constexpr int k_between = 100;
  ASSERT_NO_FATAL_FAILURE(f.first_run(k_first));
  ASSERT_NO_FATAL_FAILURE(f.publish_between(k_first, k_between));

  auto bridge = running_bridge::start(f.name.name);
  ASSERT_TRUE(wait_metric(bridge.port(), "ringcast_events_drained_total", k_between, 5s))
      << "drained " << scrape(bridge.port(), "ringcast_events_drained_total").value_or(-1);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(scrape(bridge.port(), "ringcast_events_drained_total"), static_cast<double>(k_between))
      << "events of the first run were drained again";

  auto b = connect_user(bridge.port(), "alice");
  ASSERT_TRUE(b.ws->open());
  EXPECT_NE(str(b.status, "epoch"), f.first_epoch) << "a restarted bridge starts a new epoch";
  EXPECT_EQ(num(b.status, "seq"), k_between);
  // The latest PNL_UPDATE is the last one published between the runs.
  const auto [code, body] = http_get(bridge.port(), "/api/snapshot?token=" + token_for("alice"));
  ASSERT_EQ(code, 200) << body;
  const auto snap = boost::json::parse(body);
  const auto& list = snap.as_object().at("events").as_array();
  ASSERT_EQ(list.size(), 1u) << body;
  EXPECT_EQ(num(list[0], "seq"), k_between);
  EXPECT_EQ(dbl(list[0].as_object().at("payload").as_object().at("totalPnl")), k_first + k_between - 1);

  // And the stream goes on from there.
  ASSERT_EQ(f.pub->publish("alice", shm::pnl_update{.total_pnl = -1}), shm::publish_status::published);
  const auto next = b.ws->read_json(3s);
  ASSERT_TRUE(next);
  EXPECT_EQ(num(*next, "seq"), k_between + 1);
  EXPECT_EQ(dbl(next->as_object().at("payload").as_object().at("totalPnl")), -1.0);
}

// Events published while no bridge runs reach a client that connects to the
// next bridge within its startup hold, in order, and the events the first
// run delivered are not sent again.
TEST(BridgeLifecycle, EventsPublishedWhileNoBridgeRunsReachAClientOfTheNextOne) {
  restart_fixture f;
  constexpr int k_first = 50;
  constexpr int k_between = 100;
  ASSERT_NO_FATAL_FAILURE(f.first_run(k_first));
  ASSERT_NO_FATAL_FAILURE(f.publish_between(k_first, k_between));

  auto bridge = running_bridge::start(f.name.name, {"--startup-hold", "2s"});
  auto b = connect_user(bridge.port(), "alice");
  ASSERT_TRUE(b.ws->open());
  EXPECT_EQ(num(b.status, "seq"), 0) << "connected during the hold: nothing drained yet";
  const auto events = events_of(b.ws->drain(2500ms));
  std::vector<double> totals;
  for (const auto& e : events) totals.push_back(dbl(e.as_object().at("payload").as_object().at("totalPnl")));
  std::vector<double> expected;
  for (int i = k_first; i < k_first + k_between; ++i) expected.push_back(i);
  EXPECT_EQ(totals, expected) << "the second bridge's client got " << totals.size() << " of the " << k_between
                              << " events published between the runs; its connection:status says seq "
                              << num(b.status, "seq") << " (drained before it connected)";
}

}  // namespace
}  // namespace ringcast::test
