// Resume (docs/PROTOCOL.md "Resume"), against a real ringcast-bridge over
// real sockets: a client that lost its connection reconnects with the
// epoch of its connection:status and the last seq it received, and gets
// exactly what it missed, then the live stream.
//
// - Query form under a live stream: 8 users, each disconnecting at a
//   seeded random moment (cleanly or by dropping the TCP connection) while
//   a publisher keeps publishing ORDER_UPDATE / TRADE_UPDATE for random
//   users and global events; what each client got before and after its
//   reconnection is exactly its user's and the global events, in seq order.
// - State events: a small replay (inside the 64-message window) is exact;
//   a 3000-event replay loses no ORDER_UPDATE and ends on the last
//   PNL_UPDATE (state events may be conflated, nothing is dropped), in
//   full TCP segments (the session corks a backlog, decision 0009).
// - resume:gap: another epoch, a seq ahead of the bridge, too old by count
//   (--history-per-user) and by age (--history-age), and a restarted bridge.
// - The op form, bad query values (HTTP 400 before the upgrade), and the
//   /health "history" object.
//
// Every event carries a marker (orderId, tradeId, totalPnl) from which the
// test knows which published event it is. The random run's seed is printed;
// RINGCAST_RESUME_SEED=<n> replays one.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bridge_harness.hpp"
#include "bridge_protocol_util.hpp"
#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"
#include "ws_client.hpp"

namespace ringcast::test {
namespace {

namespace json = boost::json;
using ms = std::chrono::milliseconds;

// ---------------------------------------------------------------------------
// Publishing with markers

// One event as published.
struct sent_event {
  std::int64_t marker = 0;
  std::string user;  // "" for a global event
  std::string type;  // wire name
};

// A producer whose every event carries a distinct marker (counting from
// `first_marker`), and the log of what it published, in publish order. A
// full ring waits (up to 5 s) rather than drop: the tests need every event.
class marked_source {
 public:
  explicit marked_source(std::shared_ptr<shm::segment> seg, std::int64_t first_marker = 1)
      : pub_(std::move(seg), shm::publisher_options{.wait_when_full = std::chrono::seconds(5)}), next_(first_marker) {}

  // False if the event could not be published (the log does not list it).
  bool order(const std::string& user, double price = 1.0) {
    const auto m = next_;
    return done(user, "ORDER_UPDATE", pub_.publish(user, shm::order_update{.order_id = m, .price = price}));
  }
  bool trade(const std::string& user) {
    const auto m = next_;
    return done(user, "TRADE_UPDATE", pub_.publish(user, shm::trade_update{.trade_id = m, .order_id = m}));
  }
  bool pnl(const std::string& user) {
    const auto m = next_;
    return done(user, "PNL_UPDATE", pub_.publish(user, shm::pnl_update{.total_pnl = static_cast<double>(m)}));
  }

  [[nodiscard]] const std::vector<sent_event>& log() const noexcept { return log_; }
  [[nodiscard]] std::int64_t next_marker() const noexcept { return next_; }

 private:
  bool done(const std::string& user, const char* type, shm::publish_status st) {
    if (st != shm::publish_status::published) return false;
    log_.push_back({next_++, user, type});
    return true;
  }

  shm::publisher pub_;
  std::int64_t next_;
  std::vector<sent_event> log_;
};

// ---------------------------------------------------------------------------
// What clients receive

bool is_event(const json::value& v) { return v.is_object() && v.as_object().contains("payload"); }

std::uint64_t seq_of(const json::value& v) {
  const auto n = num(v, "seq");
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

// The marker of an event frame (see marked_source); -1 if it has none.
std::int64_t marker_of(const json::value& e) {
  if (!is_event(e)) return -1;
  const auto& p = e.as_object().at("payload");
  if (!p.is_object()) return -1;
  const auto type = str(e, "type");
  const char* key = type == "ORDER_UPDATE" ? "orderId" : type == "TRADE_UPDATE" ? "tradeId" : type == "PNL_UPDATE" ? "totalPnl" : nullptr;
  if (key == nullptr) return -1;
  const auto* v = p.as_object().if_contains(key);
  if (v == nullptr) return -1;
  const double d = dbl(*v);
  return std::isnan(d) ? -1 : static_cast<std::int64_t>(d);
}

std::string brief(const json::value& v) {
  auto s = json::serialize(v);
  if (s.size() > 300) s = s.substr(0, 300) + "...";
  return s;
}

std::string describe_markers(const std::vector<std::int64_t>& v, std::size_t around) {
  std::ostringstream o;
  const std::size_t from = around > 5 ? around - 5 : 0;
  o << "[";
  for (std::size_t i = from; i < v.size() && i < around + 6; ++i) o << (i == from ? "" : ",") << (i == around ? "*" : "") << v[i];
  o << "] (of " << v.size() << ")";
  return o.str();
}

// "" when equal, else where and how they differ.
std::string compare(const std::vector<std::int64_t>& got, const std::vector<std::int64_t>& want) {
  if (got == want) return {};
  std::size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
  std::ostringstream o;
  o << "first difference at index " << i << ": got " << describe_markers(got, i) << ", want " << describe_markers(want, i);
  // Which markers are missing / extra / repeated, a few of each.
  std::multiset<std::int64_t> g(got.begin(), got.end()), w(want.begin(), want.end());
  std::vector<std::int64_t> missing, extra;
  std::set_difference(w.begin(), w.end(), g.begin(), g.end(), std::back_inserter(missing));
  std::set_difference(g.begin(), g.end(), w.begin(), w.end(), std::back_inserter(extra));
  o << "; " << missing.size() << " missing";
  for (std::size_t k = 0; k < missing.size() && k < 8; ++k) o << (k == 0 ? " (" : ",") << missing[k] << (k + 1 == std::min<std::size_t>(missing.size(), 8) ? ")" : "");
  o << ", " << extra.size() << " extra or repeated";
  for (std::size_t k = 0; k < extra.size() && k < 8; ++k) o << (k == 0 ? " (" : ",") << extra[k] << (k + 1 == std::min<std::size_t>(extra.size(), 8) ? ")" : "");
  return o.str();
}

// "" when every seq is above the previous one (and above `after`).
std::string check_increasing(const std::vector<json::value>& events, std::uint64_t after = 0) {
  std::uint64_t last = after;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto s = seq_of(events[i]);
    if (s <= last)
      return "seq not increasing at index " + std::to_string(i) + ": " + std::to_string(s) + " after " +
             std::to_string(last) + ": " + brief(events[i]);
    last = s;
  }
  return {};
}

std::vector<std::int64_t> markers_of(const std::vector<json::value>& events) {
  std::vector<std::int64_t> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(marker_of(e));
  return out;
}

// The markers of what `user` may see (its own and the global events), in
// publish order; with `type`, of that type only.
std::vector<std::int64_t> expected_for(const std::vector<sent_event>& log, const std::string& user,
                                       const std::string& type = {}) {
  std::vector<std::int64_t> out;
  for (const auto& e : log)
    if ((e.user == user || e.user.empty()) && (type.empty() || e.type == type)) out.push_back(e.marker);
  return out;
}

std::string resume_query(const std::string& epoch, std::uint64_t last_seq) {
  return "&epoch=" + epoch + "&lastSeq=" + std::to_string(last_seq);
}

// A client that connected with a resume point: its connection:status and
// the resume answer, the first two messages. `problem` says what was wrong.
struct resumed_client {
  std::unique_ptr<ws_client> ws;
  json::value status;
  json::value answer;
  std::string problem;
};

resumed_client connect_resuming(unsigned short port, const std::string& user, const std::string& epoch,
                                std::uint64_t last_seq, const std::string& extra_query = {}) {
  resumed_client c;
  c.ws = std::make_unique<ws_client>(port, ws_target(token_for(user)) + resume_query(epoch, last_seq) + extra_query);
  if (!c.ws->open()) {
    c.problem = "not upgraded: HTTP " + std::to_string(c.ws->status()) + " " + c.ws->body();
    return c;
  }
  const auto first = c.ws->read(10s);
  if (!first) {
    c.problem = "no connection:status within 10 s";
    return c;
  }
  c.status = parse_or_null(*first);
  if (!c.status.is_object() || str(c.status, "type") != "connection:status") {
    c.problem = "first message is not connection:status: " + *first;
    return c;
  }
  const auto second = c.ws->read(10s);
  if (!second) {
    c.problem = "no resume answer within 10 s";
    return c;
  }
  c.answer = parse_or_null(*second);
  const auto type = c.answer.is_object() ? str(c.answer, "type") : std::string();
  if (type != "resume:ok" && type != "resume:gap") c.problem = "second message is not a resume answer: " + *second;
  return c;
}

// Reads event frames until `count` arrived (each within `each` of the
// previous one), then whatever else comes within `quiet`. Any message that
// is not an event is a failure.
std::vector<json::value> read_events(ws_client& ws, std::size_t count, ms each = 10s, ms quiet = 300ms) {
  std::vector<json::value> out;
  while (out.size() < count) {
    const auto m = ws.read(each);
    if (!m) break;
    auto v = parse_or_null(*m);
    EXPECT_TRUE(is_event(v)) << "not an event: " << *m;
    if (is_event(v)) out.push_back(std::move(v));
  }
  EXPECT_EQ(out.size(), count) << "events missing: no message for " << each.count() << " ms";
  while (const auto m = ws.read(quiet)) {
    ADD_FAILURE() << "unexpected message: " << *m;
    auto v = parse_or_null(*m);
    if (is_event(v)) out.push_back(std::move(v));
  }
  return out;
}

// Publishes one ORDER_UPDATE for alice and expects it next on `ws`, with
// `seq`, and nothing else: the live stream goes on.
void expect_next_live(ws_client& ws, marked_source& src, std::uint64_t seq) {
  ASSERT_TRUE(src.order("alice"));
  const auto live = read_events(ws, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(seq_of(live[0]), seq);
  EXPECT_EQ(marker_of(live[0]), src.log().back().marker);
}

void expect_ok_answer(const resumed_client& c, const std::string& epoch, std::uint64_t last_seq,
                      std::uint64_t to_seq) {
  ASSERT_EQ(c.problem, "");
  EXPECT_EQ(str(c.answer, "type"), "resume:ok") << brief(c.answer);
  EXPECT_EQ(str(c.answer, "epoch"), epoch) << brief(c.answer);
  EXPECT_EQ(num(c.answer, "lastSeq"), static_cast<std::int64_t>(last_seq)) << brief(c.answer);
  EXPECT_EQ(num(c.answer, "toSeq"), static_cast<std::int64_t>(to_seq)) << brief(c.answer);
}

void expect_gap_answer(const resumed_client& c, const std::string& reason, const std::string& epoch,
                       std::uint64_t last_seq, std::uint64_t seq) {
  ASSERT_EQ(c.problem, "");
  EXPECT_EQ(str(c.answer, "type"), "resume:gap") << brief(c.answer);
  EXPECT_EQ(str(c.answer, "reason"), reason) << brief(c.answer);
  EXPECT_EQ(str(c.answer, "epoch"), epoch) << brief(c.answer);
  EXPECT_EQ(num(c.answer, "lastSeq"), static_cast<std::int64_t>(last_seq)) << brief(c.answer);
  EXPECT_EQ(num(c.answer, "seq"), static_cast<std::int64_t>(seq)) << brief(c.answer);
  EXPECT_EQ(str(c.answer, "snapshot"), "/api/snapshot") << brief(c.answer);
  EXPECT_NE(str(c.answer, "message").rfind("<missing", 0), 0u) << brief(c.answer);
}

// TCP segments the client's socket has received: Linux's tcp_info
// tcpi_segs_in, a __u32 at byte 140 of the uapi struct (since 4.2; glibc's
// struct tcp_info stops before it).
std::uint64_t segments_received(ws_client& ws) {
  unsigned char info[256] = {};
  socklen_t len = sizeof info;
  const int fd = beast::get_lowest_layer(ws.stream()).socket().native_handle();
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len) != 0 || len < 144) return 0;
  std::uint32_t segs_in = 0;
  std::memcpy(&segs_in, info + 140, sizeof segs_in);
  return segs_in;
}

std::optional<json::value> health(unsigned short port) {
  const auto [code, body] = http_get(port, "/health");
  if (code != 200) return std::nullopt;
  return parse_or_null(body);
}

std::int64_t history_field(const json::value& h, std::string_view key) {
  const auto* hist = h.as_object().if_contains("history");
  if (hist == nullptr || !hist->is_object()) return -1;
  return num(*hist, key);
}

// Polls /health until history.<key> == value.
bool wait_history(unsigned short port, std::string_view key, std::int64_t value, ms timeout) {
  return wait_until(
      [&] {
        const auto h = health(port);
        return h && history_field(*h, key) == value;
      },
      timeout);
}

// ---------------------------------------------------------------------------

class BridgeResume : public ::testing::Test {
 protected:
  void start(const std::vector<std::string>& flags = {}) {
    seg_ = shm::segment::open_or_create(small_options(name_.name, 4, 1u << 20));
    bridge_ = std::make_unique<running_bridge>(running_bridge::start(name_.name, flags));
  }
  void TearDown() override {
    if (bridge_) bridge_->expect_clean_stop();
  }
  [[nodiscard]] unsigned short port() const { return bridge_->port(); }
  // Waits until the bridge has drained `n` events in all.
  void wait_drained(std::int64_t n) {
    ASSERT_TRUE(wait_metric(port(), "ringcast_events_drained_total", static_cast<double>(n), 20s))
        << "drained " << scrape(port(), "ringcast_events_drained_total").value_or(-1) << " of " << n;
  }

  scoped_segment_name name_{"resume"};
  std::shared_ptr<shm::segment> seg_;
  std::unique_ptr<running_bridge> bridge_;
};

// ---------------------------------------------------------------------------
// 1. The query form, many users, under a live stream

std::uint64_t test_seed() {
  if (const char* s = std::getenv("RINGCAST_RESUME_SEED"); s != nullptr && *s != '\0') return std::strtoull(s, nullptr, 10);
  return 20260611;
}

// One user's client in the random run. Runs on its own thread; records
// what it got, and its problems as text (checked on the main thread).
struct roaming_client {
  std::string user;
  std::uint64_t seed = 0;
  // What it got.
  std::string epoch;
  std::uint64_t status_seq = 0;
  std::vector<json::value> before;  // events before the disconnection
  std::uint64_t last_seq = 0;       // the resume point
  bool clean_close = false;
  json::value status2, answer;
  std::vector<json::value> after;   // events after the resume answer
  bool saw_end = false;
  std::vector<std::string> problems;
  std::thread thread;

  void run(unsigned short port, std::atomic<int>& connected, std::atomic<bool>& publishing,
           std::atomic<int>& reconnected) {
    std::mt19937_64 rng(seed);
    auto ws = std::make_unique<ws_client>(port, ws_target(token_for(user)));
    if (!ws->open()) {
      problems.push_back("first connection refused: HTTP " + std::to_string(ws->status()) + " " + ws->body());
      ++connected;
      ++reconnected;
      return;
    }
    const auto first = ws->read(10s);
    const auto status = first ? parse_or_null(*first) : json::value(nullptr);
    if (!status.is_object() || str(status, "type") != "connection:status") {
      problems.push_back("no connection:status: " + first.value_or("<nothing>"));
      ++connected;
      ++reconnected;
      return;
    }
    epoch = str(status, "epoch");
    status_seq = seq_of(status);
    ++connected;
    // Reads until a random moment of the live stream, then goes away.
    if (!wait_until([&] { return publishing.load(); }, 30s)) problems.push_back("the publisher never started");
    const auto leave_at = steady::now() + ms(std::uniform_int_distribution<int>(150, 1200)(rng));
    while (steady::now() < leave_at) {
      const auto m = ws->read(10ms);
      if (!m) continue;
      auto v = parse_or_null(*m);
      if (!is_event(v)) {
        problems.push_back("before the disconnection, not an event: " + *m);
        continue;
      }
      before.push_back(std::move(v));
    }
    last_seq = before.empty() ? status_seq : seq_of(before.back());
    // Messages already buffered but not read count as lost: the resume
    // point is the last seq the client took.
    clean_close = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    if (clean_close) ws->close();
    ws.reset();  // without a close: the TCP connection just ends
    std::this_thread::sleep_for(ms(std::uniform_int_distribution<int>(0, 300)(rng)));

    auto c = connect_resuming(port, user, epoch, last_seq);
    status2 = c.status;
    answer = c.answer;
    ++reconnected;
    if (!c.problem.empty()) {
      problems.push_back("reconnection: " + c.problem);
      return;
    }
    if (str(answer, "type") != "resume:ok" || str(answer, "epoch") != epoch ||
        num(answer, "lastSeq") != static_cast<std::int64_t>(last_seq) ||
        num(answer, "toSeq") < static_cast<std::int64_t>(last_seq))
      problems.push_back("resume answer for lastSeq " + std::to_string(last_seq) + " of epoch " + epoch + ": " +
                         brief(answer));
    // The replay ends where the session's live stream begins: its status
    // says every event after status.seq follows, the answer that the live
    // stream goes on from toSeq.
    if (num(answer, "toSeq") < num(status2, "seq"))
      problems.push_back("toSeq below the status's seq: " + brief(status2) + " then " + brief(answer));
    // Until the publisher's last (global) event, marked by price -1.
    while (!saw_end) {
      const auto m = c.ws->read(15s);
      if (!m) {
        problems.push_back("nothing for 15 s after " + std::to_string(after.size()) + " events since the resume" +
                           (c.ws->closed() ? " (closed)" : ""));
        break;
      }
      auto v = parse_or_null(*m);
      if (!is_event(v)) {
        problems.push_back("after the resume, not an event: " + *m);
        continue;
      }
      const auto* price = v.as_object().at("payload").as_object().if_contains("price");
      saw_end = str(v, "type") == "ORDER_UPDATE" && price != nullptr && dbl(*price) == -1.0;
      after.push_back(std::move(v));
    }
    // Nothing may follow it.
    while (const auto m = c.ws->read(300ms)) problems.push_back("after the last event: " + *m);
    c.ws->close();
  }
};

TEST_F(BridgeResume, QueryFormDeliversExactlyTheMissedEventsToManyUsersUnderALiveStream) {
  start();
  const std::uint64_t seed = test_seed();
  std::cout << "[ seed     ] RINGCAST_RESUME_SEED=" << seed << std::endl;
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("RINGCAST_RESUME_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  constexpr int k_users = 8;
  // At most ~1500 global events and ~1700 per user: far below --history-per-user (4096).
  constexpr std::int64_t k_max_events = 15000;
  std::vector<std::unique_ptr<roaming_client>> clients;
  std::atomic<int> connected{0};
  std::atomic<bool> publishing{false};
  std::atomic<int> reconnected{0};
  for (int i = 0; i < k_users; ++i) {
    auto c = std::make_unique<roaming_client>();
    c->user = "user" + std::to_string(i);
    c->seed = rng();
    clients.push_back(std::move(c));
  }
  for (auto& c : clients)
    c->thread = std::thread([&, cl = c.get()] { cl->run(port(), connected, publishing, reconnected); });
  struct joiner {
    std::vector<std::unique_ptr<roaming_client>>& cs;
    ~joiner() {
      for (auto& c : cs)
        if (c->thread.joinable()) c->thread.join();
    }
  } join_clients{clients};
  ASSERT_TRUE(wait_until([&] { return connected.load() == k_users; }, 30s)) << "clients did not connect";

  // The publisher: bursts of 1..4 events every millisecond, ~10% global,
  // until told to stop, then one global ORDER_UPDATE with price -1.
  std::atomic<bool> stop{false};
  std::vector<sent_event> log;
  std::string publish_problem;
  const std::uint64_t pub_seed = rng();
  std::thread publisher([&] {
    std::mt19937_64 r(pub_seed);
    marked_source src(seg_);
    publishing = true;
    while (!stop.load() && src.next_marker() <= k_max_events) {
      const int burst = std::uniform_int_distribution<int>(1, 4)(r);
      for (int b = 0; b < burst; ++b) {
        const bool global = std::uniform_int_distribution<int>(0, 9)(r) == 0;
        const std::string user = global ? std::string() : "user" + std::to_string(std::uniform_int_distribution<int>(0, k_users - 1)(r));
        const bool ok = std::uniform_int_distribution<int>(0, 1)(r) == 0 ? src.order(user) : src.trade(user);
        if (!ok && publish_problem.empty()) publish_problem = "publish failed at marker " + std::to_string(src.next_marker());
      }
      std::this_thread::sleep_for(1ms);
    }
    if (!src.order("", -1.0)) publish_problem = "the last event could not be published";
    log = src.log();
  });
  // Every client is back, and the stream goes on a little after the last one.
  const bool all_back = wait_until([&] { return reconnected.load() == k_users; }, 40s);
  std::this_thread::sleep_for(300ms);
  stop = true;
  publisher.join();
  ASSERT_TRUE(all_back) << "clients did not reconnect";
  ASSERT_EQ(publish_problem, "");
  for (auto& c : clients) c->thread.join();

  std::size_t total_before = 0, total_after = 0, clean = 0;
  for (const auto& c : clients) {
    SCOPED_TRACE(c->user + (c->clean_close ? " (closed cleanly)" : " (dropped the connection)") + ", resumed after seq " +
                 std::to_string(c->last_seq));
    for (const auto& p : c->problems) ADD_FAILURE() << p;
    EXPECT_TRUE(c->saw_end) << "the publisher's last event never arrived";
    total_before += c->before.size();
    total_after += c->after.size();
    if (c->clean_close) ++clean;
    // The second status is of the same bridge run.
    EXPECT_EQ(str(c->status2, "epoch"), c->epoch);

    std::vector<json::value> all = c->before;
    all.insert(all.end(), c->after.begin(), c->after.end());
    EXPECT_EQ(check_increasing(all, c->status_seq), "");
    EXPECT_EQ(check_increasing(c->after, c->last_seq), "") << "an event at or below the resume point after resume:ok";
    EXPECT_EQ(compare(markers_of(all), expected_for(log, c->user)), "")
        << c->before.size() << " events before the disconnection, " << c->after.size() << " after the resume";
    // Each event is the one published with its marker: type and user.
    std::map<std::int64_t, const sent_event*> by_marker;
    for (const auto& e : log) by_marker[e.marker] = &e;
    for (const auto& e : all) {
      const auto it = by_marker.find(marker_of(e));
      if (it == by_marker.end()) continue;  // reported by compare()
      EXPECT_EQ(str(e, "type"), it->second->type) << brief(e);
      EXPECT_EQ(str(e, "userId"), it->second->user) << brief(e);
    }
  }
  std::cout << "[ info     ] " << log.size() << " events published; the clients got " << total_before
            << " before their disconnections and " << total_after << " after resuming; " << clean << " of " << k_users
            << " closed cleanly" << std::endl;
  // The run tested something: events on both sides of the reconnections.
  EXPECT_GT(total_before, 0u);
  EXPECT_GT(total_after, static_cast<std::size_t>(k_users));
}

// ---------------------------------------------------------------------------
// 2. State events

// A replay that fits the session's window (64 messages): nothing to
// conflate, so exactly what was missed, state events included; through the
// session's filter when the query has one; then the live stream.
TEST_F(BridgeResume, ASmallReplayWithStateEventsIsExactAndGoesThroughTheFilter) {
  start();
  marked_source src(seg_);
  auto alice = connect_user(port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  const std::string epoch = str(alice.status, "epoch");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(i % 2 == 0 ? src.pnl("alice") : src.order("alice"));
  const auto seen = read_events(*alice.ws, 6, 10s, 0ms);
  ASSERT_EQ(seen.size(), 6u);
  const std::uint64_t last = seq_of(seen.back());
  alice.ws->close();

  // 40 missed: PNL and ORDER mixed, a few for bob and global ones among them.
  std::mt19937 r(7);
  std::size_t published = 0;
  while (published < 40) {
    const int k = std::uniform_int_distribution<int>(0, 9)(r);
    const std::string user = k == 0 ? "" : k == 1 ? "bob" : "alice";
    ASSERT_TRUE(k % 2 == 0 ? src.pnl(user) : src.order(user));
    ++published;
  }
  ASSERT_NO_FATAL_FAILURE(wait_drained(46));
  const auto want_all = expected_for(src.log(), "alice");
  const auto missed = std::vector<std::int64_t>(want_all.begin() + 6, want_all.end());
  ASSERT_LT(missed.size(), 50u);

  {
    SCOPED_TRACE("all types");
    auto c = connect_resuming(port(), "alice", epoch, last);
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, last, 46));
    EXPECT_EQ(num(c.status, "seq"), 46);
    const auto got = read_events(*c.ws, missed.size());
    EXPECT_EQ(check_increasing(got, last), "");
    EXPECT_EQ(compare(markers_of(got), missed), "");
    c.ws->close();
  }
  {
    SCOPED_TRACE("types=ORDER_UPDATE");
    auto c = connect_resuming(port(), "alice", epoch, last, "&types=ORDER_UPDATE");
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, last, 46));
    std::vector<std::int64_t> orders;
    for (const auto& e : src.log())
      if (e.marker > src.log()[5].marker && e.type == "ORDER_UPDATE" && (e.user == "alice" || e.user.empty()))
        orders.push_back(e.marker);
    const auto got = read_events(*c.ws, orders.size());
    EXPECT_EQ(compare(markers_of(got), orders), "");
    // Live, through the same filter: a PNL_UPDATE is not sent, the ORDER_UPDATE is.
    ASSERT_TRUE(src.pnl("alice"));
    ASSERT_NO_FATAL_FAILURE(expect_next_live(*c.ws, src, 48));
    c.ws->close();
  }
}

// 3000 missed events, PNL_UPDATE and ORDER_UPDATE interleaved: far more
// than the window, so PNL updates may be conflated; every ORDER_UPDATE
// arrives once, in order, and the last PNL is the last published one.
TEST_F(BridgeResume, ALargeReplayKeepsEveryStreamEventAndEndsOnTheLatestState) {
  start();
  marked_source src(seg_);
  auto alice = connect_user(port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  const std::string epoch = str(alice.status, "epoch");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(i % 2 == 0 ? src.pnl("alice") : src.order("alice"));
  const auto seen = read_events(*alice.ws, 10, 10s, 0ms);
  ASSERT_EQ(seen.size(), 10u);
  const std::uint64_t last = seq_of(seen.back());
  ASSERT_EQ(last, 10u);
  alice.ws->close();

  constexpr int k_missed = 3000;
  std::mt19937 r(11);
  for (int i = 0; i < k_missed - 1; ++i)
    ASSERT_TRUE(std::uniform_int_distribution<int>(0, 1)(r) == 0 ? src.pnl("alice") : src.order("alice")) << i;
  ASSERT_TRUE(src.pnl("alice"));  // the last one: a state the client must end on
  ASSERT_NO_FATAL_FAILURE(wait_drained(10 + k_missed));

  // seq = 10 + index among the missed (one lane, nothing dropped): the
  // marker says which seq each event must carry.
  std::map<std::int64_t, std::uint64_t> seq_by_marker;
  std::vector<std::int64_t> orders, pnls;
  for (std::size_t i = 10; i < src.log().size(); ++i) {
    const auto& e = src.log()[i];
    seq_by_marker[e.marker] = i + 1;
    (e.type == "ORDER_UPDATE" ? orders : pnls).push_back(e.marker);
  }

  auto c = connect_resuming(port(), "alice", epoch, last);
  ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, last, 10 + k_missed));
  std::vector<json::value> got;
  std::vector<std::string> others;
  while (got.empty() || seq_of(got.back()) < 10 + k_missed) {
    const auto m = c.ws->read(10s);
    if (!m) break;
    auto v = parse_or_null(*m);
    if (is_event(v))
      got.push_back(std::move(v));
    else
      others.push_back(*m);
  }
  while (const auto m = c.ws->read(300ms)) others.push_back(*m);
  EXPECT_TRUE(others.empty()) << others.size() << " other messages (a stream:gap?), the first: " << others.front();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(seq_of(got.back()), 10u + k_missed) << "the replay did not reach toSeq";
  EXPECT_EQ(check_increasing(got, last), "");

  std::vector<std::int64_t> got_orders, got_pnls;
  for (const auto& e : got) {
    const auto m = marker_of(e);
    const auto it = seq_by_marker.find(m);
    if (it == seq_by_marker.end()) {
      ADD_FAILURE() << "an event that was not missed: " << brief(e);
      continue;
    }
    EXPECT_EQ(seq_of(e), it->second) << brief(e);
    (str(e, "type") == "ORDER_UPDATE" ? got_orders : got_pnls).push_back(m);
  }
  EXPECT_EQ(compare(got_orders, orders), "") << "ORDER_UPDATEs are never conflated nor dropped";
  ASSERT_FALSE(got_pnls.empty());
  EXPECT_EQ(got_pnls.back(), pnls.back()) << "the last PNL_UPDATE received is not the last published";
  // The PNLs received are published ones, in order (checked by the seqs
  // above), each at most once.
  EXPECT_EQ(std::set<std::int64_t>(got_pnls.begin(), got_pnls.end()).size(), got_pnls.size());
  // Nothing was dropped for the resumed session: no gap notice, no drop
  // counted. (The first session may have had events dropped while it was
  // closing, reason "closing": not a queue limit.)
  const auto h = health(port());
  ASSERT_TRUE(h.has_value());
  const auto& list = h->as_object().at("sessions").as_object().at("list").as_array();
  ASSERT_EQ(list.size(), 1u) << brief(*h);
  EXPECT_EQ(num(list[0], "dropped"), 0) << json::serialize(list[0]);
  EXPECT_EQ(num(list[0], "gapNotices"), 0) << json::serialize(list[0]);
  std::cout << "[ info     ] replayed " << got.size() << " of " << k_missed << " events: " << got_orders.size()
            << " ORDER_UPDATE, " << got_pnls.size() << " of " << pnls.size() << " PNL_UPDATE; the session says "
            << num(list[0], "conflated") << " conflated" << std::endl;
  EXPECT_EQ(scrape(port(), R"(ringcast_session_drops_total{reason="queue_bytes"})").value_or(0), 0.0);
  EXPECT_EQ(scrape(port(), R"(ringcast_session_drops_total{reason="queue_messages"})").value_or(0), 0.0);

  // The replay is a backlog: the session corks its socket while frames wait
  // (decision 0009), so they arrive in full segments, not one per frame.
  const auto segments = segments_received(*c.ws);
  const auto corks = scrape(port(), "ringcast_socket_corks_total").value_or(0);
  std::cout << "[ info     ] " << got.size() << " frames of replay arrived in " << segments
            << " TCP segments; the bridge corked " << corks << " runs" << std::endl;
  EXPECT_GE(corks, 1.0) << "a backlog of 3000 frames was written uncorked";
  EXPECT_GT(segments, 0u) << "no tcp_info from the kernel";
  // Measured over 30 runs: 19-101 segments corked, 125-247 with the cork
  // taken out (the kernel also coalesces once the client's window is
  // full); one per frame, 3000, is what the bound below rules out.
  EXPECT_LT(segments, got.size() / 10) << "the replay left in small segments";

  // And the live stream goes on after the replay.
  ASSERT_NO_FATAL_FAILURE(expect_next_live(*c.ws, src, 11u + k_missed));
}

// ---------------------------------------------------------------------------
// 3. resume:gap

// Another epoch; a seq ahead of the bridge's; in both cases the live
// stream follows the answer.
TEST_F(BridgeResume, AnotherEpochOrASeqAheadOfTheBridgeIsAGapThenTheLiveStream) {
  start();
  marked_source src(seg_);
  auto alice = connect_user(port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  const std::string epoch = str(alice.status, "epoch");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(src.order("alice"));
  ASSERT_EQ(read_events(*alice.ws, 5, 10s, 0ms).size(), 5u);
  ASSERT_NO_FATAL_FAILURE(wait_drained(5));

  const std::string other_epoch = "0000000000000001";
  ASSERT_NE(epoch, other_epoch);
  std::uint64_t seq = 5;  // the bridge's last, one more after each case
  struct gap_case {
    std::string epoch;
    std::uint64_t ahead;  // lastSeq: `ahead` past the bridge's last seq, or...
    std::uint64_t fixed;  // ...this one when ahead is 0
    std::string reason;
  };
  // lastSeq 3 is in this run's history: only the epoch makes it a gap.
  const std::vector<gap_case> cases{{other_epoch, 0, 3, "epoch"},
                                    {other_epoch, 0, 0, "epoch"},
                                    {epoch, 1, 0, "unknown_seq"},
                                    {epoch, 1000000, 0, "unknown_seq"}};
  for (const auto& g : cases) {
    const std::uint64_t last_seq = g.ahead != 0 ? seq + g.ahead : g.fixed;
    SCOPED_TRACE("epoch " + g.epoch + " lastSeq " + std::to_string(last_seq) + " (bridge at " + std::to_string(seq) + ")");
    auto c = connect_resuming(port(), "alice", g.epoch, last_seq);
    ASSERT_NO_FATAL_FAILURE(expect_gap_answer(c, g.reason, epoch, last_seq, seq));
    EXPECT_EQ(num(c.status, "seq"), static_cast<std::int64_t>(seq));
    // No replay: the next message is the next live event.
    EXPECT_FALSE(c.ws->read(200ms).has_value());
    ASSERT_NO_FATAL_FAILURE(expect_next_live(*c.ws, src, ++seq));
    c.ws->close();
  }
  // The last seq itself is not ahead: resume:ok, nothing to replay.
  auto c = connect_resuming(port(), "alice", epoch, seq);
  ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, seq, seq));
  EXPECT_FALSE(c.ws->read(200ms).has_value());
}

// --history-per-user 10: what followed a seq before alice's last 10 events
// is no longer complete; from within them it is. bob's few events are his
// own to keep: alice's 50 do not push them out.
TEST_F(BridgeResume, APointBeforeTheLastHistoryPerUserEventsIsTooOld) {
  start({"--history-per-user", "10"});
  marked_source src(seg_);
  auto alice = connect_user(port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  const std::string epoch = str(alice.status, "epoch");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(src.order("bob"));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(src.order("alice"));
  const auto seen = read_events(*alice.ws, 50, 10s, 0ms);
  ASSERT_EQ(seen.size(), 50u);
  std::vector<std::uint64_t> seqs;
  for (const auto& e : seen) seqs.push_back(seq_of(e));
  ASSERT_EQ(seqs.front(), 4u);
  ASSERT_EQ(seqs.back(), 53u);
  ASSERT_NO_FATAL_FAILURE(wait_drained(53));
  const auto alice_markers = expected_for(src.log(), "alice");

  // Kept: alice's last 10 (seqs[40..49]); forgotten: seqs[39] and before.
  for (const std::size_t i : {std::size_t{0}, std::size_t{20}, std::size_t{38}}) {
    SCOPED_TRACE("after alice's event #" + std::to_string(i));
    auto c = connect_resuming(port(), "alice", epoch, seqs[i]);
    ASSERT_NO_FATAL_FAILURE(expect_gap_answer(c, "too_old", epoch, seqs[i], 53));
    EXPECT_FALSE(c.ws->read(200ms).has_value()) << "something was replayed after resume:gap";
    c.ws->close();
  }
  {
    SCOPED_TRACE("from the start");
    auto c = connect_resuming(port(), "alice", epoch, 0);
    ASSERT_NO_FATAL_FAILURE(expect_gap_answer(c, "too_old", epoch, 0, 53));
    c.ws->close();
  }
  for (const std::size_t i : {std::size_t{39}, std::size_t{44}, std::size_t{49}}) {
    SCOPED_TRACE("after alice's event #" + std::to_string(i));
    auto c = connect_resuming(port(), "alice", epoch, seqs[i]);
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, seqs[i], 53));
    const auto got = read_events(*c.ws, 49 - i);
    EXPECT_EQ(check_increasing(got, seqs[i]), "");
    EXPECT_EQ(compare(markers_of(got), std::vector<std::int64_t>(alice_markers.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                                                 alice_markers.end())),
              "");
    c.ws->close();
  }
  {
    SCOPED_TRACE("bob, from the start");
    auto c = connect_resuming(port(), "bob", epoch, 0);
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, 0, 53));
    const auto got = read_events(*c.ws, 3);
    EXPECT_EQ(compare(markers_of(got), expected_for(src.log(), "bob")), "");
    c.ws->close();
  }
}

// --history-age 300ms: once the bridge's periodic expiry (~100 ms) has
// forgotten them, what followed the old events is too old; fresh events
// are replayed.
TEST_F(BridgeResume, EventsOlderThanHistoryAgeAreTooOld) {
  start({"--history-age", "300ms"});
  marked_source src(seg_);
  auto alice = connect_user(port(), "alice");
  ASSERT_TRUE(alice.ws->open());
  const std::string epoch = str(alice.status, "epoch");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(src.order("alice"));
  const auto seen = read_events(*alice.ws, 5, 10s, 0ms);
  ASSERT_EQ(seen.size(), 5u);
  ASSERT_EQ(seq_of(seen.back()), 5u);
  // Expired: /health's history is empty again (generous: the machine may be loaded).
  ASSERT_TRUE(wait_history(port(), "events", 0, 10s)) << "the history still holds events long after 300 ms";
  const auto h = health(port());
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(history_field(*h, "evictedUpTo"), 5) << brief(*h);

  for (const std::uint64_t after : {std::uint64_t{0}, std::uint64_t{4}}) {
    SCOPED_TRACE("after seq " + std::to_string(after));
    auto c = connect_resuming(port(), "alice", epoch, after);
    ASSERT_NO_FATAL_FAILURE(expect_gap_answer(c, "too_old", epoch, after, 5));
    c.ws->close();
  }
  {
    // Nothing followed seq 5: nothing is missing.
    auto c = connect_resuming(port(), "alice", epoch, 5);
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, 5, 5));
    EXPECT_FALSE(c.ws->read(200ms).has_value());
    c.ws->close();
  }
  // Fresh events: replayed while younger than 300 ms. The machine may be
  // slow, so too_old is accepted only if 300 ms did pass.
  const auto published_at = steady::now();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(src.order("alice"));
  ASSERT_EQ(read_events(*alice.ws, 3, 10s, 0ms).size(), 3u);
  auto c = connect_resuming(port(), "alice", epoch, 5);
  const auto elapsed = std::chrono::duration_cast<ms>(steady::now() - published_at);
  ASSERT_EQ(c.problem, "");
  if (str(c.answer, "type") == "resume:gap") {
    EXPECT_GE(elapsed.count(), 300) << "too old after " << elapsed.count() << " ms: " << brief(c.answer);
    std::cout << "[ info     ] the machine was slow: " << elapsed.count() << " ms to publish, read and resume" << std::endl;
  } else {
    ASSERT_NO_FATAL_FAILURE(expect_ok_answer(c, epoch, 5, 8));
    const auto got = read_events(*c.ws, 3);
    EXPECT_EQ(compare(markers_of(got), std::vector<std::int64_t>{6, 7, 8}), "");
  }
}

// ---------------------------------------------------------------------------
// 4. A restarted bridge

TEST_F(BridgeResume, ARestartedBridgeHasANewEpochAndTheOldOneIsAGap) {
  start();
  marked_source src(seg_);
  std::string old_epoch;
  std::uint64_t last = 0;
  {
    auto alice = connect_user(port(), "alice");
    ASSERT_TRUE(alice.ws->open());
    old_epoch = str(alice.status, "epoch");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(src.order("alice"));
    const auto seen = read_events(*alice.ws, 5, 10s, 0ms);
    ASSERT_EQ(seen.size(), 5u);
    last = seq_of(seen[2]);  // as if it had missed the last two
    alice.ws->close();
  }
  const auto st = bridge_->stop();
  bridge_.reset();
  ASSERT_TRUE(st.has_value() && exited_with(*st, 0)) << (st ? describe_status(*st) : "still running");
  bridge_ = std::make_unique<running_bridge>(running_bridge::start(name_.name));

  // The new run's own events, so that `last` is a seq it has numbered and kept too.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(src.order("alice"));
  ASSERT_NO_FATAL_FAILURE(wait_drained(10));
  auto c = connect_resuming(port(), "alice", old_epoch, last);
  ASSERT_EQ(c.problem, "");
  const std::string new_epoch = str(c.status, "epoch");
  EXPECT_NE(new_epoch, old_epoch) << "a restarted bridge starts a new epoch";
  ASSERT_NO_FATAL_FAILURE(expect_gap_answer(c, "epoch", new_epoch, last, 10));
  EXPECT_FALSE(c.ws->read(200ms).has_value()) << "something was replayed after resume:gap";
  ASSERT_NO_FATAL_FAILURE(expect_next_live(*c.ws, src, 11));
}

// ---------------------------------------------------------------------------
// 5. The op form

// {"op":"resume"} on a connected session: after resume:ok, the events after
// lastSeq in order, those received since connecting included, then live.
TEST_F(BridgeResume, TheResumeOpReplaysWhatFollowedLastSeqAfterItsAnswer) {
  start();
  marked_source src(seg_);
  auto first = connect_user(port(), "alice");
  ASSERT_TRUE(first.ws->open());
  const std::string epoch = str(first.status, "epoch");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(i % 3 == 0 ? src.order("") : src.order("alice"));
  const auto seen = read_events(*first.ws, 20, 10s, 0ms);
  ASSERT_EQ(seen.size(), 20u);
  const std::uint64_t last = seq_of(seen[9]);  // it took 10 of them, then lost the connection
  first.ws.reset();

  for (int i = 0; i < 10; ++i) ASSERT_TRUE(i % 3 == 0 ? src.pnl("alice") : src.trade("alice"));
  ASSERT_NO_FATAL_FAILURE(wait_drained(30));
  // A new session without a resume point gets the live stream from seq 30 on.
  auto second = connect_user(port(), "alice");
  ASSERT_TRUE(second.ws->open());
  EXPECT_EQ(num(second.status, "seq"), 30);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(src.order("alice"));
  const auto live_before = read_events(*second.ws, 5, 10s, 0ms);
  ASSERT_EQ(live_before.size(), 5u);
  EXPECT_EQ(seq_of(live_before.front()), 31u);

  // The op, while a few more events are published around it.
  second.ws->send_text(R"({"op":"resume","epoch":")" + epoch + R"(","lastSeq":)" + std::to_string(last) + "}");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(src.order("alice"));
  std::optional<json::value> answer;
  std::vector<std::string> ahead;  // events sent before the answer: to be ignored
  while (!answer) {
    const auto m = second.ws->read(10s);
    ASSERT_TRUE(m.has_value()) << "no answer to the resume op";
    auto v = parse_or_null(*m);
    if (is_event(v)) {
      ahead.push_back(*m);
      continue;
    }
    answer = std::move(v);
  }
  ASSERT_EQ(str(*answer, "type"), "resume:ok") << brief(*answer);
  EXPECT_EQ(str(*answer, "epoch"), epoch);
  EXPECT_EQ(num(*answer, "lastSeq"), static_cast<std::int64_t>(last));
  const auto to_seq = num(*answer, "toSeq");
  EXPECT_GE(to_seq, 35) << brief(*answer);
  EXPECT_LE(to_seq, 38) << brief(*answer);
  EXPECT_LE(ahead.size(), 3u);

  for (int i = 0; i < 2; ++i) ASSERT_TRUE(src.order("alice"));  // live after the answer
  const auto all = expected_for(src.log(), "alice");
  const auto want = std::vector<std::int64_t>(all.begin() + 10, all.end());  // after the 10 the first session took
  const auto got = read_events(*second.ws, want.size());
  EXPECT_EQ(check_increasing(got, last), "");
  EXPECT_EQ(compare(markers_of(got), want), "");

  // The op with another epoch: a gap, then the live stream.
  second.ws->send_text(R"({"op":"resume","epoch":"0000000000000001","lastSeq":3})");
  const auto gap = second.ws->read_json(10s);
  ASSERT_TRUE(gap.has_value());
  EXPECT_EQ(str(*gap, "type"), "resume:gap") << brief(*gap);
  EXPECT_EQ(str(*gap, "reason"), "epoch") << brief(*gap);
  EXPECT_EQ(str(*gap, "epoch"), epoch) << brief(*gap);
  EXPECT_EQ(num(*gap, "seq"), 40) << brief(*gap);
  ASSERT_NO_FATAL_FAILURE(expect_next_live(*second.ws, src, 41));
}

// ---------------------------------------------------------------------------
// 6. Bad query values

TEST_F(BridgeResume, BadResumeAndTypeQueryValuesAreRefusedBeforeTheUpgrade) {
  start();
  auto probe = connect_user(port(), "alice");
  ASSERT_TRUE(probe.ws->open());
  const std::string epoch = str(probe.status, "epoch");
  probe.ws->close();
  ASSERT_TRUE(wait_metric(port(), "ringcast_sessions", 0, 5s));

  struct bad_case {
    std::string query;
    std::string code;
    std::string named;  // what the message must name
  };
  const std::vector<bad_case> cases{
      {"&epoch=abc", "invalid", "lastSeq"},
      {"&lastSeq=5", "invalid", "epoch"},
      {"&epoch=" + epoch + "&lastSeq=abc", "invalid", "lastSeq"},
      {"&epoch=" + epoch + "&lastSeq=-1", "invalid", "lastSeq"},
      {"&epoch=" + epoch + "&lastSeq=12x", "invalid", "lastSeq"},
      {"&epoch=" + epoch + "&lastSeq=", "invalid", "lastSeq"},
      {"&epoch=xyz&lastSeq=1", "invalid", "epoch"},
      {"&epoch=&lastSeq=1", "invalid", "epoch"},
      {"&epoch=" + epoch + "&lastSeq=1&epoch=" + epoch, "invalid", "epoch"},
      {"&types=NOPE", "unknown_type", "NOPE"},
      {"&types=ORDER_UPDATE,NOPE&epoch=" + epoch + "&lastSeq=0", "unknown_type", "NOPE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query);
    ws_client ws(port(), ws_target(token_for("alice")) + c.query);
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.status(), 400) << ws.body();
    EXPECT_EQ(error_code_of(ws.body()), c.code) << ws.body();
    const auto body = parse_or_null(ws.body());
    if (body.is_object()) {
      EXPECT_NE(str(body, "message").find(c.named), std::string::npos) << ws.body();
    }
  }
  // None of them became a session; a good query still works.
  EXPECT_EQ(scrape(port(), "ringcast_sessions"), 0.0);
  auto good = connect_resuming(port(), "alice", epoch, 0, "&types=ORDER_UPDATE,PNL_UPDATE");
  ASSERT_NO_FATAL_FAILURE(expect_ok_answer(good, epoch, 0, 0));
}

// ---------------------------------------------------------------------------
// 7. /health

TEST_F(BridgeResume, HealthReportsTheHistory) {
  start();
  marked_source src(seg_);
  const auto h0 = health(port());
  ASSERT_TRUE(h0.has_value());
  ASSERT_TRUE(h0->as_object().contains("history")) << brief(*h0);
  const auto events0 = history_field(*h0, "events");
  const auto bytes0 = history_field(*h0, "bytes");
  EXPECT_EQ(events0, 0) << brief(*h0);
  EXPECT_GE(bytes0, 0) << brief(*h0);

  for (int i = 0; i < 25; ++i) ASSERT_TRUE(i % 2 == 0 ? src.order("alice") : src.pnl("bob"));
  ASSERT_NO_FATAL_FAILURE(wait_drained(25));
  EXPECT_TRUE(wait_history(port(), "events", events0 + 25, 5s));
  const auto h1 = health(port());
  ASSERT_TRUE(h1.has_value());
  EXPECT_EQ(history_field(*h1, "events"), events0 + 25) << brief(*h1);
  const auto bytes1 = history_field(*h1, "bytes");
  EXPECT_GT(bytes1, 0) << brief(*h1);
  EXPECT_GT(bytes1, bytes0) << brief(*h1);
  EXPECT_EQ(history_field(*h1, "users"), 2) << brief(*h1);
  EXPECT_EQ(history_field(*h1, "oldestSeq"), 1) << brief(*h1);

  for (int i = 0; i < 25; ++i) ASSERT_TRUE(src.order(""));
  ASSERT_NO_FATAL_FAILURE(wait_drained(50));
  EXPECT_TRUE(wait_history(port(), "events", events0 + 50, 5s));
  const auto h2 = health(port());
  ASSERT_TRUE(h2.has_value());
  EXPECT_GT(history_field(*h2, "bytes"), bytes1) << brief(*h2);
}

}  // namespace
}  // namespace ringcast::test
