// The simulated market: a table of symbols, the latest mark price of each
// (shared by the publisher threads), and the feed that a symbol's owning
// thread runs: a mean-reverting random walk of the mark, an order book
// around it, and its 1-minute kline.
//
// The walk moves with time, not with ticks: between two ticks dt apart the
// log price moves by volatility * sqrt(dt) * N(0,1), and reverts towards the
// base slowly enough to stay within a few percent of it. So a price moves as
// fast at --rate 1000 as at --rate 100000; the rate only says how often it
// is sampled.
//
// Prices and quantities are whole ticks and lots divided by a power of ten
// (65000.1 = 650001 / 10), so that they print as a person writes them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ringcast/shm/schema.hpp"
#include "sim_random.hpp"

namespace ringcast::sim {

struct symbol_spec {
  std::string_view name;
  double base_price;      // where the walk starts and reverts to
  double ticks_per_unit;  // 1 / tick size
  double lots_per_unit;   // 1 / lot size
};

inline constexpr std::uint32_t k_max_symbols = 16;
// 0.1 % per sqrt(second): ten times bitcoin's usual pace, so that a
// dashboard visibly moves and chains close within seconds.
inline constexpr double k_default_volatility_pct = 0.1;
[[nodiscard]] std::span<const symbol_spec, k_max_symbols> symbol_table() noexcept;

[[nodiscard]] inline double round_to(double value, double per_unit) noexcept {
  return static_cast<double>(static_cast<std::int64_t>(value * per_unit + (value >= 0 ? 0.5 : -0.5))) / per_unit;
}

class sim_market {
 public:
  // The first `symbols` of symbol_table() (1..k_max_symbols); volatility in
  // percent per sqrt(second), > 0.
  explicit sim_market(std::uint32_t symbols, double volatility_pct = k_default_volatility_pct);

  [[nodiscard]] std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(specs_.size()); }
  [[nodiscard]] const symbol_spec& spec(std::uint32_t s) const noexcept { return specs_[s]; }
  [[nodiscard]] std::vector<double> lots_per_unit() const;
  [[nodiscard]] double volatility() const noexcept { return volatility_; }  // a fraction per sqrt(s)

  // Relaxed: a mark is a value on its own; nothing else is published with it.
  [[nodiscard]] double mark(std::uint32_t s) const noexcept { return marks_[s].value.load(std::memory_order_relaxed); }
  void set_mark(std::uint32_t s, double price) noexcept { marks_[s].value.store(price, std::memory_order_relaxed); }

 private:
  // One cache line each: the owner's stores do not slow other symbols' readers.
  struct alignas(64) mark_slot {
    std::atomic<double> value{0};
  };
  static_assert(std::atomic<double>::is_always_lock_free);

  std::vector<symbol_spec> specs_;
  std::unique_ptr<mark_slot[]> marks_;
  double volatility_;
};

inline constexpr std::int64_t k_kline_interval_ms = 60'000;  // "1m"

// The market data of one symbol, run by the one thread that owns it.
class sim_feed {
 public:
  // The walk draws from its own stream (seed, symbol): a symbol's price path
  // is the same whatever the thread count or the event mix.
  sim_feed(sim_market& market, std::uint32_t symbol, std::uint64_t seed);

  [[nodiscard]] std::uint32_t symbol() const noexcept { return symbol_; }

  // Moves the mark by the time since the last tick (now_us: microseconds,
  // for the walk's sake), feeds the kline, stores the mark in the market.
  shm::futures_mark_price_update tick(std::int64_t now_us);
  // Fills bids and asks (best first) around the mark; returns the header
  // with the counts used (at most the spans' sizes).
  shm::futures_orderbook_update book(std::int64_t now_ms, std::span<shm::price_level> bids,
                                     std::span<shm::price_level> asks);
  // The candle: a finished one (isClosed) first if a minute ended since.
  shm::futures_kline_update kline(std::int64_t now_ms);

 private:
  struct candle {
    double open = 0, high = 0, low = 0, close = 0, volume = 0;
    std::int64_t open_time = 0;
  };
  void roll_candle(std::int64_t now_ms);
  [[nodiscard]] shm::futures_kline_update to_kline(const candle& c, bool closed) const;

  sim_market& market_;
  const symbol_spec& spec_;
  std::uint32_t symbol_;
  sim_random walk_;        // the mark's steps only
  sim_random noise_;       // book and volume
  double log_offset_ = 0;  // log(mark / base)
  double mark_;
  std::int64_t last_tick_us_ = -1;
  double funding_rate_ = 0.0001;
  std::int64_t book_update_id_ = 0;
  candle candle_;
  std::optional<candle> finished_;
};

}  // namespace ringcast::sim
