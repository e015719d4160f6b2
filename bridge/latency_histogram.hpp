// A log-linear latency histogram (HdrHistogram's idea at one fixed
// precision): exact microseconds below 8 µs, then 8 buckets per power of two
// (each at most 12.5 % wide) up to 2^36 µs (19 hours). Recording is one
// relaxed fetch_add: statistics that order nothing, bumped from any thread.
// Percentiles are read from a copy of the counts, or from the difference of
// two copies (the last second's).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace ringcast::bridge {

class latency_histogram {
 public:
  static constexpr std::size_t k_linear = 8;   // 0..7 µs, one bucket each
  static constexpr std::size_t k_per_power = 8;  // 8 µs and up: 8 buckets per power of two
  static constexpr unsigned k_max_power = 35;    // the last power of two counted
  static constexpr std::size_t k_buckets = k_linear + (k_max_power - 2) * k_per_power;

  [[nodiscard]] static constexpr std::size_t index_of(std::uint64_t us) noexcept {
    if (us < k_linear) return static_cast<std::size_t>(us);
    const unsigned p = static_cast<unsigned>(std::bit_width(us)) - 1;  // 2^p <= us, p >= 3
    if (p > k_max_power) return k_buckets - 1;
    const auto sub = static_cast<std::size_t>((us >> (p - 3)) - 8);
    return k_linear + (p - 3) * k_per_power + sub;
  }
  // The bucket's values are [lower_us(i), upper_us(i)).
  [[nodiscard]] static constexpr std::uint64_t lower_us(std::size_t i) noexcept {
    if (i < k_linear) return i;
    const std::size_t p = (i - k_linear) / k_per_power + 3;
    const std::uint64_t sub = (i - k_linear) % k_per_power;
    return (8 + sub) << (p - 3);
  }

  [[nodiscard]] static constexpr std::uint64_t upper_us(std::size_t i) noexcept {
    return i + 1 < k_buckets ? lower_us(i + 1) : std::uint64_t{1} << (k_max_power + 1);
  }

  struct counts {
    std::array<std::uint64_t, k_buckets> n{};
    std::uint64_t total = 0;
    std::uint64_t sum_ns = 0;

    // What happened between `earlier` and this copy.
    [[nodiscard]] counts since(const counts& earlier) const noexcept;
    // The q-quantile (0 < q <= 1) in µs, interpolated within its bucket;
    // 0 when empty.
    [[nodiscard]] double percentile_us(double q) const noexcept;
    // The upper bound of the highest bucket used, in µs (the last bucket
    // also holds everything beyond it); 0 when empty.
    [[nodiscard]] std::uint64_t max_us() const noexcept;
    // How many values are below `us`; exact when `us` is a bucket bound.
    [[nodiscard]] std::uint64_t below(std::uint64_t us) const noexcept;
  };

  void record_ns(std::int64_t ns) noexcept {
    if (ns < 0) ns = 0;
    const auto v = static_cast<std::uint64_t>(ns);
    n_[index_of(v / 1000)].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(v, std::memory_order_relaxed);
  }
  [[nodiscard]] counts read() const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, k_buckets> n_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

static_assert(latency_histogram::index_of(7) == 7);
static_assert(latency_histogram::index_of(8) == 8 && latency_histogram::lower_us(8) == 8);
static_assert(latency_histogram::index_of(15) == 15 && latency_histogram::lower_us(16) == 16);
static_assert(latency_histogram::index_of(1000) == latency_histogram::index_of(1023));
static_assert(latency_histogram::lower_us(latency_histogram::index_of(1000)) == 960);
static_assert(latency_histogram::index_of(~0ull) == latency_histogram::k_buckets - 1);

}  // namespace ringcast::bridge
