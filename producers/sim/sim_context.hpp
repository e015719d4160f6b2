// What every part of a simulator thread needs to produce events: where to
// publish, its random stream, the market's marks, its id source and the
// event time. Plus the helpers that format text and log lines.
#pragma once

#include <fmt/format.h>
#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ringcast/shm/schema.hpp"
#include "sim_emitter.hpp"
#include "sim_market.hpp"
#include "sim_random.hpp"

namespace ringcast::sim {

inline constexpr std::size_t k_max_name = 20;  // keeps "<name>-<thread>-o<counter>" within a 40-byte id
inline constexpr std::uint32_t k_max_threads = 64;

// Ids that do not collide between simulators or threads: numeric ids are
// hash(name) (23 bits) | thread (8 bits) | a 32-bit counter; string ids are
// "<name>-<thread>-<kind><counter>". A counter wraps after 2^32 ids (50 days
// of orders at the default rate).
class sim_ids {
 public:
  sim_ids(std::string_view name, std::uint32_t thread);

  std::int64_t order_id() noexcept { return base_ | (++orders_ & 0xFFFF'FFFF); }
  std::int64_t trade_id() noexcept { return base_ | (++trades_ & 0xFFFF'FFFF); }
  std::int64_t event_id() noexcept { return base_ | (++events_ & 0xFFFF'FFFF); }
  [[nodiscard]] shm::id_t client_order_id(std::int64_t order_id) const;
  shm::id_t chain_id();
  shm::id_t signal_id();

 private:
  std::string prefix_;
  std::int64_t base_;
  std::int64_t orders_ = 0, trades_ = 0, events_ = 0, chains_ = 0, signals_ = 0;
};

struct sim_context {
  sim_emitter& out;
  sim_random& rng;
  const sim_market& market;
  sim_ids& ids;
  std::int64_t now_ms = 0;  // the event time for payloads
};

// Formats into a fixed-size payload string, cut (at a UTF-8 boundary) if too long.
template <class Fixed, class... Args>
Fixed format_fixed(fmt::format_string<Args...> format, Args&&... args) {
  std::array<char, Fixed::capacity + 1> buf{};
  const auto r = fmt::format_to_n(buf.data(), buf.size(), format, std::forward<Args>(args)...);
  return Fixed(std::string_view(buf.data(), std::min(r.size, buf.size())));
}

// Publishes a system_log; `metadata` becomes its JSON object (Boost.JSON).
void emit_log(sim_context& cx, std::string_view user, shm::log_level level, std::string_view source,
              std::string_view message, const boost::json::object& metadata);

// A uniformly chosen element.
template <class T, std::size_t N>
const T& pick(sim_random& rng, const T (&items)[N]) {
  return items[rng.below(static_cast<std::uint32_t>(N))];
}

}  // namespace ringcast::sim
