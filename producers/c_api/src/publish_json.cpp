// ringcast_publish_json: any event type from its JSON payload, decoded by
// the schema's JSON decoder (shm/json_decode.hpp) into the very bytes the
// typed functions would have written.
#include <new>
#include <string>
#include <vector>

#include "publish_support.hpp"
#include "ringcast/shm/json_decode.hpp"

using namespace ringcast;

extern "C" int ringcast_publish_json(ringcast_publisher* pub, const char* type_name, const char* user_id,
                                     const char* payload_json) noexcept {
  constexpr std::string_view function = "ringcast_publish_json";
  const std::string_view user = capi::user_id_view(user_id);
  if (const int st = capi::check_call(pub, payload_json, user, function); st != RINGCAST_OK) return st;
  if (type_name == nullptr) return capi::fail(RINGCAST_BAD_ARGUMENT, "{}: type_name is NULL", function);
  const auto type = shm::event_type_from_wire(type_name);
  if (!type)
    return capi::fail(RINGCAST_UNKNOWN_TYPE,
                      "{}: '{}' is not an event type name (POSITION_UPDATE, ..., system_log: see docs/PROTOCOL.md)",
                      function, std::string_view{type_name}.substr(0, 100));
  std::uint8_t version = 0;
  shm::visit_event_type(*type, [&](auto tag) { version = shm::event_traits<typename decltype(tag)::type>::version; });
  // Reused by the thread's later calls: their capacity stays.
  thread_local std::vector<std::byte> t_payload;
  thread_local std::string t_error;
  try {
    t_payload.clear();
    t_error.clear();
    if (!shm::decode_payload_json(*type, payload_json, t_payload, t_error))
      return capi::fail(RINGCAST_BAD_JSON, "{} {}: {}", function, type_name, t_error);
  } catch (const std::bad_alloc&) {
    return capi::fail(RINGCAST_OUT_OF_MEMORY, "{}: out of memory while decoding", function);
  } catch (const std::exception& e) {
    return capi::fail(RINGCAST_INTERNAL_ERROR, "{}: decoding {}: {}", function, type_name, e.what());
  }
  int status = RINGCAST_OK;
  shm::publisher* lane = capi::thread_lane(*pub, status);
  if (lane == nullptr) return status;
  return capi::to_status(lane->publish_raw(*type, version, user, t_payload));
}
