#include "ringcast/shm/schema.hpp"

#include <array>

namespace ringcast::shm {

namespace {
constexpr std::array<std::string_view, k_event_type_count> k_wire_names{
    "",
    "POSITION_UPDATE",
    "ORDER_UPDATE",
    "TRADE_UPDATE",
    "BALANCE_UPDATE",
    "FUTURES_ORDERBOOK_UPDATE",
    "FUTURES_MARK_PRICE_UPDATE",
    "FUTURES_KLINE_UPDATE",
    "CHAIN_UPDATE",
    "LIFECYCLE_EVENT",
    "GINIE_STATUS_UPDATE",
    "CIRCUIT_BREAKER_UPDATE",
    "PNL_UPDATE",
    "SIGNAL_UPDATE",
    "MODE_STATUS_UPDATE",
    "MODE_SAFETY_UPDATE",
    "MODE_ALLOCATION_UPDATE",
    "AUTOPILOT_RULES_UPDATE",
    "STATS_UPDATE",
    "PERFORMANCE_UPDATE",
    "HEALTH_UPDATE",
    "SYSTEM_STATUS_UPDATE",
    "gateway_status_change",
    "system_log",
};
}  // namespace

std::string_view wire_name(event_type t) noexcept {
  const auto i = static_cast<std::uint16_t>(t);
  return is_known_event_type(i) ? k_wire_names[i] : std::string_view{};
}

std::optional<event_type> event_type_from_wire(std::string_view name) noexcept {
  for (std::uint16_t i = 1; i < k_event_type_count; ++i)
    if (k_wire_names[i] == name) return static_cast<event_type>(i);
  return std::nullopt;
}

}  // namespace ringcast::shm
