#include "frames.hpp"

#include <charconv>
#include <chrono>

namespace ringcast::bench {

std::int64_t parse_iso8601(std::string_view t) {
  // 2026-12-03T11:32:07.123456Z: fixed fields, read with from_chars (sscanf
  // was a tenth of a client thread's time at 250 k frames/s).
  if (t.size() != 27 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != '.' ||
      t[26] != 'Z')
    return 0;
  auto field = [&](std::size_t at, std::size_t len) {
    int v = -1;
    const auto [end, ec] = std::from_chars(t.data() + at, t.data() + at + len, v);
    return ec == std::errc{} && end == t.data() + at + len ? v : -1;
  };
  const int y = field(0, 4), mo = field(5, 2), d = field(8, 2), h = field(11, 2), mi = field(14, 2), s = field(17, 2),
            us = field(20, 6);
  if (y < 0 || mo < 1 || d < 1 || h < 0 || mi < 0 || s < 0 || us < 0) return 0;
  const auto days = std::chrono::sys_days{std::chrono::year{y} / mo / d}.time_since_epoch().count();
  return ((static_cast<std::int64_t>(days) * 24 + h) * 60 + mi) * 60'000'000'000LL + std::int64_t{s} * 1'000'000'000 +
         std::int64_t{us} * 1000;
}

}  // namespace ringcast::bench
