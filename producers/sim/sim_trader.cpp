#include "sim_trader.hpp"

#include <algorithm>
#include <utility>

namespace ringcast::sim {
namespace {

constexpr double k_maker_fee = 0.0002;  // Binance USD-M futures defaults
constexpr double k_taker_fee = 0.0004;
// Exits a few tenths of a percent away: at the default volatility the mark
// reaches one in ~8 s, so each user closes a chain every few seconds.
constexpr double k_take_profit = 0.003;
constexpr double k_stop_loss = 0.0025;
constexpr std::int64_t k_max_open_ms = 60'000;  // then the chain exits at market
constexpr double k_reject_chance = 0.03;
constexpr double k_cancel_chance = 0.08;
constexpr double k_min_wallet_share = 0.1;  // below 10 % of its start, a wallet opens nothing more

shm::order_side opposite(shm::order_side s) {
  return s == shm::order_side::buy ? shm::order_side::sell : shm::order_side::buy;
}
const char* side_name(shm::order_side s) { return s == shm::order_side::buy ? "BUY" : "SELL"; }

}  // namespace

sim_trader::sim_trader(std::string user_id, const sim_market& market, const trader_config& config)
    : user_id_(std::move(user_id)),
      config_(config),
      account_(config.initial_balance, market.lots_per_unit(), config.leverage),
      breaker_(config.daily_loss_limit, config.breaker_cooldown_ms),
      chains_(market.size()) {}

bool sim_trader::funded() const noexcept {
  return account_.wallet_balance() > account_.initial_balance() * k_min_wallet_share;
}

std::uint32_t sim_trader::active_chains() const noexcept {
  return static_cast<std::uint32_t>(
      std::count_if(chains_.begin(), chains_.end(), [](const auto& c) { return c.has_value(); }));
}

void sim_trader::act(sim_context& cx) {
  if (breaker_.reset_due(cx.now_ms)) {
    on_breaker_reset(cx);
    return;
  }
  std::uint32_t s = cx.rng.below(cx.market.size());
  if (!chains_[s]) {
    if (autopilot_running() && funded() && active_chains() < config_.max_positions) {
      open_chain(cx, s);
      return;
    }
    // Cannot open one here: move one of the open chains on instead.
    const std::uint32_t n = active_chains();
    if (n == 0) {
      emit_pnl(cx);
      return;
    }
    std::uint32_t k = cx.rng.below(n);  // the k-th open chain
    for (s = 0; !chains_[s] || k-- > 0; ++s) {
    }
  }
  auto& slot = chains_[s];
  const bool alive = slot->at == stage::entry_working ? advance_entry(cx, *slot) : advance_open(cx, *slot);
  if (!alive) slot.reset();
}

void sim_trader::open_chain(sim_context& cx, std::uint32_t s) {
  const symbol_spec& spec = cx.market.spec(s);
  const double mark = cx.market.mark(s);
  chain c{.id = cx.ids.chain_id(), .symbol = s, .is_long = cx.rng.chance(0.5)};
  const double dir = c.is_long ? 1 : -1;
  const double confidence = round_to(cx.rng.uniform(0.55, 0.95), 100);
  cx.out.emit(user_id_,
              shm::signal_update{.signal_id = cx.ids.signal_id(),
                                 .symbol = spec.name,
                                 .direction = c.is_long ? shm::signal_direction::long_ : shm::signal_direction::short_,
                                 .source = "ginie",
                                 .confidence = confidence,
                                 .entry_price = mark,
                                 .stop_loss = round_to(mark * (1 - dir * k_stop_loss), spec.ticks_per_unit),
                                 .take_profit = round_to(mark * (1 + dir * k_take_profit), spec.ticks_per_unit)});
  stats_.last_signal =
      format_fixed<shm::fixed_string<64>>("{} {} {:.0f}%", spec.name, c.is_long ? "LONG" : "SHORT", confidence * 100);
  stats_.last_decision_ms = cx.now_ms;

  const double notional = account_.wallet_balance() * cx.rng.uniform(k_position_share_min, k_position_share_max);
  const auto lots = std::max<std::int64_t>(1, static_cast<std::int64_t>(notional / mark * spec.lots_per_unit));
  order& entry = c.orders[k_entry] =
      new_order(cx, "ENTRY", c.is_long ? shm::order_side::buy : shm::order_side::sell, shm::order_type::limit, lots);
  // A tick inside the mark: it rests on the book and fills as a maker.
  entry.price = std::max(round_to(mark - dir / spec.ticks_per_unit, spec.ticks_per_unit), 1 / spec.ticks_per_unit);
  emit_lifecycle(cx, c, entry, "SIGNAL",
                 format_fixed<shm::text_t>("{} confidence {:.2f}", stats_.last_signal.view(), confidence));
  if (cx.rng.chance(k_reject_chance)) {
    entry.status = shm::order_status::rejected;
    emit_order(cx, c, entry);
    emit_chain(cx, c, shm::chain_status::failed);
    emit_lifecycle(cx, c, entry, "ENTRY_REJECTED", "Margin is insufficient.");
    emit_log(cx, user_id_, shm::log_level::warn, "order_manager",
             fmt::format("order {} for {} rejected: margin is insufficient", entry.id, spec.name),
             {{"orderId", entry.id}, {"symbol", spec.name}, {"code", -2019}});
    return;
  }
  emit_order(cx, c, entry);
  emit_chain(cx, c, shm::chain_status::pending);
  emit_lifecycle(cx, c, entry, "ENTRY_PLACED",
                 format_fixed<shm::text_t>("LIMIT {} {} @ {}", side_name(entry.side),
                                           static_cast<double>(lots) / spec.lots_per_unit, entry.price));
  chains_[s] = c;
}

bool sim_trader::advance_entry(sim_context& cx, chain& c) {
  order& entry = c.orders[k_entry];
  if (cx.rng.chance(k_cancel_chance)) {
    entry.status = shm::order_status::canceled;
    emit_order(cx, c, entry);
    if (entry.filled == 0) {
      emit_chain(cx, c, shm::chain_status::canceled);
      emit_lifecycle(cx, c, entry, "ENTRY_CANCELED", "not filled in time");
      return false;
    }
    emit_lifecycle(cx, c, entry, "ENTRY_CANCELED", "rest canceled; the filled part is protected");
    protect(cx, c);
    return true;
  }
  const std::int64_t left = entry.lots - entry.filled;
  const std::int64_t part =
      left > 1 && cx.rng.chance(0.5)
          ? 1 + cx.rng.below(static_cast<std::uint32_t>(std::min<std::int64_t>(left - 1, UINT32_MAX)))
          : left;
  fill(cx, c, entry, part, entry.price, true);
  const bool done = entry.filled == entry.lots;
  emit_chain(cx, c, shm::chain_status::active);
  const double lpu = cx.market.spec(c.symbol).lots_per_unit;
  emit_lifecycle(cx, c, entry, done ? "ENTRY_FILLED" : "ENTRY_PARTIAL",
                 format_fixed<shm::text_t>("{} of {} @ {}", static_cast<double>(entry.filled) / lpu,
                                           static_cast<double>(entry.lots) / lpu, entry.price));
  if (done) protect(cx, c);
  return true;
}

void sim_trader::protect(sim_context& cx, chain& c) {
  const symbol_spec& spec = cx.market.spec(c.symbol);
  const order& entry = c.orders[k_entry];
  const double entry_price = account_.entry_price(c.symbol);  // the chain's: one chain per symbol
  const double dir = c.is_long ? 1 : -1;
  order& tp = c.orders[k_tp] =
      new_order(cx, "TP", opposite(entry.side), shm::order_type::take_profit_market, entry.filled);
  tp.reduce_only = true;
  tp.stop_price = round_to(entry_price * (1 + dir * k_take_profit), spec.ticks_per_unit);
  order& sl = c.orders[k_sl] = new_order(cx, "SL", opposite(entry.side), shm::order_type::stop_market, entry.filled);
  sl.reduce_only = true;
  sl.stop_price = round_to(entry_price * (1 - dir * k_stop_loss), spec.ticks_per_unit);
  c.order_count = 3;
  c.at = stage::open;
  c.opened_ms = cx.now_ms;
  emit_order(cx, c, tp);
  emit_order(cx, c, sl);
  emit_chain(cx, c, shm::chain_status::active);
  emit_lifecycle(cx, c, tp, "TP_SL_PLACED", format_fixed<shm::text_t>("TP {} SL {}", tp.stop_price, sl.stop_price));
}

bool sim_trader::advance_open(sim_context& cx, chain& c) {
  const double mark = cx.market.mark(c.symbol);
  const order& tp = c.orders[k_tp];
  const order& sl = c.orders[k_sl];
  if (c.is_long ? mark >= tp.stop_price : mark <= tp.stop_price) {
    close_chain(cx, c, k_tp, "TP_HIT");
    return false;
  }
  if (c.is_long ? mark <= sl.stop_price : mark >= sl.stop_price) {
    close_chain(cx, c, k_sl, "SL_HIT");
    return false;
  }
  if (cx.now_ms - c.opened_ms > k_max_open_ms) {
    order& exit = c.orders[k_exit] = new_order(cx, "EXIT", tp.side, shm::order_type::market, tp.lots);
    exit.reduce_only = true;
    c.order_count = 4;
    emit_order(cx, c, exit);
    close_chain(cx, c, k_exit, "TIME_EXIT");
    return false;
  }
  // Still open: the position at the new mark, and now and then the PnL.
  cx.out.emit(user_id_, account_.position(c.symbol, cx.market.spec(c.symbol).name, mark));
  if (cx.rng.chance(0.3)) emit_pnl(cx);
  return true;
}

void sim_trader::close_chain(sim_context& cx, chain& c, std::uint8_t by, std::string_view stage_name) {
  const symbol_spec& spec = cx.market.spec(c.symbol);
  order& o = c.orders[by];
  const double mark = cx.market.mark(c.symbol);
  // Stop and market orders take liquidity at the mark; a share of them in
  // two parts, the second a tick worse.
  std::int64_t left = o.lots;
  if (left > 1 && cx.rng.chance(0.3)) {
    const std::int64_t first =
        1 + cx.rng.below(static_cast<std::uint32_t>(std::min<std::int64_t>(left - 1, UINT32_MAX)));
    fill(cx, c, o, first, mark, false);
    left -= first;
    const double worse = o.side == shm::order_side::buy ? 1 : -1;
    fill(cx, c, o, left,
         std::max(round_to(mark + worse / spec.ticks_per_unit, spec.ticks_per_unit), 1 / spec.ticks_per_unit), false);
  } else {
    fill(cx, c, o, left, mark, false);
  }
  for (const std::uint8_t other : {k_tp, k_sl}) {
    if (other == by) continue;
    c.orders[other].status = shm::order_status::canceled;
    emit_order(cx, c, c.orders[other]);
  }
  emit_chain(cx, c, shm::chain_status::completed);
  const double qty = static_cast<double>(o.filled) / spec.lots_per_unit;
  emit_lifecycle(cx, c, o, stage_name,
                 format_fixed<shm::text_t>("{} {} @ {}", o.role.view(), qty, round_to(o.filled_notional / qty, 1e8)));
  emit_lifecycle(cx, c, o, "CLOSED", format_fixed<shm::text_t>("net {:+.4f} USDT", c.net_pnl));
  on_chain_closed(cx, c);
}

void sim_trader::fill(sim_context& cx, chain& c, order& o, std::int64_t lots, double price, bool maker) {
  const symbol_spec& spec = cx.market.spec(c.symbol);
  const double qty = static_cast<double>(lots) / spec.lots_per_unit;
  const double fee = round_to(qty * price * (maker ? k_maker_fee : k_taker_fee), 1e8);
  const fill_result r = account_.apply_fill(c.symbol, o.side, lots, price, fee);
  o.filled += lots;
  o.filled_notional += qty * price;
  o.status = o.filled == o.lots ? shm::order_status::filled : shm::order_status::partially_filled;
  c.net_pnl += r.balance_change;
  stats_.volume += qty * price;
  stats_.best_pnl = std::max(stats_.best_pnl, account_.net_realized());
  stats_.max_drawdown = std::max(stats_.max_drawdown, stats_.best_pnl - account_.net_realized());

  cx.out.emit(user_id_, shm::trade_update{.trade_id = cx.ids.trade_id(),
                                          .order_id = o.id,
                                          .symbol = spec.name,
                                          .side = o.side,
                                          .is_maker = maker,
                                          .fee_asset = "USDT",
                                          .price = price,
                                          .qty = qty,
                                          .fee = fee,
                                          .realized_pnl = r.realized_pnl,
                                          .trade_time = cx.now_ms});
  emit_order(cx, c, o);
  cx.out.emit(user_id_, account_.position(c.symbol, spec.name, cx.market.mark(c.symbol)));
  const double u = unrealized(cx);
  cx.out.emit(user_id_, account_.balance(u, r.balance_change));
  cx.out.emit(user_id_, account_.pnl(u));
}

void sim_trader::on_chain_closed(sim_context& cx, const chain& c) {
  ++stats_.trades;
  ++(c.net_pnl > 0 ? stats_.wins : stats_.losses);
  emit_stats(cx);
  if (!breaker_.on_chain_closed(c.net_pnl <= 0, account_.daily_loss(), cx.now_ms)) return;
  emit_breaker(cx);
  emit_ginie(cx);
  emit_mode_safety(cx);
  emit_log(
      cx, user_id_, shm::log_level::error, "risk",
      fmt::format("circuit breaker tripped: daily loss {:.2f} USDT reached the {:.2f} USDT limit",
                  account_.daily_loss(), breaker_.limit()),
      {{"dailyLoss", account_.daily_loss()}, {"limit", breaker_.limit()}, {"resetTime", breaker_.reset_time_ms()}});
}

void sim_trader::on_breaker_reset(sim_context& cx) {
  account_.start_new_day();
  emit_breaker(cx);
  emit_ginie(cx);
  emit_mode_safety(cx);
  emit_log(cx, user_id_, shm::log_level::info, "risk", "circuit breaker reset: a new trading day starts",
           {{"dailyLossLimit", breaker_.limit()}});
}

sim_trader::order sim_trader::new_order(sim_context& cx, std::string_view role, shm::order_side side,
                                        shm::order_type type, std::int64_t lots) {
  return {.id = cx.ids.order_id(),
          .role = role,
          .side = side,
          .type = type,
          .status = shm::order_status::new_,
          .lots = lots};
}

}  // namespace ringcast::sim
