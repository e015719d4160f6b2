// One simulated user trading through chains: an entry order, then a
// take-profit and a stop-loss once it fills, closed by whichever the mark
// reaches first (or at market when the chain grows old).
//
//   open:   SIGNAL_UPDATE, ORDER_UPDATE NEW (or REJECTED), CHAIN_UPDATE PENDING, LIFECYCLE_EVENT
//   entry:  fills in parts (TRADE_UPDATE, ORDER_UPDATE PARTIALLY_FILLED/FILLED,
//           POSITION_UPDATE, BALANCE_UPDATE, PNL_UPDATE, CHAIN_UPDATE, LIFECYCLE_EVENT),
//           or is CANCELED; once done, TP and SL are placed (ORDER_UPDATE NEW x2)
//   open:   POSITION_UPDATE and PNL_UPDATE as the mark moves
//   exit:   TP or SL (or a MARKET exit) fills, the other is CANCELED,
//           CHAIN_UPDATE COMPLETED, LIFECYCLE_EVENT TP_HIT/SL_HIT/TIME_EXIT and CLOSED,
//           STATS_UPDATE; a loss may trip the circuit breaker
//           (CIRCUIT_BREAKER_UPDATE, GINIE_STATUS_UPDATE, MODE_SAFETY_UPDATE, system_log)
//
// One chain per symbol at a time, so a symbol's position is exactly its
// chain's and returns to zero when the chain ends. Every number comes from
// the account (sim_account.hpp), updated before the events that show it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim_account.hpp"
#include "sim_breaker.hpp"
#include "sim_context.hpp"

namespace ringcast::sim {

struct trader_config {
  double initial_balance = 10'000;           // USDT
  double daily_loss_limit = 50;              // USDT: 0.5 % of the balance, a cautious autopilot's
  std::int64_t breaker_cooldown_ms = 3'000;  // tripped this long, then a new day starts
  std::uint16_t leverage = 10;
  std::uint32_t max_positions = 3;  // chains open at once
};

inline constexpr std::string_view k_modes[] = {"scalp", "swing", "position", "ultra_fast"};
// A chain's entry is sized at this share of the wallet (margin 0.5-2 % at
// 10x): fees make simulated users lose slowly, as real ones do, and their
// wallets shrink with them, never below zero.
inline constexpr double k_position_share_min = 0.05;
inline constexpr double k_position_share_max = 0.2;

// What the autopilot and the stats events show about a user.
struct trader_stats {
  std::uint32_t trades = 0;  // closed chains
  std::uint32_t wins = 0;
  std::uint32_t losses = 0;
  double volume = 0;        // notional of all fills
  double best_pnl = 0;      // peak of net realized, for drawdown
  double max_drawdown = 0;  // largest fall of net realized from its peak
  std::uint32_t mode = 0;   // index into k_modes
  shm::fixed_string<64> last_signal{};
  std::int64_t last_decision_ms = 0;
};

class sim_trader {
 public:
  sim_trader(std::string user_id, const sim_market& market, const trader_config& config);

  // One step of this user's trading: advance a chain, open one, or show state.
  void act(sim_context& cx);

  [[nodiscard]] const std::string& user_id() const noexcept { return user_id_; }
  [[nodiscard]] const sim_account& account() const noexcept { return account_; }
  [[nodiscard]] const sim_breaker& breaker() const noexcept { return breaker_; }
  [[nodiscard]] const trader_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const trader_config& config() const noexcept { return config_; }
  [[nodiscard]] bool autopilot_running() const noexcept { return !breaker_.tripped(); }
  [[nodiscard]] std::uint32_t active_chains() const noexcept;
  [[nodiscard]] bool funded() const noexcept;  // enough wallet left to open chains
  void set_mode(std::uint32_t mode) noexcept { stats_.mode = mode; }

  // State events, also sent on their own from time to time (sim_status).
  void emit_pnl(sim_context& cx) const;
  void emit_breaker(sim_context& cx) const;
  void emit_ginie(sim_context& cx) const;
  void emit_mode_safety(sim_context& cx) const;
  void emit_stats(sim_context& cx) const;

 private:
  enum class stage : std::uint8_t { entry_working, open };
  enum : std::uint8_t { k_entry, k_tp, k_sl, k_exit };  // order slots of a chain
  struct order {
    std::int64_t id = 0;
    shm::fixed_string<16> role{};
    shm::order_side side{};
    shm::order_type type{};
    shm::order_status status{};
    bool reduce_only = false;
    double price = 0;
    double stop_price = 0;
    std::int64_t lots = 0;
    std::int64_t filled = 0;
    double filled_notional = 0;
  };
  struct chain {
    shm::id_t id{};
    std::uint32_t symbol = 0;
    bool is_long = true;
    stage at = stage::entry_working;
    std::int64_t opened_ms = 0;  // when TP and SL were placed
    double net_pnl = 0;          // realized - fees of its fills
    std::array<order, 4> orders{};
    std::uint32_t order_count = 1;
  };

  void open_chain(sim_context& cx, std::uint32_t symbol);
  bool advance_entry(sim_context& cx, chain& c);  // false: chain over
  bool advance_open(sim_context& cx, chain& c);
  void protect(sim_context& cx, chain& c);
  void close_chain(sim_context& cx, chain& c, std::uint8_t by, std::string_view stage_name);
  void fill(sim_context& cx, chain& c, order& o, std::int64_t lots, double price, bool maker);
  void on_chain_closed(sim_context& cx, const chain& c);
  void on_breaker_reset(sim_context& cx);

  [[nodiscard]] static order new_order(sim_context& cx, std::string_view role, shm::order_side side,
                                       shm::order_type type, std::int64_t lots);
  void emit_order(sim_context& cx, const chain& c, const order& o) const;
  void emit_chain(sim_context& cx, const chain& c, shm::chain_status status) const;
  void emit_lifecycle(sim_context& cx, const chain& c, const order& o, std::string_view stage_name,
                      const shm::text_t& detail) const;
  [[nodiscard]] double unrealized(const sim_context& cx) const;

  std::string user_id_;
  trader_config config_;
  sim_account account_;
  sim_breaker breaker_;
  trader_stats stats_;
  std::vector<std::optional<chain>> chains_;  // by symbol
};

}  // namespace ringcast::sim
