// The log-linear latency histogram: bucket bounds, percentiles within the
// 12.5 % a bucket spans, differences between two reads.
#include "latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>
#include <algorithm>

namespace ringcast::bridge {
namespace {

using h = latency_histogram;

TEST(LatencyHistogram, EveryValueFallsInsideItsBucketAndBucketsAreAtMostAnEighthWide) {
  for (std::uint64_t us : {0ull, 1ull, 7ull, 8ull, 9ull, 15ull, 16ull, 17ull, 999ull, 1000ull, 1024ull, 123456ull,
                           (1ull << 35), (1ull << 36) - 1}) {
    const auto i = h::index_of(us);
    ASSERT_LT(i, h::k_buckets);
    EXPECT_LE(h::lower_us(i), us) << us;
    if (i + 1 < h::k_buckets) {
      EXPECT_LT(us, h::lower_us(i + 1)) << us;
      if (us >= 8) {
        EXPECT_LE(h::lower_us(i + 1) - h::lower_us(i), h::lower_us(i) / 8) << us;
      }
    }
  }
  for (std::size_t i = 0; i + 1 < h::k_buckets; ++i) EXPECT_LT(h::lower_us(i), h::lower_us(i + 1)) << i;
  EXPECT_EQ(h::upper_us(h::k_buckets - 1), 1ull << 36);
  latency_histogram top;
  top.record_ns(static_cast<std::int64_t>(1ull << 40) * 1000);  // beyond the last bound: in the last bucket
  EXPECT_EQ(top.read().max_us(), 1ull << 36);
}

TEST(LatencyHistogram, PercentilesAreWithinABucketOfTheExactOnes) {
  latency_histogram hist;
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(300.0), 1.0);  // µs: a latency-like spread
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    const auto us = static_cast<std::uint64_t>(dist(rng));
    values.push_back(us);
    hist.record_ns(static_cast<std::int64_t>(us * 1000 + 500));
  }
  std::sort(values.begin(), values.end());
  const auto c = hist.read();
  EXPECT_EQ(c.total, values.size());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact = static_cast<double>(values[static_cast<std::size_t>(q * static_cast<double>(values.size())) - 1]);
    EXPECT_NEAR(c.percentile_us(q), exact, exact * 0.125 + 1) << q;
  }
  EXPECT_GE(c.max_us(), values.back());
  EXPECT_LE(static_cast<double>(c.max_us()), static_cast<double>(values.back()) * 1.125 + 1);
}

TEST(LatencyHistogram, SinceCountsOnlyWhatCameAfterTheEarlierRead) {
  latency_histogram hist;
  for (int i = 0; i < 100; ++i) hist.record_ns(5'000'000);  // 5 ms
  const auto before = hist.read();
  for (int i = 0; i < 10; ++i) hist.record_ns(20'000);  // 20 µs
  const auto d = hist.read().since(before);
  EXPECT_EQ(d.total, 10u);
  EXPECT_EQ(d.sum_ns, 200'000u);
  EXPECT_NEAR(d.percentile_us(0.99), 20.0, 2.5);
  EXPECT_EQ(d.below(16), 0u);
  EXPECT_EQ(d.below(32), 10u);
  EXPECT_EQ(h::counts{}.percentile_us(0.5), 0.0);
  EXPECT_EQ(h::counts{}.max_us(), 0u);
}

}  // namespace
}  // namespace ringcast::bridge
