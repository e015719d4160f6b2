// The payload structs of every event type, and their small types. Part of
// the schema (schema.hpp, which includes this file and explains the
// conventions); split out only to keep each file readable.
#pragma once

#include <boost/describe.hpp>
#include <cstdint>

#include "ringcast/shm/fixed_string.hpp"

namespace ringcast::shm {

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

}  // namespace ringcast::shm
