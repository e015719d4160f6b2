// ringcast-sim's command line: a pure parser (no I/O, no environment) so
// that tests pin every answer to bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim_market.hpp"
#include "sim_schedule.hpp"
#include "sim_trader.hpp"

namespace ringcast::sim {

struct sim_options {
  std::string segment;  // as given; "" = $RINGCAST_SEGMENT, else "ringcast"
  std::string name;     // id prefix; "" = "sim<pid>"
  std::string user_prefix = "user";
  std::uint32_t users = 8;
  std::uint32_t symbols = 6;
  double volatility_pct = k_default_volatility_pct;  // per sqrt(second)
  double rate = 20'000;                              // events/s, all threads together: busy, yet a fraction of one core
  burst_options burst;
  double duration = 0;                // s; 0 = until SIGINT/SIGTERM
  std::optional<std::uint64_t> seed;  // none = a random one, printed in the summary
  std::uint32_t threads = 1;
  std::string json_summary;  // file; "" = none
  trader_config trader;
};

struct parse_outcome {
  sim_options options;
  bool help = false;
  std::string error;  // not empty: what was wrong, in words a user can act on
};

[[nodiscard]] parse_outcome parse_sim_options(std::span<const std::string_view> args);
[[nodiscard]] std::string sim_usage();

// "user1", "user2", ...: user i (0-based) of a simulator.
[[nodiscard]] std::string user_id(const sim_options& o, std::uint32_t i);

}  // namespace ringcast::sim
