// The JSON text of payloads: keys, values, numbers, strings, enums, tails,
// and the payloads that must be refused. Output is checked by parsing it
// back with Boost.JSON (which also rejects invalid UTF-8) or, where the
// spelling matters, by exact text.
#include "ringcast/shm/json_encode.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "json_encode_test_support.hpp"
#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"

namespace ringcast::shm {
namespace {

using namespace ringcast::test::json;
namespace json = boost::json;

// ---- every type, generically: key set and every value ----

TEST(json_encode, every_type_outputs_each_described_member_in_camel_case_with_its_value) {
  int visited = 0;
  for (std::uint16_t t = 1; t < k_event_type_count; ++t) {
    const bool known = visit_event_type(static_cast<event_type>(t), [&]<class T>(std::type_identity<T>) {
      SCOPED_TRACE(wire_name(event_traits<T>::type));
      ++visited;
      T v;
      fill_struct(v);
      const std::vector<std::byte> bytes = with_sample_tail(v);
      const auto text = encode(event_traits<T>::type, event_traits<T>::version, bytes);
      ASSERT_TRUE(text);
      const json::object obj = parse_object(*text);

      std::set<std::string> expected_keys = sample_tail_keys<T>();
      boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
        if (is_hidden_count<T>(d.name)) {
          EXPECT_FALSE(obj.contains(camel(d.name))) << d.name << " is a count and must not be output";
          return;
        }
        expected_keys.insert(camel(d.name));
        const json::value* jv = obj.if_contains(camel(d.name));
        ASSERT_NE(jv, nullptr) << camel(d.name);
        expect_value(*jv, v.*d.pointer, camel(d.name));
      });
      std::set<std::string> keys;
      for (const auto& kv : obj) keys.insert(std::string(kv.key()));
      EXPECT_EQ(keys, expected_keys);
      expect_sample_tail(v, obj);
    });
    EXPECT_TRUE(known) << t;
  }
  EXPECT_EQ(visited, k_event_type_count - 1);
}

// ---- hand-written texts: the keys and wire strings the dashboards use ----

TEST(json_encode, position_update_is_exactly_the_dashboard_text) {
  const position_update p{.symbol = "BTCUSDT", .side = position_side::long_, .margin = margin_type::isolated,
                          .leverage = 20, .size = 1.5, .entry_price = 65000.5, .mark_price = 65100.25,
                          .liquidation_price = 0.0, .unrealized_pnl = 149.625, .margin_used = -0.0};
  std::string out;
  encode_json(p, out);
  EXPECT_EQ(out, R"({"symbol":"BTCUSDT","side":"LONG","margin":"ISOLATED","leverage":20,"size":1.5,)"
                 R"("entryPrice":65000.5,"markPrice":65100.25,"liquidationPrice":0,"unrealizedPnl":149.625,)"
                 R"("marginUsed":0})");
}

TEST(json_encode, order_update_is_exactly_the_dashboard_text) {
  const order_update o{.order_id = 8886774, .client_order_id = "c-1", .symbol = "ETHUSDT", .side = order_side::sell,
                       .type = order_type::take_profit_market, .status = order_status::partially_filled,
                       .reduce_only = true, .price = 0.1, .stop_price = 3500, .qty = 2, .filled_qty = 0.5,
                       .avg_price = 3499.99, .update_time = 1700000000123};
  std::string out = "prefix:";
  encode_json(o, out);
  EXPECT_EQ(out, R"(prefix:{"orderId":8886774,"clientOrderId":"c-1","symbol":"ETHUSDT","side":"SELL",)"
                 R"("type":"TAKE_PROFIT_MARKET","status":"PARTIALLY_FILLED","reduceOnly":true,"price":0.1,)"
                 R"("stopPrice":3500,"qty":2,"filledQty":0.5,"avgPrice":3499.99,"updateTime":1700000000123})");
}

TEST(json_encode, trade_kline_and_status_types_use_their_camel_case_keys) {
  const trade_update tr{.trade_id = 1, .order_id = 2, .symbol = "BTCUSDT", .side = order_side::buy,
                        .is_maker = false, .fee_asset = "USDT", .price = 1, .qty = 1, .fee = 0.02,
                        .realized_pnl = -3.5, .trade_time = 9};
  const json::object t = parse_object(encoded(tr));
  EXPECT_EQ(t.at("isMaker"), json::value(false));
  EXPECT_EQ(t.at("feeAsset"), json::value("USDT"));
  EXPECT_EQ(t.at("realizedPnl").to_number<double>(), -3.5);
  EXPECT_EQ(t.at("tradeTime"), json::value(9));

  const futures_kline_update k{.symbol = "X", .interval = "15m", .is_closed = true, .open = 1, .high = 2,
                               .low = 0.5, .close = 1.5, .volume = 10, .open_time = 100, .close_time = 200};
  const json::object kl = parse_object(encoded(k));
  EXPECT_EQ(kl.at("interval"), json::value("15m"));
  EXPECT_EQ(kl.at("isClosed"), json::value(true));
  EXPECT_EQ(kl.at("openTime"), json::value(100));
  EXPECT_EQ(kl.at("closeTime"), json::value(200));

  const order_update o{.status = order_status::new_};
  EXPECT_EQ(parse_object(encoded(o)).at("status"), json::value("NEW"));
  const signal_update s{.direction = signal_direction::short_, .confidence = 0.75};
  const json::object so = parse_object(encoded(s));
  EXPECT_EQ(so.at("direction"), json::value("SHORT"));
  EXPECT_EQ(so.at("takeProfit").to_number<double>(), 0.0);
}

// ---- numbers ----

TEST(json_encode, doubles_are_written_as_people_write_them) {
  EXPECT_EQ(number_text(1.5), "1.5");
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(number_text(1e-7), "1e-7");
  // Plain digits from 1e-6 to 1e21, as JavaScript prints them.
  EXPECT_EQ(number_text(0.0001), "0.0001");
  EXPECT_EQ(number_text(0.000001), "0.000001");
  EXPECT_EQ(number_text(-1.5e-7), "-1.5e-7");
  EXPECT_EQ(number_text(100000.0), "100000");
  EXPECT_EQ(number_text(1e20), "100000000000000000000");
  EXPECT_EQ(number_text(123456789.125), "123456789.125");
  EXPECT_EQ(number_text(100.0), "100");
  EXPECT_EQ(number_text(-2.5), "-2.5");
  EXPECT_EQ(number_text(1e21), "1e+21");
  EXPECT_EQ(number_text(5e-324), "5e-324");
  EXPECT_EQ(number_text(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(number_text(-0.0), "0");
  EXPECT_EQ(number_text(0.0), "0");
  EXPECT_EQ(number_text(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(number_text(-std::numeric_limits<double>::infinity()), "null");
}

TEST(json_encode, every_finite_double_round_trips_exactly) {
  std::mt19937_64 rng(20240501);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::bit_cast<double>(rng());
    if (!std::isfinite(v) || v == 0.0) continue;
    const std::string text = number_text(v);
    double back = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
    ASSERT_EQ(r.ptr, text.data() + text.size()) << text;
    ASSERT_EQ(back, v) << text;
    ASSERT_EQ(text.find_first_of("E"), std::string::npos) << text;  // never Boost.JSON's 1.5E0 style
  }
}

TEST(json_encode, integers_are_written_exactly_at_their_extremes) {
  const order_update o{.order_id = std::numeric_limits<std::int64_t>::min(),
                       .update_time = std::numeric_limits<std::int64_t>::max()};
  const std::string out = encoded(o);
  EXPECT_NE(out.find(R"("orderId":-9223372036854775808,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("updateTime":9223372036854775807})"), std::string::npos) << out;
  const ginie_status_update g{.active_positions = std::numeric_limits<std::uint32_t>::max()};
  EXPECT_NE(encoded(g).find(R"("activePositions":4294967295,)"), std::string::npos);
}

// ---- strings ----

TEST(json_encode, strings_escape_quote_backslash_and_control_characters) {
  const std::string raw = "a\"b\\c\nd\x01" "e\x1f\b\f\r\t\x7f/";
  EXPECT_EQ(string_text(raw), R"("a\"b\\c\nd\u0001e\u001f\b\f\r\t)" "\x7f" R"(/")");
  EXPECT_EQ(parse_string(string_text(raw)), raw);
}

TEST(json_encode, valid_non_ascii_utf8_is_kept_byte_for_byte) {
  const std::string raw = "\xC3\xA9 \xE2\x82\xAC \xE6\x97\xA5 \xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF";  // é € 日 🚀 U+10FFFF
  EXPECT_EQ(string_text(raw), "\"" + raw + "\"");
}

TEST(json_encode, invalid_utf8_is_replaced_by_u_fffd_per_maximal_subpart) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const std::pair<std::string, std::string> cases[] = {
      {"a\x80z", "a" + r + "z"},                   // stray continuation byte
      {"a\xC3", "a" + r},                          // truncated at the end
      {"\xC0\xAF", r + r},                         // overlong '/'
      {"\xE0\x80\xAF", r + r + r},                 // overlong 3-byte form
      {"\xED\xA0\x80", r + r + r},                 // UTF-16 surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},         // above U+10FFFF
      {"\xE2\x82x", r + "x"},                      // 3-byte sequence cut short: one replacement
      {"\xF0\x9F\x9A", r},                         // 4-byte sequence cut at the end
      {"\xFF\xFE", r + r},                         // never valid in UTF-8
      {"ok\xE2\x82\xAC\xE2\x82", "ok\xE2\x82\xAC" + r},
  };
  for (const auto& [raw, want] : cases) {
    const std::string text = string_text(raw);
    EXPECT_EQ(text, "\"" + want + "\"") << testing::PrintToString(raw);
    EXPECT_EQ(parse_string(text), want);  // Boost.JSON rejects invalid UTF-8: this proves the text is valid
  }
}

TEST(json_encode, fixed_string_cut_at_a_utf8_boundary_encodes_whole_characters) {
  symbol_t s;
  EXPECT_FALSE(s.assign("ABCDEFGHIJKLMNOPQRSTUVW\xE2\x82\xAC"));  // 23 + 3 bytes into 24
  EXPECT_EQ(parse_object(encoded(position_update{.symbol = s})).at("symbol"), json::value("ABCDEFGHIJKLMNOPQRSTUVW"));

  position_update full{};  // every byte used, no terminator: stops at the capacity
  std::memset(full.symbol.data, 'Z', sizeof full.symbol.data);
  EXPECT_EQ(parse_object(encoded(full)).at("symbol"), json::value(std::string(24, 'Z')));

  position_update torn{};  // another process cut a sequence: replaced, never passed on
  std::memcpy(torn.symbol.data, "ABC\xE2\x82", 5);
  EXPECT_EQ(parse_object(encoded(torn)).at("symbol"), json::value("ABC\xEF\xBF\xBD"));
}

// ---- enums and flags from foreign bytes ----

TEST(json_encode, enum_value_outside_the_enumerators_is_null_and_any_nonzero_flag_is_true) {
  order_update o{.side = order_side::buy, .status = order_status::filled};
  auto bytes = bytes_of(o);
  bytes[offsetof(order_update, side)] = std::byte{7};
  bytes[offsetof(order_update, type)] = std::byte{255};
  bytes[offsetof(order_update, reduce_only)] = std::byte{2};
  const auto text = encode(event_type::order_update, 1, bytes);
  ASSERT_TRUE(text);
  const json::object obj = parse_object(*text);
  EXPECT_TRUE(obj.at("side").is_null());
  EXPECT_TRUE(obj.at("type").is_null());
  EXPECT_EQ(obj.at("status"), json::value("FILLED"));
  EXPECT_EQ(obj.at("reduceOnly"), json::value(true));
}

// ---- tails ----

TEST(json_encode, orderbook_with_no_levels_has_empty_arrays) {
  const auto bytes = book_payload({.symbol = "BTCUSDT", .last_update_id = 5}, {}, {});
  EXPECT_EQ(encode(event_type::futures_orderbook_update, 1, bytes),
            R"({"symbol":"BTCUSDT","lastUpdateId":5,"eventTime":0,"bids":[],"asks":[]})");
}

TEST(json_encode, orderbook_with_fifty_levels_lists_them_in_order) {
  std::vector<price_level> bids, asks;
  for (int i = 0; i < 50; ++i) {
    bids.push_back({.price = 100.0 - i * 0.5, .qty = 1.0 + i});
    asks.push_back({.price = 100.5 + i * 0.5, .qty = 0.25 * (i + 1)});
  }
  const auto text = encode(event_type::futures_orderbook_update, 1, book_payload({.symbol = "X"}, bids, asks));
  ASSERT_TRUE(text);
  const json::object obj = parse_object(*text);
  const json::array& b = obj.at("bids").as_array();
  const json::array& a = obj.at("asks").as_array();
  ASSERT_EQ(b.size(), 50u);
  ASSERT_EQ(a.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(b[i].as_object().size(), 2u);
    EXPECT_EQ(b[i].at("price").to_number<double>(), bids[i].price);
    EXPECT_EQ(b[i].at("qty").to_number<double>(), bids[i].qty);
    EXPECT_EQ(a[i].at("price").to_number<double>(), asks[i].price);
    EXPECT_EQ(a[i].at("qty").to_number<double>(), asks[i].qty);
  }
  EXPECT_NE(text->find(R"("bids":[{"price":100,"qty":1},{"price":99.5,"qty":2},)"), std::string::npos);
}

TEST(json_encode, chain_lists_its_orders_as_objects) {
  const chain_order orders[] = {
      {.order_id = 1, .client_order_id = "e-1", .role = "ENTRY", .side = order_side::buy, .type = order_type::limit,
       .status = order_status::filled, .price = 100, .qty = 2, .filled_qty = 2},
      {.order_id = 2, .client_order_id = "t-1", .role = "TP1", .side = order_side::sell,
       .type = order_type::take_profit, .status = order_status::new_, .price = 110.5, .qty = 1, .filled_qty = 0}};
  const auto text = encode(event_type::chain_update, 1,
                           chain_payload({.chain_id = "c", .status = chain_status::active, .updated_time = 7}, orders));
  EXPECT_EQ(text, R"({"chainId":"c","symbol":"","status":"ACTIVE","updatedTime":7,"orders":[)"
                  R"({"orderId":1,"clientOrderId":"e-1","role":"ENTRY","side":"BUY","type":"LIMIT","status":"FILLED",)"
                  R"("price":100,"qty":2,"filledQty":2},)"
                  R"({"orderId":2,"clientOrderId":"t-1","role":"TP1","side":"SELL","type":"TAKE_PROFIT","status":"NEW",)"
                  R"("price":110.5,"qty":1,"filledQty":0}]})");
}

TEST(json_encode, system_log_carries_message_and_metadata_object_verbatim) {
  const auto text = encode(event_type::system_log, 1,
                           log_payload({.level = log_level::warn, .source = "risk"}, "limit \"near\"\n",
                                       R"({"used": 1.0, "limit": [1, 2]})"));
  EXPECT_EQ(text, R"({"level":"WARN","source":"risk","message":"limit \"near\"\n",)"
                  R"("metadata":{"used": 1.0, "limit": [1, 2]}})");
}

TEST(json_encode, metadata_that_is_not_a_json_object_becomes_null) {
  for (const std::string meta : {"", "{", "[1,2]", "42", "\"s\"", R"({"a":1} x)", R"({"a":1,})", "{\"a\":\"\xC3\"}",
                                 "{\"a\":\"\x01\"}", R"({"a":1} {"b":2})"}) {
    const auto log = encode(event_type::system_log, 1, log_payload({.level = log_level::info}, "m", meta));
    ASSERT_TRUE(log) << meta;
    EXPECT_TRUE(parse_object(*log).at("metadata").is_null()) << meta;
    const auto gw = encode(event_type::gateway_status_change, 1, gateway_payload({.gateway_id = "g"}, meta));
    ASSERT_TRUE(gw) << meta;
    EXPECT_TRUE(parse_object(*gw).at("metadata").is_null()) << meta;
  }
  const auto gw = encode(event_type::gateway_status_change, 1,
                         gateway_payload({.gateway_id = "g", .current_status = "UP"}, R"({"reason":"restart"})"));
  EXPECT_EQ(gw, R"({"gatewayId":"g","gatewayType":"","previousStatus":"","currentStatus":"UP",)"
                R"("metadata":{"reason":"restart"}})");
}

TEST(json_encode, system_log_message_with_invalid_utf8_is_repaired) {
  const auto text = encode(event_type::system_log, 1, log_payload({}, "bad \xC3( end", ""));
  ASSERT_TRUE(text);
  EXPECT_EQ(parse_object(*text).at("message"), json::value("bad \xEF\xBF\xBD( end"));
}

TEST(json_encode, random_payload_bytes_always_encode_to_valid_json) {
  std::mt19937_64 rng(42);
  for (std::uint16_t t = 1; t < k_event_type_count; ++t) {
    static_cast<void>(visit_event_type(static_cast<event_type>(t), [&]<class T>(std::type_identity<T>) {
      for (int i = 0; i < 300; ++i) {
        const auto text = encode(event_traits<T>::type, 1, random_payload<T>(rng));
        ASSERT_TRUE(text) << wire_name(event_traits<T>::type);
        ASSERT_FALSE(parse_object(*text).empty()) << *text;  // parse_object fails the test on invalid JSON/UTF-8
      }
    }));
  }
}

// ---- refusals: nothing appended ----

TEST(json_encode, fixed_types_refuse_every_size_but_their_own) {
  for (std::uint16_t t = 1; t < k_event_type_count; ++t) {
    static_cast<void>(visit_event_type(static_cast<event_type>(t), [&]<class T>(std::type_identity<T>) {
      if constexpr (!event_traits<T>::has_tail) {
        const std::vector<std::byte> exact(sizeof(T));
        EXPECT_TRUE(encode(event_traits<T>::type, 1, exact));
        for (std::size_t size : {std::size_t{0}, sizeof(T) - 1, sizeof(T) + 1, 2 * sizeof(T)})
          EXPECT_TRUE(refused(event_traits<T>::type, 1, std::vector<std::byte>(size)))
              << wire_name(event_traits<T>::type) << " size " << size;
      }
    }));
  }
}

TEST(json_encode, tail_types_refuse_counts_that_do_not_add_up_to_the_size) {
  const price_level lv[] = {{1, 1}, {2, 2}};
  auto book = book_payload({}, lv, lv);
  EXPECT_TRUE(encode(event_type::futures_orderbook_update, 1, book));
  EXPECT_TRUE(refused(event_type::futures_orderbook_update, 1, trimmed(book, sizeof(futures_orderbook_update) - 1)));
  EXPECT_TRUE(refused(event_type::futures_orderbook_update, 1, trimmed(book, book.size() - 1)));
  EXPECT_TRUE(refused(event_type::futures_orderbook_update, 1, trimmed(book, book.size() - sizeof(price_level))));
  EXPECT_TRUE(refused(event_type::futures_orderbook_update, 1, grown(book, 1)));
  EXPECT_TRUE(refused(event_type::futures_orderbook_update, 1, grown(book, sizeof(price_level))));

  const chain_order orders[2]{};
  auto chain = chain_payload({}, orders);
  EXPECT_TRUE(encode(event_type::chain_update, 1, chain));
  EXPECT_TRUE(refused(event_type::chain_update, 1, trimmed(chain, sizeof(chain_update) - 1)));
  EXPECT_TRUE(refused(event_type::chain_update, 1, trimmed(chain, chain.size() - sizeof(chain_order))));
  EXPECT_TRUE(refused(event_type::chain_update, 1, grown(chain, sizeof(chain_order))));

  auto gw = gateway_payload({}, "{}");
  EXPECT_TRUE(encode(event_type::gateway_status_change, 1, gw));
  EXPECT_TRUE(refused(event_type::gateway_status_change, 1, trimmed(gw, sizeof(gateway_status_change) - 1)));
  EXPECT_TRUE(refused(event_type::gateway_status_change, 1, trimmed(gw, gw.size() - 1)));
  EXPECT_TRUE(refused(event_type::gateway_status_change, 1, grown(gw, 1)));

  auto log = log_payload({}, "msg", "{}");
  EXPECT_TRUE(encode(event_type::system_log, 1, log));
  EXPECT_TRUE(refused(event_type::system_log, 1, trimmed(log, sizeof(system_log) - 1)));
  EXPECT_TRUE(refused(event_type::system_log, 1, trimmed(log, log.size() - 1)));
  EXPECT_TRUE(refused(event_type::system_log, 1, grown(log, 1)));
  system_log huge{.message_size = std::numeric_limits<std::uint32_t>::max(),
                  .metadata_size = std::numeric_limits<std::uint32_t>::max()};
  EXPECT_TRUE(refused(event_type::system_log, 1, grown(bytes_of(huge), 5)));
  huge.message_size = 6;  // message larger than the rest alone
  huge.metadata_size = 0;
  EXPECT_TRUE(refused(event_type::system_log, 1, grown(bytes_of(huge), 5)));
}

TEST(json_encode, unknown_type_and_other_schema_versions_are_refused) {
  const auto pnl = bytes_of(pnl_update{.total_pnl = 1});
  EXPECT_TRUE(encode(event_type::pnl_update, 1, pnl));
  for (std::uint16_t t : {std::uint16_t{0}, k_event_type_count, std::uint16_t{999}, std::uint16_t{0xFFFF}})
    EXPECT_TRUE(refused(static_cast<event_type>(t), 1, pnl)) << t;
  for (std::uint8_t v : {std::uint8_t{0}, std::uint8_t{2}, std::uint8_t{255}})
    EXPECT_TRUE(refused(event_type::pnl_update, v, pnl)) << int{v};
  EXPECT_TRUE(refused(event_type::system_log, 2, log_payload({}, "m", "")));
}

// ---- the real publisher's bytes, through the ring ----

TEST(json_encode, payloads_published_through_the_ring_encode) {
  test::scoped_segment_name name("json");
  auto seg = segment::open_or_create(test::small_options(name.name));
  publisher pub(seg);
  const price_level bid[] = {{.price = 10, .qty = 1}};
  const chain_order order[] = {{.order_id = 3, .status = order_status::expired}};
  ASSERT_EQ(pub.publish("u", futures_orderbook_update{.symbol = "B"}, bid, {}), publish_status::published);
  ASSERT_EQ(pub.publish("u", chain_update{.chain_id = "c"}, order), publish_status::published);
  ASSERT_EQ(pub.publish("", gateway_status_change{.gateway_id = "g"}, R"({"k":1})"), publish_status::published);
  ASSERT_EQ(pub.publish("", system_log{.level = log_level::error}, "boom", ""), publish_status::published);
  ASSERT_EQ(pub.publish("u", pnl_update{.total_pnl = 2.5}), publish_status::published);
  consumer c(seg);
  std::vector<std::string> texts;
  while (c.poll([&](const record_view& r) {
    std::string out;
    EXPECT_TRUE(encode_payload_json(static_cast<event_type>(r.type), r.schema_version, r.payload, out));
    texts.push_back(out);
  }) != 0) {
  }
  EXPECT_EQ(texts, (std::vector<std::string>{
                       R"({"symbol":"B","lastUpdateId":0,"eventTime":0,"bids":[{"price":10,"qty":1}],"asks":[]})",
                       R"({"chainId":"c","symbol":"","status":"PENDING","updatedTime":0,"orders":[{"orderId":3,)"
                       R"("clientOrderId":"","role":"","side":"BUY","type":"LIMIT","status":"EXPIRED","price":0,)"
                       R"("qty":0,"filledQty":0}]})",
                       R"({"gatewayId":"g","gatewayType":"","previousStatus":"","currentStatus":"","metadata":{"k":1}})",
                       R"({"level":"ERROR","source":"","message":"boom","metadata":null})",
                       R"({"totalPnl":2.5,"dailyPnl":0,"positionPnl":0,"realizedPnl":0})"}));
}

TEST(iso8601, utc_with_microseconds_truncated) {
  std::string out;
  append_iso8601_utc(1'795'304'335'123'456'789, out);  // 2026-11-21T23:38:55.123456789Z
  EXPECT_EQ(out, "2026-11-21T23:38:55.123456Z");
  out.clear();
  append_iso8601_utc(0, out);
  EXPECT_EQ(out, "1970-01-01T00:00:00.000000Z");
  out.clear();
  append_iso8601_utc(-1'000, out);  // one microsecond before the epoch
  EXPECT_EQ(out, "1969-12-31T23:59:59.999999Z");
}

TEST(iso8601, a_new_second_is_not_served_from_the_cache) {
  std::string a, b;
  append_iso8601_utc(1'795'304'335'999'999'000, a);
  append_iso8601_utc(1'795'304'336'000'001'000, b);
  EXPECT_EQ(a, "2026-11-21T23:38:55.999999Z");
  EXPECT_EQ(b, "2026-11-21T23:38:56.000001Z");
}

}  // namespace
}  // namespace ringcast::shm
