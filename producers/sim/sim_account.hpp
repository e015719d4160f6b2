// One user's futures account: positions built from fills, realized and
// unrealized PnL, fees, wallet balance, the "day" the circuit breaker
// watches. Pure arithmetic, no publishing: tests/sim/sim_account_test.cpp
// pins every rule below.
//
// Definitions (the dashboard and tests/sim rely on them):
//  - One-way mode: one net position per symbol, kept in whole lots (exact
//    integers) so that closing a position gives exactly zero; a quantity is
//    lots / lots_per_unit (1000 lots per BTC: 0.001 BTC steps), which is
//    the double nearest the decimal a person would write.
//  - A fill that extends a position (or opens one) moves the entry price
//    to the size-weighted average; it realizes nothing.
//  - A fill against a position realizes qty_closed * (price - entry) for a
//    long, (entry - price) for a short; what is left of the fill beyond
//    the position opens the other side at the fill price.
//  - TRADE_UPDATE.realizedPnl is that gross amount; its fee is separate
//    (as on Binance).
//  - net realized = sum(realizedPnl) - sum(fee) over all fills: this is
//    PNL_UPDATE.realizedPnl, and walletBalance = initial + net realized.
//  - unrealized = qty * (mark - entry) * direction, over open positions:
//    PNL_UPDATE.positionPnl; totalPnl = net realized + unrealized.
//  - dailyPnl = net realized since the day started + unrealized; the
//    daily loss the breaker compares with its limit is the realized part's
//    loss: max(0, -(net realized since the day started)).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ringcast/shm/schema.hpp"

namespace ringcast::sim {

struct fill_result {
  double realized_pnl = 0;  // gross, of the part of the fill that closed a position
  double fee = 0;
  double balance_change = 0;  // realized_pnl - fee
};

class sim_account {
 public:
  // lots_per_unit[s]: lots per contract of symbol s (1 / lot size).
  sim_account(double initial_balance, std::span<const double> lots_per_unit, std::uint16_t leverage);

  // Applies a fill of `lots` (> 0) at `price`, charging `fee` (>= 0).
  fill_result apply_fill(std::uint32_t symbol, shm::order_side side, std::int64_t lots, double price, double fee);

  [[nodiscard]] std::int64_t position_lots(std::uint32_t symbol) const { return positions_.at(symbol).lots; }
  [[nodiscard]] double position_qty(std::uint32_t symbol) const;  // signed: < 0 is short
  [[nodiscard]] double entry_price(std::uint32_t symbol) const { return positions_.at(symbol).entry_price; }
  [[nodiscard]] double unrealized_pnl(std::uint32_t symbol, double mark) const;
  [[nodiscard]] double margin_used(std::uint32_t symbol) const;
  [[nodiscard]] std::uint32_t open_positions() const;

  // Sum of unrealized PnL and margin over open positions; mark_of(s) -> mark.
  template <class MarkOf>
  [[nodiscard]] double unrealized_total(MarkOf&& mark_of) const {
    double sum = 0;
    for (std::uint32_t s = 0; s < positions_.size(); ++s)
      if (positions_[s].lots != 0) sum += unrealized_pnl(s, mark_of(s));
    return sum;
  }
  [[nodiscard]] double margin_total() const;

  [[nodiscard]] double initial_balance() const noexcept { return initial_balance_; }
  [[nodiscard]] double realized_gross() const noexcept { return realized_gross_; }
  [[nodiscard]] double fees() const noexcept { return fees_; }
  [[nodiscard]] double net_realized() const noexcept { return net_realized_; }
  [[nodiscard]] double wallet_balance() const noexcept { return initial_balance_ + net_realized_; }
  [[nodiscard]] double daily_realized() const noexcept { return net_realized_ - day_start_net_realized_; }
  [[nodiscard]] double daily_loss() const noexcept { return daily_realized() < 0 ? -daily_realized() : 0; }
  void start_new_day() noexcept { day_start_net_realized_ = net_realized_; }
  [[nodiscard]] std::uint16_t leverage() const noexcept { return leverage_; }

  // Payloads that show this account's state.
  [[nodiscard]] shm::position_update position(std::uint32_t symbol, std::string_view symbol_name, double mark) const;
  [[nodiscard]] shm::pnl_update pnl(double unrealized) const;
  [[nodiscard]] shm::balance_update balance(double unrealized, double change) const;

 private:
  struct position_state {
    std::int64_t lots = 0;  // signed: < 0 is short
    double entry_price = 0;
  };

  std::vector<position_state> positions_;
  std::vector<double> lots_per_unit_;
  double initial_balance_;
  double realized_gross_ = 0;
  double fees_ = 0;
  // Accumulated fill by fill as realized - fee, the same way a reader of
  // the stream sums TRADE_UPDATEs, so the two agree to the last bit.
  double net_realized_ = 0;
  double day_start_net_realized_ = 0;
  std::uint16_t leverage_;
};

}  // namespace ringcast::sim
