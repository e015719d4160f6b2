// The bridge's handshake, against a real ringcast-bridge process: who is
// refused before the upgrade and with what (401 token cases, 403 origins,
// 503/429 connection limits and their release), where the token may come
// from, and the connection:status that opens every session — first, to
// that client only, new per connection — with the events behind it.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "bridge_protocol_util.hpp"
#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/publisher.hpp"

namespace ringcast::test {
namespace {

struct bridge_fixture {
  scoped_segment_name name{"hs"};
  std::shared_ptr<shm::segment> seg = shm::segment::open_or_create(small_options(name.name, 4, 1u << 20));
  running_bridge bridge;

  explicit bridge_fixture(const std::vector<std::string>& flags = {})
      : bridge(running_bridge::start(name.name, flags)) {}
  [[nodiscard]] unsigned short port() const { return bridge.port(); }
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Opens a session, retrying while the bridge refuses it (a released slot is
// given back asynchronously). The last attempt is returned either way.
std::unique_ptr<ws_client> connect_eventually(unsigned short port, const std::string& target,
                                              std::chrono::milliseconds timeout = 3s) {
  const auto deadline = steady::now() + timeout;
  for (;;) {
    auto c = std::make_unique<ws_client>(port, target);
    if (c->open() || steady::now() >= deadline) return c;
    std::this_thread::sleep_for(20ms);
  }
}

const std::regex k_iso_micros(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");
const std::regex k_hex16(R"([0-9a-f]{16})");

// ---- 401 ----

TEST(BridgeHandshake, RefusesMissingMalformedForgedAndExpiredTokensWith401BeforeTheUpgrade) {
  bridge_fixture f;
  struct refusal_case {
    const char* what;
    std::string target;
    header_list headers;
    const char* code;
  };
  const std::string forged = bridge::mint_token({"alice", unix_now() + 3600, false}, "another-secret-0123456789abcdef");
  const std::string expired = token_for("alice", false, -60);
  // A valid token with one payload character changed (index 40: past the
  // 36-character header and its dot), keeping it base64url.
  std::string tampered = token_for("alice");
  tampered[40] = tampered[40] == 'A' ? 'B' : 'A';
  const std::vector<refusal_case> cases{
      {"no token at all", "/ws", {}, "missing_token"},
      {"empty query token", "/ws?token=", {}, "missing_token"},
      {"malformed query token", "/ws?token=abc", {}, "invalid_token"},
      {"forged query token", ws_target(forged), {}, "bad_signature"},
      {"expired query token", ws_target(expired), {}, "expired_token"},
      {"malformed bearer header", "/ws", {{"Authorization", "Bearer abc"}}, "invalid_token"},
      {"forged bearer header", "/ws", {{"Authorization", "Bearer " + forged}}, "bad_signature"},
      {"expired bearer header", "/ws", {{"Authorization", "Bearer " + expired}}, "expired_token"},
      {"malformed subprotocol token", "/ws", {{"Sec-WebSocket-Protocol", "bearer, abc"}}, "invalid_token"},
      {"expired subprotocol token", "/ws", {{"Sec-WebSocket-Protocol", "bearer, " + expired}}, "expired_token"},
      // A tampered payload under the right secret's signature.
      {"tampered token", ws_target(tampered), {}, "bad_signature"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    ws_client ws(f.port(), c.target, c.headers);
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.status(), 401) << ws.body();
    EXPECT_EQ(error_code_of(ws.body()), c.code) << ws.body();
    EXPECT_NE(ws.response_header(http::field::www_authenticate).find("Bearer"), std::string::npos);
  }
  // Every one was counted as a 401 and none became a session.
  EXPECT_EQ(scrape(f.port(), R"(ringcast_handshakes_refused_total{status="401"})"), static_cast<double>(cases.size()));
  EXPECT_EQ(scrape(f.port(), "ringcast_sessions"), 0.0);
}

// PROTOCOL.md documents four 401 codes: missing_token, invalid_token,
// bad_signature, expired_token. An Authorization header with another
// scheme must get one of them (invalid_token: the credentials are not a
// bearer JWT; or missing_token: no bearer token was presented).
TEST(BridgeHandshake, AuthorizationHeaderWithAnotherSchemeIsRefusedWithADocumentedCode) {
  bridge_fixture f;
  for (const std::string& h : std::vector<std::string>{"Basic YWxpY2U6c2VjcmV0", "Token " + token_for("alice"), "Bearer"}) {
    SCOPED_TRACE(h);
    ws_client ws(f.port(), "/ws", {{"Authorization", h}});
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.status(), 401) << ws.body();
    const auto code = error_code_of(ws.body());
    EXPECT_TRUE(code == "invalid_token" || code == "missing_token") << "undocumented 401 code: " << ws.body();
  }
}

// ---- where the token comes from ----

TEST(BridgeHandshake, AcceptsTheTokenFromTheHeaderTheSubprotocolOrTheQuery) {
  bridge_fixture f;
  {
    ws_client ws(f.port(), "/ws", {{"Authorization", "Bearer " + token_for("alice")}});
    ASSERT_TRUE(ws.open()) << ws.status() << " " << ws.body();
    EXPECT_EQ(ws.status(), 101);
    const auto s = ws.read_json();
    ASSERT_TRUE(s);
    EXPECT_EQ(str(*s, "type"), "connection:status");
    EXPECT_EQ(str(*s, "userId"), "alice");
    EXPECT_EQ(ws.response_header(http::field::sec_websocket_protocol), "");
  }
  {
    ws_client ws(f.port(), "/ws", {{"Sec-WebSocket-Protocol", "bearer, " + token_for("bob")}});
    ASSERT_TRUE(ws.open()) << ws.status() << " " << ws.body();
    EXPECT_EQ(ws.response_header(http::field::sec_websocket_protocol), "bearer");
    const auto s = ws.read_json();
    ASSERT_TRUE(s);
    EXPECT_EQ(str(*s, "userId"), "bob");
  }
  {
    ws_client ws(f.port(), ws_target(token_for("carol", true)));
    ASSERT_TRUE(ws.open()) << ws.status() << " " << ws.body();
    EXPECT_EQ(ws.response_header(http::field::sec_websocket_protocol), "");
    const auto s = ws.read_json();
    ASSERT_TRUE(s);
    EXPECT_EQ(str(*s, "userId"), "carol");
    EXPECT_TRUE(s->as_object().at("admin").as_bool());
  }
  // The header comes first: its user wins over the query's.
  {
    ws_client ws(f.port(), ws_target(token_for("alice")), {{"Authorization", "Bearer " + token_for("dave")}});
    ASSERT_TRUE(ws.open()) << ws.status() << " " << ws.body();
    const auto s = ws.read_json();
    ASSERT_TRUE(s);
    EXPECT_EQ(str(*s, "userId"), "dave");
  }
}

// ---- 403 ----

TEST(BridgeHandshake, WithoutAllowOriginOnlyTheSameOriginOrNoOriginIsAdmitted) {
  bridge_fixture f;
  const std::string self = "127.0.0.1:" + std::to_string(f.port());
  for (const std::string& origin : std::vector<std::string>{"http://evil.example", "http://127.0.0.1:1",
                                                           "https://evil.example", "null",
                                                           "http://" + self + ".evil.example"}) {
    SCOPED_TRACE(origin);
    ws_client ws(f.port(), ws_target(token_for("alice")), {{"Origin", origin}});
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.status(), 403) << ws.body();
    EXPECT_EQ(error_code_of(ws.body()), "origin_not_allowed");
  }
  // The origin is judged before the token.
  {
    ws_client ws(f.port(), "/ws", {{"Origin", "http://evil.example"}});
    EXPECT_EQ(ws.status(), 403) << ws.body();
  }
  {
    ws_client ws(f.port(), ws_target(token_for("alice")), {{"Origin", "http://" + self}});
    EXPECT_TRUE(ws.open()) << ws.status() << " " << ws.body();
  }
  {
    ws_client ws(f.port(), ws_target(token_for("alice")));
    EXPECT_TRUE(ws.open()) << ws.status() << " " << ws.body();
  }
  EXPECT_EQ(scrape(f.port(), R"(ringcast_handshakes_refused_total{status="403"})"), 6.0);
}

TEST(BridgeHandshake, AllowOriginAdmitsExactlyTheListedOrigin) {
  bridge_fixture f({"--allow-origin", "https://x.example"});
  {
    ws_client ws(f.port(), ws_target(token_for("alice")), {{"Origin", "https://x.example"}});
    EXPECT_TRUE(ws.open()) << ws.status() << " " << ws.body();
  }
  for (const std::string origin : {"https://y.example", "http://x.example", "https://x.example.evil.example",
                                   "https://x.example:8443", "https://sub.x.example"}) {
    SCOPED_TRACE(origin);
    ws_client ws(f.port(), ws_target(token_for("alice")), {{"Origin", origin}});
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.status(), 403) << ws.body();
    EXPECT_EQ(error_code_of(ws.body()), "origin_not_allowed");
  }
  {
    ws_client ws(f.port(), ws_target(token_for("alice")));  // no Origin: not a browser
    EXPECT_TRUE(ws.open()) << ws.status() << " " << ws.body();
  }
}

// ---- connection limits ----

TEST(BridgeHandshake, MaxConnectionsRefusesTheNextWith503UntilOneCloses) {
  bridge_fixture f({"--max-connections", "2"});
  auto a = std::make_unique<ws_client>(f.port(), ws_target(token_for("alice")));
  auto b = std::make_unique<ws_client>(f.port(), ws_target(token_for("bob")));
  ASSERT_TRUE(a->open() && b->open());
  for (const char* user : {"carol", "alice"}) {
    ws_client c(f.port(), ws_target(token_for(user)));
    EXPECT_FALSE(c.open());
    EXPECT_EQ(c.status(), 503) << c.body();
    EXPECT_EQ(error_code_of(c.body()), "too_many_connections");
  }
  a->close();
  a.reset();
  auto c = connect_eventually(f.port(), ws_target(token_for("carol")));
  EXPECT_TRUE(c->open()) << "a slot freed by a normal close was not given back: " << c->status() << " " << c->body();
  // Exactly one slot came back: the bridge is full again.
  ws_client d(f.port(), ws_target(token_for("dave")));
  EXPECT_EQ(d.status(), 503) << d.body();

  // A client that vanishes without a close frame gives its slot back too.
  b.reset();  // closes the TCP connection: no close handshake
  auto e = connect_eventually(f.port(), ws_target(token_for("erin")));
  EXPECT_TRUE(e->open()) << "a slot of a dropped connection was not given back: " << e->status() << " " << e->body();
}

TEST(BridgeHandshake, MaxConnectionsPerUserRefusesThatUserWith429UntilOneCloses) {
  bridge_fixture f({"--max-connections-per-user", "2"});
  auto a1 = std::make_unique<ws_client>(f.port(), ws_target(token_for("alice")));
  auto a2 = std::make_unique<ws_client>(f.port(), ws_target(token_for("alice")));
  ASSERT_TRUE(a1->open() && a2->open());
  {
    ws_client a3(f.port(), ws_target(token_for("alice")));
    EXPECT_FALSE(a3.open());
    EXPECT_EQ(a3.status(), 429) << a3.body();
    EXPECT_EQ(error_code_of(a3.body()), "too_many_connections_for_user");
  }
  // Other users are not affected; an admin is counted under its own id.
  ws_client b(f.port(), ws_target(token_for("bob")));
  EXPECT_TRUE(b.open()) << b.status() << " " << b.body();
  ws_client admin(f.port(), ws_target(token_for("root", true)));
  EXPECT_TRUE(admin.open()) << admin.status() << " " << admin.body();

  a1->close();
  a1.reset();
  auto a4 = connect_eventually(f.port(), ws_target(token_for("alice")));
  EXPECT_TRUE(a4->open()) << a4->status() << " " << a4->body();
  ws_client a5(f.port(), ws_target(token_for("alice")));
  EXPECT_EQ(a5.status(), 429) << "more than one slot came back: " << a5.body();
}

// ---- connection:status ----

TEST(BridgeHandshake, ConnectionStatusIsTheFirstMessageToThatClientOnlyAndNewPerConnection) {
  bridge_fixture f;
  auto a = connect_user(f.port(), "alice");
  ASSERT_TRUE(a.ws->open() && a.status.is_object());
  const auto& s = a.status;
  EXPECT_EQ(str(s, "status"), "connected");
  EXPECT_EQ(str(s, "userId"), "alice");
  ASSERT_TRUE(s.as_object().contains("admin"));
  EXPECT_EQ(s.as_object().at("admin"), false);
  const std::string session_a = str(s, "sessionId");
  EXPECT_FALSE(session_a.empty());
  EXPECT_TRUE(std::regex_match(str(s, "serverTime"), k_iso_micros)) << str(s, "serverTime");
  EXPECT_TRUE(std::regex_match(str(s, "epoch"), k_hex16)) << str(s, "epoch");
  EXPECT_EQ(num(s, "seq"), 0);  // nothing published yet
  ASSERT_TRUE(s.as_object().contains("segment"));
  EXPECT_EQ(str(s.as_object().at("segment"), "name"), f.name.name);
  EXPECT_TRUE(std::regex_match(str(s.as_object().at("segment"), "epoch"), k_hex16));
  // The bridge's epoch is the one /health reports.
  const auto [hs, health] = http_get(f.port(), "/health");
  ASSERT_EQ(hs, 200);
  EXPECT_EQ(str(boost::json::parse(health), "epoch"), str(s, "epoch"));

  // Others connect, the same user and an admin: each gets its own status,
  // and alice's session gets nothing of theirs.
  auto a2 = connect_user(f.port(), "alice");
  auto root = connect_user(f.port(), "root", true);
  ASSERT_TRUE(a2.ws->open() && root.ws->open());
  EXPECT_EQ(root.status.as_object().at("admin"), true);
  EXPECT_EQ(str(root.status, "userId"), "root");
  const auto leaked = a.ws->drain(300ms);
  EXPECT_TRUE(leaked.empty()) << "first client received " << leaked.size() << " message(s), e.g. " << leaked.front();
  EXPECT_TRUE(a2.ws->drain(100ms).empty());
  EXPECT_TRUE(root.ws->drain(100ms).empty());

  // A reconnect is a new session.
  a.ws->close();
  auto again = connect_user(f.port(), "alice");
  ASSERT_TRUE(again.ws->open());
  const std::set<std::string> ids{session_a, str(a2.status, "sessionId"), str(root.status, "sessionId"),
                                  str(again.status, "sessionId")};
  EXPECT_EQ(ids.size(), 4u) << "session ids repeat";
  EXPECT_EQ(str(again.status, "epoch"), str(s, "epoch"));  // same bridge run
}

TEST(BridgeHandshake, StatusSeqSaysWhereTheSessionsEventsStartAndEventsFollowItWithTheEnvelope) {
  bridge_fixture f;
  shm::publisher pub(f.seg);
  // Three events before anyone connects: drained, sent to no one.
  for (int i = 0; i < 3; ++i) ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = -1}), shm::publish_status::published);
  ASSERT_TRUE(wait_metric(f.port(), "ringcast_events_drained_total", 3, 5s));

  auto a = connect_user(f.port(), "alice");
  ASSERT_TRUE(a.ws->open());
  EXPECT_EQ(num(a.status, "seq"), 3);

  // Interleaved alice and bob events, one lane, so the bridge numbers them
  // in this order: 4 a, 5 b, 6 a, 7 b, 8 a, 9 a.
  const std::vector<std::pair<std::string, double>> published{{"alice", 1.5}, {"bob", 100}, {"alice", -2.25},
                                                               {"bob", 200},   {"alice", 0}, {"alice", 1e-7}};
  for (const auto& [user, v] : published)
    ASSERT_EQ(pub.publish(user, shm::pnl_update{.total_pnl = v, .daily_pnl = 3.25, .position_pnl = -0.5,
                                                .realized_pnl = 42}),
              shm::publish_status::published);
  const auto raw = read_n(*a.ws, 4);
  const auto events = events_of(raw);
  ASSERT_EQ(events.size(), 4u);
  const std::vector<std::int64_t> seqs{4, 6, 8, 9};
  const std::vector<std::string> totals{"1.5", "-2.25", "0", "1e-7"};
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(raw[i]);
    const auto& e = events[i];
    EXPECT_EQ(str(e, "type"), "PNL_UPDATE");
    EXPECT_EQ(num(e, "seq"), seqs[i]);
    EXPECT_TRUE(std::regex_match(str(e, "timestamp"), k_iso_micros)) << str(e, "timestamp");
    EXPECT_EQ(str(e, "userId"), "alice");
    ASSERT_TRUE(e.as_object().contains("payload"));
    EXPECT_EQ(e.as_object().at("payload").as_object().size(), 4u);
    // The payload's wire text: camelCase keys in schema order, numbers as JavaScript prints them.
    EXPECT_NE(raw[i].find(R"("payload":{"totalPnl":)" + totals[i] + R"(,"dailyPnl":3.25,"positionPnl":-0.5,"realizedPnl":42})"),
              std::string::npos);
  }
  EXPECT_TRUE(a.ws->drain(200ms).empty()) << "bob's events reached alice";
}

// A session registered while events are being drained: whatever arrives
// after its status is exactly the events numbered after the status's seq.
TEST(BridgeHandshake, EventsRacingTheRegistrationArriveAfterTheStatusWithoutAGap) {
  bridge_fixture f;
  shm::publisher pub(f.seg);
  constexpr int k_before = 50;
  constexpr int k_during = 400;
  for (int i = 0; i < k_before; ++i)
    ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
  ws_client ws(f.port(), ws_target(token_for("alice")));
  ASSERT_TRUE(ws.open());
  for (int i = k_before; i < k_before + k_during; ++i)
    ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);

  const auto first = ws.read_json();
  ASSERT_TRUE(first);
  ASSERT_EQ(str(*first, "type"), "connection:status") << boost::json::serialize(*first);
  const std::int64_t from = num(*first, "seq");
  ASSERT_GE(from, 0);
  ASSERT_LE(from, k_before + k_during);
  const auto n = static_cast<std::size_t>(k_before + k_during - from);
  const auto events = events_of(read_n(ws, n));
  ASSERT_EQ(events.size(), n) << "status seq " << from;
  for (std::size_t i = 0; i < n; ++i) {
    const auto seq = from + 1 + static_cast<std::int64_t>(i);
    ASSERT_EQ(num(events[i], "seq"), seq);
    // Seq k is the k-th event published (one lane): totalPnl k-1.
    ASSERT_EQ(dbl(events[i].as_object().at("payload").as_object().at("totalPnl")), static_cast<double>(seq - 1));
  }
  EXPECT_TRUE(ws.drain(200ms).empty());
}

}  // namespace
}  // namespace ringcast::test
