// Command-line handling shared by the test helper programs: "--key value"
// pairs and bare "--flag"s, nothing else.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "ringcast/shm/segment.hpp"

namespace ringcast::test {

class helper_args {
 public:
  helper_args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string_view key = argv[i];
      if (!key.starts_with("--")) usage_error("unexpected argument '" + std::string(key) + "'");
      key.remove_prefix(2);
      const bool has_value = i + 1 < argc && !std::string_view(argv[i + 1]).starts_with("--");
      values_[std::string(key)] = has_value ? argv[++i] : "";
    }
  }

  [[nodiscard]] bool has(const std::string& key) const { return values_.contains(key); }

  [[nodiscard]] std::string text(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end() || it->second.empty()) usage_error("--" + key + " is required");
    return it->second;
  }

  [[nodiscard]] std::uint64_t number(const std::string& key, std::uint64_t fallback, int base = 10) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    std::uint64_t v = 0;
    const auto& s = it->second;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || end != s.data() + s.size()) usage_error("--" + key + " needs a number, not '" + s + "'");
    return v;
  }

  // The segment options every helper accepts; sizes apply only if it creates.
  [[nodiscard]] shm::segment_options segment() const {
    shm::segment_options o;
    o.name = text("segment");
    o.lanes = static_cast<std::uint32_t>(number("lanes", 8));
    o.lane_capacity = static_cast<std::uint32_t>(number("capacity", 1u << 16));
    o.group_access = has("group");
    o.open_timeout = std::chrono::milliseconds(number("timeout-ms", 2000));
    return o;
  }

  [[noreturn]] static void usage_error(const std::string& what) {
    std::printf("error: usage: %s\n", what.c_str());
    std::fflush(stdout);
    std::exit(2);
  }

 private:
  std::map<std::string, std::string> values_;
};

// One protocol line on stdout, flushed at once: the tests read them through a pipe.
inline void say(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace ringcast::test
