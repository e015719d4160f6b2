// What a client may send the bridge and what it gets back: ping/pong, error
// replies (unknown_op, malformed, binary, rate_limited), the close codes of
// abuse (1008 after --max-op-errors, 1009 over --max-message-bytes, 1007
// for invalid UTF-8), and that one client's abuse never touches another's
// session. Against a real ringcast-bridge process.
#include <gtest/gtest.h>

#include "bridge_protocol_util.hpp"
#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/publisher.hpp"

#include <thread>

namespace ringcast::test {
namespace {

struct bridge_fixture {
  scoped_segment_name name{"ops"};
  std::shared_ptr<shm::segment> seg = shm::segment::open_or_create(small_options(name.name, 4, 1u << 20));
  running_bridge bridge;

  explicit bridge_fixture(const std::vector<std::string>& flags = {})
      : bridge(running_bridge::start(name.name, flags)) {}
  [[nodiscard]] unsigned short port() const { return bridge.port(); }
};

constexpr const char* k_ping = R"({"op":"ping"})";
constexpr const char* k_pong = R"({"type":"pong"})";

// The next message, which must be an error reply with `code`; returns its message.
std::string expect_error(ws_client& c, const std::string& code) {
  const auto m = c.read(3s);
  EXPECT_TRUE(m.has_value()) << "no reply (closed: " << c.closed() << ", code " << c.close_code() << ")";
  if (!m) return {};
  const auto v = parse_or_null(*m);
  EXPECT_TRUE(v.is_object()) << *m;
  if (!v.is_object()) return {};
  EXPECT_EQ(str(v, "type"), "error") << *m;
  EXPECT_EQ(str(v, "code"), code) << *m;
  EXPECT_FALSE(str(v, "message").empty()) << *m;
  EXPECT_EQ(v.as_object().size(), 3u) << *m;
  return str(v, "message");
}

void expect_pong(ws_client& c) {
  const auto m = c.read(3s);
  ASSERT_TRUE(m.has_value()) << "no pong (closed: " << c.closed() << ", code " << c.close_code() << ")";
  EXPECT_EQ(*m, k_pong);
}

// The bridge closes with `code` (a close frame, not a torn-down socket).
void expect_closed_with(ws_client& c, int code, const std::string& reason = "") {
  ASSERT_TRUE(c.wait_closed(3s)) << "still open";
  EXPECT_EQ(c.close_code(), code) << "read error: " << c.read_error().message();
  if (!reason.empty()) {
    EXPECT_EQ(c.close_reason(), reason);
  }
}

TEST(BridgeOps, PingGetsPongInOrder) {
  bridge_fixture f;
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  for (int i = 0; i < 5; ++i) c.ws->send_text(k_ping);
  for (int i = 0; i < 5; ++i) expect_pong(*c.ws);
  // Extra members are ignored; whitespace is JSON.
  c.ws->send_text(R"( { "op" : "ping", "id" : 7 } )");
  expect_pong(*c.ws);
  EXPECT_TRUE(c.ws->drain(200ms).empty());
  EXPECT_FALSE(c.ws->closed());
}

TEST(BridgeOps, UnknownOpGetsAnUnknownOpErrorAndTheSessionGoesOn) {
  bridge_fixture f;
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  c.ws->send_text(R"({"op":"fly","topic":"x"})");
  EXPECT_NE(expect_error(*c.ws, "unknown_op").find("fly"), std::string::npos);
  // A long name is cut in the reply; a multi-byte one at a character
  // boundary (the Beast client refuses invalid UTF-8, so the reply arriving
  // at all says it is valid).
  c.ws->send_text(R"({"op":")" + std::string(1000, 'x') + R"("})");
  EXPECT_LT(expect_error(*c.ws, "unknown_op").size(), 200u);
  std::string accents;
  for (int i = 0; i < 50; ++i) accents += "\xc3\xa9";  // é: 2 bytes, so byte 64 falls inside one
  c.ws->send_text(R"({"op":")" + accents + "x\"}");
  expect_error(*c.ws, "unknown_op");
  c.ws->send_text(k_ping);
  expect_pong(*c.ws);
  EXPECT_FALSE(c.ws->closed());
}

TEST(BridgeOps, NonJsonOrNonOpTextGetsAMalformedError) {
  bridge_fixture f;
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  const std::vector<std::string> bad{"not json", R"({"op":"ping")", "[1,2]", "{}", R"({"op":1})", "",
                                     R"({"op":"ping","x":[[[[[[[[[[1]]]]]]]]]]})"};
  for (const auto& text : bad) {
    SCOPED_TRACE(text);
    c.ws->send_text(text);
    expect_error(*c.ws, "malformed");
  }
  c.ws->send_text(k_ping);
  expect_pong(*c.ws);
  EXPECT_FALSE(c.ws->closed());  // 7 errors < 10 (--max-op-errors default)
}

TEST(BridgeOps, BinaryFrameGetsABinaryErrorAndIsNotExecuted) {
  bridge_fixture f;
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  c.ws->send_binary(k_ping);
  expect_error(*c.ws, "binary");
  EXPECT_TRUE(c.ws->drain(200ms).empty()) << "a binary ping was answered";
  c.ws->send_text(k_ping);
  expect_pong(*c.ws);
}

TEST(BridgeOps, OverTheRateOpsGetRateLimitedAndMaxOpErrorsCloses1008) {
  // 1 op/s refills one token per second: the six ops below go out in a few
  // milliseconds, so the burst of 3 is all they get.
  bridge_fixture f({"--ops-per-second", "1", "--ops-burst", "3", "--max-op-errors", "3"});
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  for (int i = 0; i < 6; ++i) c.ws->send_text(k_ping);
  for (int i = 0; i < 3; ++i) expect_pong(*c.ws);
  for (int i = 0; i < 3; ++i) EXPECT_NE(expect_error(*c.ws, "rate_limited").find("not executed"), std::string::npos);
  expect_closed_with(*c.ws, 1008, "too many bad or rate-limited ops");
  EXPECT_TRUE(wait_metric(f.port(), R"(ringcast_session_closes_total{code="1008",reason="policy"})", 1, 3s));
}

TEST(BridgeOps, TheRateLimitRefillsOverTime) {
  bridge_fixture f({"--ops-per-second", "2", "--ops-burst", "2"});
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  for (int i = 0; i < 3; ++i) c.ws->send_text(k_ping);
  expect_pong(*c.ws);
  expect_pong(*c.ws);
  expect_error(*c.ws, "rate_limited");
  EXPECT_FALSE(c.ws->read(800ms).has_value());  // 0.8 s at 2/s: at least one token back
  c.ws->send_text(k_ping);
  expect_pong(*c.ws);
  EXPECT_FALSE(c.ws->closed());
}

TEST(BridgeOps, ErrorsOfEveryKindCountTowardMaxOpErrorsAndValidOpsDoNotReset) {
  bridge_fixture f({"--max-op-errors", "3"});
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  c.ws->send_text("nope");
  expect_error(*c.ws, "malformed");
  c.ws->send_text(k_ping);
  expect_pong(*c.ws);
  c.ws->send_binary("\x01\x02");
  expect_error(*c.ws, "binary");
  EXPECT_FALSE(c.ws->read(200ms).has_value());
  EXPECT_FALSE(c.ws->closed()) << "closed after 2 errors of 3";
  c.ws->send_text(R"({"op":"nope"})");
  expect_error(*c.ws, "unknown_op");  // the third error is answered, then the close
  expect_closed_with(*c.ws, 1008, "too many bad or rate-limited ops");
}

TEST(BridgeOps, AMessageOverMaxMessageBytesCloses1009) {
  bridge_fixture f;  // --max-message-bytes 4096
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  // Exactly 4096 bytes is allowed.
  const std::string head = R"({"op":"ping","pad":")";
  const std::string exact = head + std::string(4096 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(exact.size(), 4096u);
  c.ws->send_text(exact);
  expect_pong(*c.ws);
  const std::string over = head + std::string(4097 - head.size() - 2, 'x') + "\"}";
  ASSERT_EQ(over.size(), 4097u);
  c.ws->send_text(over);
  expect_closed_with(*c.ws, 1009);
  EXPECT_TRUE(wait_metric(f.port(), R"(ringcast_session_closes_total{code="1009",reason="too_big"})", 1, 3s));
}

TEST(BridgeOps, MaxMessageBytesFlagSetsTheLimit) {
  bridge_fixture f({"--max-message-bytes", "64"});
  auto ok = connect_user(f.port(), "alice");
  ASSERT_TRUE(ok.ws->open());
  ok.ws->send_text(R"({"op":"ping","pad":")" + std::string(64 - 22, 'x') + "\"}");
  expect_pong(*ok.ws);
  auto big = connect_user(f.port(), "alice");
  ASSERT_TRUE(big.ws->open());
  big.ws->send_binary(std::string(65, 'x'));  // binary counts too
  expect_closed_with(*big.ws, 1009);
  EXPECT_FALSE(ok.ws->closed());
}

TEST(BridgeOps, InvalidUtf8TextCloses1007) {
  bridge_fixture f;
  auto c = connect_user(f.port(), "alice");
  ASSERT_TRUE(c.ws->open());
  c.ws->send_text("{\"op\":\"ping\",\"x\":\"h\xc3\xa9llo \xe2\x82\xac\"}");  // valid multi-byte UTF-8
  expect_pong(*c.ws);
  c.ws->send_text("\xff\xfe");  // the Beast client does not validate what it sends
  expect_closed_with(*c.ws, 1007);

  auto d = connect_user(f.port(), "alice");
  ASSERT_TRUE(d.ws->open());
  d.ws->send_text("{\"op\":\"\xc3\"}");  // a lead byte without its continuation
  expect_closed_with(*d.ws, 1007);
  EXPECT_TRUE(wait_metric(f.port(), R"(ringcast_session_closes_total{code="1007",reason="bad_utf8"})", 2, 3s));
}

TEST(BridgeOps, OneClientsAbuseDoesNotAffectAnother) {
  bridge_fixture f({"--max-op-errors", "3", "--ops-per-second", "1", "--ops-burst", "2"});
  shm::publisher pub(f.seg);
  auto good = connect_user(f.port(), "alice");
  ASSERT_TRUE(good.ws->open());
  constexpr int k_events = 200;
  for (int i = 0; i < k_events / 2; ++i)
    ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);

  // Same user and another user, each abusing the bridge its own way.
  auto too_big = connect_user(f.port(), "alice");
  auto bad_utf8 = connect_user(f.port(), "bob");
  auto garbage = connect_user(f.port(), "alice");
  auto flooder = connect_user(f.port(), "alice", true);
  ASSERT_TRUE(too_big.ws->open() && bad_utf8.ws->open() && garbage.ws->open() && flooder.ws->open());
  too_big.ws->send_text(std::string(10000, 'x'));
  bad_utf8.ws->send_text("\xc0\xaf");
  for (int i = 0; i < 3; ++i) garbage.ws->send_text("garbage");
  for (int i = 0; i < 10; ++i) flooder.ws->send_text(k_ping);
  expect_closed_with(*too_big.ws, 1009);
  expect_closed_with(*bad_utf8.ws, 1007);
  expect_closed_with(*garbage.ws, 1008);
  expect_closed_with(*flooder.ws, 1008);

  for (int i = k_events / 2; i < k_events; ++i)
    ASSERT_EQ(pub.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
  const auto events = events_of(read_n(*good.ws, k_events));
  ASSERT_EQ(events.size(), static_cast<std::size_t>(k_events));
  for (int i = 0; i < k_events; ++i) {
    EXPECT_EQ(num(events[static_cast<std::size_t>(i)], "seq"), i + 1);
    EXPECT_EQ(dbl(events[static_cast<std::size_t>(i)].as_object().at("payload").as_object().at("totalPnl")),
              static_cast<double>(i));
  }
  good.ws->send_text(k_ping);
  expect_pong(*good.ws);
  EXPECT_FALSE(good.ws->closed());
  EXPECT_EQ(scrape(f.port(), "ringcast_sessions"), 1.0);
}

// bridge:stats: an admin that asks (stats op or stats=1) gets, once a
// second, what the bridge did in that second; other sessions never do, and
// a non-admin that asks is refused.
TEST(BridgeOps, AdminsThatAskGetBridgeStatsOnceASecond) {
  bridge_fixture f;
  shm::publisher pub(f.seg);
  // Not an admin: 403 at the handshake, an error for the op.
  {
    ws_client refused(f.port(), ws_target(token_for("alice")) + "&stats=1");
    EXPECT_FALSE(refused.open());
    EXPECT_EQ(refused.status(), 403);
    EXPECT_EQ(error_code_of(refused.body()), "forbidden");
  }
  auto user = connect_user(f.port(), "alice");
  user.ws->send_text(R"({"op":"stats","enabled":true})");
  EXPECT_NE(expect_error(*user.ws, "forbidden").find("admin"), std::string::npos);

  auto by_query = std::make_unique<ws_client>(f.port(), ws_target(token_for("ops", true)) + "&stats=1");
  ASSERT_TRUE(by_query->open()) << by_query->status() << " " << by_query->body();
  auto by_op = connect_user(f.port(), "ops2", true);
  auto plain_admin = connect_user(f.port(), "ops3", true);
  by_op.ws->send_text(R"({"op":"stats","enabled":true})");
  const auto answer = by_op.ws->read(3s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, R"({"type":"stats","enabled":true})");

  // 500 events over ~2.5 s: at least one whole stats interval falls inside.
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(pub.publish("", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
    std::this_thread::sleep_for(5ms);
  }
  // The busiest interval each one got (the first may have begun before
  // the load, the last ended after it).
  auto busiest_stats = [](ws_client& c) {
    boost::json::value best;
    // Not drain(): stats frames never let the stream go quiet.
    for (const auto until = std::chrono::steady_clock::now() + 1500ms; std::chrono::steady_clock::now() < until;) {
      const auto m = c.read(200ms);
      if (!m) continue;
      auto v = parse_or_null(*m);
      if (!v.is_object() || str(v, "type") != "bridge:stats") continue;
      EXPECT_NEAR(v.at("intervalMs").to_number<double>(), 1000, 150) << *m;
      if (best.is_null() || v.at("eventsPerSecond").to_number<double>() > best.at("eventsPerSecond").to_number<double>())
        best = std::move(v);
    }
    return best;
  };
  for (ws_client* c : {by_query.get(), by_op.ws.get()}) {
    const auto v = busiest_stats(*c);
    ASSERT_TRUE(v.is_object()) << "no bridge:stats";
    const auto& o = v.as_object();
    EXPECT_NEAR(o.at("intervalMs").to_number<double>(), 1000, 150);
    EXPECT_GT(o.at("eventsPerSecond").to_number<double>(), 100.0);  // ~200/s offered
    EXPECT_LT(o.at("eventsPerSecond").to_number<double>(), 300.0);
    EXPECT_GT(o.at("framesPerSecond").to_number<double>(), o.at("eventsPerSecond").to_number<double>());  // 4 sessions get each
    EXPECT_EQ(o.at("sessions").to_number<int>(), 4);
    EXPECT_EQ(o.at("dropsPerSecond").to_number<double>(), 0.0);
    const auto& lat = o.at("latencyUs").as_object();
    EXPECT_GT(lat.at("count").to_number<double>(), 0.0);
    EXPECT_GT(lat.at("p50").to_number<double>(), 0.0);
    EXPECT_LE(lat.at("p50").to_number<double>(), lat.at("p99").to_number<double>());
    EXPECT_LE(lat.at("p99").to_number<double>(), lat.at("p999").to_number<double>());
    EXPECT_LE(lat.at("p999").to_number<double>(), lat.at("max").to_number<double>());
    EXPECT_GE(o.at("totals").at("eventsDrained").to_number<double>(), 1.0);
  }
  // Switched off: no more of them.
  by_op.ws->send_text(R"({"op":"stats","enabled":false})");
  bool off = false;
  for (const auto& m : by_op.ws->drain(2500ms)) {
    if (m == R"({"type":"stats","enabled":false})") off = true;
    if (off) {
      EXPECT_EQ(m.find("bridge:stats"), std::string::npos) << "after the stats op turned them off: " << m;
    }
  }
  EXPECT_TRUE(off) << "no answer to stats off";
  // Nobody else ever got one.
  for (ws_client* c : {user.ws.get(), plain_admin.ws.get()})
    for (const auto& m : c->drain(100ms)) EXPECT_EQ(m.find("bridge:stats"), std::string::npos) << m;
}

}  // namespace
}  // namespace ringcast::test
