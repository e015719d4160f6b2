// The events that show a trader's state: orders, chains, lifecycle stages,
// PnL, the circuit breaker, the autopilot. Kept apart from the chain logic
// (sim_trader.cpp) that decides when they are sent.
#include <array>
#include <span>

#include "sim_trader.hpp"

namespace ringcast::sim {

void sim_trader::emit_order(sim_context& cx, const chain& c, const order& o) const {
  const symbol_spec& spec = cx.market.spec(c.symbol);
  const double filled_qty = static_cast<double>(o.filled) / spec.lots_per_unit;
  cx.out.emit(user_id_, shm::order_update{.order_id = o.id,
                                          .client_order_id = cx.ids.client_order_id(o.id),
                                          .symbol = spec.name,
                                          .side = o.side,
                                          .type = o.type,
                                          .status = o.status,
                                          .reduce_only = o.reduce_only,
                                          .price = o.price,
                                          .stop_price = o.stop_price,
                                          .qty = static_cast<double>(o.lots) / spec.lots_per_unit,
                                          .filled_qty = filled_qty,
                                          .avg_price = o.filled > 0 ? round_to(o.filled_notional / filled_qty, 1e8) : 0,
                                          .update_time = cx.now_ms});
}

void sim_trader::emit_chain(sim_context& cx, const chain& c, shm::chain_status status) const {
  const symbol_spec& spec = cx.market.spec(c.symbol);
  std::array<shm::chain_order, 4> orders{};
  for (std::uint32_t i = 0; i < c.order_count; ++i) {
    const order& o = c.orders[i];
    orders[i] = {.order_id = o.id,
                 .client_order_id = cx.ids.client_order_id(o.id),
                 .role = o.role,
                 .side = o.side,
                 .type = o.type,
                 .status = o.status,
                 .price = o.price != 0 ? o.price : o.stop_price,  // a stop order's price is its trigger
                 .qty = static_cast<double>(o.lots) / spec.lots_per_unit,
                 .filled_qty = static_cast<double>(o.filled) / spec.lots_per_unit};
  }
  cx.out.emit(user_id_,
              shm::chain_update{.chain_id = c.id, .symbol = spec.name, .status = status, .updated_time = cx.now_ms},
              std::span<const shm::chain_order>(orders.data(), c.order_count));
}

void sim_trader::emit_lifecycle(sim_context& cx, const chain& c, const order& o, std::string_view stage_name,
                                const shm::text_t& detail) const {
  cx.out.emit(user_id_, shm::lifecycle_event{.event_id = cx.ids.event_id(),
                                             .chain_id = c.id,
                                             .order_id = o.id,
                                             .symbol = cx.market.spec(c.symbol).name,
                                             .stage = stage_name,
                                             .detail = detail,
                                             .event_time = cx.now_ms});
}

double sim_trader::unrealized(const sim_context& cx) const {
  return account_.unrealized_total([&](std::uint32_t s) { return cx.market.mark(s); });
}

void sim_trader::emit_pnl(sim_context& cx) const { cx.out.emit(user_id_, account_.pnl(unrealized(cx))); }

void sim_trader::emit_breaker(sim_context& cx) const {
  const bool tripped = breaker_.tripped();
  cx.out.emit(user_id_, shm::circuit_breaker_update{
                            .is_triggered = tripped,
                            .consecutive_losses = breaker_.consecutive_losses(),
                            .trigger_reason = tripped ? format_fixed<shm::text_t>(
                                                            "daily loss {:.2f} USDT reached the {:.2f} USDT limit",
                                                            account_.daily_loss(), breaker_.limit())
                                                      : shm::text_t{},
                            .daily_loss = account_.daily_loss(),
                            .daily_loss_limit = breaker_.limit(),
                            .reset_time = breaker_.reset_time_ms()});
}

void sim_trader::emit_ginie(sim_context& cx) const {
  cx.out.emit(user_id_, shm::ginie_status_update{.is_running = autopilot_running(),
                                                 .current_mode = k_modes[stats_.mode],
                                                 .active_positions = account_.open_positions(),
                                                 .max_positions = config_.max_positions,
                                                 .daily_trades = stats_.trades,
                                                 .last_signal = stats_.last_signal,
                                                 .last_decision_time = stats_.last_decision_ms});
}

void sim_trader::emit_mode_safety(sim_context& cx) const {
  const bool paused = breaker_.tripped();
  cx.out.emit(user_id_,
              shm::mode_safety_update{
                  .mode = k_modes[stats_.mode],
                  .is_paused = paused,
                  .consecutive_losses = breaker_.consecutive_losses(),
                  .pause_reason = paused ? shm::text_t("circuit breaker: daily loss limit reached") : shm::text_t{},
                  .win_rate = stats_.trades > 0 ? static_cast<double>(stats_.wins) / stats_.trades : 0,
                  .max_drawdown_pct = stats_.max_drawdown / config_.initial_balance * 100,
                  .resume_time = breaker_.reset_time_ms()});
}

void sim_trader::emit_stats(sim_context& cx) const {
  cx.out.emit(user_id_,
              shm::stats_update{.source = "ginie",
                                .total_trades = stats_.trades,
                                .winning_trades = stats_.wins,
                                .losing_trades = stats_.losses,
                                .win_rate = stats_.trades > 0 ? static_cast<double>(stats_.wins) / stats_.trades : 0,
                                .total_pnl = account_.net_realized(),
                                .total_volume = stats_.volume});
}

}  // namespace ringcast::sim
