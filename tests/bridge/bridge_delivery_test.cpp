// What each client is delivered, against a real ringcast-bridge process
// over loopback sockets (docs/PROTOCOL.md "Server to client", "Client to
// server", "Slow clients", "Batching", "Logs"):
//
//  - a throttled client of a user ends with the latest state (conflation),
//    every stream event it missed inside a `stream:gap` notice, and seqs in
//    order; a fast client of the same user gets everything;
//  - subscriptions (query and ops) filter from their answer on; an unknown
//    type is refused and changes nothing;
//  - batching: a backlog goes out as JSON arrays whose concatenation is the
//    stream; an idle batch client still gets single objects;
//  - logs: the bridge-wide and per-session levels, and the per-session rate
//    limit with its `logs:suppressed` summaries;
//  - a full producers' lane: every session gets a `producers_dropped` gap
//    where the lost events were.
//
// Every wait is bounded; nothing depends on how fast the machine is (the
// slow client's overflow is driven until /health shows it, not timed).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "bridge_protocol_util.hpp"
#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/publisher.hpp"

namespace ringcast::test {
namespace {

namespace json = boost::json;
using ms = std::chrono::milliseconds;

// ---- helpers ----

struct delivery_fixture {
  scoped_segment_name name{"delivery"};
  std::shared_ptr<shm::segment> seg;
  std::unique_ptr<running_bridge> bridge;
  std::unique_ptr<shm::publisher> pub;

  explicit delivery_fixture(const std::vector<std::string>& flags, std::uint32_t lane_capacity = 1u << 22) {
    seg = shm::segment::open_or_create(small_options(name.name, 4, lane_capacity));
    bridge = std::make_unique<running_bridge>(running_bridge::start(name.name, flags));
    pub = std::make_unique<shm::publisher>(seg);
  }
  ~delivery_fixture() {
    pub.reset();
    if (bridge) bridge->expect_clean_stop();
  }
  [[nodiscard]] unsigned short port() const { return bridge->port(); }
};

shm::order_update order(std::int64_t id) {
  const std::string cid = "cid-" + std::to_string(id);
  return shm::order_update{.order_id = id,
                           .client_order_id = std::string_view(cid),
                           .symbol = "BTCUSDT",
                           .side = shm::order_side::buy,
                           .type = shm::order_type::limit,
                           .status = shm::order_status::new_,
                           .price = 50000.5,
                           .qty = 0.25,
                           .update_time = 1700000000000 + id};
}

shm::pnl_update pnl(double total) { return shm::pnl_update{.total_pnl = total, .daily_pnl = 1.5}; }

shm::futures_mark_price_update mark(const char* symbol, double price) {
  return shm::futures_mark_price_update{.symbol = symbol, .mark_price = price, .index_price = price, .funding_rate = 0.0001};
}

shm::publish_status log_event(shm::publisher& p, const std::string& user, shm::log_level level, const std::string& text) {
  return p.publish(user, shm::system_log{.level = level, .source = "delivery-test"}, text, "");
}

const json::value* member(const json::value& v, std::string_view key) {
  return v.is_object() ? v.as_object().if_contains(key) : nullptr;
}

std::string type_of(const json::value& v) {
  const auto* t = member(v, "type");
  return t != nullptr && t->is_string() ? std::string(t->as_string()) : std::string("<no type>");
}

bool is_event(const json::value& v) { return member(v, "payload") != nullptr; }

// A payload member as a number (NaN when absent).
double payload_num(const json::value& v, std::string_view key) {
  const auto* p = member(v, "payload");
  const auto* m = p != nullptr ? member(*p, key) : nullptr;
  return m != nullptr ? dbl(*m) : std::nan("");
}

std::string payload_str(const json::value& v, std::string_view key) {
  const auto* p = member(v, "payload");
  const auto* m = p != nullptr ? member(*p, key) : nullptr;
  return m != nullptr && m->is_string() ? std::string(m->as_string()) : std::string("<missing>");
}

std::uint64_t useq(const json::value& v, std::string_view key) {
  const auto n = num(v, key);
  EXPECT_GE(n, 0) << key << " missing or negative in " << json::serialize(v);
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

// Reads messages (each parsed; a batch stays an array) until `last` holds
// for one of them (that one included), each within `each`, all within
// `total`. Check the predicate on the result's back(): nothing else says
// whether it was reached.
std::vector<json::value> read_until(ws_client& c, const std::function<bool(const json::value&)>& last,
                                    ms each = 5s, ms total = 30s) {
  std::vector<json::value> out;
  const auto deadline = steady::now() + total;
  while (steady::now() < deadline) {
    const auto m = c.read(each);
    if (!m) break;
    boost::system::error_code ec;
    auto v = json::parse(*m, ec);
    EXPECT_FALSE(ec) << "not JSON: " << *m;
    if (ec) continue;
    out.push_back(std::move(v));
    if (last(out.back())) break;
  }
  return out;
}

// The /health entry of one session (by the sessionId of its connection:status).
json::object session_health(unsigned short port, const std::string& session_id) {
  const auto [status, body] = http_get(port, "/health");
  EXPECT_EQ(status, 200) << body;
  const auto h = json::parse(body);
  for (const auto& s : h.at("sessions").at("list").as_array())
    if (s.at("id").as_string() == session_id) return s.as_object();
  ADD_FAILURE() << "session " << session_id << " not in /health: " << body;
  return {};
}

std::uint64_t u64(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr ? v->to_number<std::uint64_t>() : 0;
}

// Stalled clients keep their sockets' default buffers: a small SO_RCVBUF set
// after connecting (no way to set it before with ws_client) clamps the TCP
// window so that, once the client reads again, loopback transfers crawl
// (tens of KB/s: a 1 MB backlog took ~30 s). How much the kernel buffers
// instead is not assumed: the tests publish until /health shows the backlog.

// Reads on its own thread until it holds `want` messages (set later), or
// until stopped.
struct background_reader {
  ws_client& ws;
  std::vector<std::string> got;
  std::atomic<std::int64_t> count{0};  // got.size(), for other threads
  std::atomic<std::int64_t> want{-1};
  std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::thread thread;

  explicit background_reader(ws_client& c) : ws(c) {
    thread = std::thread([this] {
      while (!stop.load()) {
        const auto w = want.load();
        if (w >= 0 && static_cast<std::int64_t>(got.size()) >= w) break;
        if (auto m = ws.read(100ms)) {
          got.push_back(std::move(*m));
          count.store(static_cast<std::int64_t>(got.size()));
        }
        if (ws.closed()) break;
      }
      done.store(true);
    });
  }
  // Waits for `n` messages in all (at most `timeout`), then stops the thread.
  void finish(std::int64_t n, ms timeout) {
    want.store(n);
    wait_until([&] { return done.load(); }, timeout);
    stop.store(true);
    if (thread.joinable()) thread.join();
  }
  ~background_reader() {
    stop.store(true);
    if (thread.joinable()) thread.join();
  }
};

// ---- 1. a throttled client next to a fast one ----

TEST(BridgeDelivery, AThrottledClientGetsTheLatestStateAndGapNoticesForWhatItMissedWhileAFastOneGetsEverything) {
  constexpr std::uint64_t k_queue_messages = 500;
  constexpr std::uint64_t k_queue_bytes = 262144;
  delivery_fixture f({"--queue-messages", std::to_string(k_queue_messages), "--queue-bytes",
                      std::to_string(k_queue_bytes), "--slow-close-after", "60s", "--ping-interval", "60s",
                      "--idle-timeout", "120s"});
  const auto port = f.port();

  auto fast = connect_user(port, "alice");
  auto slow = connect_user(port, "alice");
  ASSERT_TRUE(fast.ws && fast.ws->open() && slow.ws && slow.ws->open());
  ASSERT_EQ(num(fast.status, "seq"), 0);
  ASSERT_EQ(num(slow.status, "seq"), 0);
  const std::string slow_id = str(slow.status, "sessionId");
  const std::string fast_id = str(fast.status, "sessionId");
  // From here on the throttled client reads nothing until publishing ends.
  background_reader fast_reader(*fast.ws);

  // Event i (seq i + 1: one producer, a fresh bridge): PNL_UPDATE
  // totalPnl = i, FUTURES_MARK_PRICE_UPDATE markPrice = i for one of three
  // symbols, ORDER_UPDATE orderId = i, in turn.
  const char* const symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  enum class kind { pnl, mark, order };
  std::vector<kind> kinds;
  std::vector<std::string> mark_symbol;  // per event, for marks
  double last_pnl = -1;
  std::map<std::string, double> last_mark;
  auto publish_one = [&](std::int64_t i) {
    shm::publish_status st{};
    const auto d = static_cast<double>(i);
    switch (i % 3) {
      case 0:
        st = f.pub->publish("alice", pnl(d));
        kinds.push_back(kind::pnl);
        mark_symbol.emplace_back();
        last_pnl = d;
        break;
      case 1: {
        const char* s = symbols[(i / 3) % 3];
        st = f.pub->publish("alice", mark(s, d));
        kinds.push_back(kind::mark);
        mark_symbol.emplace_back(s);
        last_mark[s] = d;
        break;
      }
      default:
        st = f.pub->publish("alice", order(i));
        kinds.push_back(kind::order);
        mark_symbol.emplace_back();
        break;
    }
    return st;
  };

  // Publish until the throttled session has both dropped and conflated
  // plenty: how much the kernel buffers before that depends on the machine,
  // so it is watched rather than assumed. The fast client paces it: never
  // more than half its queue limit ahead of what it has read, so however
  // the machine schedules its threads, the fast session cannot overflow.
  constexpr std::int64_t k_max_events = 120000;
  constexpr std::int64_t k_max_ahead = static_cast<std::int64_t>(k_queue_messages / 2);
  std::int64_t i = 0;
  std::uint64_t max_slow_queued = 0;
  bool overflowed = false;
  auto publish_chunk = [&] {
    ASSERT_TRUE(wait_until([&] { return i - fast_reader.count.load() <= k_max_ahead - 50; }, 20s))
        << "the fast client stopped reading at " << fast_reader.count.load() << " of " << i;
    for (int k = 0; k < 50; ++k, ++i) ASSERT_EQ(publish_one(i), shm::publish_status::published) << i;
  };
  while (i < k_max_events && !overflowed) {
    publish_chunk();
    ASSERT_FALSE(HasFatalFailure());
    if (i % 500 == 0) {
      const auto h = session_health(port, slow_id);
      max_slow_queued = std::max(max_slow_queued, u64(h, "queuedMessages"));
      overflowed = u64(h, "dropped") >= 300 && u64(h, "conflated") >= 100;
    }
  }
  ASSERT_TRUE(overflowed) << "the throttled session never overflowed in " << k_max_events << " events";
  // A little more once it is over its limits, ending with every kind.
  for (int k = 0; k < 6; ++k) {
    publish_chunk();
    ASSERT_FALSE(HasFatalFailure());
  }
  const std::int64_t n = i;
  ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", static_cast<double>(n), 20s));
  {
    const auto h = session_health(port, slow_id);
    max_slow_queued = std::max(max_slow_queued, u64(h, "queuedMessages"));
    std::printf("[ throttled] %lld events published; its session: queued %llu messages (max seen %llu, limit %llu), "
                "dropped %llu, conflated %llu, gap notices %llu\n",
                static_cast<long long>(n), static_cast<unsigned long long>(u64(h, "queuedMessages")),
                static_cast<unsigned long long>(max_slow_queued), static_cast<unsigned long long>(k_queue_messages),
                static_cast<unsigned long long>(u64(h, "dropped")), static_cast<unsigned long long>(u64(h, "conflated")),
                static_cast<unsigned long long>(u64(h, "gapNotices")));
    EXPECT_GT(u64(h, "conflated"), 0u) << json::serialize(h);
    EXPECT_GT(u64(h, "gapNotices"), 0u) << json::serialize(h);
    const auto hf = session_health(port, fast_id);
    EXPECT_EQ(u64(hf, "dropped"), 0u) << json::serialize(hf);
    EXPECT_EQ(u64(hf, "conflated"), 0u) << json::serialize(hf);
    EXPECT_EQ(u64(hf, "gapNotices"), 0u) << json::serialize(hf);
  }
  const auto conflated_total = scrape(port, "ringcast_events_conflated_total");
  ASSERT_TRUE(conflated_total.has_value());
  EXPECT_GT(*conflated_total, 0.0);

  // The fast client: every event, in order, nothing else.
  fast_reader.finish(n, 30s);
  ASSERT_EQ(static_cast<std::int64_t>(fast_reader.got.size()), n) << "the fast client did not get every event";
  for (std::int64_t k = 0; k < n; ++k) {
    const auto v = parse_or_null(fast_reader.got[static_cast<std::size_t>(k)]);
    ASSERT_TRUE(is_event(v)) << fast_reader.got[static_cast<std::size_t>(k)];
    ASSERT_EQ(num(v, "seq"), k + 1) << fast_reader.got[static_cast<std::size_t>(k)];
  }

  // The throttled client now reads everything the bridge kept for it.
  const auto t_read = steady::now();
  const auto last_seq = static_cast<std::uint64_t>(n);
  const auto got = read_until(
      *slow.ws,
      [&](const json::value& v) {
        if (type_of(v) == "stream:gap") return num(v, "toSeq") >= static_cast<std::int64_t>(last_seq);
        return num(v, "seq") == static_cast<std::int64_t>(last_seq);
      },
      10s, 60s);
  ASSERT_FALSE(got.empty());
  std::vector<json::value> all = got;
  for (auto& m : slow.ws->drain(300ms)) all.push_back(json::parse(m));
  ASSERT_FALSE(slow.ws->closed()) << "closed " << slow.ws->close_code() << " " << slow.ws->close_reason();

  // Events come in increasing seq; a notice comes before the first event
  // above its start, and notices do not overlap. A notice's range may reach
  // past events after it: one still queued is extended in its place by later
  // drops rather than followed by another (PROTOCOL.md, "Slow clients").
  std::uint64_t last = 0;  // the last event's seq
  std::uint64_t last_gap_to = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps;
  std::set<std::uint64_t> received;
  double got_pnl = -1;
  std::map<std::string, double> got_mark;
  std::size_t events = 0;
  for (const auto& v : all) {
    const auto type = type_of(v);
    if (type == "stream:gap") {
      const auto from = useq(v, "fromSeq");
      const auto to = useq(v, "toSeq");
      const auto dropped = useq(v, "dropped");
      EXPECT_EQ(str(v, "reason"), "slow_consumer") << json::serialize(v);
      EXPECT_GT(from, last_gap_to) << "gap notices overlap: " << json::serialize(v);
      EXPECT_GT(from, last) << "gap notice behind an event above its start: " << json::serialize(v);
      last_gap_to = to;
      EXPECT_GE(to, from) << json::serialize(v);
      EXPECT_GE(dropped, 1u) << json::serialize(v);
      EXPECT_LE(dropped, to - from + 1) << json::serialize(v);
      gaps.emplace_back(from, to);
      continue;
    }
    ASSERT_TRUE(is_event(v)) << "unexpected message " << json::serialize(v);
    ++events;
    const auto seq = useq(v, "seq");
    EXPECT_GT(seq, last) << "event out of order: " << json::serialize(v);
    last = std::max(last, seq);
    ASSERT_GE(seq, 1u);
    ASSERT_LE(seq, last_seq);
    received.insert(seq);
    const auto idx = static_cast<std::size_t>(seq - 1);
    const auto value = static_cast<double>(seq - 1);
    switch (kinds[idx]) {
      case kind::pnl:
        EXPECT_EQ(type, "PNL_UPDATE");
        EXPECT_EQ(payload_num(v, "totalPnl"), value);
        got_pnl = payload_num(v, "totalPnl");
        break;
      case kind::mark:
        EXPECT_EQ(type, "FUTURES_MARK_PRICE_UPDATE");
        EXPECT_EQ(payload_str(v, "symbol"), mark_symbol[idx]);
        EXPECT_EQ(payload_num(v, "markPrice"), value);
        got_mark[payload_str(v, "symbol")] = payload_num(v, "markPrice");
        break;
      case kind::order:
        EXPECT_EQ(type, "ORDER_UPDATE");
        EXPECT_EQ(payload_num(v, "orderId"), value);
        break;
    }
  }
  std::printf("[ throttled] read %zu events and %zu gap notices after publishing, in %.3f s\n", events, gaps.size(),
              std::chrono::duration<double>(steady::now() - t_read).count());
  EXPECT_FALSE(gaps.empty()) << "no stream:gap notice";
  EXPECT_LT(events, static_cast<std::size_t>(n)) << "nothing was dropped or conflated for the throttled client?";

  // The latest state, whatever was conflated or dropped on the way.
  EXPECT_EQ(got_pnl, last_pnl) << "the throttled client does not end with the latest PnL";
  for (const auto& [sym, price] : last_mark) EXPECT_EQ(got_mark[sym], price) << sym << ": not the latest mark price";

  // Every ORDER_UPDATE: received, or inside a gap notice's range.
  std::size_t orders_missing = 0, orders_in_gaps = 0;
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (kinds[k] != kind::order) continue;
    const std::uint64_t seq = k + 1;
    if (received.contains(seq)) continue;
    const bool covered = std::any_of(gaps.begin(), gaps.end(), [&](const auto& g) { return g.first <= seq && seq <= g.second; });
    if (covered)
      ++orders_in_gaps;
    else if (++orders_missing <= 5)
      ADD_FAILURE() << "ORDER_UPDATE seq " << seq << " neither received nor inside a stream:gap";
  }
  EXPECT_EQ(orders_missing, 0u);
  EXPECT_GT(orders_in_gaps, 0u);
}

// ---- 2. subscriptions ----

// Publishes one event of each of several types for alice, then a PNL_UPDATE
// marker (totalPnl = marker) that every filter used below lets through.
void publish_mix(shm::publisher& p, double marker) {
  ASSERT_EQ(p.publish("alice", pnl(1)), shm::publish_status::published);
  ASSERT_EQ(p.publish("alice", order(7)), shm::publish_status::published);
  ASSERT_EQ(p.publish("alice", mark("BTCUSDT", 2)), shm::publish_status::published);
  ASSERT_EQ(log_event(p, "alice", shm::log_level::error, "mix"), shm::publish_status::published);
  ASSERT_EQ(p.publish("alice", order(8)), shm::publish_status::published);
  ASSERT_EQ(p.publish("alice", pnl(marker)), shm::publish_status::published);
}

// The types of the events up to the marker.
std::vector<std::string> types_until_marker(ws_client& c, double marker) {
  const auto got = read_until(c, [&](const json::value& v) {
    return type_of(v) == "PNL_UPDATE" && payload_num(v, "totalPnl") == marker;
  });
  EXPECT_TRUE(!got.empty() && payload_num(got.back(), "totalPnl") == marker) << "marker " << marker << " not received";
  std::vector<std::string> out;
  for (const auto& v : got) {
    EXPECT_TRUE(is_event(v)) << "unexpected message " << json::serialize(v);
    out.push_back(type_of(v));
  }
  return out;
}

std::set<std::string> subscribed_types(const json::value& answer) {
  std::set<std::string> out;
  const auto* t = member(answer, "types");
  if (t == nullptr || !t->is_array()) return out;
  for (const auto& e : t->as_array())
    if (e.is_string()) out.emplace(e.as_string());
  return out;
}

// The next message, which must be the answer of `type`.
json::value answer(ws_client& c, const std::string& type) {
  const auto m = c.read_json(5s);
  EXPECT_TRUE(m.has_value()) << "no " << type << " answer";
  if (!m) return nullptr;
  EXPECT_EQ(type_of(*m), type) << json::serialize(*m);
  return *m;
}

using strings = std::vector<std::string>;

TEST(BridgeDelivery, SubscriptionsFilterFromTheirAnswerOnAndAnUnknownTypeChangesNothing) {
  delivery_fixture f({});
  const auto port = f.port();

  // A bad type in the query is refused before the upgrade.
  {
    ws_client bad(port, ws_target(token_for("alice")) + "&types=PNL_UPDATE,NOPE");
    EXPECT_FALSE(bad.open());
    EXPECT_EQ(bad.status(), 400);
    EXPECT_EQ(error_code_of(bad.body()), "unknown_type") << bad.body();
    EXPECT_NE(bad.body().find("NOPE"), std::string::npos) << bad.body();
  }

  auto c = std::make_unique<ws_client>(port, ws_target(token_for("alice")) + "&types=PNL_UPDATE");
  ASSERT_TRUE(c->open()) << c->status() << " " << c->body();
  ASSERT_EQ(type_of(*c->read_json(5s)), "connection:status");
  auto all = connect_user(port, "alice");  // no filter: sees every type
  ASSERT_TRUE(all.ws->open());

  // ?types=PNL_UPDATE: only PNL_UPDATE.
  publish_mix(*f.pub, 100);
  EXPECT_EQ(types_until_marker(*c, 100), (strings{"PNL_UPDATE", "PNL_UPDATE"}));
  EXPECT_EQ(types_until_marker(*all.ws, 100),
            (strings{"PNL_UPDATE", "ORDER_UPDATE", "FUTURES_MARK_PRICE_UPDATE", "system_log", "ORDER_UPDATE", "PNL_UPDATE"}));

  // subscribe adds; the answer is the whole filter.
  c->send_text(R"({"op":"subscribe","types":["ORDER_UPDATE"]})");
  auto a = answer(*c, "subscribed");
  EXPECT_EQ(subscribed_types(a), (std::set<std::string>{"PNL_UPDATE", "ORDER_UPDATE"})) << json::serialize(a);
  publish_mix(*f.pub, 101);
  EXPECT_EQ(types_until_marker(*c, 101), (strings{"PNL_UPDATE", "ORDER_UPDATE", "ORDER_UPDATE", "PNL_UPDATE"}));

  // unsubscribe removes.
  c->send_text(R"({"op":"unsubscribe","types":["ORDER_UPDATE"]})");
  a = answer(*c, "subscribed");
  EXPECT_EQ(subscribed_types(a), (std::set<std::string>{"PNL_UPDATE"})) << json::serialize(a);
  publish_mix(*f.pub, 102);
  EXPECT_EQ(types_until_marker(*c, 102), (strings{"PNL_UPDATE", "PNL_UPDATE"}));

  // An unknown type: an error naming it, and nothing applied (not even the
  // known type next to it).
  c->send_text(R"({"op":"subscribe","types":["NOPE"]})");
  a = answer(*c, "error");
  EXPECT_EQ(str(a, "code"), "unknown_type") << json::serialize(a);
  EXPECT_NE(str(a, "message").find("NOPE"), std::string::npos) << json::serialize(a);
  c->send_text(R"({"op":"subscribe","types":["ORDER_UPDATE","NOPE"]})");
  a = answer(*c, "error");
  EXPECT_EQ(str(a, "code"), "unknown_type") << json::serialize(a);
  EXPECT_NE(str(a, "message").find("NOPE"), std::string::npos) << json::serialize(a);
  publish_mix(*f.pub, 103);
  EXPECT_EQ(types_until_marker(*c, 103), (strings{"PNL_UPDATE", "PNL_UPDATE"}));

  // "*" restores every type.
  c->send_text(R"({"op":"subscribe","types":["*"]})");
  a = answer(*c, "subscribed");
  const auto everything = subscribed_types(a);
  EXPECT_GE(everything.size(), 20u) << json::serialize(a);
  for (const char* t : {"PNL_UPDATE", "ORDER_UPDATE", "FUTURES_MARK_PRICE_UPDATE", "system_log", "POSITION_UPDATE"})
    EXPECT_TRUE(everything.contains(t)) << t << " missing from " << json::serialize(a);
  publish_mix(*f.pub, 104);
  EXPECT_EQ(types_until_marker(*c, 104),
            (strings{"PNL_UPDATE", "ORDER_UPDATE", "FUTURES_MARK_PRICE_UPDATE", "system_log", "ORDER_UPDATE", "PNL_UPDATE"}));

  // unsubscribe "*" then subscribe one type: only that one.
  c->send_text(R"({"op":"unsubscribe","types":["*"]})");
  a = answer(*c, "subscribed");
  EXPECT_TRUE(subscribed_types(a).empty()) << json::serialize(a);
  c->send_text(R"({"op":"subscribe","types":["PNL_UPDATE"]})");
  a = answer(*c, "subscribed");
  EXPECT_EQ(subscribed_types(a), (std::set<std::string>{"PNL_UPDATE"})) << json::serialize(a);
  publish_mix(*f.pub, 105);
  EXPECT_EQ(types_until_marker(*c, 105), (strings{"PNL_UPDATE", "PNL_UPDATE"}));

  EXPECT_TRUE(c->drain(200ms).empty());
  EXPECT_FALSE(c->closed());
}

// ---- 3. batching ----

// Flattens batches (arrays) and single objects; counts the arrays of more
// than one event. Any non-event inside an array fails.
struct flattened {
  std::vector<json::value> events;
  std::size_t arrays = 0;
  std::size_t singles = 0;
  std::size_t largest = 0;
};

flattened flatten(const std::vector<json::value>& messages) {
  flattened out;
  for (const auto& m : messages) {
    if (m.is_array()) {
      const auto& a = m.as_array();
      EXPECT_GE(a.size(), 2u) << "a batch of fewer than two events";
      ++out.arrays;
      out.largest = std::max(out.largest, a.size());
      for (const auto& e : a) {
        EXPECT_TRUE(is_event(e)) << "not an event inside a batch: " << json::serialize(e);
        out.events.push_back(e);
      }
    } else {
      ++out.singles;
      EXPECT_TRUE(is_event(m)) << "unexpected message " << json::serialize(m);
      out.events.push_back(m);
    }
  }
  return out;
}

TEST(BridgeDelivery, ABatchClientGetsABacklogAsArraysThatFlattenToTheStreamAndSingleEventsWhenIdle) {
  // A stalled client answers no ping: the heartbeat is kept out of the way.
  delivery_fixture f({"--ping-interval", "60s", "--idle-timeout", "120s"});
  const auto port = f.port();

  // The op form, on an idle session: answered; then each event alone.
  auto idle = connect_user(port, "bob");
  ASSERT_TRUE(idle.ws->open());
  idle.ws->send_text(R"({"op":"batch","enabled":true})");
  const auto on = idle.ws->read(5s);
  ASSERT_TRUE(on.has_value());
  EXPECT_EQ(*on, R"({"type":"batch","enabled":true})");
  for (int k = 0; k < 5; ++k) {
    ASSERT_EQ(f.pub->publish("bob", order(k)), shm::publish_status::published);
    const auto m = idle.ws->read(5s);
    ASSERT_TRUE(m.has_value()) << "event " << k << " not delivered";
    const auto v = json::parse(*m);
    ASSERT_TRUE(v.is_object()) << "an idle batch client got " << *m;
    EXPECT_EQ(type_of(v), "ORDER_UPDATE");
    EXPECT_EQ(payload_num(v, "orderId"), static_cast<double>(k));
  }
  const std::uint64_t first_seq = 6;  // bob's five took 1..5

  // The query form, on a client that does not read while a burst of stream
  // events (never conflated) is published: published until /health shows a
  // backlog behind its window (its socket is full), then read at once.
  auto c = std::make_unique<ws_client>(port, ws_target(token_for("alice")) + "&batch=1");
  ASSERT_TRUE(c->open()) << c->status() << " " << c->body();
  const auto status = c->read_json(5s);
  ASSERT_TRUE(status && type_of(*status) == "connection:status");
  const std::string id = str(*status, "sessionId");
  constexpr std::int64_t k_max_events = 40000;
  std::int64_t n = 0;
  bool backlogged = false;
  while (n < k_max_events && !backlogged) {
    for (int k = 0; k < 200; ++k, ++n) ASSERT_EQ(f.pub->publish("alice", order(n)), shm::publish_status::published);
    ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", static_cast<double>(n + 5), 10s));
    const auto h = session_health(port, id);
    ASSERT_EQ(u64(h, "dropped"), 0u) << json::serialize(h);
    backlogged = u64(h, "queuedMessages") >= 150;
  }
  ASSERT_TRUE(backlogged) << "no backlog formed in " << k_max_events << " events";

  const auto last_seq = static_cast<std::int64_t>(first_seq) + n - 1;
  const auto got = read_until(*c, [&](const json::value& v) {
    const json::value& tail = v.is_array() && !v.as_array().empty() ? v.as_array().back() : v;
    return num(tail, "seq") == last_seq;
  });
  const auto flat = flatten(got);
  std::printf("[ batch    ] %lld events in %zu arrays (largest %zu) and %zu single frames\n", static_cast<long long>(n),
              flat.arrays, flat.largest, flat.singles);
  EXPECT_GE(flat.arrays, 1u) << "a backlog but no batch";
  ASSERT_EQ(static_cast<std::int64_t>(flat.events.size()), n);
  for (std::int64_t k = 0; k < n; ++k) {
    const auto& e = flat.events[static_cast<std::size_t>(k)];
    ASSERT_EQ(num(e, "seq"), static_cast<std::int64_t>(first_seq) + k) << json::serialize(e);
    ASSERT_EQ(type_of(e), "ORDER_UPDATE");
    ASSERT_EQ(payload_num(e, "orderId"), static_cast<double>(k)) << json::serialize(e);
  }
  EXPECT_TRUE(c->drain(200ms).empty());
  EXPECT_TRUE(idle.ws->drain(10ms).empty());
}

// ---- 4. logs ----

// The system_log events (level, message) up to an ERROR log `marker`.
std::vector<std::pair<std::string, std::string>> logs_until(ws_client& c, const std::string& marker) {
  const auto got = read_until(c, [&](const json::value& v) { return payload_str(v, "message") == marker; });
  EXPECT_TRUE(!got.empty() && payload_str(got.back(), "message") == marker) << "marker " << marker << " not received";
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : got) {
    EXPECT_EQ(type_of(v), "system_log") << json::serialize(v);
    out.emplace_back(payload_str(v, "level"), payload_str(v, "message"));
  }
  return out;
}

void publish_levels(shm::publisher& p, const std::string& round) {
  for (const auto level : {shm::log_level::debug, shm::log_level::info, shm::log_level::warn, shm::log_level::error})
    ASSERT_EQ(log_event(p, "alice", level, round + "-" + std::to_string(static_cast<int>(level))),
              shm::publish_status::published);
}

using level_messages = std::vector<std::pair<std::string, std::string>>;

TEST(BridgeDelivery, LogsBelowTheBridgeOrSessionLevelAreNotSent) {
  delivery_fixture f({"--log-level", "WARN"});
  const auto port = f.port();
  auto c = connect_user(port, "alice");
  auto q = std::make_unique<ws_client>(port, ws_target(token_for("alice")) + "&logLevel=ERROR");
  ASSERT_TRUE(c.ws->open() && q->open());
  ASSERT_EQ(type_of(*q->read_json(5s)), "connection:status");

  publish_levels(*f.pub, "a");
  ASSERT_EQ(log_event(*f.pub, "alice", shm::log_level::error, "end-a"), shm::publish_status::published);
  EXPECT_EQ(logs_until(*c.ws, "end-a"), (level_messages{{"WARN", "a-2"}, {"ERROR", "a-3"}, {"ERROR", "end-a"}}));
  EXPECT_EQ(logs_until(*q, "end-a"), (level_messages{{"ERROR", "a-3"}, {"ERROR", "end-a"}}));

  // The session raises its level: the answer, then only ERROR.
  c.ws->send_text(R"({"op":"log_level","level":"ERROR"})");
  const auto a = answer(*c.ws, "log_level");
  EXPECT_EQ(json::serialize(a), R"({"type":"log_level","level":"ERROR"})");
  publish_levels(*f.pub, "b");
  ASSERT_EQ(log_event(*f.pub, "alice", shm::log_level::error, "end-b"), shm::publish_status::published);
  EXPECT_EQ(logs_until(*c.ws, "end-b"), (level_messages{{"ERROR", "b-3"}, {"ERROR", "end-b"}}));

  // Lowering it below the bridge's does not bring INFO back.
  c.ws->send_text(R"({"op":"log_level","level":"DEBUG"})");
  const auto d = answer(*c.ws, "log_level");
  EXPECT_EQ(json::serialize(d), R"({"type":"log_level","level":"DEBUG"})");
  publish_levels(*f.pub, "c");
  ASSERT_EQ(log_event(*f.pub, "alice", shm::log_level::error, "end-c"), shm::publish_status::published);
  EXPECT_EQ(logs_until(*c.ws, "end-c"), (level_messages{{"WARN", "c-2"}, {"ERROR", "c-3"}, {"ERROR", "end-c"}}));
  EXPECT_EQ(logs_until(*q, "end-c"),
            (level_messages{{"ERROR", "b-3"}, {"ERROR", "end-b"}, {"ERROR", "c-3"}, {"ERROR", "end-c"}}));
  EXPECT_TRUE(c.ws->drain(200ms).empty());
}

TEST(BridgeDelivery, LogsOverTheRateAreSummarisedAndTheSummariesAccountForEveryOne) {
  constexpr int k_rate = 50;
  constexpr int k_logs = 500;
  delivery_fixture f({"--log-rate", std::to_string(k_rate)});
  const auto port = f.port();
  auto c = connect_user(port, "alice");
  ASSERT_TRUE(c.ws->open());

  const auto t0 = steady::now();
  for (int k = 0; k < k_logs; ++k)
    ASSERT_EQ(log_event(*f.pub, "alice", shm::log_level::info, "log-" + std::to_string(k)), shm::publish_status::published);
  ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", k_logs, 10s));
  const double burst_s = std::chrono::duration<double>(steady::now() - t0).count();

  // Logs and summaries until they account for all 500 (a summary comes at
  // most once a second, so this takes over a second).
  std::vector<std::int64_t> passed;  // the seqs of the logs received
  std::int64_t suppressed = 0;
  std::size_t summaries = 0;
  std::int64_t last = 0;
  const auto deadline = steady::now() + 10s;
  while (static_cast<std::int64_t>(passed.size()) + suppressed < k_logs && steady::now() < deadline) {
    const auto m = c.ws->read_json(3s);
    if (!m) break;
    const auto type = type_of(*m);
    if (type == "logs:suppressed") {
      ++summaries;
      suppressed += num(*m, "suppressed");
      EXPECT_EQ(num(*m, "limitPerSecond"), k_rate) << json::serialize(*m);
      EXPECT_GT(num(*m, "fromSeq"), last) << json::serialize(*m);
      EXPECT_GE(num(*m, "toSeq"), num(*m, "fromSeq")) << json::serialize(*m);
      EXPECT_LE(num(*m, "toSeq"), k_logs) << json::serialize(*m);
      EXPECT_LE(num(*m, "suppressed"), num(*m, "toSeq") - num(*m, "fromSeq") + 1) << json::serialize(*m);
      last = num(*m, "toSeq");
    } else {
      ASSERT_EQ(type, "system_log") << json::serialize(*m);
      const auto seq = num(*m, "seq");
      EXPECT_GT(seq, last) << json::serialize(*m);
      EXPECT_EQ(payload_str(*m, "message"), "log-" + std::to_string(seq - 1));
      last = seq;
      passed.push_back(seq);
    }
  }
  const auto received = static_cast<std::int64_t>(passed.size());
  std::printf("[ logs     ] %lld passed, %lld suppressed in %zu summaries (burst took %.3f s)\n",
              static_cast<long long>(received), static_cast<long long>(suppressed), summaries, burst_s);
  EXPECT_GE(summaries, 1u);
  EXPECT_EQ(received + suppressed, k_logs);
  EXPECT_GE(received, k_rate) << "the burst allowance is the rate";
  EXPECT_LE(static_cast<double>(received), k_rate + k_rate * burst_s + 1) << "over the rate";
  EXPECT_TRUE(c.ws->drain(300ms).empty());
}

// Over the rate for longer than a second: the summaries still come at most
// once a second (PROTOCOL.md "Logs"), however many logs pass meanwhile.
TEST(BridgeDelivery, UnderASustainedLogFloodSummariesComeAtMostOnceASecond) {
  constexpr int k_rate = 50;
  delivery_fixture f({"--log-rate", std::to_string(k_rate)});
  const auto port = f.port();
  auto c = connect_user(port, "alice");
  ASSERT_TRUE(c.ws->open());

  // 400 logs/s for 1.5 s: 8x the rate, on a steady pace.
  constexpr int k_logs = 600;
  const auto t0 = steady::now();
  for (int k = 0; k < k_logs; ++k) {
    if (k % 20 == 0) std::this_thread::sleep_until(t0 + (k / 20) * 50ms);
    ASSERT_EQ(log_event(*f.pub, "alice", shm::log_level::info, "log-" + std::to_string(k)), shm::publish_status::published);
  }
  ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", k_logs, 10s));
  const double flood_s = std::chrono::duration<double>(steady::now() - t0).count();

  std::int64_t passed = 0, suppressed = 0, summaries = 0;
  const auto deadline = steady::now() + 10s;
  while (passed + suppressed < k_logs && steady::now() < deadline) {
    const auto m = c.ws->read_json(3s);
    if (!m) break;
    if (type_of(*m) == "logs:suppressed") {
      ++summaries;
      suppressed += num(*m, "suppressed");
    } else {
      ASSERT_EQ(type_of(*m), "system_log") << json::serialize(*m);
      ++passed;
    }
  }
  std::printf("[ logs     ] flood of %.3f s: %lld passed, %lld suppressed in %lld summaries\n", flood_s,
              static_cast<long long>(passed), static_cast<long long>(suppressed), static_cast<long long>(summaries));
  EXPECT_EQ(passed + suppressed, k_logs);
  // One per second of flood, one for the tail after it, and one of slack.
  EXPECT_LE(static_cast<double>(summaries), std::ceil(flood_s) + 2) << "logs:suppressed more often than once a second";
}

// A stalled client whose user's stream mixes state and stream events: what
// the bridge queues for it stays within --queue-messages (PROTOCOL.md "Slow
// clients": the session's queue is bounded), gap notices included.
TEST(BridgeDelivery, AStalledSessionsQueueStaysWithinItsMessageLimitWhileStateEventsConflate) {
  constexpr std::uint64_t k_queue_messages = 200;
  delivery_fixture f({"--queue-messages", std::to_string(k_queue_messages), "--slow-close-after", "60s",
                      "--ping-interval", "60s", "--idle-timeout", "120s"});
  const auto port = f.port();
  auto stalled = connect_user(port, "alice");
  ASSERT_TRUE(stalled.ws->open());
  const std::string id = str(stalled.status, "sessionId");

  // ORDER_UPDATE, PNL_UPDATE, ... until the session has dropped 1000 events
  // (its socket full first: how much the kernel takes is not assumed).
  // /health is sampled after every 200: the kernel takes a little more now
  // and then (its buffers grow), so the queue is watched, not read once.
  std::int64_t n = 0;
  json::object h, fullest;
  while (n < 200000) {
    for (int k = 0; k < 200; ++k, ++n) {
      const auto st = n % 2 == 0 ? f.pub->publish("alice", order(n)) : f.pub->publish("alice", pnl(static_cast<double>(n)));
      ASSERT_EQ(st, shm::publish_status::published);
    }
    ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", static_cast<double>(n), 10s));
    h = session_health(port, id);
    if (fullest.empty() || u64(h, "queuedMessages") > u64(fullest, "queuedMessages")) fullest = h;
    if (u64(h, "dropped") >= 1000) break;
  }
  std::printf("[ stalled  ] %lld events: %s; fullest: %s\n", static_cast<long long>(n), json::serialize(h).c_str(),
              json::serialize(fullest).c_str());
  ASSERT_GE(u64(h, "dropped"), 1000u);
  // A few control replies may come on top (bounded by the op rate); none were asked for here.
  EXPECT_LE(u64(fullest, "queuedMessages"), k_queue_messages + 8)
      << "the stalled session's queue grew past --queue-messages: " << json::serialize(fullest);
}

// ---- 5. the producers' ring dropped events ----

TEST(BridgeDelivery, EventsALaneDroppedReachEverySessionAsAProducersDroppedGapInTheirPlace) {
  // Small lanes, and a bridge that does not drain for its first 3 s: the
  // lane fills while the clients are connected.
  delivery_fixture f({"--startup-hold", "3s"}, 1u << 14);
  const auto port = f.port();
  auto alice = connect_user(port, "alice");
  auto bob = connect_user(port, "bob");
  ASSERT_TRUE(alice.ws->open() && bob.ws->open());
  EXPECT_EQ(num(alice.status, "seq"), 0);

  // What each publish did, in order; the bridge numbers a drop too.
  std::vector<shm::publish_status> statuses;
  std::int64_t dropped = 0;
  for (int k = 0; k < 1000; ++k) {
    statuses.push_back(f.pub->publish("alice", pnl(k)));
    ASSERT_NE(statuses.back(), shm::publish_status::too_large);
    if (statuses.back() == shm::publish_status::dropped_full) ++dropped;
  }
  const auto published_first = static_cast<double>(1000 - dropped);
  ASSERT_GT(dropped, 0) << "the lane did not fill: was the bridge already draining?";
  // The drops are reported by the lane's next record: after the hold, once
  // the lane has drained, a few more.
  ASSERT_TRUE(wait_metric(port, "ringcast_events_drained_total", published_first, 15s));
  for (int k = 1000; k < 1005; ++k) {
    statuses.push_back(f.pub->publish("alice", pnl(k)));
    ASSERT_EQ(statuses.back(), shm::publish_status::published);
  }
  const auto total = static_cast<std::int64_t>(statuses.size());

  // alice: her events and a gap where each run of drops was; bob: the gaps only.
  std::vector<std::string> expected_alice, expected_bob;
  {
    std::int64_t next = 1, run = 0;
    for (std::int64_t k = 0; k < total; ++k) {
      if (statuses[static_cast<std::size_t>(k)] == shm::publish_status::dropped_full) {
        ++run;
        continue;
      }
      if (run != 0) {
        const std::string gap = "gap " + std::to_string(next) + ".." + std::to_string(next + run - 1) + " dropped " +
                                std::to_string(run) + " producers_dropped";
        expected_alice.push_back(gap);
        expected_bob.push_back(gap);
        next += run;
        run = 0;
      }
      expected_alice.push_back("PNL_UPDATE " + std::to_string(next) + " " + std::to_string(k));
      ++next;
    }
  }
  const auto describe = [](const json::value& v) {
    if (type_of(v) == "stream:gap")
      return "gap " + std::to_string(num(v, "fromSeq")) + ".." + std::to_string(num(v, "toSeq")) + " dropped " +
             std::to_string(num(v, "dropped")) + " " + str(v, "reason");
    return type_of(v) + " " + std::to_string(num(v, "seq")) + " " +
           std::to_string(static_cast<std::int64_t>(payload_num(v, "totalPnl")));
  };
  const auto last_seq = total;
  std::vector<std::string> got_alice;
  for (const auto& v : read_until(*alice.ws, [&](const json::value& v) { return num(v, "seq") == last_seq; }))
    got_alice.push_back(describe(v));
  EXPECT_EQ(got_alice, expected_alice);
  std::vector<std::string> got_bob;
  for (const auto& m : read_n(*bob.ws, expected_bob.size())) got_bob.push_back(describe(json::parse(m)));
  EXPECT_EQ(got_bob, expected_bob);
  EXPECT_TRUE(alice.ws->drain(200ms).empty());
  EXPECT_TRUE(bob.ws->drain(10ms).empty());

  EXPECT_EQ(scrape(port, "ringcast_ring_events_lost_total"), static_cast<double>(dropped));
}

}  // namespace
}  // namespace ringcast::test
