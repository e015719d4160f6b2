// The bridge's HTTP side against a real ringcast-bridge: /health and
// /metrics after known traffic (every count checked against what the test
// published and the clients received), /api/snapshot (the latest event of
// each type for the token's user plus the global ones, as the socket
// carried them), and the static files: content types, HEAD, 405, 404, and
// path traversal by every encoding, which must never yield a file outside
// --web-root.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "bridge_harness.hpp"
#include "bridge_raw_http.hpp"
#include "ringcast/shm/publisher.hpp"
#include "ringcast/shm/schema.hpp"
#include "test_segment.hpp"
#include "ws_client.hpp"

namespace ringcast::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* k_secret_text = "SECRET-OUTSIDE-THE-WEB-ROOT-7f3a";

std::string hex16(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

// A temporary tree:
//   <tmp>/secret, <tmp>/x                      outside, two levels up
//   <tmp>/site/secret.txt, <tmp>/site/x,
//   <tmp>/site/secret                          outside, one level up
//   <tmp>/site/web/...                         the web root
//   <tmp>/site/web/link.txt -> ../secret.txt   a symlink out of the root
//   <tmp>/site/web/outdir -> ..                a directory symlink out
struct web_tree {
  fs::path top;
  fs::path root;
  std::map<std::string, std::string> files;  // URL path -> content

  web_tree() {
    std::string tmpl = (fs::temp_directory_path() / "ringcast-http-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    top = tmpl;
    root = top / "site" / "web";
    for (const auto* outside : {"secret", "x", "site/secret.txt", "site/x", "site/secret"})
      write_file(top / outside, k_secret_text);
    files = {
        {"/index.html", "<!doctype html><title>ringcast</title>"},
        {"/app.js", "export const answer = 42;\n"},
        {"/style.css", "body { color: #123; }\n"},
        {"/data.json", R"({"k":[1,2,3]})"},
        {"/logo.svg", R"(<svg xmlns="http://www.w3.org/2000/svg"/>)"},
        {"/sub/index.html", "<p>sub index</p>"},
        {"/a/page.html", "<p>a page</p>"},
        {"/blob.bin", std::string("\x00\x01\x02\xff", 4)},
    };
    for (const auto& [url, content] : files) write_file(root / url.substr(1), content);
    fs::create_symlink("../secret.txt", root / "link.txt");
    fs::create_directory_symlink("..", root / "outdir");
  }
  ~web_tree() {
    std::error_code ec;
    fs::remove_all(top, ec);
  }
  web_tree(const web_tree&) = delete;
  web_tree& operator=(const web_tree&) = delete;
};

class BridgeHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    seg_ = shm::segment::open_or_create(small_options(name_.name, 4, 1u << 20));
    std::vector<std::string> flags{"--web-root", tree_.root.string()};
    for (const auto& f : extra_flags()) flags.push_back(f);
    bridge_ = std::make_unique<running_bridge>(running_bridge::start(name_.name, flags));
    pub_ = std::make_unique<shm::publisher>(seg_);
  }
  virtual std::vector<std::string> extra_flags() const { return {}; }
  void TearDown() override {
    if (bridge_) bridge_->expect_clean_stop();
  }

  unsigned short port() const { return bridge_->port(); }

  std::unique_ptr<ws_client> connect(const std::string& user, bool admin = false) {
    auto c = std::make_unique<ws_client>(port(), ws_target(token_for(user, admin)));
    EXPECT_TRUE(c->open()) << user << ": HTTP " << c->status() << " " << c->body();
    const auto status = c->read_json(std::chrono::seconds(5));
    EXPECT_TRUE(status && status->at("type") == "connection:status") << user;
    if (status) epoch_ = std::string(status->at("epoch").as_string());
    return c;
  }

  void pnl(const std::string& user, double marker) {
    const auto st = pub_->publish(user, shm::pnl_update{.total_pnl = marker});
    ASSERT_EQ(st, shm::publish_status::published);
  }

  // Reads `n` event frames from `c` (5 s each at most).
  static std::vector<std::string> take(ws_client& c, std::size_t n) {
    std::vector<std::string> out;
    while (out.size() < n) {
      auto m = c.read(std::chrono::seconds(5));
      if (!m) break;
      out.push_back(std::move(*m));
    }
    EXPECT_EQ(out.size(), n) << "frames missing";
    return out;
  }

  json::object health() {
    const auto r = raw_http(port(), "GET", "/health");
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.header("content-type"), "application/json");
    return json::parse(r.body).as_object();
  }

  std::string metrics() {
    const auto r = raw_http(port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.header("content-type").rfind("text/plain; version=0.0.4", 0), 0u) << r.header("content-type");
    return r.body;
  }

  web_tree tree_;
  scoped_segment_name name_{"bridge-http"};
  std::shared_ptr<shm::segment> seg_;
  std::unique_ptr<running_bridge> bridge_;
  std::unique_ptr<shm::publisher> pub_;
  std::string epoch_;
};

std::uint64_t u64(const json::value& v) { return v.to_number<std::uint64_t>(); }

// ---- /health and /metrics ----

TEST_F(BridgeHttp, HealthReportsTheTrafficItCarried) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  auto admin = connect("ops", true);
  for (int i = 0; i < 10; ++i) pnl("alice", i);
  for (int i = 0; i < 5; ++i) pnl("bob", 100 + i);
  for (int i = 0; i < 3; ++i) pnl("", 200 + i);
  for (int i = 0; i < 2; ++i) pnl("carol", 300 + i);
  constexpr std::uint64_t k_published = 20;
  take(*alice, 13);
  take(*bob, 8);
  take(*admin, 20);
  // Three statuses and 41 events written; the writes' completions may
  // trail the clients' reads by a moment.
  constexpr std::uint64_t k_frames = 3 + 13 + 8 + 20;
  json::object h;
  wait_until(
      [&] {
        h = health();
        return u64(h.at("bridge").at("framesDelivered")) >= k_frames;
      },
      std::chrono::seconds(5));

  EXPECT_EQ(h.at("status"), "ok") << json::serialize(h);
  EXPECT_GE(h.at("uptimeSeconds").to_number<std::int64_t>(), 0);
  EXPECT_EQ(h.at("epoch").as_string(), epoch_);
  const auto& s = h.at("segment").as_object();
  EXPECT_EQ(s.at("name").as_string(), name_.name);
  EXPECT_EQ(s.at("epoch").as_string(), hex16(seg_->epoch()));
  EXPECT_EQ(u64(s.at("layoutVersion")), shm::k_layout_version);
  EXPECT_EQ(u64(s.at("lanes")), 4u);
  EXPECT_EQ(u64(s.at("laneCapacity")), 1u << 20);
  EXPECT_EQ(u64(s.at("lanesInUse")), 1u);  // this test's publisher
  const auto& ring = h.at("ring").as_object();
  EXPECT_EQ(u64(ring.at("published")), k_published);
  EXPECT_EQ(u64(ring.at("drained")), k_published);
  EXPECT_EQ(u64(ring.at("dropped")), 0u);
  EXPECT_EQ(u64(ring.at("lost")), 0u);
  EXPECT_EQ(u64(ring.at("lagBytes")), 0u);
  const auto& consumer = h.at("consumer").as_object();
  EXPECT_EQ(consumer.at("pid").to_number<std::int64_t>(), bridge_->pid());
  const auto age = consumer.at("heartbeatAgeMs").to_number<std::int64_t>();
  EXPECT_GE(age, 0);
  EXPECT_LT(age, 2000);
  const auto& b = h.at("bridge").as_object();
  EXPECT_EQ(u64(b.at("eventsDrained")), k_published);
  EXPECT_EQ(u64(b.at("eventsUndecodable")), 0u);
  EXPECT_EQ(u64(b.at("framesDelivered")), k_frames);
  EXPECT_EQ(u64(b.at("sessionDrops")), 0u);

  const auto& sessions = h.at("sessions").as_object();
  EXPECT_EQ(u64(sessions.at("count")), 3u);
  EXPECT_EQ(u64(sessions.at("listed")), 3u);
  const std::map<std::string, std::pair<bool, std::uint64_t>> want{
      {"alice", {false, 14}}, {"bob", {false, 9}}, {"ops", {true, 21}}};
  std::set<std::string> ids;
  ASSERT_EQ(sessions.at("list").as_array().size(), 3u);
  for (const auto& v : sessions.at("list").as_array()) {
    const auto& e = v.as_object();
    const std::string user(e.at("userId").as_string());
    ASSERT_TRUE(want.contains(user)) << user;
    ids.insert(std::string(e.at("id").as_string()));
    EXPECT_EQ(e.at("admin").as_bool(), want.at(user).first) << user;
    EXPECT_EQ(u64(e.at("delivered")), want.at(user).second) << user;
    EXPECT_EQ(u64(e.at("dropped")), 0u) << user;
    EXPECT_EQ(u64(e.at("queuedMessages")), 0u) << user;
    EXPECT_EQ(u64(e.at("queuedBytes")), 0u) << user;
  }
  EXPECT_EQ(ids.size(), 3u);

  // A session that leaves leaves the list.
  bob->close();
  wait_until([&] { return u64(health().at("sessions").at("count")) == 2; }, std::chrono::seconds(5));
  h = health();
  EXPECT_EQ(u64(h.at("sessions").at("count")), 2u);
  for (const auto& v : h.at("sessions").at("list").as_array()) EXPECT_NE(v.at("userId").as_string(), "bob");
}

TEST_F(BridgeHttp, MetricsCountEventsFramesClosesAndRefusals) {
  auto text = metrics();
  for (const char* name : {"ringcast_events_drained_total", "ringcast_frames_delivered_total",
                           "ringcast_session_drops_total", "ringcast_session_closes_total",
                           "ringcast_handshakes_refused_total", "ringcast_sessions",
                           "ringcast_delivery_latency_seconds_bucket", "ringcast_delivery_latency_seconds_sum",
                           "ringcast_delivery_latency_seconds_count"})
    EXPECT_TRUE(prom_value(text, name).has_value()) << name << " missing from:\n" << text;
  EXPECT_TRUE(text.find("# TYPE ringcast_delivery_latency_seconds histogram") != std::string::npos);
  EXPECT_EQ(prom_value(text, "ringcast_handshakes_refused_total", {{"status", "401"}}), 0.0);
  EXPECT_EQ(prom_value(text, "ringcast_sessions"), 0.0);

  auto alice = connect("alice");
  auto bob = connect("bob");
  for (int i = 0; i < 7; ++i) pnl("alice", i);
  for (int i = 0; i < 4; ++i) pnl("", 100 + i);
  for (int i = 0; i < 3; ++i) pnl("dave", 200 + i);  // nobody's
  constexpr double k_published = 14;
  take(*alice, 11);
  take(*bob, 4);
  constexpr double k_event_frames = 15;
  constexpr double k_frames = 2 + k_event_frames;
  wait_until([&] { return prom_value(metrics(), "ringcast_frames_delivered_total") >= k_frames; },
             std::chrono::seconds(5));
  text = metrics();
  EXPECT_EQ(prom_value(text, "ringcast_events_drained_total"), k_published) << text;
  EXPECT_EQ(prom_value(text, "ringcast_events_undecodable_total"), 0.0);
  EXPECT_EQ(prom_value(text, "ringcast_frames_delivered_total"), k_frames);
  EXPECT_EQ(prom_value(text, "ringcast_sessions"), 2.0);
  for (const char* r : {"queue_bytes", "queue_messages", "closing"})
    EXPECT_EQ(prom_value(text, "ringcast_session_drops_total", {{"reason", r}}), 0.0) << r;
  // The histogram: one observation per event frame (statuses carry no
  // producer time), cumulative buckets, count = +Inf bucket.
  EXPECT_EQ(prom_value(text, "ringcast_delivery_latency_seconds_count"), k_event_frames);
  EXPECT_EQ(prom_value(text, "ringcast_delivery_latency_seconds_bucket", {{"le", "+Inf"}}), k_event_frames);
  EXPECT_GT(prom_value(text, "ringcast_delivery_latency_seconds_sum").value_or(0), 0.0);
  double previous = 0;
  int buckets = 0;
  for (std::size_t pos = text.find("ringcast_delivery_latency_seconds_bucket{"); pos != std::string::npos;
       pos = text.find("ringcast_delivery_latency_seconds_bucket{", pos + 1)) {
    const auto line = text.substr(pos, text.find('\n', pos) - pos);
    const double v = std::stod(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(v, previous) << line;
    previous = v;
    ++buckets;
  }
  EXPECT_EQ(buckets, 20);  // 16 µs .. 4.19 s (19 powers of two) and +Inf

  // Refused handshakes, by status.
  {
    ws_client bad(port(), ws_target("not-a-token"));
    EXPECT_FALSE(bad.open());
    EXPECT_EQ(bad.status(), 401);
    ws_client none(port(), "/ws");
    EXPECT_EQ(none.status(), 401);
    ws_client foreign(port(), ws_target(token_for("alice")), {{"Origin", "http://evil.example"}});
    EXPECT_EQ(foreign.status(), 403);
  }
  text = metrics();
  EXPECT_EQ(prom_value(text, "ringcast_handshakes_refused_total", {{"status", "401"}}), 2.0) << text;
  EXPECT_EQ(prom_value(text, "ringcast_handshakes_refused_total", {{"status", "403"}}), 1.0);
  EXPECT_EQ(prom_value(text, "ringcast_handshakes_refused_total", {{"status", "429_503"}}), 0.0);
  EXPECT_EQ(prom_value(text, "ringcast_session_closes_total", {{"code", "1000"}, {"reason", "normal"}}), 0.0);

  // A client's close is counted as 1000 normal, and the gauge drops.
  bob->close();
  EXPECT_TRUE(bob->closed());
  EXPECT_EQ(bob->close_code(), 1000);
  wait_until([&] { return prom_value(metrics(), "ringcast_sessions") == 1.0; }, std::chrono::seconds(5));
  text = metrics();
  EXPECT_EQ(prom_value(text, "ringcast_sessions"), 1.0) << text;
  EXPECT_EQ(prom_value(text, "ringcast_session_closes_total", {{"code", "1000"}, {"reason", "normal"}}), 1.0) << text;
  EXPECT_EQ(prom_value(text, "ringcast_session_closes_total", {{"code", "1013"}, {"reason", "slow_consumer"}}), 0.0);
  EXPECT_EQ(prom_value(text, "ringcast_session_closes_total", {{"code", "none"}, {"reason", "error"}}), 0.0);
}

// ---- /api/snapshot ----

TEST_F(BridgeHttp, SnapshotHoldsTheLatestOfEachTypeForTheUserAndTheGlobalOnes) {
  auto alice = connect("alice");
  auto bob = connect("bob");
  const auto position = [&](const std::string& user, double size) {
    ASSERT_EQ(pub_->publish(user, shm::position_update{.symbol = "BTCUSDT", .size = size}),
              shm::publish_status::published);
  };
  pnl("alice", 1);
  pnl("bob", 2);
  pnl("", 3);
  pnl("alice", 4);
  position("alice", 5);
  ASSERT_EQ(pub_->publish("", shm::system_status_update{.component = "gateway", .status = "OK"}),
            shm::publish_status::published);  // #6
  position("bob", 7);
  pnl("alice", 8);
  pnl("", 9);
  pnl("carol", 10);
  // The socket's frames, as the snapshot must repeat them.
  const auto a = take(*alice, 7);  // 1 3 4 5 6 8 9
  const auto b = take(*bob, 5);    // 2 3 6 7 9
  ASSERT_EQ(a.size(), 7u);
  ASSERT_EQ(b.size(), 5u);

  auto snapshot = [&](const std::string& target, const header_list& headers = {}) {
    const auto r = raw_http(port(), "GET", target, headers);
    EXPECT_EQ(r.status, 200) << target << ": " << r.raw;
    EXPECT_EQ(r.header("content-type"), "application/json");
    return r.body;
  };
  // The events of a snapshot are the socket's frames byte for byte, so the
  // body is exactly these frames joined.
  auto expect_frames = [&](const std::string& body, const std::vector<std::string>& frames) {
    std::string want = R"({"epoch":")" + epoch_ + R"(","events":[)";
    for (std::size_t i = 0; i < frames.size(); ++i) want += (i ? "," : "") + frames[i];
    want += "]}";
    EXPECT_EQ(body, want);
    const auto v = json::parse(body);  // and it is valid JSON
    EXPECT_EQ(v.at("events").as_array().size(), frames.size());
  };

  // alice: her latest POSITION_UPDATE (5) and PNL_UPDATE (8, not 1 or 4),
  // the latest global SYSTEM_STATUS_UPDATE (6) and PNL_UPDATE (9), by seq;
  // nothing of bob's or carol's.
  const auto alice_body = snapshot("/api/snapshot?token=" + token_for("alice"));
  expect_frames(alice_body, {a[3], a[4], a[5], a[6]});
  EXPECT_EQ(alice_body.find("\"userId\":\"bob\""), std::string::npos);
  EXPECT_EQ(alice_body.find("\"userId\":\"carol\""), std::string::npos);
  const auto parsed = json::parse(alice_body);
  std::uint64_t last_seq = 0;
  for (const auto& e : parsed.at("events").as_array()) {
    EXPECT_GT(u64(e.at("seq")), last_seq);
    last_seq = u64(e.at("seq"));
    if (e.at("type") == "PNL_UPDATE" && e.at("userId") == "alice") {
      EXPECT_EQ(e.at("payload").at("totalPnl").to_number<double>(), 8.0);
    }
  }
  // The same through the Authorization header.
  expect_frames(snapshot("/api/snapshot", {{"Authorization", "Bearer " + token_for("alice")}}),
                {a[3], a[4], a[5], a[6]});
  // bob: 2, 6, 7, 9.
  expect_frames(snapshot("/api/snapshot?token=" + token_for("bob")), {b[0], b[2], b[3], b[4]});
  // A user with no events of their own: the global ones only.
  expect_frames(snapshot("/api/snapshot?token=" + token_for("nobody")), {a[4], a[6]});

  // Without a valid token: 401 with a JSON error, and no events.
  for (const auto& [target, headers] : std::vector<std::pair<std::string, header_list>>{
           {"/api/snapshot", {}},
           {"/api/snapshot?token=garbage", {}},
           {"/api/snapshot?token=" + token_for("alice", false, -10), {}},  // expired
           {"/api/snapshot", {{"Authorization", "Basic YWxpY2U6eA=="}}},
           {"/api/snapshot", {{"Authorization", "Bearer " + token_for("alice") + "x"}}}}) {
    const auto r = raw_http(port(), "GET", target, headers);
    EXPECT_EQ(r.status, 401) << target << ": " << r.raw;
    EXPECT_EQ(r.header("content-type"), "application/json") << target;
    EXPECT_EQ(r.body.find("PNL_UPDATE"), std::string::npos) << target;
    const auto v = json::parse(r.body);
    EXPECT_TRUE(v.as_object().contains("error")) << r.body;
  }
}

// A state event is kept per its key: each symbol's position (and each side
// of it), each asset's balance; a stream type keeps its latest event.
TEST_F(BridgeHttp, SnapshotHoldsTheLatestStateOfEachKey) {
  auto alice = connect("alice");
  using shm::position_side;
  ASSERT_EQ(pub_->publish("alice", shm::position_update{.symbol = "BTCUSDT", .side = position_side::long_, .size = 1}),
            shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::position_update{.symbol = "ETHUSDT", .side = position_side::long_, .size = 2}),
            shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::position_update{.symbol = "BTCUSDT", .side = position_side::short_, .size = 3}),
            shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::balance_update{.asset = "USDT", .wallet_balance = 4}),
            shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::balance_update{.asset = "BNB", .wallet_balance = 5}),
            shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::position_update{.symbol = "BTCUSDT", .side = position_side::long_, .size = 6}),
            shm::publish_status::published);  // replaces 1
  ASSERT_EQ(pub_->publish("alice", shm::order_update{.order_id = 7}), shm::publish_status::published);
  ASSERT_EQ(pub_->publish("alice", shm::order_update{.order_id = 8}), shm::publish_status::published);  // replaces 7
  const auto frames = take(*alice, 8);
  ASSERT_EQ(frames.size(), 8u);

  const auto r = raw_http(port(), "GET", "/api/snapshot?token=" + token_for("alice"));
  ASSERT_EQ(r.status, 200) << r.raw;
  std::string want = R"({"epoch":")" + epoch_ + R"(","events":[)";
  for (const std::size_t i : {1u, 2u, 3u, 4u, 5u, 7u}) want += (i == 1 ? "" : ",") + frames[i];
  EXPECT_EQ(r.body, want + "]}");
  const auto h = health();
  EXPECT_EQ(h.at("snapshot").at("users").to_number<int>(), 1);
  EXPECT_EQ(h.at("snapshot").at("entries").to_number<int>(), 6);
}

// --kept-users bounds the users remembered; the least recently active
// one is forgotten first.
class BridgeHttpSmallSnapshot : public BridgeHttp {
 protected:
  std::vector<std::string> extra_flags() const override { return {"--kept-users", "2"}; }
};

TEST_F(BridgeHttpSmallSnapshot, TheLeastRecentlyActiveUserIsForgottenFirst) {
  auto admin = connect("ops", true);
  pnl("alice", 1);
  pnl("bob", 2);
  pnl("alice", 3);  // alice is now the more recent of the two
  pnl("", 4);
  pnl("carol", 5);  // a third user: bob goes
  const auto seen = take(*admin, 5);
  ASSERT_EQ(seen.size(), 5u);
  auto events_of = [&](const std::string& user) {
    const auto r = raw_http(port(), "GET", "/api/snapshot?token=" + token_for(user));
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> out;
    const auto body = json::parse(r.body);
    for (const auto& e : body.at("events").as_array()) out.push_back(json::serialize(e));
    return out;
  };
  auto canon = [](const std::string& frame) { return json::serialize(json::parse(frame)); };
  EXPECT_EQ(events_of("alice"), (std::vector<std::string>{canon(seen[2]), canon(seen[3])}));
  EXPECT_EQ(events_of("bob"), (std::vector<std::string>{canon(seen[3])}));  // forgotten: globals only
  EXPECT_EQ(events_of("carol"), (std::vector<std::string>{canon(seen[3]), canon(seen[4])}));
}

// ---- static files ----

TEST_F(BridgeHttp, StaticFilesAreServedWithTheirContentTypes) {
  const std::map<std::string, std::string> types{
      {"/index.html", "text/html; charset=utf-8"},   {"/app.js", "text/javascript; charset=utf-8"},
      {"/style.css", "text/css; charset=utf-8"},     {"/data.json", "application/json"},
      {"/logo.svg", "image/svg+xml"},                {"/sub/index.html", "text/html; charset=utf-8"},
      {"/a/page.html", "text/html; charset=utf-8"},  {"/blob.bin", "application/octet-stream"}};
  for (const auto& [url, content] : tree_.files) {
    SCOPED_TRACE(url);
    const auto r = raw_http(port(), "GET", url);
    EXPECT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.header("content-type"), types.at(url));
    EXPECT_EQ(r.header("content-length"), std::to_string(content.size()));
    EXPECT_EQ(r.body, content);
  }
  // A directory means its index.html; a query string is not part of the path.
  for (const auto& [url, file] : std::vector<std::pair<std::string, std::string>>{
           {"/", "/index.html"}, {"/sub/", "/sub/index.html"}, {"/sub", "/sub/index.html"},
           {"/app.js?v=3", "/app.js"}}) {
    const auto r = raw_http(port(), "GET", url);
    EXPECT_EQ(r.status, 200) << url << ": " << r.raw;
    EXPECT_EQ(r.body, tree_.files.at(file)) << url;
  }
  // 404: a missing file, a directory without index.html.
  for (const auto* url : {"/nope.html", "/a/", "/sub/nope.js", "/index.html/x"}) {
    const auto r = raw_http(port(), "GET", url);
    EXPECT_EQ(r.status, 404) << url << ": " << r.raw;
    EXPECT_EQ(r.header("content-type"), "application/json") << url;
    EXPECT_EQ(json::parse(r.body).at("error"), "not_found") << url;
  }
  // /ws without an upgrade.
  EXPECT_EQ(raw_http(port(), "GET", "/ws").status, 426);
}

TEST_F(BridgeHttp, OnlyGetAndHeadAreAllowed) {
  for (const auto* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    for (const auto* url : {"/index.html", "/health", "/api/snapshot", "/nope"}) {
      const auto r = raw_http(port(), method, url, {{"Content-Length", "0"}});
      EXPECT_EQ(r.status, 405) << method << " " << url << ": " << r.raw;
      EXPECT_EQ(r.header("allow"), "GET, HEAD") << method << " " << url;
      EXPECT_EQ(r.body.find("<!doctype"), std::string::npos);
    }
  }
}

TEST_F(BridgeHttp, HeadGivesTheHeadersOfGetAndNoBody) {
  for (const auto& [url, content] : tree_.files) {
    const auto r = raw_http(port(), "HEAD", url);
    EXPECT_EQ(r.status, 200) << url << ": " << r.raw;
    EXPECT_TRUE(r.complete) << url;
    EXPECT_EQ(r.header("content-length"), std::to_string(content.size())) << url;
    const auto get = raw_http(port(), "GET", url);
    EXPECT_EQ(r.header("content-type"), get.header("content-type")) << url;
    EXPECT_EQ(r.body, "") << url << ": a HEAD answer carried a body";
  }
  // RFC 9110 9.3.2: a HEAD answer has no content, whatever its status. A
  // body here is read by a keep-alive client as the start of its next
  // response.
  for (const auto* url : {"/nope.html", "/health", "/metrics", "/api/snapshot", "/%2e%2e/x"}) {
    const auto r = raw_http(port(), "HEAD", url);
    EXPECT_NE(r.status, 0) << url;
    EXPECT_TRUE(r.complete) << url;
    EXPECT_TRUE(r.body.empty()) << "HEAD " << url << " (" << r.status << ") carried a body of " << r.body.size()
                                << " bytes: " << r.body.substr(0, 80);
  }
  // ... with the headers of GET, Content-Length included.
  for (const auto* url : {"/nope.html", "/api/snapshot", "/%2e%2e/x"}) {
    const auto head = raw_http(port(), "HEAD", url);
    const auto get = raw_http(port(), "GET", url);
    EXPECT_EQ(head.status, get.status) << url;
    EXPECT_EQ(head.header("content-type"), get.header("content-type")) << url;
    EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size())) << url;
  }
}

// RFC 9110 9.3.2: HEAD answers with the header fields GET would send.
TEST_F(BridgeHttp, HeadOfAStaticFileHasTheCacheControlOfGet) {
  for (const auto& [url, content] : tree_.files) {
    const auto head = raw_http(port(), "HEAD", url);
    const auto get = raw_http(port(), "GET", url);
    EXPECT_EQ(get.header("cache-control"), "no-cache") << url;
    EXPECT_EQ(head.header("cache-control"), get.header("cache-control")) << url << ": HEAD and GET differ";
  }
}

// The consequence of a body on a HEAD answer: on a keep-alive connection
// the client takes those bytes for the start of the next response.
TEST_F(BridgeHttp, AKeepAliveConnectionStaysInStepAfterHead) {
  const std::string host = "Host: 127.0.0.1:" + std::to_string(port()) + "\r\n";
  for (const auto* first : {"/index.html", "/nope.html", "/health"}) {
    SCOPED_TRACE(first);
    // HEAD, then GET on the same connection (pipelined; the bridge answers
    // one request at a time, in order).
    const auto [raw, complete] = raw_exchange(port(), std::string("HEAD ") + first + " HTTP/1.1\r\n" + host +
                                                          "\r\nGET /app.js HTTP/1.1\r\n" + host +
                                                          "Connection: close\r\n\r\n");
    EXPECT_TRUE(complete);
    ASSERT_EQ(raw.rfind("HTTP/1.1 ", 0), 0u) << raw;
    const auto head_end = raw.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << raw;
    // A HEAD answer ends with its header block: the second response
    // starts right after it.
    const std::string next = raw.substr(head_end + 4);
    EXPECT_EQ(next.rfind("HTTP/1.1 200 ", 0), 0u) << "after the HEAD answer's headers came:\n" << next.substr(0, 200);
    EXPECT_NE(next.find(tree_.files.at("/app.js")), std::string::npos);
  }
}

TEST_F(BridgeHttp, TraversalNeverReachesOutsideTheWebRoot) {
  const std::vector<std::string> targets{
      "/../x",
      "/%2e%2e/x",
      "/%2E%2E/x",
      "/..%2fx",
      "/..%2Fx",
      "/a/%2e%2e/%2e%2e/x",
      "/a/../../x",
      "/%2e%2e%2f..%2fsecret",
      "/%2e%2e%2f%2e%2e%2fsecret",
      "/../../secret",
      "/../secret.txt",
      "/./../x",
      "/a/./../../x",
      "/..%5cx",
      "/..\\x",
      "/%2e%2e%5c%2e%2e%5csecret",
      "/.%2e/x",
      "/%2e./x",
      "/a/..%2f..%2fx",
      "/%2fsecret",
      "//../x",
      "/a//../../x",
      "/x%00.html",
      "/..%00/x",
      "/link.txt",
      "/outdir/secret.txt",
      "/outdir/x",
      "/outdir/../secret.txt",
      "/%252e%252e/x",
  };
  for (const auto& t : targets) {
    const auto r = raw_http(port(), "GET", t);
    EXPECT_TRUE(r.status == 400 || r.status == 403 || r.status == 404) << t << " -> " << r.status << "\n" << r.raw;
    EXPECT_EQ(r.raw.find(k_secret_text), std::string::npos) << t << " served a file outside the web root";
    const auto h = raw_http(port(), "HEAD", t);
    EXPECT_TRUE(h.status == 400 || h.status == 403 || h.status == 404) << "HEAD " << t << " -> " << h.status;
    EXPECT_EQ(h.raw.find(k_secret_text), std::string::npos) << t;
  }
  // The symlinks out are refused as such (403), not merely missing.
  EXPECT_EQ(raw_http(port(), "GET", "/link.txt").status, 403);
  EXPECT_EQ(raw_http(port(), "GET", "/outdir/secret.txt").status, 403);
  // Encoded dot-dot segments are refused (403), not looked up.
  for (const auto* t : {"/%2e%2e/x", "/..%2fx", "/a/%2e%2e/%2e%2e/x", "/%2e%2e%2f..%2fsecret"})
    EXPECT_EQ(raw_http(port(), "GET", t).status, 403) << t;
  // The root still serves what is inside it.
  EXPECT_EQ(raw_http(port(), "GET", "/index.html").status, 200);
}

}  // namespace
}  // namespace ringcast::test
