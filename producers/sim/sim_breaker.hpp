// A user's circuit breaker: trips when the day's realized loss reaches the
// limit, stays tripped for a cooldown, then resets and starts a new day.
// While tripped the user opens no new chains; open ones still close.
#pragma once

#include <cstdint>

namespace ringcast::sim {

class sim_breaker {
 public:
  sim_breaker(double daily_loss_limit, std::int64_t cooldown_ms) noexcept
      : limit_(daily_loss_limit), cooldown_ms_(cooldown_ms) {}

  // After each closed chain: true if this loss trips the breaker now.
  bool on_chain_closed(bool lost, double daily_loss, std::int64_t now_ms) noexcept {
    consecutive_losses_ = lost ? consecutive_losses_ + 1 : 0;
    if (tripped_ || daily_loss < limit_) return false;
    tripped_ = true;
    reset_time_ms_ = now_ms + cooldown_ms_;
    return true;
  }

  // True once, when a tripped breaker's cooldown is over; it is then reset.
  bool reset_due(std::int64_t now_ms) noexcept {
    if (!tripped_ || now_ms < reset_time_ms_) return false;
    tripped_ = false;
    consecutive_losses_ = 0;
    reset_time_ms_ = 0;
    return true;
  }

  [[nodiscard]] bool tripped() const noexcept { return tripped_; }
  [[nodiscard]] double limit() const noexcept { return limit_; }
  [[nodiscard]] std::int64_t reset_time_ms() const noexcept { return reset_time_ms_; }  // 0 when not tripped
  [[nodiscard]] std::uint32_t consecutive_losses() const noexcept { return consecutive_losses_; }

 private:
  double limit_;
  std::int64_t cooldown_ms_;
  std::int64_t reset_time_ms_ = 0;
  std::uint32_t consecutive_losses_ = 0;
  bool tripped_ = false;
};

}  // namespace ringcast::sim
