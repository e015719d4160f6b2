// The event schema: one trivially-copyable payload struct per event type.
// This file is the single source of truth: the JSON encoding (json_encode),
// the binary-compatibility test, and later the TypeScript types all walk
// these definitions through Boost.Describe.
//
// Conventions
//  - members are snake_case here and camelCase on the wire (unrealized_pnl ->
//    "unrealizedPnl"); enumerators are snake_case here and UPPER_CASE on the
//    wire (partially_filled -> "PARTIALLY_FILLED", a trailing _ dropped).
//  - prices, sizes and money are double; times are Unix milliseconds.
//  - booleans are `flag` (one byte, any non-zero is true): payload bytes come
//    from other processes, and a bool holding 2 would be undefined behaviour.
//  - variable-length parts (order-book levels, chain orders, log text) follow
//    the fixed struct in the payload; the struct holds their counts. Such
//    types set event_traits<T>::has_tail and are published through the
//    matching publisher overload, which fills the counts itself.
//  - every member has a default initializer, so designated initializers
//    may name only what they set (pnl_update{.total_pnl = 1}).
//  - changing a struct means bumping its event_traits<T>::version (and the
//    golden table in tests/unit/layout_compat_test.cpp).
#pragma once

#include <boost/describe.hpp>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "ringcast/shm/fixed_string.hpp"

namespace ringcast::shm {

// ---- event types: numbers are part of the shm layout, names of the wire ----
enum class event_type : std::uint16_t {
  // 0 is the ring's padding record (k_padding_type)
  position_update = 1,
  order_update = 2,
  trade_update = 3,
  balance_update = 4,
  futures_orderbook_update = 5,
  futures_mark_price_update = 6,
  futures_kline_update = 7,
  chain_update = 8,
  lifecycle_event = 9,
  ginie_status_update = 10,
  circuit_breaker_update = 11,
  pnl_update = 12,
  signal_update = 13,
  mode_status_update = 14,
  mode_safety_update = 15,
  mode_allocation_update = 16,
  autopilot_rules_update = 17,
  stats_update = 18,
  performance_update = 19,
  health_update = 20,
  system_status_update = 21,
  gateway_status_change = 22,
  system_log = 23,
};
inline constexpr std::uint16_t k_event_type_count = 24;  // one past the largest

// The names the dashboards already use (DESIGN.md's catalogue).
[[nodiscard]] std::string_view wire_name(event_type t) noexcept;  // "" if unknown
[[nodiscard]] std::optional<event_type> event_type_from_wire(std::string_view name) noexcept;
[[nodiscard]] constexpr bool is_known_event_type(std::uint16_t t) noexcept { return t >= 1 && t < k_event_type_count; }

// ---- small types ----
struct flag {
  std::uint8_t value = 0;
  constexpr flag() noexcept = default;
  constexpr flag(bool b) noexcept : value(b ? 1 : 0) {}  // NOLINT(google-explicit-constructor)
  constexpr explicit operator bool() const noexcept { return value != 0; }
};

using symbol_t = fixed_string<24>;  // "BTCUSDT", "1000PEPEUSDT"
using id_t = fixed_string<40>;      // UUIDs (36) and exchange ids
using name_t = fixed_string<32>;    // modes, stages, sources, components
using text_t = fixed_string<128>;   // reasons and details

enum class order_side : std::uint8_t { buy, sell };
enum class position_side : std::uint8_t { long_, short_, both };
enum class margin_type : std::uint8_t { cross, isolated };
enum class order_type : std::uint8_t { limit, market, stop, stop_market, take_profit, take_profit_market, trailing_stop_market };
enum class order_status : std::uint8_t { new_, partially_filled, filled, canceled, rejected, expired };
enum class chain_status : std::uint8_t { pending, active, completed, canceled, failed };
enum class signal_direction : std::uint8_t { long_, short_, neutral };
enum class log_level : std::uint8_t { debug, info, warn, error };
BOOST_DESCRIBE_ENUM(order_side, buy, sell)
BOOST_DESCRIBE_ENUM(position_side, long_, short_, both)
BOOST_DESCRIBE_ENUM(margin_type, cross, isolated)
BOOST_DESCRIBE_ENUM(order_type, limit, market, stop, stop_market, take_profit, take_profit_market, trailing_stop_market)
BOOST_DESCRIBE_ENUM(order_status, new_, partially_filled, filled, canceled, rejected, expired)
BOOST_DESCRIBE_ENUM(chain_status, pending, active, completed, canceled, failed)
BOOST_DESCRIBE_ENUM(signal_direction, long_, short_, neutral)
BOOST_DESCRIBE_ENUM(log_level, debug, info, warn, error)

// ---- payloads ----
struct position_update {
  symbol_t symbol{};
  position_side side{};
  margin_type margin{};
  std::uint16_t leverage{};
  double size{};  // contracts, always >= 0; side says the direction
  double entry_price{};
  double mark_price{};
  double liquidation_price{};
  double unrealized_pnl{};
  double margin_used{};
};
BOOST_DESCRIBE_STRUCT(position_update, (), (symbol, side, margin, leverage, size, entry_price, mark_price, liquidation_price, unrealized_pnl, margin_used))

struct order_update {
  std::int64_t order_id{};
  id_t client_order_id{};
  symbol_t symbol{};
  order_side side{};
  order_type type{};
  order_status status{};
  flag reduce_only{};
  double price{};
  double stop_price{};
  double qty{};
  double filled_qty{};
  double avg_price{};
  std::int64_t update_time{};
};
BOOST_DESCRIBE_STRUCT(order_update, (), (order_id, client_order_id, symbol, side, type, status, reduce_only, price, stop_price, qty, filled_qty, avg_price, update_time))

struct trade_update {
  std::int64_t trade_id{};
  std::int64_t order_id{};
  symbol_t symbol{};
  order_side side{};
  flag is_maker{};
  fixed_string<16> fee_asset{};
  double price{};
  double qty{};
  double fee{};
  double realized_pnl{};
  std::int64_t trade_time{};
};
BOOST_DESCRIBE_STRUCT(trade_update, (), (trade_id, order_id, symbol, side, is_maker, fee_asset, price, qty, fee, realized_pnl, trade_time))

struct balance_update {
  fixed_string<16> asset{};
  double wallet_balance{};
  double available_balance{};
  double cross_unrealized_pnl{};
  double balance_change{};
};
BOOST_DESCRIBE_STRUCT(balance_update, (), (asset, wallet_balance, available_balance, cross_unrealized_pnl, balance_change))

struct price_level {
  double price{};
  double qty{};
};
BOOST_DESCRIBE_STRUCT(price_level, (), (price, qty))

// Followed by bid_count bids (best first), then ask_count asks (best first).
struct futures_orderbook_update {
  symbol_t symbol{};
  std::uint16_t bid_count{};
  std::uint16_t ask_count{};
  std::int64_t last_update_id{};
  std::int64_t event_time{};
};
BOOST_DESCRIBE_STRUCT(futures_orderbook_update, (), (symbol, bid_count, ask_count, last_update_id, event_time))

struct futures_mark_price_update {
  symbol_t symbol{};
  double mark_price{};
  double index_price{};
  double funding_rate{};
  std::int64_t next_funding_time{};
};
BOOST_DESCRIBE_STRUCT(futures_mark_price_update, (), (symbol, mark_price, index_price, funding_rate, next_funding_time))

struct futures_kline_update {
  symbol_t symbol{};
  fixed_string<8> interval{};  // "1m", "15m", "4h", "1d"
  flag is_closed{};
  double open{};
  double high{};
  double low{};
  double close{};
  double volume{};
  std::int64_t open_time{};
  std::int64_t close_time{};
};
BOOST_DESCRIBE_STRUCT(futures_kline_update, (), (symbol, interval, is_closed, open, high, low, close, volume, open_time, close_time))

struct chain_order {
  std::int64_t order_id{};
  id_t client_order_id{};
  fixed_string<16> role{};  // ENTRY, TP1, TP2, SL, HEDGE...
  order_side side{};
  order_type type{};
  order_status status{};
  double price{};
  double qty{};
  double filled_qty{};
};
BOOST_DESCRIBE_STRUCT(chain_order, (), (order_id, client_order_id, role, side, type, status, price, qty, filled_qty))

// Followed by order_count chain_order.
struct chain_update {
  id_t chain_id{};
  symbol_t symbol{};
  chain_status status{};
  std::uint16_t order_count{};
  std::int64_t updated_time{};
};
BOOST_DESCRIBE_STRUCT(chain_update, (), (chain_id, symbol, status, order_count, updated_time))

struct lifecycle_event {
  std::int64_t event_id{};
  id_t chain_id{};
  std::int64_t order_id{};
  symbol_t symbol{};
  name_t stage{};  // SIGNAL, ENTRY_PLACED, ENTRY_FILLED, TP1_HIT, SL_HIT, CLOSED...
  text_t detail{};
  std::int64_t event_time{};
};
BOOST_DESCRIBE_STRUCT(lifecycle_event, (), (event_id, chain_id, order_id, symbol, stage, detail, event_time))

struct ginie_status_update {
  flag is_running{};
  name_t current_mode{};
  std::uint32_t active_positions{};
  std::uint32_t max_positions{};
  std::uint32_t daily_trades{};
  fixed_string<64> last_signal{};
  std::int64_t last_decision_time{};
};
BOOST_DESCRIBE_STRUCT(ginie_status_update, (), (is_running, current_mode, active_positions, max_positions, daily_trades, last_signal, last_decision_time))

struct circuit_breaker_update {
  flag is_triggered{};
  std::uint32_t consecutive_losses{};
  text_t trigger_reason{};
  double daily_loss{};
  double daily_loss_limit{};
  std::int64_t reset_time{};  // 0 when not triggered
};
BOOST_DESCRIBE_STRUCT(circuit_breaker_update, (), (is_triggered, consecutive_losses, trigger_reason, daily_loss, daily_loss_limit, reset_time))

struct pnl_update {
  double total_pnl{};
  double daily_pnl{};
  double position_pnl{};  // unrealised, open positions
  double realized_pnl{};
};
BOOST_DESCRIBE_STRUCT(pnl_update, (), (total_pnl, daily_pnl, position_pnl, realized_pnl))

struct signal_update {
  id_t signal_id{};
  symbol_t symbol{};
  signal_direction direction{};
  name_t source{};
  double confidence{};  // 0..1
  double entry_price{};
  double stop_loss{};
  double take_profit{};
};
BOOST_DESCRIBE_STRUCT(signal_update, (), (signal_id, symbol, direction, source, confidence, entry_price, stop_loss, take_profit))

struct mode_status_update {
  name_t mode{};  // scalp, swing, position, ultra_fast...
  flag enabled{};
  name_t status{};
  std::uint32_t active_positions{};
  double pnl_today{};
};
BOOST_DESCRIBE_STRUCT(mode_status_update, (), (mode, enabled, status, active_positions, pnl_today))

struct mode_safety_update {
  name_t mode{};
  flag is_paused{};
  std::uint32_t consecutive_losses{};
  text_t pause_reason{};
  double win_rate{};
  double max_drawdown_pct{};
  std::int64_t resume_time{};
};
BOOST_DESCRIBE_STRUCT(mode_safety_update, (), (mode, is_paused, consecutive_losses, pause_reason, win_rate, max_drawdown_pct, resume_time))

struct mode_allocation_update {
  name_t mode{};
  std::uint32_t max_positions{};
  double allocation_pct{};
  double allocated_usd{};
  double used_usd{};
};
BOOST_DESCRIBE_STRUCT(mode_allocation_update, (), (mode, max_positions, allocation_pct, allocated_usd, used_usd))

struct autopilot_rules_update {
  flag enabled{};
  std::uint16_t max_leverage{};
  std::uint32_t max_positions{};
  double max_daily_loss{};
  double max_position_usd{};
  double risk_per_trade_pct{};
  double min_confidence{};
};
BOOST_DESCRIBE_STRUCT(autopilot_rules_update, (), (enabled, max_leverage, max_positions, max_daily_loss, max_position_usd, risk_per_trade_pct, min_confidence))

struct stats_update {
  name_t source{};  // trade source: ginie, manual, signal bot...
  std::uint32_t total_trades{};
  std::uint32_t winning_trades{};
  std::uint32_t losing_trades{};
  double win_rate{};
  double total_pnl{};
  double total_volume{};
};
BOOST_DESCRIBE_STRUCT(stats_update, (), (source, total_trades, winning_trades, losing_trades, win_rate, total_pnl, total_volume))

struct performance_update {
  name_t scope{};  // a symbol or a strategy
  std::uint32_t trades{};
  double win_rate{};
  double pnl{};
  double avg_pnl{};
  double max_drawdown{};
  double sharpe{};
};
BOOST_DESCRIBE_STRUCT(performance_update, (), (scope, trades, win_rate, pnl, avg_pnl, max_drawdown, sharpe))

struct health_update {
  name_t component{};
  flag healthy{};
  double latency_ms{};
  double error_rate{};
  text_t detail{};
};
BOOST_DESCRIBE_STRUCT(health_update, (), (component, healthy, latency_ms, error_rate, detail))

struct system_status_update {
  name_t component{};
  fixed_string<16> status{};  // OK, DEGRADED, DOWN
  text_t detail{};
};
BOOST_DESCRIBE_STRUCT(system_status_update, (), (component, status, detail))

// Followed by metadata_size bytes of JSON text (an object, or nothing).
struct gateway_status_change {
  id_t gateway_id{};
  name_t gateway_type{};
  fixed_string<16> previous_status{};
  fixed_string<16> current_status{};
  std::uint32_t metadata_size{};
};
BOOST_DESCRIBE_STRUCT(gateway_status_change, (), (gateway_id, gateway_type, previous_status, current_status, metadata_size))

// Followed by message_size bytes of UTF-8 text, then metadata_size bytes of
// JSON text (an object, or nothing).
struct system_log {
  log_level level{};
  name_t source{};
  std::uint32_t message_size{};
  std::uint32_t metadata_size{};
};
BOOST_DESCRIBE_STRUCT(system_log, (), (level, source, message_size, metadata_size))

// ---- traits: type number, version, tail ----
template <class T>
struct event_traits;

#define RINGCAST_EVENT(T, HAS_TAIL)                                   \
  template <>                                                         \
  struct event_traits<T> {                                            \
    static constexpr event_type type = event_type::T;                 \
    static constexpr std::uint8_t version = 1;                        \
    static constexpr bool has_tail = HAS_TAIL;                        \
  };
RINGCAST_EVENT(position_update, false)
RINGCAST_EVENT(order_update, false)
RINGCAST_EVENT(trade_update, false)
RINGCAST_EVENT(balance_update, false)
RINGCAST_EVENT(futures_orderbook_update, true)
RINGCAST_EVENT(futures_mark_price_update, false)
RINGCAST_EVENT(futures_kline_update, false)
RINGCAST_EVENT(chain_update, true)
RINGCAST_EVENT(lifecycle_event, false)
RINGCAST_EVENT(ginie_status_update, false)
RINGCAST_EVENT(circuit_breaker_update, false)
RINGCAST_EVENT(pnl_update, false)
RINGCAST_EVENT(signal_update, false)
RINGCAST_EVENT(mode_status_update, false)
RINGCAST_EVENT(mode_safety_update, false)
RINGCAST_EVENT(mode_allocation_update, false)
RINGCAST_EVENT(autopilot_rules_update, false)
RINGCAST_EVENT(stats_update, false)
RINGCAST_EVENT(performance_update, false)
RINGCAST_EVENT(health_update, false)
RINGCAST_EVENT(system_status_update, false)
RINGCAST_EVENT(gateway_status_change, true)
RINGCAST_EVENT(system_log, true)
#undef RINGCAST_EVENT

template <class T>
concept event_payload = requires { event_traits<T>::type; } && std::is_trivially_copyable_v<T> &&
                        std::is_standard_layout_v<T>;
template <class T>
concept fixed_event_payload = event_payload<T> && !event_traits<T>::has_tail;

// Calls f(std::type_identity<T>{}) for the payload type of `t`; returns
// false for an unknown type. The one switch over event types.
template <class F>
bool visit_event_type(event_type t, F&& f) {
  switch (t) {
#define RINGCAST_CASE(T) \
  case event_type::T: f(std::type_identity<T>{}); return true;
    RINGCAST_CASE(position_update)
    RINGCAST_CASE(order_update)
    RINGCAST_CASE(trade_update)
    RINGCAST_CASE(balance_update)
    RINGCAST_CASE(futures_orderbook_update)
    RINGCAST_CASE(futures_mark_price_update)
    RINGCAST_CASE(futures_kline_update)
    RINGCAST_CASE(chain_update)
    RINGCAST_CASE(lifecycle_event)
    RINGCAST_CASE(ginie_status_update)
    RINGCAST_CASE(circuit_breaker_update)
    RINGCAST_CASE(pnl_update)
    RINGCAST_CASE(signal_update)
    RINGCAST_CASE(mode_status_update)
    RINGCAST_CASE(mode_safety_update)
    RINGCAST_CASE(mode_allocation_update)
    RINGCAST_CASE(autopilot_rules_update)
    RINGCAST_CASE(stats_update)
    RINGCAST_CASE(performance_update)
    RINGCAST_CASE(health_update)
    RINGCAST_CASE(system_status_update)
    RINGCAST_CASE(gateway_status_change)
    RINGCAST_CASE(system_log)
#undef RINGCAST_CASE
  }
  return false;
}

}  // namespace ringcast::shm
