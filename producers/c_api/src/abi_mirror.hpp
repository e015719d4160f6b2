// The C structs and enums of ringcast.h against the C++ schema
// (shm/schema.hpp), checked at compile time so that they cannot drift:
// for every payload, each member listed below must be at the same offset
// with a compatible type in both, the list must name every member of the
// C++ struct in declaration order (walked through Boost.Describe), and the
// sizes and alignments must be equal; for every enum, each C constant must
// carry the value of the enumerator with its wire name.
//
// c_struct_t<T> maps a C++ payload type to its C mirror.
#pragma once

#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <boost/preprocessor/cat.hpp>
#include <boost/preprocessor/seq/for_each.hpp>
#include <boost/preprocessor/stringize.hpp>
#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <type_traits>

#include "ringcast/ringcast.h"
#include "ringcast/shm/schema.hpp"

namespace ringcast::capi {

template <class C, class Cpp>
inline constexpr bool k_same_kind = std::is_same_v<C, Cpp>;  // double, int64_t, uint16_t, uint32_t
template <std::size_t N>
inline constexpr bool k_same_kind<char[N], shm::fixed_string<N>> = true;
template <>
inline constexpr bool k_same_kind<std::uint8_t, shm::flag> = true;
#define RINGCAST_SAME_KIND_ENUM(E)                          \
  template <>                                               \
  inline constexpr bool k_same_kind<std::uint8_t, shm::E> = \
      std::is_same_v<std::underlying_type_t<shm::E>, std::uint8_t>;
RINGCAST_SAME_KIND_ENUM(order_side)
RINGCAST_SAME_KIND_ENUM(position_side)
RINGCAST_SAME_KIND_ENUM(margin_type)
RINGCAST_SAME_KIND_ENUM(order_type)
RINGCAST_SAME_KIND_ENUM(order_status)
RINGCAST_SAME_KIND_ENUM(chain_status)
RINGCAST_SAME_KIND_ENUM(signal_direction)
RINGCAST_SAME_KIND_ENUM(log_level)
#undef RINGCAST_SAME_KIND_ENUM

// True if `names` are exactly T's described members, in order.
template <class T>
consteval bool names_every_member(std::initializer_list<std::string_view> names) {
  using members = boost::describe::describe_members<T, boost::describe::mod_public>;
  if (names.size() != boost::mp11::mp_size<members>::value) return false;
  bool same = true;
  const std::string_view* name = names.begin();
  boost::mp11::mp_for_each<members>([&](auto d) { same = same && std::string_view{d.name} == *name++; });
  return same;
}

// True if the C constants `values`, named `names` (the wire names), are E's
// enumerators in order: same count, same names, same values.
template <class E>
consteval bool same_enumerators(std::initializer_list<std::string_view> names, std::initializer_list<int> values) {
  using enumerators = boost::describe::describe_enumerators<E>;
  if (names.size() != boost::mp11::mp_size<enumerators>::value || values.size() != names.size()) return false;
  bool same = true;
  const std::string_view* name = names.begin();
  const int* value = values.begin();
  boost::mp11::mp_for_each<enumerators>([&](auto d) {
    std::string_view stem{d.name};  // new_ -> NEW
    if (stem.ends_with('_')) stem.remove_suffix(1);
    bool same_name = stem.size() == name->size();
    for (std::size_t i = 0; same_name && i < stem.size(); ++i)
      same_name = (stem[i] >= 'a' && stem[i] <= 'z' ? stem[i] - 'a' + 'A' : stem[i]) == (*name)[i];
    same = same && same_name && static_cast<int>(d.value) == *value;
    ++name;
    ++value;
  });
  return same;
}

template <class T>
struct c_struct;
template <class T>
using c_struct_t = typename c_struct<T>::type;

#define RINGCAST_MIRROR_MEMBER(r, T, m)                                                                    \
  static_assert(offsetof(ringcast_##T, m) == offsetof(shm::T, m),                                          \
                "ringcast_" #T "." BOOST_PP_STRINGIZE(m) " is not at the offset of shm::" #T "'s member"); \
  static_assert(k_same_kind<decltype(ringcast_##T::m), decltype(shm::T::m)>,                               \
                "ringcast_" #T "." BOOST_PP_STRINGIZE(m) " does not have the type of shm::" #T "'s member");
#define RINGCAST_MIRROR_NAME(r, data, m) BOOST_PP_STRINGIZE(m),
#define RINGCAST_MIRROR(T, members)                                                                     \
  BOOST_PP_SEQ_FOR_EACH(RINGCAST_MIRROR_MEMBER, T, members)                                             \
  static_assert(names_every_member<shm::T>({BOOST_PP_SEQ_FOR_EACH(RINGCAST_MIRROR_NAME, _, members)}),  \
                "the list for ringcast_" #T " must name every member of shm::" #T ", in order");        \
  static_assert(sizeof(ringcast_##T) == sizeof(shm::T) && alignof(ringcast_##T) == alignof(shm::T),     \
                "ringcast_" #T " and shm::" #T " differ in size or alignment");                         \
  static_assert(std::is_trivially_copyable_v<ringcast_##T> && std::is_standard_layout_v<ringcast_##T>); \
  template <>                                                                                           \
  struct c_struct<shm::T> {                                                                             \
    using type = ringcast_##T;                                                                          \
  };

RINGCAST_MIRROR(
    position_update,
    (symbol)(side)(margin)(leverage)(size)(entry_price)(mark_price)(liquidation_price)(unrealized_pnl)(margin_used))
RINGCAST_MIRROR(
    order_update,
    (order_id)(client_order_id)(symbol)(side)(type)(status)(reduce_only)(price)(stop_price)(qty)(filled_qty)(avg_price)(update_time))
RINGCAST_MIRROR(trade_update,
                (trade_id)(order_id)(symbol)(side)(is_maker)(fee_asset)(price)(qty)(fee)(realized_pnl)(trade_time))
RINGCAST_MIRROR(balance_update, (asset)(wallet_balance)(available_balance)(cross_unrealized_pnl)(balance_change))
RINGCAST_MIRROR(price_level, (price)(qty))
RINGCAST_MIRROR(futures_orderbook_update, (symbol)(bid_count)(ask_count)(last_update_id)(event_time))
RINGCAST_MIRROR(futures_mark_price_update, (symbol)(mark_price)(index_price)(funding_rate)(next_funding_time))
RINGCAST_MIRROR(futures_kline_update,
                (symbol)(interval)(is_closed)(open)(high)(low)(close)(volume)(open_time)(close_time))
RINGCAST_MIRROR(chain_order, (order_id)(client_order_id)(role)(side)(type)(status)(price)(qty)(filled_qty))
RINGCAST_MIRROR(chain_update, (chain_id)(symbol)(status)(order_count)(updated_time))
RINGCAST_MIRROR(lifecycle_event, (event_id)(chain_id)(order_id)(symbol)(stage)(detail)(event_time))
RINGCAST_MIRROR(
    ginie_status_update,
    (is_running)(current_mode)(active_positions)(max_positions)(daily_trades)(last_signal)(last_decision_time))
RINGCAST_MIRROR(circuit_breaker_update,
                (is_triggered)(consecutive_losses)(trigger_reason)(daily_loss)(daily_loss_limit)(reset_time))
RINGCAST_MIRROR(pnl_update, (total_pnl)(daily_pnl)(position_pnl)(realized_pnl))
RINGCAST_MIRROR(signal_update, (signal_id)(symbol)(direction)(source)(confidence)(entry_price)(stop_loss)(take_profit))
RINGCAST_MIRROR(mode_status_update, (mode)(enabled)(status)(active_positions)(pnl_today))
RINGCAST_MIRROR(mode_safety_update,
                (mode)(is_paused)(consecutive_losses)(pause_reason)(win_rate)(max_drawdown_pct)(resume_time))
RINGCAST_MIRROR(mode_allocation_update, (mode)(max_positions)(allocation_pct)(allocated_usd)(used_usd))
RINGCAST_MIRROR(
    autopilot_rules_update,
    (enabled)(max_leverage)(max_positions)(max_daily_loss)(max_position_usd)(risk_per_trade_pct)(min_confidence))
RINGCAST_MIRROR(stats_update, (source)(total_trades)(winning_trades)(losing_trades)(win_rate)(total_pnl)(total_volume))
RINGCAST_MIRROR(performance_update, (scope)(trades)(win_rate)(pnl)(avg_pnl)(max_drawdown)(sharpe))
RINGCAST_MIRROR(health_update, (component)(healthy)(latency_ms)(error_rate)(detail))
RINGCAST_MIRROR(system_status_update, (component)(status)(detail))
RINGCAST_MIRROR(gateway_status_change, (gateway_id)(gateway_type)(previous_status)(current_status)(metadata_size))
RINGCAST_MIRROR(system_log, (level)(source)(message_size)(metadata_size))
#undef RINGCAST_MIRROR
#undef RINGCAST_MIRROR_NAME
#undef RINGCAST_MIRROR_MEMBER

#define RINGCAST_ENUM_NAME(r, data, v) BOOST_PP_STRINGIZE(v),
#define RINGCAST_ENUM_VALUE(r, prefix, v) BOOST_PP_CAT(RINGCAST_##prefix##_, v),
#define RINGCAST_MIRROR_ENUM(E, PREFIX, values)                                                         \
  static_assert(same_enumerators<shm::E>({BOOST_PP_SEQ_FOR_EACH(RINGCAST_ENUM_NAME, _, values)},        \
                                         {BOOST_PP_SEQ_FOR_EACH(RINGCAST_ENUM_VALUE, PREFIX, values)}), \
                "the RINGCAST_" #PREFIX "_* constants of ringcast.h must be shm::" #E "'s enumerators, in order");
RINGCAST_MIRROR_ENUM(order_side, ORDER_SIDE, (BUY)(SELL))
RINGCAST_MIRROR_ENUM(position_side, POSITION_SIDE, (LONG)(SHORT)(BOTH))
RINGCAST_MIRROR_ENUM(margin_type, MARGIN_TYPE, (CROSS)(ISOLATED))
RINGCAST_MIRROR_ENUM(order_type, ORDER_TYPE,
                     (LIMIT)(MARKET)(STOP)(STOP_MARKET)(TAKE_PROFIT)(TAKE_PROFIT_MARKET)(TRAILING_STOP_MARKET))
RINGCAST_MIRROR_ENUM(order_status, ORDER_STATUS, (NEW)(PARTIALLY_FILLED)(FILLED)(CANCELED)(REJECTED)(EXPIRED))
RINGCAST_MIRROR_ENUM(chain_status, CHAIN_STATUS, (PENDING)(ACTIVE)(COMPLETED)(CANCELED)(FAILED))
RINGCAST_MIRROR_ENUM(signal_direction, SIGNAL_DIRECTION, (LONG)(SHORT)(NEUTRAL))
RINGCAST_MIRROR_ENUM(log_level, LOG_LEVEL, (DEBUG)(INFO)(WARN)(ERROR))
#undef RINGCAST_MIRROR_ENUM
#undef RINGCAST_ENUM_VALUE
#undef RINGCAST_ENUM_NAME

}  // namespace ringcast::capi
