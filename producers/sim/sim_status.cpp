#include "sim_status.hpp"

#include <boost/json/serialize.hpp>

namespace ringcast::sim {
namespace {

struct gateway {
  std::string_view id;
  std::string_view type;
  std::string_view region;
};
constexpr gateway k_gateways[] = {{"binance-futures-ws", "websocket", "ap-northeast-1"},
                                  {"binance-futures-rest", "rest", "ap-northeast-1"},
                                  {"bybit-linear-ws", "websocket", "ap-southeast-1"}};
// A gateway goes CONNECTED -> DEGRADED or DISCONNECTED -> RECONNECTING -> CONNECTED.
constexpr std::string_view k_gateway_states[] = {"CONNECTED", "DEGRADED", "DISCONNECTED", "RECONNECTING"};
constexpr std::string_view k_components[] = {"ws-gateway", "order-router", "risk-engine", "market-data", "database"};
constexpr double k_allocation_pct[] = {40, 30, 20, 10};  // by k_modes

void mode_status(sim_context& cx, const sim_trader& t, std::uint32_t mode) {
  const bool active = mode == t.stats().mode;
  cx.out.emit(t.user_id(), shm::mode_status_update{.mode = k_modes[mode],
                                                   .enabled = active,
                                                   .status = !active                 ? "IDLE"
                                                             : t.autopilot_running() ? "ACTIVE"
                                                                                     : "PAUSED",
                                                   .active_positions = active ? t.account().open_positions() : 0,
                                                   .pnl_today = active ? t.account().daily_realized() : 0});
}

void mode_allocation(sim_context& cx, const sim_trader& t) {
  const std::uint32_t mode = cx.rng.below(std::size(k_modes));
  const double allocated = t.account().wallet_balance() * k_allocation_pct[mode] / 100;
  cx.out.emit(t.user_id(), shm::mode_allocation_update{
                               .mode = k_modes[mode],
                               .max_positions = t.config().max_positions,
                               .allocation_pct = k_allocation_pct[mode],
                               .allocated_usd = round_to(allocated, 100),
                               .used_usd = mode == t.stats().mode ? round_to(t.account().margin_total(), 100) : 0});
}

void mode_change(sim_context& cx, sim_trader& t) {
  const std::uint32_t from = t.stats().mode;
  const std::uint32_t to = (from + 1 + cx.rng.below(std::size(k_modes) - 1)) % std::size(k_modes);
  t.set_mode(to);
  mode_status(cx, t, from);
  mode_status(cx, t, to);
  t.emit_ginie(cx);
  emit_log(cx, t.user_id(), shm::log_level::info, "ginie",
           fmt::format("autopilot mode {} -> {}", k_modes[from], k_modes[to]),
           {{"from", k_modes[from]}, {"to", k_modes[to]}});
}

void autopilot_rules(sim_context& cx, const sim_trader& t) {
  cx.out.emit(t.user_id(), shm::autopilot_rules_update{
                               .enabled = t.autopilot_running(),
                               .max_leverage = t.config().leverage,
                               .max_positions = t.config().max_positions,
                               .max_daily_loss = t.config().daily_loss_limit,
                               .max_position_usd = round_to(t.account().wallet_balance() * k_position_share_max, 100),
                               .risk_per_trade_pct = 1,
                               .min_confidence = 0.55});
}

void performance(sim_context& cx, const sim_trader& t) {
  const auto& s = t.stats();
  const double pnl = t.account().net_realized();
  cx.out.emit(t.user_id(),
              shm::performance_update{.scope = k_modes[s.mode],
                                      .trades = s.trades,
                                      .win_rate = s.trades > 0 ? static_cast<double>(s.wins) / s.trades : 0,
                                      .pnl = pnl,
                                      .avg_pnl = s.trades > 0 ? pnl / s.trades : 0,
                                      .max_drawdown = s.max_drawdown,
                                      .sharpe = round_to(cx.rng.uniform(-0.5, 2.5), 100)});
}

void health(sim_context& cx) {
  const bool healthy = cx.rng.chance(0.95);
  cx.out.emit(
      "", shm::health_update{.component = pick(cx.rng, k_components),
                             .healthy = healthy,
                             .latency_ms = round_to(healthy ? cx.rng.uniform(0.2, 15) : cx.rng.uniform(200, 2000), 10),
                             .error_rate = healthy ? 0 : round_to(cx.rng.uniform(0.01, 0.2), 1000),
                             .detail = healthy ? "ok" : "p99 latency above 200 ms"});
}

void system_status(sim_context& cx) {
  const double r = cx.rng.uniform();
  const std::string_view status = r < 0.9 ? "OK" : r < 0.98 ? "DEGRADED" : "DOWN";
  const std::string_view component = pick(cx.rng, k_components);
  cx.out.emit(
      "", shm::system_status_update{.component = component,
                                    .status = status,
                                    .detail = format_fixed<shm::text_t>(
                                        "{} {}", component, status == "OK" ? "running normally" : "is failing over")});
}

void log_line(sim_context& cx, std::string_view user) {
  const std::string_view symbol = cx.market.spec(cx.rng.below(cx.market.size())).name;
  const auto n = cx.rng.below(500);
  switch (cx.rng.below(4)) {
    case 0:
      emit_log(cx, user, shm::log_level::debug, "market_data",
               fmt::format("{} book resynced after {} updates", symbol, n), {{"symbol", symbol}, {"updates", n}});
      break;
    case 1:
      emit_log(cx, user, shm::log_level::info, "ginie",
               fmt::format("scan complete: {} candidates on {}", n % 7, symbol),
               {{"symbol", symbol}, {"candidates", n % 7}});
      break;
    case 2:
      emit_log(cx, user, shm::log_level::warn, "order_manager",
               fmt::format("rate limit at {}% of the order weight", 50 + n % 50),
               {{"usedPct", 50 + n % 50}, {"windowS", 60}});
      break;
    default:
      emit_log(cx, user, shm::log_level::error, "order_manager",
               fmt::format("{} order timed out after {} ms; retrying", symbol, 1000 + n),
               {{"symbol", symbol}, {"timeoutMs", 1000 + n}, {"retry", true}});
      break;
  }
}

void scanner_signal(sim_context& cx) {
  const std::uint32_t s = cx.rng.below(cx.market.size());
  const symbol_spec& spec = cx.market.spec(s);
  const double mark = cx.market.mark(s);
  const double r = cx.rng.uniform();
  const auto direction = r < 0.4   ? shm::signal_direction::long_
                         : r < 0.8 ? shm::signal_direction::short_
                                   : shm::signal_direction::neutral;
  const double dir = direction == shm::signal_direction::short_ ? -1 : 1;
  cx.out.emit("", shm::signal_update{.signal_id = cx.ids.signal_id(),
                                     .symbol = spec.name,
                                     .direction = direction,
                                     .source = "scanner",
                                     .confidence = round_to(cx.rng.uniform(0.3, 0.9), 100),
                                     .entry_price = mark,
                                     .stop_loss = round_to(mark * (1 - dir * 0.01), spec.ticks_per_unit),
                                     .take_profit = round_to(mark * (1 + dir * 0.02), spec.ticks_per_unit)});
}

}  // namespace

void sim_status::emit_one(sim_context& cx, std::span<sim_trader> users) {
  // Kinds 0..9 are a user's, 10.. global; without users only global ones.
  constexpr std::uint32_t k_user_kinds = 10;
  constexpr std::uint32_t k_global_kinds = 5;
  const std::uint32_t kind =
      users.empty() ? k_user_kinds + cx.rng.below(k_global_kinds) : cx.rng.below(k_user_kinds + k_global_kinds);
  if (kind < k_user_kinds) {
    sim_trader& t = users[cx.rng.below(static_cast<std::uint32_t>(users.size()))];
    switch (kind) {
      case 0:
        t.emit_ginie(cx);
        break;
      case 1:
        t.emit_breaker(cx);
        break;
      case 2:
        t.emit_mode_safety(cx);
        break;
      case 3:
        mode_status(cx, t, cx.rng.below(std::size(k_modes)));
        break;
      case 4:
        mode_allocation(cx, t);
        break;
      case 5:
        mode_change(cx, t);
        break;
      case 6:
        autopilot_rules(cx, t);
        break;
      case 7:
        t.emit_stats(cx);
        break;
      case 8:
        performance(cx, t);
        break;
      default:
        log_line(cx, t.user_id());
        break;
    }
    return;
  }
  switch (kind - k_user_kinds) {
    case 0:
      health(cx);
      break;
    case 1:
      system_status(cx);
      break;
    case 2:
      gateway_change(cx);
      break;
    case 3:
      scanner_signal(cx);
      break;
    default:
      log_line(cx, "");
      break;
  }
}

void sim_status::gateway_change(sim_context& cx) {
  const std::uint32_t g = cx.rng.below(std::size(k_gateways));
  const std::uint8_t from = gateway_state_[g];
  std::uint8_t to = 0;
  switch (from) {
    case 0:
      to = cx.rng.chance(0.5) ? 1 : 2;
      break;  // CONNECTED -> DEGRADED | DISCONNECTED
    case 2:
      to = 3;
      break;  // DISCONNECTED -> RECONNECTING
    default:
      to = 0;
      break;  // DEGRADED, RECONNECTING -> CONNECTED
  }
  gateway_state_[g] = to;
  if (to == 3) ++reconnects_[g];
  const gateway& gw = k_gateways[g];
  const double latency = round_to(cx.rng.uniform(1, to == 0 ? 20 : 900), 10);
  const boost::json::object meta{{"latencyMs", latency}, {"reconnectAttempts", reconnects_[g]}, {"region", gw.region}};
  cx.out.emit("",
              shm::gateway_status_change{.gateway_id = gw.id,
                                         .gateway_type = gw.type,
                                         .previous_status = k_gateway_states[from],
                                         .current_status = k_gateway_states[to]},
              boost::json::serialize(meta));
  emit_log(cx, "",
           to == 0   ? shm::log_level::info
           : to == 2 ? shm::log_level::error
                     : shm::log_level::warn,
           "gateway", fmt::format("{} {} -> {}", gw.id, k_gateway_states[from], k_gateway_states[to]), meta);
}

}  // namespace ringcast::sim
