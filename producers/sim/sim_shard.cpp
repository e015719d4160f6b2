#include "sim_shard.hpp"

#include <array>
#include <utility>

namespace ringcast::sim {
namespace {

// Step weights, in percent (see the header).
constexpr double k_tick = 48, k_book = 5, k_kline = 3, k_user = 36, k_status = 8;

}  // namespace

sim_shard::sim_shard(const shard_config& config, sim_market& market, shm::publisher pub)
    : out_(std::move(pub)),
      rng_(mix_seed(config.seed, config.index)),
      ids_(config.name, config.index),
      market_(market) {
  for (std::uint32_t s = config.index; s < market.size(); s += config.count)
    feeds_.emplace_back(market, s, config.seed);
  traders_.reserve(config.users.size());
  for (const auto& u : config.users) traders_.emplace_back(u, market, config.trader);
}

sim_shard::kind sim_shard::choose() noexcept {
  // A thread without symbols publishes no market data, one without users no trading.
  const double market = feeds_.empty() ? 0 : 1;
  const double users = traders_.empty() ? 0 : 1;
  const std::array<std::pair<kind, double>, 5> weights{{{kind::tick, market * k_tick},
                                                        {kind::book, market * k_book},
                                                        {kind::kline, market * k_kline},
                                                        {kind::user, users * k_user},
                                                        {kind::status, k_status}}};
  double total = 0;
  for (const auto& [k, w] : weights) total += w;
  double r = rng_.uniform() * total;
  for (const auto& [k, w] : weights) {
    if (r < w) return k;
    r -= w;
  }
  return kind::status;  // rounding at the very top of the range
}

std::uint64_t sim_shard::step(std::int64_t now_us) {
  const std::int64_t now_ms = now_us / 1000;
  const std::uint64_t before = out_.offered();
  sim_context cx{.out = out_, .rng = rng_, .market = market_, .ids = ids_, .now_ms = now_ms};
  switch (choose()) {
    case kind::tick: {
      sim_feed& f = feeds_[rng_.below(static_cast<std::uint32_t>(feeds_.size()))];
      out_.emit("", f.tick(now_us));
      break;
    }
    case kind::book: {
      sim_feed& f = feeds_[rng_.below(static_cast<std::uint32_t>(feeds_.size()))];
      const auto book = f.book(now_ms, bids_, asks_);
      out_.emit("", book, std::span(bids_.data(), book.bid_count), std::span(asks_.data(), book.ask_count));
      break;
    }
    case kind::kline: {
      sim_feed& f = feeds_[rng_.below(static_cast<std::uint32_t>(feeds_.size()))];
      out_.emit("", f.kline(now_ms));
      break;
    }
    case kind::user:
      traders_[rng_.below(static_cast<std::uint32_t>(traders_.size()))].act(cx);
      break;
    case kind::status:
      status_.emit_one(cx, traders_);
      break;
  }
  return out_.offered() - before;
}

}  // namespace ringcast::sim
