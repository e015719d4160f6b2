// Conflation keys and log levels of ring records (event_key.hpp). Records
// are built as the ring holds them: the payload struct's bytes, memcpy'd,
// in a buffer exactly as long as the payload, so that a read past it is an
// ASan error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "event_key.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::bridge {
namespace {

using shm::event_traits;

struct record_options {
  std::string_view user = "u1";
  std::size_t size = static_cast<std::size_t>(-1);  // default: the whole struct (plus tail)
  int version = -1;                                 // default: event_traits<T>::version
  std::string_view tail = {};
};

template <class T>
event_facts classify(const T& payload, const record_options& o = {}) {
  std::vector<std::byte> bytes(sizeof(T) + o.tail.size());
  std::memcpy(bytes.data(), &payload, sizeof(T));
  std::copy(o.tail.begin(), o.tail.end(), reinterpret_cast<char*>(bytes.data() + sizeof(T)));
  if (o.size < bytes.size())
    bytes = std::vector<std::byte>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(o.size));
  shm::record_view r;
  r.type = static_cast<std::uint16_t>(event_traits<T>::type);
  r.schema_version = o.version < 0 ? event_traits<T>::version : static_cast<std::uint8_t>(o.version);
  r.user_id = o.user;
  r.payload = bytes;
  return classify_event(r);
}

// A state event's key: never empty, so that "equal keys" cannot pass by
// both being empty.
template <class T>
std::string key_of(const T& payload, std::string_view user = "u1") {
  std::string key = classify(payload, {.user = user}).key;
  EXPECT_FALSE(key.empty()) << shm::wire_name(event_traits<T>::type);
  return key;
}

// Calls f(T{}) for every event type.
template <class F>
void for_each_type(F&& f) {
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    ASSERT_TRUE(
        shm::visit_event_type(static_cast<shm::event_type>(t), [&]<class T>(std::type_identity<T>) { f(T{}); }));
}

constexpr shm::event_type k_stream_types[] = {
    shm::event_type::order_update,  shm::event_type::trade_update,          shm::event_type::lifecycle_event,
    shm::event_type::chain_update,  shm::event_type::signal_update,         shm::event_type::system_log,
    shm::event_type::gateway_status_change,
};

bool is_stream(shm::event_type t) {
  for (auto s : k_stream_types)
    if (s == t) return true;
  return false;
}

TEST(event_key, pnl_is_keyed_per_user) {
  EXPECT_EQ(key_of(shm::pnl_update{.total_pnl = 1}, "alice"), key_of(shm::pnl_update{.total_pnl = 2}, "alice"));
  EXPECT_NE(key_of(shm::pnl_update{}, "alice"), key_of(shm::pnl_update{}, "bob"));
  // A global event (no user) is not any user's.
  EXPECT_NE(key_of(shm::pnl_update{}, ""), key_of(shm::pnl_update{}, "alice"));
}

TEST(event_key, per_user_types_ignore_their_fields) {
  EXPECT_EQ(key_of(shm::ginie_status_update{.current_mode = "scalp"}),
            key_of(shm::ginie_status_update{.current_mode = "swing"}));
  EXPECT_EQ(key_of(shm::circuit_breaker_update{.trigger_reason = "a"}),
            key_of(shm::circuit_breaker_update{.trigger_reason = "b"}));
  EXPECT_EQ(key_of(shm::autopilot_rules_update{.max_leverage = 5}),
            key_of(shm::autopilot_rules_update{.max_leverage = 10}));
  EXPECT_NE(key_of(shm::autopilot_rules_update{}, "alice"), key_of(shm::autopilot_rules_update{}, "bob"));
}

TEST(event_key, market_data_is_keyed_per_symbol) {
  EXPECT_EQ(key_of(shm::futures_mark_price_update{.symbol = "BTCUSDT", .mark_price = 1}),
            key_of(shm::futures_mark_price_update{.symbol = "BTCUSDT", .mark_price = 2}));
  EXPECT_NE(key_of(shm::futures_mark_price_update{.symbol = "BTCUSDT"}),
            key_of(shm::futures_mark_price_update{.symbol = "ETHUSDT"}));
  EXPECT_EQ(key_of(shm::futures_orderbook_update{.symbol = "BTCUSDT", .last_update_id = 1}),
            key_of(shm::futures_orderbook_update{.symbol = "BTCUSDT", .last_update_id = 2}));
  EXPECT_NE(key_of(shm::futures_orderbook_update{.symbol = "BTCUSDT"}),
            key_of(shm::futures_orderbook_update{.symbol = "ETHUSDT"}));
  EXPECT_NE(key_of(shm::futures_mark_price_update{.symbol = "BTCUSDT"}, "alice"),
            key_of(shm::futures_mark_price_update{.symbol = "BTCUSDT"}, "bob"));
}

TEST(event_key, orderbook_key_ignores_the_tail) {
  const shm::price_level level{.price = 1, .qty = 2};
  const std::string_view tail(reinterpret_cast<const char*>(&level), sizeof level);
  const shm::futures_orderbook_update book{.symbol = "BTCUSDT", .bid_count = 1};
  EXPECT_EQ(classify(book, {.tail = tail}).key, key_of(shm::futures_orderbook_update{.symbol = "BTCUSDT"}));
}

TEST(event_key, kline_is_keyed_per_symbol_and_interval) {
  EXPECT_EQ(key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "1m", .close = 1}),
            key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "1m", .close = 2}));
  EXPECT_NE(key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "1m"}),
            key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "5m"}));
  EXPECT_NE(key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "1m"}),
            key_of(shm::futures_kline_update{.symbol = "ETHUSDT", .interval = "1m"}));
}

TEST(event_key, balance_is_keyed_per_asset) {
  EXPECT_EQ(key_of(shm::balance_update{.asset = "USDT", .wallet_balance = 1}),
            key_of(shm::balance_update{.asset = "USDT", .wallet_balance = 2}));
  EXPECT_NE(key_of(shm::balance_update{.asset = "USDT"}), key_of(shm::balance_update{.asset = "BNB"}));
}

TEST(event_key, position_is_keyed_per_symbol_and_side) {
  using enum shm::position_side;
  EXPECT_EQ(key_of(shm::position_update{.symbol = "BTCUSDT", .side = long_, .size = 1}),
            key_of(shm::position_update{.symbol = "BTCUSDT", .side = long_, .size = 2}));
  EXPECT_NE(key_of(shm::position_update{.symbol = "BTCUSDT", .side = long_}),
            key_of(shm::position_update{.symbol = "ETHUSDT", .side = long_}));
  // Hedge mode: LONG and SHORT of one symbol are two positions.
  EXPECT_NE(key_of(shm::position_update{.symbol = "BTCUSDT", .side = long_}),
            key_of(shm::position_update{.symbol = "BTCUSDT", .side = short_}));
}

TEST(event_key, modes_and_components_are_keyed_by_name) {
  EXPECT_EQ(key_of(shm::mode_status_update{.mode = "scalp", .pnl_today = 1}),
            key_of(shm::mode_status_update{.mode = "scalp", .pnl_today = 2}));
  EXPECT_NE(key_of(shm::mode_status_update{.mode = "scalp"}), key_of(shm::mode_status_update{.mode = "swing"}));
  EXPECT_NE(key_of(shm::mode_safety_update{.mode = "scalp"}), key_of(shm::mode_safety_update{.mode = "swing"}));
  EXPECT_NE(key_of(shm::mode_allocation_update{.mode = "scalp"}),
            key_of(shm::mode_allocation_update{.mode = "swing"}));
  EXPECT_EQ(key_of(shm::system_status_update{.component = "db", .status = "OK"}),
            key_of(shm::system_status_update{.component = "db", .status = "DOWN"}));
  EXPECT_NE(key_of(shm::system_status_update{.component = "db"}), key_of(shm::system_status_update{.component = "ws"}));
  EXPECT_NE(key_of(shm::health_update{.component = "db"}), key_of(shm::health_update{.component = "ws"}));
  EXPECT_NE(key_of(shm::stats_update{.source = "ginie"}), key_of(shm::stats_update{.source = "manual"}));
  EXPECT_NE(key_of(shm::performance_update{.scope = "BTCUSDT"}), key_of(shm::performance_update{.scope = "scalp"}));
}

TEST(event_key, stream_and_unknown_types_are_unkeyed) {
  int streams = 0;
  for_each_type([&]<class T>(const T& v) {
    const auto type = event_traits<T>::type;
    EXPECT_EQ(classify(v).key.empty(), is_stream(type)) << shm::wire_name(type);
    streams += is_stream(type) ? 1 : 0;
  });
  EXPECT_EQ(streams, static_cast<int>(std::size(k_stream_types)));
  // Unknown type numbers, with a payload that would be a valid pnl_update.
  const shm::pnl_update pnl{};
  for (std::uint16_t type : {std::uint16_t{0}, shm::k_event_type_count, std::uint16_t{0xFFFF}}) {
    shm::record_view r;
    r.type = type;
    r.schema_version = 1;
    r.user_id = "u1";
    r.payload = std::as_bytes(std::span(&pnl, 1));
    const auto facts = classify_event(r);
    EXPECT_TRUE(facts.key.empty()) << type;
    EXPECT_FALSE(facts.level) << type;
  }
}

TEST(event_key, short_payload_or_other_version_is_unkeyed) {
  for_each_type([&]<class T>(const T& v) {
    const auto name = shm::wire_name(event_traits<T>::type);
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, sizeof(T) - 1}) {
      const auto facts = classify(v, {.size = size});
      EXPECT_TRUE(facts.key.empty()) << name << " size " << size;
      EXPECT_FALSE(facts.level) << name << " size " << size;
    }
    for (int version : {0, event_traits<T>::version + 1, 255}) {
      const auto facts = classify(v, {.version = version});
      EXPECT_TRUE(facts.key.empty()) << name << " version " << version;
      EXPECT_FALSE(facts.level) << name << " version " << version;
    }
  });
  // A user id no ring record can carry is not cut into another user's.
  EXPECT_TRUE(classify(shm::pnl_update{}, {.user = std::string(shm::k_max_user_id + 1, 'u')}).key.empty());
  EXPECT_FALSE(key_of(shm::pnl_update{}, std::string(shm::k_max_user_id, 'u')).empty());
}

TEST(event_key, system_log_gives_its_level) {
  using enum shm::log_level;
  for (auto level : {debug, info, warn, error}) {
    const auto facts = classify(shm::system_log{.level = level, .message_size = 5}, {.tail = "hello"});
    EXPECT_EQ(facts.level, level);
    EXPECT_TRUE(facts.key.empty());
  }
  // A byte no level names is not handed on as one.
  EXPECT_FALSE(classify(shm::system_log{.level = static_cast<shm::log_level>(9)}).level);
  // Only system_log has a level.
  EXPECT_FALSE(classify(shm::health_update{.component = "db"}).level);
}

TEST(event_key, types_never_share_a_key) {
  // The same text in every keyed field, the same user: one key per type.
  std::set<std::string> keys;
  int keyed = 0;
  for_each_type([&]<class T>(T v) {
    if (is_stream(event_traits<T>::type)) return;
    if constexpr (requires { v.symbol; }) v.symbol = "x";
    if constexpr (requires { v.asset; }) v.asset = "x";
    if constexpr (requires { v.mode; }) v.mode = "x";
    if constexpr (requires { v.component; }) v.component = "x";
    if constexpr (requires { v.source; }) v.source = "x";
    if constexpr (requires { v.scope; }) v.scope = "x";
    keys.insert(key_of(v));
    ++keyed;
  });
  EXPECT_EQ(keyed, shm::k_event_type_count - 1 - static_cast<int>(std::size(k_stream_types)));
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(keyed));
}

TEST(event_key, field_boundaries_are_unambiguous) {
  // Moving bytes between user id and fields, or between two fields, changes
  // the key, whatever the bytes (a 0x1F included).
  EXPECT_NE(key_of(shm::balance_update{.asset = "1X"}, "u"), key_of(shm::balance_update{.asset = "X"}, "u1"));
  EXPECT_NE(key_of(shm::futures_kline_update{.symbol = "AB", .interval = "C"}),
            key_of(shm::futures_kline_update{.symbol = "A", .interval = "BC"}));
  EXPECT_NE(key_of(shm::futures_kline_update{.symbol = "A\x1F", .interval = "B"}),
            key_of(shm::futures_kline_update{.symbol = "A", .interval = "\x1F" "B"}));
  EXPECT_NE(key_of(shm::balance_update{.asset = "X"}, "u\x1F"), key_of(shm::balance_update{.asset = "\x1FX"}, "u"));
}

TEST(event_key, fields_compare_up_to_their_nul) {
  // Bytes after a fixed_string's NUL are not part of its value.
  shm::balance_update dirty{.asset = "USDT"};
  std::memset(dirty.asset.data + 5, 'z', sizeof dirty.asset.data - 5);
  EXPECT_EQ(key_of(dirty), key_of(shm::balance_update{.asset = "USDT"}));
  // A full field (no NUL) is taken whole: nothing is cut.
  const std::string full(shm::symbol_t::capacity, 'S');
  const std::string key = key_of(shm::futures_mark_price_update{.symbol = std::string_view(full)});
  EXPECT_NE(key.find(full), std::string::npos);
}

TEST(event_key, key_bytes_follow_the_documented_format) {
  using namespace std::string_literals;
  EXPECT_EQ(key_of(shm::futures_kline_update{.symbol = "BTCUSDT", .interval = "1m"}, "u1"),
            "\x00\x07"s "\x02u1"s "\x07" "BTCUSDT"s "\x02" "1m"s);
  EXPECT_EQ(key_of(shm::position_update{.symbol = "ETHUSDT", .side = shm::position_side::short_}, ""),
            "\x00\x01"s "\x00"s "\x07" "ETHUSDT"s "\x01"s);
  EXPECT_EQ(key_of(shm::pnl_update{}, "u1"), "\x00\x0C"s "\x02u1"s);
}

}  // namespace
}  // namespace ringcast::bridge
