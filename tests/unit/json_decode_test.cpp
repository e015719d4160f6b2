// JSON -> payload bytes: the inverse of json_encode for every type, tails
// included; exact doubles; and every refusal, each with a message naming the
// field and `out` left as it was.
#include "ringcast/shm/json_decode.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "json_encode_test_support.hpp"

namespace ringcast::shm {
namespace {

using namespace ringcast::test::json;
namespace json = boost::json;

// ---- expected bytes: members copied one by one into zeroed storage ----

// What the decoder must produce: the struct with zero padding (written
// member by member here, so no copy of the struct can leave padding garbage).
template <class T>
void append_canonical(std::vector<std::byte>& b, const T& v) {
  const std::size_t start = b.size();
  b.resize(start + sizeof(T));
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    const auto& member = v.*d.pointer;
    const auto offset = reinterpret_cast<const std::byte*>(&member) - reinterpret_cast<const std::byte*>(&v);
    std::memcpy(b.data() + start + static_cast<std::size_t>(offset), &member, sizeof member);
  });
}

template <class Element>
void append_canonical(std::vector<std::byte>& b, const std::vector<Element>& elements) {
  for (const auto& e : elements) append_canonical(b, e);
}

// The payload publisher::publish() writes for `v` with the sample tail of
// json_encode_test_support.hpp, counts set.
template <class T>
std::vector<std::byte> canonical_payload(T v) {
  std::vector<std::byte> b;
  if constexpr (std::is_same_v<T, futures_orderbook_update>) {
    v.bid_count = 2;
    v.ask_count = 1;
    append_canonical(b, v);
    append_canonical(b, sample_levels(2, 1));
    append_canonical(b, sample_levels(1, 5));
  } else if constexpr (std::is_same_v<T, chain_update>) {
    v.order_count = 2;
    append_canonical(b, v);
    append_canonical(b, sample_orders());
  } else if constexpr (std::is_same_v<T, gateway_status_change>) {
    v.metadata_size = static_cast<std::uint32_t>(k_sample_metadata.size());
    append_canonical(b, v);
    append_raw(b, k_sample_metadata.data(), k_sample_metadata.size());
  } else if constexpr (std::is_same_v<T, system_log>) {
    v.message_size = static_cast<std::uint32_t>(k_sample_message.size());
    v.metadata_size = static_cast<std::uint32_t>(k_sample_metadata.size());
    append_canonical(b, v);
    append_raw(b, k_sample_message.data(), k_sample_message.size());
    append_raw(b, k_sample_metadata.data(), k_sample_metadata.size());
  } else {
    append_canonical(b, v);
  }
  return b;
}

std::vector<std::byte> decoded(event_type type, std::string_view text) {
  std::vector<std::byte> out;
  std::string error;
  EXPECT_TRUE(decode_payload_json(type, text, out, error)) << error << "\n  for " << text;
  return out;
}

std::string reencoded(event_type type, std::string_view text) {
  const auto bytes = decoded(type, text);
  return encode(type, 1, bytes).value_or("refused by the encoder");
}

template <class T>
T as_struct(std::span<const std::byte> bytes) {
  T v;
  EXPECT_GE(bytes.size(), sizeof v);
  std::memcpy(&v, bytes.data(), std::min(bytes.size(), sizeof v));
  return v;
}

// ---- round trips ----

TEST(json_decode, every_type_round_trips_bytes_to_json_to_the_same_bytes_and_text) {
  int visited = 0;
  for (std::uint16_t t = 1; t < k_event_type_count; ++t) {
    visit_event_type(static_cast<event_type>(t), [&]<class T>(std::type_identity<T>) {
      SCOPED_TRACE(wire_name(event_traits<T>::type));
      ++visited;
      T v;
      fill_struct(v);  // extremes for integers, non-ASCII text, every enum but the first
      const std::vector<std::byte> bytes = canonical_payload(v);
      const auto text = encode(event_traits<T>::type, event_traits<T>::version, bytes);
      ASSERT_TRUE(text);
      std::vector<std::byte> out;
      std::string error;
      ASSERT_TRUE(decode_payload_json(event_traits<T>::type, *text, out, error)) << error << "\n" << *text;
      EXPECT_EQ(out, bytes) << *text;
      EXPECT_EQ(encode(event_traits<T>::type, event_traits<T>::version, out), text);
    });
  }
  EXPECT_EQ(visited, k_event_type_count - 1);
}

TEST(json_decode, the_protocol_example_decodes_to_its_values_and_encodes_back_to_the_same_text) {
  constexpr std::string_view text = R"({"totalPnl":12.5,"dailyPnl":-3.25,"positionPnl":1,"realizedPnl":0})";
  EXPECT_EQ(decoded(event_type::pnl_update, text),
            bytes_of(pnl_update{.total_pnl = 12.5, .daily_pnl = -3.25, .position_pnl = 1, .realized_pnl = 0}));
  EXPECT_EQ(reencoded(event_type::pnl_update, text), text);
}

TEST(json_decode, order_update_enums_strings_flags_and_integers_land_in_their_members) {
  const auto o = as_struct<order_update>(decoded(event_type::order_update, R"({
    "orderId": 8886774, "clientOrderId": "c-1", "symbol": "ETHUSDT", "side": "SELL",
    "type": "TAKE_PROFIT_MARKET", "status": "PARTIALLY_FILLED", "reduceOnly": true, "price": 0.1,
    "stopPrice": 3500, "qty": 2, "filledQty": 0.5, "avgPrice": 3499.75, "updateTime": 1700000000123})"));
  EXPECT_EQ(o.order_id, 8886774);
  EXPECT_EQ(o.client_order_id.view(), "c-1");
  EXPECT_EQ(o.symbol.view(), "ETHUSDT");
  EXPECT_EQ(o.side, order_side::sell);
  EXPECT_EQ(o.type, order_type::take_profit_market);
  EXPECT_EQ(o.status, order_status::partially_filled);
  EXPECT_TRUE(static_cast<bool>(o.reduce_only));
  EXPECT_EQ(o.price, 0.1);
  EXPECT_EQ(o.stop_price, 3500.0);
  EXPECT_EQ(o.filled_qty, 0.5);
  EXPECT_EQ(o.avg_price, 3499.75);
  EXPECT_EQ(o.update_time, 1700000000123);
}

TEST(json_decode, orderbook_levels_follow_the_struct_with_counts_set) {
  const auto bytes = decoded(event_type::futures_orderbook_update, R"({"symbol":"BTCUSDT","lastUpdateId":7,)"
                                                                   R"("eventTime":9,"bids":[{"price":2,"qty":3},)"
                                                                   R"({"price":1,"qty":4}],"asks":[]})");
  std::vector<std::byte> expected;
  append_canonical(expected, futures_orderbook_update{.symbol = "BTCUSDT", .bid_count = 2, .ask_count = 0,
                                                      .last_update_id = 7, .event_time = 9});
  append_canonical(expected, std::vector<price_level>{{2, 3}, {1, 4}});
  EXPECT_EQ(bytes, expected);
}

TEST(json_decode, metadata_object_is_stored_compactly_and_null_as_nothing) {
  const auto with = decoded(event_type::gateway_status_change,
                            R"({"gatewayId":"g","gatewayType":"ws","previousStatus":"UP","currentStatus":"DOWN",)"
                            R"("metadata": { "b" : [1.50, true, null, "\u00e9\n"], "a": {} }})");
  constexpr std::string_view metadata = "{\"b\":[1.5,true,null,\"\xC3\xA9\\n\"],\"a\":{}}";
  std::vector<std::byte> expected;
  append_canonical(expected, gateway_status_change{.gateway_id = "g", .gateway_type = "ws", .previous_status = "UP",
                                                   .current_status = "DOWN",
                                                   .metadata_size = static_cast<std::uint32_t>(metadata.size())});
  append_raw(expected, metadata.data(), metadata.size());
  EXPECT_EQ(with, expected);
  const auto without = decoded(event_type::system_log,
                               R"({"level":"WARN","source":"risk","message":"a\u0000b \"q\"","metadata":null})");
  std::vector<std::byte> expected_log;
  append_canonical(expected_log, system_log{.level = log_level::warn, .source = "risk", .message_size = 7, .metadata_size = 0});
  append_raw(expected_log, "a\0b \"q\"", 7);
  EXPECT_EQ(without, expected_log);
  EXPECT_EQ(reencoded(event_type::system_log, R"({"level":"INFO","source":"","message":"","metadata":{}})"),
            R"({"level":"INFO","source":"","message":"","metadata":{}})");
}

TEST(json_decode, every_finite_double_decodes_to_the_same_bits) {
  // Boost 1.81's own conversion misses about one in five of these by an ulp.
  std::mt19937_64 rng(20240229);
  for (int i = 0; i < 20000; ++i) {
    const auto v = std::bit_cast<double>(rng());
    if (!std::isfinite(v)) continue;
    const pnl_update p{.total_pnl = v, .daily_pnl = -v, .position_pnl = v / 3, .realized_pnl = 0.1 * i};
    const std::string text = encoded(p);
    ASSERT_EQ(decoded(event_type::pnl_update, text), bytes_of(p)) << text;
  }
}

TEST(json_decode, null_for_a_number_is_nan_as_the_encoder_writes_it) {
  const auto p = as_struct<pnl_update>(
      decoded(event_type::pnl_update, R"({"totalPnl":null,"dailyPnl":0,"positionPnl":0,"realizedPnl":0})"));
  EXPECT_TRUE(std::isnan(p.total_pnl));
  EXPECT_EQ(encoded(p), R"({"totalPnl":null,"dailyPnl":0,"positionPnl":0,"realizedPnl":0})");
}

TEST(json_decode, integers_take_their_full_range_and_integral_numbers_with_a_fraction) {
  const auto t = as_struct<trade_update>(decoded(event_type::trade_update, R"({"tradeId":-9223372036854775808,)"
      R"("orderId":9223372036854775807,"symbol":"","side":"BUY","isMaker":false,"feeAsset":"","price":0,"qty":0,)"
      R"("fee":0,"realizedPnl":0,"tradeTime":1.7e12})"));
  EXPECT_EQ(t.trade_id, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(t.order_id, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(t.trade_time, 1'700'000'000'000);
  const auto g = as_struct<ginie_status_update>(decoded(event_type::ginie_status_update, R"({"isRunning":true,)"
      R"("currentMode":"scalp","activePositions":4294967295,"maxPositions":3.0,"dailyTrades":0,)"
      R"("lastSignal":"","lastDecisionTime":0})"));
  EXPECT_EQ(g.active_positions, std::numeric_limits<std::uint32_t>::max());
  EXPECT_EQ(g.max_positions, 3u);
}

TEST(json_decode, strings_may_use_every_byte_of_their_capacity) {
  const std::string symbol(24, 'X');
  const std::string euro8 = "\xE2\x82\xAC\xE2\x82\xAC" "12";  // 2 x 3 bytes + 2 = 8 bytes of a fixed_string<8>
  const auto k = as_struct<futures_kline_update>(decoded(event_type::futures_kline_update,
      R"({"symbol":")" + symbol + R"(","interval":")" + euro8 + R"(","isClosed":true,"open":1,"high":2,"low":0.5,)"
      R"("close":1.5,"volume":10,"openTime":0,"closeTime":60000})"));
  EXPECT_EQ(k.symbol.view(), symbol);
  EXPECT_EQ(k.interval.view(), euro8);
}

// ---- refusals ----

struct refusal {
  event_type type;
  std::string json;
  std::string error;  // exact message
};

constexpr std::string_view k_pnl_rest = R"("dailyPnl":0,"positionPnl":0,"realizedPnl":0)";

std::string pnl_with(std::string_view first) { return "{" + std::string(first) + "," + std::string(k_pnl_rest) + "}"; }

std::string position_with(std::string_view replace_key, std::string_view value) {
  json::object o = json::parse(R"({"symbol":"BTCUSDT","side":"LONG","margin":"CROSS","leverage":20,"size":1,)"
                               R"("entryPrice":1,"markPrice":1,"liquidationPrice":0,"unrealizedPnl":0,"marginUsed":0})")
                       .as_object();
  o[replace_key] = json::parse(value);
  return json::serialize(o);
}

std::string book_with(std::string_view tail) {
  return R"({"symbol":"BTCUSDT","lastUpdateId":1,"eventTime":2,)" + std::string(tail) + "}";
}

std::string chain_with(std::string_view order) {
  return R"({"chainId":"c","symbol":"BTCUSDT","status":"ACTIVE","updatedTime":0,"orders":[)" + std::string(order) + "]}";
}

constexpr std::string_view k_gateway_head = R"("gatewayId":"g","gatewayType":"ws","previousStatus":"","currentStatus":"")";

TEST(json_decode, each_kind_of_bad_input_is_refused_with_the_field_named_and_out_unchanged) {
  const std::string long_order = R"({"orderId":1,"clientOrderId":"","role":"ENTRY","side":"HOLD","type":"LIMIT",)"
                                 R"("status":"NEW","price":1,"qty":1,"filledQty":0})";
  const std::vector<refusal> cases = {
      // not an object / not JSON
      {event_type::pnl_update, "[1]", "payload: expected an object; got an array"},
      {event_type::pnl_update, R"({"totalPnl":)", "payload: invalid JSON at offset 12: incomplete JSON"},
      {event_type::pnl_update, R"({"totalPnl":1} x)", "payload: invalid JSON at offset 15: extra data"},
      // unknown and missing fields
      {event_type::pnl_update, pnl_with(R"("totalPnl":1,"bonus":2)"),
       "payload.bonus: unknown field; expected totalPnl, dailyPnl, positionPnl, realizedPnl"},
      {event_type::pnl_update, pnl_with(R"("totalPnl":1,"odd key\n":2)"),
       R"(payload["odd key\n"]: unknown field; expected totalPnl, dailyPnl, positionPnl, realizedPnl)"},
      {event_type::pnl_update, "{" + std::string(k_pnl_rest) + "}", "payload.totalPnl: missing (every field is required)"},
      {event_type::pnl_update, pnl_with(R"("totlPnl":1)"),
       "payload.totlPnl: unknown field; expected totalPnl, dailyPnl, positionPnl, realizedPnl"},
      // wrong kind of value
      {event_type::pnl_update, pnl_with(R"("totalPnl":"12.5")"), "payload.totalPnl: expected a number; got a string"},
      {event_type::pnl_update, pnl_with(R"("totalPnl":true)"), "payload.totalPnl: expected a number; got true"},
      {event_type::pnl_update, pnl_with(R"("totalPnl":1e400)"), "payload.totalPnl: number out of range for a double"},
      {event_type::position_update, position_with("symbol", "5"), "payload.symbol: expected a string; got 5"},
      {event_type::position_update, position_with("leverage", "2.5"), "payload.leverage: expected an integer; got 2.5"},
      {event_type::position_update, position_with("leverage", "\"20\""),
       "payload.leverage: expected an integer; got a string"},
      {event_type::position_update, position_with("leverage", "70000"), "payload.leverage: 70000 is out of range 0..65535"},
      {event_type::position_update, position_with("leverage", "-1"), "payload.leverage: -1 is out of range 0..65535"},
      {event_type::position_update, position_with("leverage", "1e20"),
       "payload.leverage: 100000000000000000000 is beyond 2^53 with a fraction or exponent; write the integer digits"},
      {event_type::position_update, position_with("side", "\"long\""),
       R"(payload.side: expected one of "LONG", "SHORT", "BOTH"; got "long")"},
      {event_type::position_update, position_with("margin", "0"),
       R"(payload.margin: expected one of "CROSS", "ISOLATED"; got 0)"},
      {event_type::circuit_breaker_update,
       R"({"isTriggered":1,"consecutiveLosses":0,"triggerReason":"","dailyLoss":0,"dailyLossLimit":0,"resetTime":0})",
       "payload.isTriggered: expected true or false; got 1"},
      // strings that do not fit
      {event_type::position_update, position_with("symbol", "\"" + std::string(25, 'B') + "\""),
       "payload.symbol: string of 25 bytes is over the limit of 24 bytes"},
      {event_type::position_update, position_with("symbol", R"("BTC\u0000USDT")"),
       "payload.symbol: string contains U+0000, which cannot be stored"},
      // derived counts sent anyway
      {event_type::futures_orderbook_update, book_with(R"("bidCount":0,"bids":[],"asks":[])"),
       R"(payload.bidCount: derived from "bids"; leave it out)"},
      {event_type::system_log, R"({"level":"INFO","source":"","messageSize":1,"message":"x","metadata":null})",
       R"(payload.messageSize: derived from "message"; leave it out)"},
      // tails
      {event_type::futures_orderbook_update, book_with(R"("bids":[])"), "payload.asks: missing (every field is required)"},
      {event_type::futures_orderbook_update, book_with(R"("bids":[],"asks":{})"),
       "payload.asks: expected an array; got an object"},
      {event_type::futures_orderbook_update, book_with(R"("bids":[{"price":1,"qty":1},{"price":1,"qty":"2"}],"asks":[])"),
       "payload.bids[1].qty: expected a number; got a string"},
      {event_type::futures_orderbook_update, book_with(R"("bids":[{"price":1,"size":1}],"asks":[])"),
       "payload.bids[0].size: unknown field; expected price, qty"},
      {event_type::futures_orderbook_update, book_with(R"("bids":[],"asks":[{"price":1,"qty":1},5])"),
       "payload.asks[1]: expected an object; got 5"},
      {event_type::chain_update, chain_with(long_order),
       R"(payload.orders[0].side: expected one of "BUY", "SELL"; got "HOLD")"},
      {event_type::gateway_status_change, "{" + std::string(k_gateway_head) + R"(,"metadata":"{}"})",
       "payload.metadata: expected an object or null; got a string"},
      {event_type::gateway_status_change, "{" + std::string(k_gateway_head) + "}",
       "payload.metadata: missing (every field is required)"},
      {event_type::system_log, R"({"level":"INFO","source":"","message":null,"metadata":null})",
       "payload.message: expected a string; got null"},
      {event_type::system_log, R"({"level":"info","source":"","message":"","metadata":null})",
       R"(payload.level: expected one of "DEBUG", "INFO", "WARN", "ERROR"; got "info")"},
      // the type itself
      {static_cast<event_type>(99), "{}", "unknown event type 99"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.json);
    std::vector<std::byte> out = {std::byte{0xAB}, std::byte{0xCD}};
    const auto before = out;
    std::string error;
    EXPECT_FALSE(decode_payload_json(c.type, c.json, out, error));
    EXPECT_EQ(error, c.error);
    EXPECT_EQ(out, before);
  }
}

TEST(json_decode, parsed_objects_are_refused_the_same_way) {
  std::vector<std::byte> out = {std::byte{1}};
  std::string error;
  const json::object pnl = json::parse(pnl_with(R"("totalPnl":"x")")).as_object();
  EXPECT_FALSE(decode_payload_json(event_type::pnl_update, pnl, out, error));
  EXPECT_EQ(error, "payload.totalPnl: expected a number; got a string");
  EXPECT_EQ(out, std::vector<std::byte>{std::byte{1}});
  EXPECT_FALSE(decode_payload_json(static_cast<event_type>(0), pnl, out, error));
  EXPECT_EQ(error, "unknown event type 0");
}

TEST(json_decode, more_than_65535_levels_or_orders_do_not_fit_their_counts) {
  json::object book = json::parse(book_with(R"("bids":[],"asks":[])")).as_object();
  json::array levels;
  levels.resize(65536, json::object{{"price", 1}, {"qty", 1}});
  book["asks"] = levels;
  std::vector<std::byte> out;
  std::string error;
  EXPECT_FALSE(decode_payload_json(event_type::futures_orderbook_update, book, out, error));
  EXPECT_EQ(error, "payload.asks: 65536 elements; at most 65535");
  EXPECT_TRUE(out.empty());
  levels.pop_back();
  book["asks"] = levels;
  ASSERT_TRUE(decode_payload_json(event_type::futures_orderbook_update, book, out, error)) << error;
  EXPECT_EQ(as_struct<futures_orderbook_update>(out).ask_count, 65535);
  EXPECT_EQ(out.size(), sizeof(futures_orderbook_update) + 65535 * sizeof(price_level));
}

TEST(json_decode, a_success_replaces_what_out_held) {
  std::vector<std::byte> out(1000, std::byte{0xEE});
  std::string error;
  ASSERT_TRUE(decode_payload_json(event_type::pnl_update, pnl_with(R"("totalPnl":2)"), out, error)) << error;
  EXPECT_EQ(out, bytes_of(pnl_update{.total_pnl = 2}));
}

TEST(json_decode, parse_json_exact_keeps_boost_errors_and_rejects_trailing_text) {
  boost::system::error_code ec;
  std::size_t consumed = 0;
  EXPECT_TRUE(parse_json_exact("[1, 2,]", ec, &consumed).is_null());
  EXPECT_EQ(ec, json::error::syntax);
  EXPECT_EQ(consumed, 6u);
  EXPECT_EQ(parse_json_exact(R"( {"a":[0.1,-2,18446744073709551615]} )", ec),
            json::parse(R"({"a":[0.1,-2,18446744073709551615]})"));
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parse_json_exact("{} {}", ec).is_null());
  EXPECT_EQ(ec, json::error::extra_data);
  EXPECT_TRUE(parse_json_exact("\"\xC3(\"", ec).is_null());  // invalid UTF-8, as boost::json::parse
  EXPECT_TRUE(ec);
}

}  // namespace
}  // namespace ringcast::shm

namespace ringcast::shm {
namespace {

TEST(json_text, values_print_with_numbers_as_people_write_them) {
  const boost::json::value v = {{"interval", 0.1}, {"rate", 100000.0}, {"list", {1, true, nullptr, "x\"y"}}};
  EXPECT_EQ(to_json_text(v), R"({"interval":0.1,"rate":100000,"list":[1,true,null,"x\"y"]})");
}

}  // namespace
}  // namespace ringcast::shm
