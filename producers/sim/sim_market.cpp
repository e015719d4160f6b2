#include "sim_market.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ringcast::sim {
namespace {

constexpr std::array<symbol_spec, k_max_symbols> k_symbols{{
    {"BTCUSDT", 65000, 10, 1000},
    {"ETHUSDT", 3400, 100, 1000},
    {"SOLUSDT", 150, 100, 100},
    {"BNBUSDT", 580, 100, 100},
    {"XRPUSDT", 0.6, 10000, 10},
    {"DOGEUSDT", 0.15, 100000, 1},
    {"ADAUSDT", 0.45, 10000, 1},
    {"AVAXUSDT", 35, 1000, 10},
    {"LINKUSDT", 14, 1000, 100},
    {"DOTUSDT", 7, 1000, 10},
    {"LTCUSDT", 80, 100, 1000},
    {"1000PEPEUSDT", 0.012, 10000000, 1},
    {"TRXUSDT", 0.12, 100000, 1},
    {"MATICUSDT", 0.7, 10000, 1},
    {"ATOMUSDT", 8, 1000, 100},
    {"NEARUSDT", 5, 1000, 10},
}};

// Reversion that holds the walk within a few percent of its base however
// long it runs: an Ornstein-Uhlenbeck process in log price whose stationary
// sd, volatility / sqrt(2 theta), is 3 %.
constexpr double k_stationary_sd = 0.03;
constexpr std::int64_t k_funding_interval_ms = std::int64_t{8} * 3'600'000;

}  // namespace

std::span<const symbol_spec, k_max_symbols> symbol_table() noexcept { return k_symbols; }

sim_market::sim_market(std::uint32_t symbols, double volatility_pct) : volatility_(volatility_pct / 100) {
  if (symbols == 0 || symbols > k_max_symbols)
    throw std::invalid_argument("symbols must be 1.." + std::to_string(k_max_symbols));
  if (!(volatility_pct > 0)) throw std::invalid_argument("volatility must be > 0");
  specs_.assign(k_symbols.begin(), k_symbols.begin() + symbols);
  marks_ = std::make_unique<mark_slot[]>(symbols);
  for (std::uint32_t s = 0; s < symbols; ++s) set_mark(s, specs_[s].base_price);
}

std::vector<double> sim_market::lots_per_unit() const {
  std::vector<double> out;
  for (const auto& s : specs_) out.push_back(s.lots_per_unit);
  return out;
}

sim_feed::sim_feed(sim_market& market, std::uint32_t symbol, std::uint64_t seed)
    : market_(market),
      spec_(market.spec(symbol)),
      symbol_(symbol),
      walk_(mix_seed(seed, 1000 + std::uint64_t{symbol})),
      noise_(mix_seed(seed, 2000 + std::uint64_t{symbol})),
      mark_(spec_.base_price) {}

shm::futures_mark_price_update sim_feed::tick(std::int64_t now_us) {
  const std::int64_t now_ms = now_us / 1000;
  const double dt =
      last_tick_us_ < 0 ? 0 : static_cast<double>(std::max<std::int64_t>(now_us - last_tick_us_, 0)) / 1e6;
  last_tick_us_ = now_us;
  const double sigma = market_.volatility();
  const double theta = sigma * sigma / (2 * k_stationary_sd * k_stationary_sd);
  // One draw per tick even when dt is 0: tick k's price depends on the seed and the times only.
  log_offset_ += -theta * dt * log_offset_ + sigma * std::sqrt(dt) * walk_.normal();
  // Never below one tick: the cheapest coins must not print a zero price.
  mark_ = std::max(round_to(spec_.base_price * std::exp(log_offset_), spec_.ticks_per_unit), 1 / spec_.ticks_per_unit);
  market_.set_mark(symbol_, mark_);
  funding_rate_ = std::clamp(funding_rate_ + 0.00001 * std::sqrt(dt) * walk_.normal(), -0.00075, 0.00075);

  roll_candle(now_ms);
  candle_.high = std::max(candle_.high, mark_);
  candle_.low = std::min(candle_.low, mark_);
  candle_.close = mark_;
  candle_.volume = round_to(candle_.volume + noise_.uniform(1, 50) * 1000 / spec_.base_price, spec_.lots_per_unit);

  const double index = round_to(mark_ * (1 + 0.0001 * noise_.normal()), spec_.ticks_per_unit);
  return {.symbol = spec_.name,
          .mark_price = mark_,
          .index_price = index,
          .funding_rate = round_to(funding_rate_, 1e8),
          .next_funding_time = (now_ms / k_funding_interval_ms + 1) * k_funding_interval_ms};
}

shm::futures_orderbook_update sim_feed::book(std::int64_t now_ms, std::span<shm::price_level> bids,
                                             std::span<shm::price_level> asks) {
  static constexpr std::uint32_t k_depths[] = {5, 10, 20};  // Binance's partial-depth stream sizes
  const auto depth = std::min<std::size_t>({k_depths[noise_.below(3)], bids.size(), asks.size()});
  const double tick = 1 / spec_.ticks_per_unit;
  double bid = mark_ - tick * (1 + noise_.below(3));
  double ask = mark_ + tick * (1 + noise_.below(3));
  for (std::size_t i = 0; i < depth; ++i) {
    bids[i] = {.price = round_to(std::max(bid, tick), spec_.ticks_per_unit),
               .qty = round_to(noise_.uniform(100, 20000) / mark_, spec_.lots_per_unit)};
    asks[i] = {.price = round_to(ask, spec_.ticks_per_unit),
               .qty = round_to(noise_.uniform(100, 20000) / mark_, spec_.lots_per_unit)};
    bid -= tick * (1 + noise_.below(4));
    ask += tick * (1 + noise_.below(4));
  }
  return {.symbol = spec_.name,
          .bid_count = static_cast<std::uint16_t>(depth),
          .ask_count = static_cast<std::uint16_t>(depth),
          .last_update_id = ++book_update_id_,
          .event_time = now_ms};
}

shm::futures_kline_update sim_feed::kline(std::int64_t now_ms) {
  roll_candle(now_ms);
  if (finished_) {
    const auto k = to_kline(*finished_, true);
    finished_.reset();
    return k;
  }
  return to_kline(candle_, false);
}

void sim_feed::roll_candle(std::int64_t now_ms) {
  const std::int64_t minute = now_ms - now_ms % k_kline_interval_ms;
  if (candle_.open_time == minute) return;
  if (candle_.open_time != 0 && minute > candle_.open_time) finished_ = candle_;
  candle_ = {.open = mark_, .high = mark_, .low = mark_, .close = mark_, .volume = 0, .open_time = minute};
}

shm::futures_kline_update sim_feed::to_kline(const candle& c, bool closed) const {
  return {.symbol = spec_.name,
          .interval = "1m",
          .is_closed = closed,
          .open = c.open,
          .high = c.high,
          .low = c.low,
          .close = c.close,
          .volume = c.volume,
          .open_time = c.open_time,
          .close_time = c.open_time + k_kline_interval_ms - 1};
}

}  // namespace ringcast::sim
