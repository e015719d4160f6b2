#include "last_error.hpp"

#include <algorithm>
#include <cstring>

namespace ringcast::capi {

namespace {
// Trivially destructible: usable at any point of a thread's life, even
// while its other thread_local objects are being destroyed.
thread_local char t_last_error[k_last_error_capacity];
}  // namespace

char* last_error_buffer() noexcept { return t_last_error; }

int fail(ringcast_status status, std::string_view detail) noexcept {
  const std::size_t n = std::min(detail.size(), k_last_error_capacity - 1);
  std::memcpy(t_last_error, detail.data(), n);
  t_last_error[n] = '\0';
  return status;
}

}  // namespace ringcast::capi

extern "C" {

const char* ringcast_status_text(int status) noexcept {
  switch (status) {
    case RINGCAST_OK:
      return "OK";
    case RINGCAST_DROPPED_FULL:
      return "DROPPED_FULL";
    case RINGCAST_TOO_LARGE:
      return "TOO_LARGE";
    case RINGCAST_USER_ID_TOO_LONG:
      return "USER_ID_TOO_LONG";
    case RINGCAST_BAD_ARGUMENT:
      return "BAD_ARGUMENT";
    case RINGCAST_BAD_JSON:
      return "BAD_JSON";
    case RINGCAST_UNKNOWN_TYPE:
      return "UNKNOWN_TYPE";
    case RINGCAST_NO_LANE:
      return "NO_LANE";
    case RINGCAST_SEGMENT_ERROR:
      return "SEGMENT_ERROR";
    case RINGCAST_OUT_OF_MEMORY:
      return "OUT_OF_MEMORY";
    case RINGCAST_INTERNAL_ERROR:
      return "INTERNAL_ERROR";
    default:
      return "UNKNOWN_STATUS";
  }
}

const char* ringcast_last_error(void) noexcept { return ringcast::capi::last_error_buffer(); }

const char* ringcast_version(void) noexcept { return RINGCAST_VERSION; }

}  // extern "C"
