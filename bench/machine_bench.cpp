// The machine itself: how long a cache line takes to go from the producer's
// CPU to the consumer's and back. Every cross-core figure in this binary is
// bounded by it, and on a virtual machine it changes when the host moves
// the vCPUs (SMT siblings, same core complex, or farther apart). Its 15
// repetitions are interleaved with everything else (main() turns random
// interleaving on), so min / median / max say whether the placement moved
// during the run and the cross-core figures can be compared.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "benches.hpp"
#include "support.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;

struct ping_pong {
  alignas(128) std::atomic<std::uint64_t> ping{0};  // written by the producer
  alignas(128) std::atomic<std::uint64_t> pong{0};  // written by the consumer
};

constexpr std::uint64_t k_round_trips = 100'000;

void bm_cacheline_round_trip(benchmark::State& state) {
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  ping_pong lines;
  consumer_side consumer(where::threads, ctl, [&] {
    ctl.ready.store(1, std::memory_order_release);
    std::uint64_t expect = 1;
    while (ctl.stop.load(std::memory_order_relaxed) == 0) {
      // SYNC POINT (acquire/release): the ball; pairs with the producer's.
      if (lines.ping.load(std::memory_order_acquire) == expect) {
        lines.pong.store(expect++, std::memory_order_release);
      } else {
        cpu_relax();
      }
    }
  });
  if (!wait_ready(ctl, nullptr)) {
    state.SkipWithError(failure_text(ctl, "the echo thread did not start").c_str());
    return;
  }
  std::uint64_t ball = 0;
  for (auto _ : state) {
    ++ball;
    lines.ping.store(ball, std::memory_order_release);
    while (lines.pong.load(std::memory_order_acquire) != ball) {
    }
  }
  consumer.stop();
  state.SetLabel("one cache line CPU 0 -> CPU 1 -> CPU 0 (ns per round trip)");
}

double min_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()); }

}  // namespace

void register_machine_benchmark() {
  benchmark::RegisterBenchmark("machine/cacheline_round_trip", bm_cacheline_round_trip)
      ->Iterations(k_round_trips)
      ->Repetitions(15)
      ->ComputeStatistics("min", min_of)
      ->ComputeStatistics("max", max_of)
      ->DisplayAggregatesOnly(true)
      ->UseRealTime()
      ->Unit(benchmark::kNanosecond);
}

}  // namespace ringcast::bench
