// A string stored inline in a payload struct: trivially copyable, bounded,
// NUL-padded. Bytes come from other processes, so readers never assume a
// terminator.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace ringcast::shm {

template <std::size_t N>
struct fixed_string {
  static_assert(N > 0 && N <= 65535);
  static constexpr std::size_t capacity = N;

  char data[N]{};

  constexpr fixed_string() noexcept = default;
  // Implicit, so payloads read naturally: position_update{.symbol = "BTCUSDT"}.
  // Too long a value is cut at a UTF-8 boundary; assign() says when.
  constexpr fixed_string(std::string_view s) noexcept { assign(s); }  // NOLINT(google-explicit-constructor)
  constexpr fixed_string(const char* s) noexcept : fixed_string(std::string_view(s)) {}  // NOLINT

  // Returns false if `s` did not fit and was cut.
  constexpr bool assign(std::string_view s) noexcept {
    std::size_t n = std::min(s.size(), N);
    if (n < s.size()) {
      // Do not cut inside a UTF-8 sequence: back off continuation bytes.
      while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    }
    std::fill(std::begin(data), std::end(data), '\0');
    std::copy_n(s.data(), n, data);
    return n == s.size();
  }

  [[nodiscard]] constexpr std::string_view view() const noexcept {
    std::size_t n = 0;
    while (n < N && data[n] != '\0') ++n;
    return {data, n};
  }
  [[nodiscard]] constexpr bool empty() const noexcept { return data[0] == '\0'; }
  friend constexpr bool operator==(const fixed_string& a, const fixed_string& b) noexcept {
    return a.view() == b.view();
  }
};

}  // namespace ringcast::shm
