#include "sim_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace ringcast::sim {

sim_schedule::sim_schedule(double rate, burst_options burst) noexcept
    : rate_(rate),
      factor_(std::max(1.0, burst.factor)),
      length_(std::chrono::duration<double>(burst.length).count()),
      period_(std::chrono::duration<double>(burst.period).count()) {
  if (period_ <= 0 || length_ <= 0) factor_ = 1;  // no bursts without a window to put them in
  length_ = std::min(length_, period_);
}

double sim_schedule::due(double t) const noexcept {
  if (t <= 0) return 0;
  if (factor_ == 1.0) return rate_ * t;
  // Seconds spent inside bursts by t: bursts start at k*P for k >= 1.
  const double k = std::floor(t / period_);
  double in_burst = 0;
  if (k >= 1) in_burst = (k - 1) * length_ + std::min(t - k * period_, length_);
  return rate_ * (t + (factor_ - 1) * in_burst);
}

double sim_schedule::time_of(double n) const noexcept {
  if (n <= 0) return 0;
  if (factor_ == 1.0) return n / rate_;
  const double first = rate_ * period_;  // the steady first period
  if (n < first) return n / rate_;
  const double per_period = rate_ * (period_ + (factor_ - 1) * length_);
  const double burst_events = rate_ * factor_ * length_;
  const double m = n - first;
  const double k = 1 + std::floor(m / per_period);
  const double r = m - (k - 1) * per_period;  // events into period k
  if (r < burst_events) return k * period_ + r / (rate_ * factor_);
  return k * period_ + length_ + (r - burst_events) / rate_;
}

double sim_schedule::mean_rate() const noexcept {
  return factor_ == 1.0 ? rate_ : rate_ * (period_ + (factor_ - 1) * length_) / period_;
}

}  // namespace ringcast::sim
