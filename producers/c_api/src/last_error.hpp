// The thread's last error detail behind ringcast_last_error(), and the
// helpers every entry point uses to fail with one. Formatting goes into a
// fixed thread-local buffer: failing never allocates.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string_view>

#include "ringcast/ringcast.h"

namespace ringcast::capi {

inline constexpr std::size_t k_last_error_capacity = 1024;  // longer than any segment_error message

// The buffer ringcast_last_error() returns: always NUL-terminated.
char* last_error_buffer() noexcept;

// Sets the detail and returns `status`, so entry points can `return fail(...)`.
int fail(ringcast_status status, std::string_view detail) noexcept;

template <class... Args>
int fail(ringcast_status status, fmt::format_string<Args...> format, Args&&... args) noexcept {
  char* buf = last_error_buffer();
  try {
    const auto r = fmt::format_to_n(buf, k_last_error_capacity - 1, format, std::forward<Args>(args)...);
    *r.out = '\0';
  } catch (...) {  // format_to_n into a char buffer does not allocate; keep noexcept honest anyway
    return fail(status, std::string_view{ringcast_status_text(status)});
  }
  return status;
}

}  // namespace ringcast::capi
