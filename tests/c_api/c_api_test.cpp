// libringcast end to end: a C11 program (publish_every_type.c) publishes
// every event type into a real segment and tries the error paths; this
// test then consumes the segment and checks that exactly the published
// events arrived, in order, with their user ids and payload values.
// Also: only ringcast_* symbols leave the library.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "ringcast/ringcast.h"
#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/json_encode.hpp"
#include "test_segment.hpp"

namespace {

using namespace ringcast;
using namespace std::chrono_literals;

struct event {
  std::string type;
  std::string user_id;
  std::string payload;
  friend bool operator==(const event&, const event&) = default;
  friend std::ostream& operator<<(std::ostream& os, const event& e) {
    return os << e.type << " user='" << e.user_id << "' " << e.payload;
  }
};

// What publish_every_type.c publishes, in order.
const std::vector<event> k_expected = {
    {"POSITION_UPDATE", "alice",
     R"({"symbol":"BTCUSDT","side":"SHORT","margin":"ISOLATED","leverage":20,"size":0.5,"entryPrice":65000.25,)"
     R"("markPrice":64000,"liquidationPrice":70000,"unrealizedPnl":500.125,"marginUsed":1625})"},
    {"ORDER_UPDATE", "alice",
     R"({"orderId":9007199254740993,"clientOrderId":"c-0123456789abcdef0123456789abcdef012345","symbol":"ETHUSDT",)"
     R"("side":"SELL","type":"TAKE_PROFIT_MARKET","status":"PARTIALLY_FILLED","reduceOnly":true,"price":3000.5,)"
     R"("stopPrice":2990,"qty":2,"filledQty":0.75,"avgPrice":3000.25,"updateTime":1700000000123})"},
    {"TRADE_UPDATE", "alice",
     R"({"tradeId":77,"orderId":-5,"symbol":"SOLUSDT","side":"BUY","isMaker":true,"feeAsset":"USDT","price":150.5,)"
     R"("qty":10,"fee":0.1,"realizedPnl":-12.5,"tradeTime":1700000000456})"},
    {"BALANCE_UPDATE", "alice",
     R"({"asset":"USDT","walletBalance":10000,"availableBalance":8000.5,"crossUnrealizedPnl":-1.25,"balanceChange":100})"},
    {"FUTURES_ORDERBOOK_UPDATE", "",
     R"({"symbol":"BTCUSDT","lastUpdateId":123456789,"eventTime":1700000000789,)"
     R"("bids":[{"price":64000,"qty":1.5},{"price":63999.5,"qty":2}],)"
     R"("asks":[{"price":64000.5,"qty":0.25},{"price":64001,"qty":3},{"price":64002,"qty":4}]})"},
    {"FUTURES_MARK_PRICE_UPDATE", "",
     R"({"symbol":"BTCUSDT","markPrice":64000.5,"indexPrice":64001,"fundingRate":0.0001,"nextFundingTime":1700006400000})"},
    {"FUTURES_KLINE_UPDATE", "",
     R"({"symbol":"BTCUSDT","interval":"15m","isClosed":true,"open":1,"high":4,"low":0.5,"close":2,"volume":1000,)"
     R"("openTime":1700000000000,"closeTime":1700000899999})"},
    {"CHAIN_UPDATE", "alice",
     R"({"chainId":"chain-1","symbol":"BTCUSDT","status":"ACTIVE","updatedTime":1700000001000,"orders":[)"
     R"({"orderId":1,"clientOrderId":"entry-1","role":"ENTRY","side":"BUY","type":"LIMIT","status":"FILLED",)"
     R"("price":64000,"qty":1,"filledQty":1},)"
     R"({"orderId":2,"clientOrderId":"tp-1","role":"TP1","side":"SELL","type":"TAKE_PROFIT","status":"NEW",)"
     R"("price":66000,"qty":1,"filledQty":0}]})"},
    {"LIFECYCLE_EVENT", "alice",
     R"({"eventId":5,"chainId":"chain-1","orderId":1,"symbol":"BTCUSDT","stage":"ENTRY_FILLED",)"
     R"("detail":"filled at 64000 \"best\"","eventTime":1700000002000})"},
    {"GINIE_STATUS_UPDATE", "bob",
     R"({"isRunning":true,"currentMode":"scalp","activePositions":3,"maxPositions":5,"dailyTrades":42,)"
     R"("lastSignal":"LONG BTCUSDT","lastDecisionTime":1700000003000})"},
    {"CIRCUIT_BREAKER_UPDATE", "bob",
     R"({"isTriggered":true,"consecutiveLosses":4,"triggerReason":"daily loss limit","dailyLoss":-500,)"
     R"("dailyLossLimit":400,"resetTime":1700086400000})"},
    {"PNL_UPDATE", "bob", R"({"totalPnl":12.5,"dailyPnl":-3.25,"positionPnl":1,"realizedPnl":0})"},
    {"SIGNAL_UPDATE", "bob",
     R"({"signalId":"sig-9","symbol":"ETHUSDT","direction":"NEUTRAL","source":"ginie","confidence":0.875,)"
     R"("entryPrice":3000,"stopLoss":2900,"takeProfit":3200})"},
    {"MODE_STATUS_UPDATE", "bob",
     R"({"mode":"swing","enabled":true,"status":"RUNNING","activePositions":2,"pnlToday":25.5})"},
    {"MODE_SAFETY_UPDATE", "bob",
     R"({"mode":"scalp","isPaused":true,"consecutiveLosses":3,"pauseReason":"3 losses in a row","winRate":0.25,)"
     R"("maxDrawdownPct":7.5,"resumeTime":1700003600000})"},
    {"MODE_ALLOCATION_UPDATE", "bob",
     R"({"mode":"position","maxPositions":4,"allocationPct":30,"allocatedUsd":3000,"usedUsd":1500.5})"},
    {"AUTOPILOT_RULES_UPDATE", "bob",
     R"({"enabled":true,"maxLeverage":10,"maxPositions":6,"maxDailyLoss":300,"maxPositionUsd":5000,)"
     R"("riskPerTradePct":1.5,"minConfidence":0.7})"},
    {"STATS_UPDATE", "bob",
     R"({"source":"manual","totalTrades":10,"winningTrades":6,"losingTrades":4,"winRate":0.6,"totalPnl":123.25,)"
     R"("totalVolume":100000})"},
    {"PERFORMANCE_UPDATE", "bob",
     R"({"scope":"BTCUSDT","trades":8,"winRate":0.5,"pnl":80,"avgPnl":10,"maxDrawdown":-40,"sharpe":1.25})"},
    {"HEALTH_UPDATE", "",
     R"({"component":"exchange-ws","healthy":false,"latencyMs":12.5,"errorRate":0.02,"detail":"reconnecting"})"},
    {"SYSTEM_STATUS_UPDATE", "",
     "{\"component\":\"risk\",\"status\":\"DEGRADED\",\"detail\":\"caf\xc3\xa9 \xe2\x82\xac\"}"},
    {"gateway_status_change", "alice",
     R"({"gatewayId":"gw-1","gatewayType":"binance","previousStatus":"CONNECTING","currentStatus":"CONNECTED",)"
     R"("metadata":{"region":"eu","retries":2}})"},
    {"system_log", "", R"({"level":"WARN","source":"risk","message":"limit near","metadata":{"used":0.9}})"},
    {"system_log", "alice", R"({"level":"ERROR","source":"risk","message":"no metadata","metadata":null})"},
    {"PNL_UPDATE", "carol", R"({"totalPnl":1.5,"dailyPnl":2,"positionPnl":-3,"realizedPnl":0.25})"},
    {"SYSTEM_STATUS_UPDATE", "alice", R"({"component":"c-producer","status":"END","detail":""})"},
};

struct drained {
  std::vector<event> events;
  std::vector<std::uint64_t> seqs;
  std::vector<std::uint32_t> lanes;
  std::uint64_t gaps = 0;
};

drained drain(const std::string& segment) {
  shm::consumer con(shm::segment::open_or_create(test::small_options(segment)));
  drained out;
  while (con.poll([&](const shm::record_view& r) {
    std::string json;
    const auto type = static_cast<shm::event_type>(r.type);
    EXPECT_TRUE(shm::encode_payload_json(type, r.schema_version, r.payload, json)) << "type " << r.type;
    out.events.push_back({std::string(shm::wire_name(type)), std::string(r.user_id), json});
    out.seqs.push_back(r.seq);
    out.lanes.push_back(r.lane);
    out.gaps += r.gap + r.lost;
  }) > 0) {
  }
  return out;
}

TEST(c_api, a_c11_program_publishes_every_event_type_and_refused_calls_leave_nothing) {
  test::scoped_segment_name seg("capi");
  auto child = test::child_process::spawn({RINGCAST_TEST_C_PRODUCER, "--segment", seg.name});
  const auto line = child.read_line(30s);
  const auto status = child.wait(30s);
  ASSERT_TRUE(status) << "the C program did not finish in 30 s";
  EXPECT_TRUE(test::exited_with(*status, 0)) << test::describe_status(*status) << ", said: " << line.value_or("");
  EXPECT_EQ(line.value_or(""), "done failures=0");

  const drained got = drain(seg.name);
  ASSERT_EQ(got.events.size(), k_expected.size());
  for (std::size_t i = 0; i < k_expected.size(); ++i) {
    EXPECT_EQ(got.events[i], k_expected[i]) << "record " << i;
    EXPECT_EQ(got.seqs[i], i) << "one thread, one lane, consecutive seqs: nothing refused consumed a seq";
    EXPECT_EQ(got.lanes[i], got.lanes[0]);
  }
  // Every expected event type is covered.
  std::set<std::string> types;
  for (const auto& e : k_expected) types.insert(e.type);
  EXPECT_EQ(types.size(), shm::k_event_type_count - 1u);
  EXPECT_EQ(got.gaps, 0u);
}

TEST(c_api, a_bad_segment_name_is_refused_with_the_name_and_no_handle) {
  ringcast_publisher* pub = nullptr;
  EXPECT_EQ(ringcast_publisher_open("no spaces allowed", nullptr, &pub), RINGCAST_SEGMENT_ERROR);
  EXPECT_EQ(pub, nullptr);
  EXPECT_NE(std::string(ringcast_last_error()).find("'no spaces allowed' is invalid"), std::string::npos)
      << ringcast_last_error();
}

TEST(c_api, a_null_name_means_the_ringcast_segment_variable) {
  test::scoped_segment_name seg("capi-env");
  ASSERT_EQ(::setenv("RINGCAST_SEGMENT", seg.name.c_str(), 1), 0);
  ringcast_publisher_options options{.lanes = 2, .lane_capacity = 1u << 14, .wait_when_full_ns = 0, .group_access = 0};
  ringcast_publisher* pub = nullptr;
  ASSERT_EQ(ringcast_publisher_open(nullptr, &options, &pub), RINGCAST_OK) << ringcast_last_error();
  ::unsetenv("RINGCAST_SEGMENT");
  ringcast_pnl_update pnl{.total_pnl = 2, .daily_pnl = 0, .position_pnl = 0, .realized_pnl = 0};
  EXPECT_EQ(ringcast_publish_pnl_update(pub, "dave", &pnl), RINGCAST_OK);
  ringcast_publisher_close(pub);
  const drained got = drain(seg.name);
  ASSERT_EQ(got.events.size(), 1u);
  EXPECT_EQ(got.events[0],
            (event{"PNL_UPDATE", "dave", R"({"totalPnl":2,"dailyPnl":0,"positionPnl":0,"realizedPnl":0})"}));
}

TEST(c_api, only_ringcast_symbols_are_exported) {
  const std::string command = std::string("nm -D --defined-only '") + RINGCAST_LIBRARY_FILE + "'";
  FILE* nm = ::popen(command.c_str(), "r");
  ASSERT_NE(nm, nullptr);
  std::vector<std::string> symbols;
  char line[1024];
  while (std::fgets(line, sizeof line, nm) != nullptr) {
    std::string s(line);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    symbols.push_back(s.substr(s.rfind(' ') + 1));
  }
  ASSERT_EQ(::pclose(nm), 0) << command << " failed (binutils missing?)";
  ASSERT_GT(symbols.size(), 30u) << "nm listed too little: " << command;
  for (const auto& s : symbols) EXPECT_TRUE(s.starts_with("ringcast_")) << "exported: " << s;
  for (const char* needed : {"ringcast_publisher_open", "ringcast_publish_json", "ringcast_publish_system_log",
                             "ringcast_last_error", "ringcast_status_text", "ringcast_version"})
    EXPECT_NE(std::find(symbols.begin(), symbols.end(), needed), symbols.end()) << needed << " is not exported";
}

}  // namespace
