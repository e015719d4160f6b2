// One simulator thread's world: its lane (publisher), its users, the
// symbols whose market data it publishes, its random stream and ids.
//
// Users are split across threads (user i to thread i % threads) so that a
// user's events all go through one lane, in order: a reader sees each
// TRADE_UPDATE before the PNL_UPDATE that includes it. Symbols are split
// the same way, so each symbol's market data is in order too; every thread
// reads every symbol's mark through the shared sim_market.
//
// step() makes one decision and publishes what follows from it (1 event for
// a tick, up to ~15 for a chain closing). The mix, per step:
//   mark-price tick 48 %, order book 5 %, kline 3 %   (if the thread owns symbols)
//   a user's trading action 36 %, a status event 8 % (if it has users)
// With the defaults that comes to about 42 % mark prices, 32 % positions,
// 10 % PnL, 7 % book and klines, 9 % status and logs, under 1 % orders,
// chains and trades; about half of all events are global (README.md).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ringcast/shm/publisher.hpp"
#include "sim_context.hpp"
#include "sim_emitter.hpp"
#include "sim_market.hpp"
#include "sim_status.hpp"
#include "sim_trader.hpp"

namespace ringcast::sim {

struct shard_config {
  std::uint32_t index = 0;  // this thread
  std::uint32_t count = 1;  // threads in the simulator
  std::string name{};       // the simulator's, for ids
  std::uint64_t seed = 0;
  std::vector<std::string> users{};  // this thread's users
  trader_config trader{};
};

class sim_shard {
 public:
  sim_shard(const shard_config& config, sim_market& market, shm::publisher pub);

  // Publishes the events of one step at `now_us` (Unix microseconds: the
  // event time; payloads carry it in ms); returns how many were offered (>= 1).
  std::uint64_t step(std::int64_t now_us);

  [[nodiscard]] const type_counts& counts() const noexcept { return out_.counts(); }
  [[nodiscard]] std::uint64_t offered() const noexcept { return out_.offered(); }
  [[nodiscard]] std::uint32_t lane() const noexcept { return out_.lane(); }
  [[nodiscard]] std::span<const sim_trader> traders() const noexcept { return traders_; }

 private:
  enum class kind : std::uint8_t { tick, book, kline, user, status };
  kind choose() noexcept;

  sim_emitter out_;
  sim_random rng_;
  sim_ids ids_;
  sim_market& market_;
  std::vector<sim_feed> feeds_;
  std::vector<sim_trader> traders_;
  sim_status status_;
  std::array<shm::price_level, 20> bids_{};
  std::array<shm::price_level, 20> asks_{};
};

}  // namespace ringcast::sim
