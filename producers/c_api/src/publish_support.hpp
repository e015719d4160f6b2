// What every publish entry point does before it reaches the ring: check the
// arguments, find the thread's lane, and turn the shm status into a
// ringcast_status. All noexcept and allocation-free after the thread's
// first publish.
#pragma once

#include <bit>
#include <boost/describe.hpp>
#include <boost/mp11.hpp>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "last_error.hpp"
#include "ringcast/shm/publisher.hpp"
#include "thread_lanes.hpp"

namespace ringcast::capi {

[[nodiscard]] constexpr int to_status(shm::publish_status s) noexcept {
  switch (s) {
    case shm::publish_status::published:
      return RINGCAST_OK;
    case shm::publish_status::dropped_full:
      return RINGCAST_DROPPED_FULL;
    case shm::publish_status::too_large:
      return RINGCAST_TOO_LARGE;
    case shm::publish_status::user_id_too_long:
      return RINGCAST_USER_ID_TOO_LONG;
  }
  return RINGCAST_INTERNAL_ERROR;
}

// NULL is a global event. Scans at most one byte past the limit, so an
// unterminated or huge string is refused without reading it all. NULL is
// "", never a null view: the ring memcpy's from data() even when empty.
[[nodiscard]] inline std::string_view user_id_view(const char* user_id) noexcept {
  return user_id == nullptr ? std::string_view{""}
                            : std::string_view{user_id, ::strnlen(user_id, shm::k_max_user_id + 1)};
}

// NULL is no text: "" for the same reason.
[[nodiscard]] inline std::string_view text_view(const char* text) noexcept {
  return std::string_view{text == nullptr ? "" : text};
}

// RINGCAST_OK, or BAD_ARGUMENT naming the first enum member of `v` that
// holds a value none of its enumerators has (the C side stores plain bytes).
// `what` names the call; `element` >= 0 says v is orders[element].
template <class T>
[[nodiscard]] int check_enums(const T& v, std::string_view what, long element = -1) noexcept {
  int status = RINGCAST_OK;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
    using V = std::remove_cvref_t<decltype(v.*d.pointer)>;
    if constexpr (std::is_enum_v<V>) {
      if (status != RINGCAST_OK) return;
      bool known = false;
      boost::mp11::mp_for_each<boost::describe::describe_enumerators<V>>(
          [&](auto e) { known = known || v.*d.pointer == e.value; });
      if (known) return;
      constexpr auto last = boost::mp11::mp_size<boost::describe::describe_enumerators<V>>::value - 1;
      const auto value = static_cast<unsigned>(v.*d.pointer);
      if (element < 0)
        status = fail(RINGCAST_BAD_ARGUMENT, "{}: {} = {} is not one of its RINGCAST_* enum values (0..{})", what,
                      d.name, value, last);
      else
        status = fail(RINGCAST_BAD_ARGUMENT, "{}: orders[{}].{} = {} is not one of its RINGCAST_* enum values (0..{})",
                      what, element, d.name, value, last);
    }
  });
  return status;
}

// The checks shared by all publish functions; RINGCAST_OK to go on.
[[nodiscard]] inline int check_call(const ringcast_publisher* pub, const void* event, std::string_view user_id,
                                    std::string_view function) noexcept {
  if (pub == nullptr) return fail(RINGCAST_BAD_ARGUMENT, "{}: the publisher handle is NULL", function);
  if (event == nullptr) return fail(RINGCAST_BAD_ARGUMENT, "{}: the event is NULL", function);
  if (user_id.size() > shm::k_max_user_id) return RINGCAST_USER_ID_TOO_LONG;
  return RINGCAST_OK;
}

// A copy of a C struct as its C++ payload type; abi_mirror.hpp guarantees
// the bytes mean the same.
template <class T, class C>
[[nodiscard]] T as_payload(const C& c) noexcept {
  return std::bit_cast<T>(c);
}

}  // namespace ringcast::capi
