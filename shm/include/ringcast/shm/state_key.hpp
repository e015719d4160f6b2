// Which events are state, and what identifies the thing each one describes.
// Part of the schema: a newer state event with the same user and the same
// key fields supersedes the older one, so a slow client's queue keeps only
// the latest (the bridge's conflation, bridge/event_key.hpp), /api/snapshot
// keeps the latest of each, and the dashboard (through the generated
// TypeScript STATE_KEYS) files each one under the same key.
//
//   event type                  key fields (after the user)
//   --------------------------  ---------------------------------------------
//   pnl_update                  - (one per user)
//   ginie_status_update         - (one per user; current_mode is state, not identity)
//   circuit_breaker_update      - (one per user)
//   autopilot_rules_update      - (one per user)
//   futures_mark_price_update   symbol
//   futures_orderbook_update    symbol
//   futures_kline_update        symbol, interval
//   position_update             symbol, side (hedge mode holds LONG and SHORT of one symbol)
//   balance_update              asset
//   mode_status_update          mode
//   mode_safety_update          mode
//   mode_allocation_update      mode
//   system_status_update        component
//   health_update               component
//   stats_update                source (ginie, manual, signal bot...)
//   performance_update          scope (a symbol or a strategy)
//
// Every other type is a stream event (orders, trades, lifecycle, chains,
// signals, logs, gateway changes): each one matters, none supersedes another.
#pragma once

#include <tuple>

#include "ringcast/shm/payloads.hpp"

namespace ringcast::shm {

// state_key<T>::fields: a tuple of pointers to T's key members, in key order.
// Not defined for a stream event.
template <class T>
struct state_key;

#define RINGCAST_STATE_KEY(T, ...)                                 \
  template <>                                                      \
  struct state_key<T> {                                            \
    static constexpr auto fields = std::make_tuple(__VA_ARGS__);   \
  };
RINGCAST_STATE_KEY(pnl_update)
RINGCAST_STATE_KEY(ginie_status_update)
RINGCAST_STATE_KEY(circuit_breaker_update)
RINGCAST_STATE_KEY(autopilot_rules_update)
RINGCAST_STATE_KEY(futures_mark_price_update, &futures_mark_price_update::symbol)
RINGCAST_STATE_KEY(futures_orderbook_update, &futures_orderbook_update::symbol)
RINGCAST_STATE_KEY(futures_kline_update, &futures_kline_update::symbol, &futures_kline_update::interval)
RINGCAST_STATE_KEY(position_update, &position_update::symbol, &position_update::side)
RINGCAST_STATE_KEY(balance_update, &balance_update::asset)
RINGCAST_STATE_KEY(mode_status_update, &mode_status_update::mode)
RINGCAST_STATE_KEY(mode_safety_update, &mode_safety_update::mode)
RINGCAST_STATE_KEY(mode_allocation_update, &mode_allocation_update::mode)
RINGCAST_STATE_KEY(system_status_update, &system_status_update::component)
RINGCAST_STATE_KEY(health_update, &health_update::component)
RINGCAST_STATE_KEY(stats_update, &stats_update::source)
RINGCAST_STATE_KEY(performance_update, &performance_update::scope)
#undef RINGCAST_STATE_KEY

template <class T>
concept state_event = requires { state_key<T>::fields; };

}  // namespace ringcast::shm
