// Latency samples of the last reporting interval, for live displays:
// bounded (the newest samples past the cap replace random old ones), and
// summarised into quantiles once per interval.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace ringcast::tools {

struct quantiles {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;
  std::uint64_t count = 0;
};

class sample_window {
 public:
  explicit sample_window(std::size_t capacity = 1u << 18) : capacity_(capacity) { samples_.reserve(capacity); }

  void add(std::int64_t v) {
    ++seen_;
    max_ = std::max(max_, v);
    if (samples_.size() < capacity_) {
      samples_.push_back(v);
      return;
    }
    // Reservoir sampling keeps the quantiles unbiased past the cap.
    const std::uint64_t slot = std::uniform_int_distribution<std::uint64_t>(0, seen_ - 1)(rng_);
    if (slot < capacity_) samples_[slot] = v;
  }

  // Quantiles of the samples since the last call, then starts afresh.
  quantiles take_quantiles() {
    quantiles q;
    q.count = seen_;
    if (!samples_.empty()) {
      auto at = [&](double p) {
        const auto k = static_cast<std::size_t>(p * static_cast<double>(samples_.size() - 1));
        std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(k), samples_.end());
        return static_cast<double>(samples_[k]);
      };
      q.p50 = at(0.50);
      q.p99 = at(0.99);
      q.p999 = at(0.999);
      q.max = static_cast<double>(max_);
    }
    samples_.clear();
    seen_ = 0;
    max_ = 0;
    return q;
  }

 private:
  std::size_t capacity_;
  std::vector<std::int64_t> samples_;
  std::uint64_t seen_ = 0;
  std::int64_t max_ = 0;
  std::mt19937_64 rng_{42};
};

}  // namespace ringcast::tools
