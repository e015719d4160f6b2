#include "latency_histogram.hpp"

namespace ringcast::bridge {

latency_histogram::counts latency_histogram::read() const noexcept {
  counts c;
  for (std::size_t i = 0; i < k_buckets; ++i) {
    c.n[i] = n_[i].load(std::memory_order_relaxed);
    c.total += c.n[i];
  }
  c.sum_ns = sum_ns_.load(std::memory_order_relaxed);
  return c;
}

latency_histogram::counts latency_histogram::counts::since(const counts& earlier) const noexcept {
  counts d;
  for (std::size_t i = 0; i < k_buckets; ++i) {
    // Each counter only grows; two relaxed reads of it never go backwards.
    d.n[i] = n[i] - earlier.n[i];
    d.total += d.n[i];
  }
  d.sum_ns = sum_ns - earlier.sum_ns;
  return d;
}

double latency_histogram::counts::percentile_us(double q) const noexcept {
  if (total == 0) return 0;
  const double rank = q * static_cast<double>(total);  // the value with this many at or below it
  std::uint64_t before = 0;
  for (std::size_t i = 0; i < k_buckets; ++i) {
    if (n[i] == 0) continue;
    if (static_cast<double>(before + n[i]) >= rank) {
      const double lo = static_cast<double>(lower_us(i));
      const double hi = static_cast<double>(upper_us(i));
      return lo + (hi - lo) * (rank - static_cast<double>(before)) / static_cast<double>(n[i]);
    }
    before += n[i];
  }
  return static_cast<double>(max_us());
}

std::uint64_t latency_histogram::counts::max_us() const noexcept {
  for (std::size_t i = k_buckets; i-- > 0;)
    if (n[i] != 0) return upper_us(i);
  return 0;
}

std::uint64_t latency_histogram::counts::below(std::uint64_t us) const noexcept {
  std::uint64_t c = 0;
  for (std::size_t i = 0; i < k_buckets && lower_us(i) < us; ++i) c += n[i];
  return c;
}

}  // namespace ringcast::bridge
