// ringcast_publish_<type>: one entry point per event type, each a thin
// shell over shm::publisher::publish on the calling thread's lane.
#include <span>

#include "abi_mirror.hpp"
#include "publish_support.hpp"

static_assert(ringcast::shm::k_event_type_count == 24,
              "a new event type needs its C struct in ringcast.h, abi_mirror.hpp and a publish function here");

namespace ringcast::capi {
namespace {

template <shm::fixed_event_payload T>
int publish_fixed(ringcast_publisher* pub, const char* user_id, const c_struct_t<T>* event,
                  std::string_view function) noexcept {
  const std::string_view user = user_id_view(user_id);
  if (const int st = check_call(pub, event, user, function); st != RINGCAST_OK) return st;
  const T payload = as_payload<T>(*event);
  if (const int st = check_enums(payload, function); st != RINGCAST_OK) return st;
  int status = RINGCAST_OK;
  shm::publisher* lane = thread_lane(*pub, status);
  return lane == nullptr ? status : to_status(lane->publish(user, payload));
}

// The C arrays as spans of the C++ element type. The publisher only
// memcpy's their bytes, which abi_mirror.hpp proves identical.
template <class T>
std::span<const T> elements(const c_struct_t<T>* first, std::size_t count) noexcept {
  return {reinterpret_cast<const T*>(first), count};
}

}  // namespace
}  // namespace ringcast::capi

using namespace ringcast;

extern "C" {

#define RINGCAST_DEFINE_PUBLISH(T)                                                                             \
  int ringcast_publish_##T(ringcast_publisher* pub, const char* user_id, const ringcast_##T* event) noexcept { \
    return capi::publish_fixed<shm::T>(pub, user_id, event, "ringcast_publish_" #T);                           \
  }
RINGCAST_DEFINE_PUBLISH(position_update)
RINGCAST_DEFINE_PUBLISH(order_update)
RINGCAST_DEFINE_PUBLISH(trade_update)
RINGCAST_DEFINE_PUBLISH(balance_update)
RINGCAST_DEFINE_PUBLISH(futures_mark_price_update)
RINGCAST_DEFINE_PUBLISH(futures_kline_update)
RINGCAST_DEFINE_PUBLISH(lifecycle_event)
RINGCAST_DEFINE_PUBLISH(ginie_status_update)
RINGCAST_DEFINE_PUBLISH(circuit_breaker_update)
RINGCAST_DEFINE_PUBLISH(pnl_update)
RINGCAST_DEFINE_PUBLISH(signal_update)
RINGCAST_DEFINE_PUBLISH(mode_status_update)
RINGCAST_DEFINE_PUBLISH(mode_safety_update)
RINGCAST_DEFINE_PUBLISH(mode_allocation_update)
RINGCAST_DEFINE_PUBLISH(autopilot_rules_update)
RINGCAST_DEFINE_PUBLISH(stats_update)
RINGCAST_DEFINE_PUBLISH(performance_update)
RINGCAST_DEFINE_PUBLISH(health_update)
RINGCAST_DEFINE_PUBLISH(system_status_update)
#undef RINGCAST_DEFINE_PUBLISH

int ringcast_publish_futures_orderbook_update(ringcast_publisher* pub, const char* user_id,
                                              const ringcast_futures_orderbook_update* event,
                                              const ringcast_price_level* bids, size_t bid_count,
                                              const ringcast_price_level* asks, size_t ask_count) noexcept {
  constexpr std::string_view function = "ringcast_publish_futures_orderbook_update";
  const std::string_view user = capi::user_id_view(user_id);
  if (const int st = capi::check_call(pub, event, user, function); st != RINGCAST_OK) return st;
  if ((bids == nullptr && bid_count > 0) || (asks == nullptr && ask_count > 0))
    return capi::fail(RINGCAST_BAD_ARGUMENT, "{}: bids or asks is NULL with a count above 0", function);
  int status = RINGCAST_OK;
  shm::publisher* lane = capi::thread_lane(*pub, status);
  if (lane == nullptr) return status;
  return capi::to_status(lane->publish(user, capi::as_payload<shm::futures_orderbook_update>(*event),
                                       capi::elements<shm::price_level>(bids, bid_count),
                                       capi::elements<shm::price_level>(asks, ask_count)));
}

int ringcast_publish_chain_update(ringcast_publisher* pub, const char* user_id, const ringcast_chain_update* event,
                                  const ringcast_chain_order* orders, size_t order_count) noexcept {
  constexpr std::string_view function = "ringcast_publish_chain_update";
  const std::string_view user = capi::user_id_view(user_id);
  if (const int st = capi::check_call(pub, event, user, function); st != RINGCAST_OK) return st;
  if (orders == nullptr && order_count > 0)
    return capi::fail(RINGCAST_BAD_ARGUMENT, "{}: orders is NULL with order_count {}", function, order_count);
  const auto chain = capi::as_payload<shm::chain_update>(*event);
  if (const int st = capi::check_enums(chain, function); st != RINGCAST_OK) return st;
  const auto order_span = capi::elements<shm::chain_order>(orders, order_count);
  for (std::size_t i = 0; i < order_span.size(); ++i)
    if (const int st = capi::check_enums(capi::as_payload<shm::chain_order>(orders[i]), function, static_cast<long>(i));
        st != RINGCAST_OK)
      return st;
  int status = RINGCAST_OK;
  shm::publisher* lane = capi::thread_lane(*pub, status);
  if (lane == nullptr) return status;
  return capi::to_status(lane->publish(user, chain, order_span));
}

int ringcast_publish_gateway_status_change(ringcast_publisher* pub, const char* user_id,
                                           const ringcast_gateway_status_change* event,
                                           const char* metadata_json) noexcept {
  const std::string_view user = capi::user_id_view(user_id);
  if (const int st = capi::check_call(pub, event, user, "ringcast_publish_gateway_status_change"); st != RINGCAST_OK)
    return st;
  int status = RINGCAST_OK;
  shm::publisher* lane = capi::thread_lane(*pub, status);
  if (lane == nullptr) return status;
  return capi::to_status(
      lane->publish(user, capi::as_payload<shm::gateway_status_change>(*event), capi::text_view(metadata_json)));
}

int ringcast_publish_system_log(ringcast_publisher* pub, const char* user_id, const ringcast_system_log* event,
                                const char* message, const char* metadata_json) noexcept {
  constexpr std::string_view function = "ringcast_publish_system_log";
  const std::string_view user = capi::user_id_view(user_id);
  if (const int st = capi::check_call(pub, event, user, function); st != RINGCAST_OK) return st;
  const auto log = capi::as_payload<shm::system_log>(*event);
  if (const int st = capi::check_enums(log, function); st != RINGCAST_OK) return st;
  int status = RINGCAST_OK;
  shm::publisher* lane = capi::thread_lane(*pub, status);
  if (lane == nullptr) return status;
  return capi::to_status(lane->publish(user, log, capi::text_view(message), capi::text_view(metadata_json)));
}

}  // extern "C"
