#include "sim_account.hpp"

#include <cstdlib>
#include <stdexcept>

namespace ringcast::sim {
namespace {

constexpr double k_maintenance_margin_rate = 0.004;  // Binance's first tier for majors

}  // namespace

sim_account::sim_account(double initial_balance, std::span<const double> lots_per_unit, std::uint16_t leverage)
    : positions_(lots_per_unit.size()),
      lots_per_unit_(lots_per_unit.begin(), lots_per_unit.end()),
      initial_balance_(initial_balance),
      leverage_(leverage) {
  if (leverage == 0) throw std::invalid_argument("sim_account: leverage must be at least 1");
}

fill_result sim_account::apply_fill(std::uint32_t symbol, shm::order_side side, std::int64_t lots, double price,
                                    double fee) {
  if (lots <= 0) throw std::invalid_argument("sim_account::apply_fill: lots must be > 0");
  position_state& p = positions_.at(symbol);
  const std::int64_t signed_fill = side == shm::order_side::buy ? lots : -lots;
  fill_result r{.fee = fee};
  if (p.lots == 0 || (p.lots > 0) == (signed_fill > 0)) {
    // Opens or extends: the entry becomes the size-weighted average.
    const auto old_abs = static_cast<double>(std::llabs(p.lots));
    const auto add = static_cast<double>(lots);
    p.entry_price = (old_abs * p.entry_price + add * price) / (old_abs + add);
    p.lots += signed_fill;
  } else {
    const std::int64_t closed = std::min<std::int64_t>(std::llabs(p.lots), lots);
    const double direction = p.lots > 0 ? 1.0 : -1.0;
    r.realized_pnl = static_cast<double>(closed) / lots_per_unit_[symbol] * (price - p.entry_price) * direction;
    p.lots += signed_fill;
    if (p.lots == 0)
      p.entry_price = 0;
    else if ((p.lots > 0) == (signed_fill > 0))
      p.entry_price = price;  // flipped: the rest of the fill opened the other side
  }
  r.balance_change = r.realized_pnl - r.fee;
  realized_gross_ += r.realized_pnl;
  fees_ += r.fee;
  net_realized_ += r.realized_pnl - r.fee;
  return r;
}

double sim_account::position_qty(std::uint32_t symbol) const {
  return static_cast<double>(positions_.at(symbol).lots) / lots_per_unit_[symbol];
}

double sim_account::unrealized_pnl(std::uint32_t symbol, double mark) const {
  const position_state& p = positions_.at(symbol);
  return p.lots == 0 ? 0 : position_qty(symbol) * (mark - p.entry_price);
}

double sim_account::margin_used(std::uint32_t symbol) const {
  return std::abs(position_qty(symbol)) * positions_.at(symbol).entry_price / leverage_;
}

double sim_account::margin_total() const {
  double sum = 0;
  for (std::uint32_t s = 0; s < positions_.size(); ++s) sum += margin_used(s);
  return sum;
}

std::uint32_t sim_account::open_positions() const {
  std::uint32_t n = 0;
  for (const auto& p : positions_) n += p.lots != 0 ? 1 : 0;
  return n;
}

shm::position_update sim_account::position(std::uint32_t symbol, std::string_view symbol_name, double mark) const {
  const position_state& p = positions_.at(symbol);
  const double qty = position_qty(symbol);
  const double lev = leverage_;
  double liquidation = 0;
  if (p.lots > 0) liquidation = p.entry_price * (1 - 1 / lev + k_maintenance_margin_rate);
  if (p.lots < 0) liquidation = p.entry_price * (1 + 1 / lev - k_maintenance_margin_rate);
  return {.symbol = symbol_name,
          .side = p.lots > 0   ? shm::position_side::long_
                  : p.lots < 0 ? shm::position_side::short_
                               : shm::position_side::both,  // flat
          .margin = shm::margin_type::isolated,
          .leverage = leverage_,
          .size = std::abs(qty),
          .entry_price = p.entry_price,
          .mark_price = mark,
          .liquidation_price = liquidation,
          .unrealized_pnl = unrealized_pnl(symbol, mark),
          .margin_used = margin_used(symbol)};
}

shm::pnl_update sim_account::pnl(double unrealized) const {
  return {.total_pnl = net_realized_ + unrealized,
          .daily_pnl = daily_realized() + unrealized,
          .position_pnl = unrealized,
          .realized_pnl = net_realized_};
}

shm::balance_update sim_account::balance(double unrealized, double change) const {
  return {.asset = "USDT",
          .wallet_balance = wallet_balance(),
          .available_balance = wallet_balance() + unrealized - margin_total(),
          .cross_unrealized_pnl = unrealized,
          .balance_change = change};
}

}  // namespace ringcast::sim
