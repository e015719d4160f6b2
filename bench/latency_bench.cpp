// One-way latency of ringcast: from the moment an event is due to be
// published to the moment the consumer's handler holds it.
//
// The producer sends on a fixed schedule (event i is due at t0 + i *
// interval; it busy-waits until then) and carries, in the payload, the
// due time on CLOCK_MONOTONIC; the consumer reads the same clock in its
// handler. Latency = receipt - due, so a producer that runs late (it was
// descheduled, say) adds that delay to the events it owes, instead of
// quietly sending fewer: no coordinated omission. Every sample is kept and
// sorted, so percentiles are exact.
//
// Beside it, as a diagnosis and not as the figure: the same event measured
// from the moment it was actually handed to publish (send_p99_ns, ...). The
// two differ only when the producer ran late, i.e. when something else had
// its CPU: then the tail is the machine's, not the transport's.
//
//   spinning: events every 5 us, consumer_options.spin = 10 s, so the
//             consumer busy-polls between events (poll, then wait()'s spin).
//   asleep:   events every 300 us, default spin (50 us), so before each
//             event the consumer has gone to sleep on the futex doorbell
//             and the producer's publish must wake it: the wake-up cost.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <string>

#include "benches.hpp"
#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "support.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;

struct stamp {
  std::uint64_t index;
  std::int64_t due_ns;   // CLOCK_MONOTONIC: when the event was scheduled
  std::int64_t sent_ns;  // CLOCK_MONOTONIC: right before publish (diagnostics)
};
constexpr std::uint64_t k_stop_index = ~std::uint64_t{0};
constexpr std::size_t k_latency_payload = 64;
static_assert(sizeof(stamp) <= k_latency_payload);

struct latency_plan {
  const char* name;
  std::uint64_t warmup;   // events sent first and not recorded
  std::uint64_t samples;  // events recorded
  std::int64_t interval_ns;
  std::chrono::nanoseconds consumer_spin;
};

constexpr latency_plan k_spinning{"spinning", 5'000, 200'000, 5'000, 10s};
constexpr latency_plan k_asleep{"asleep", 50, 5'000, 300'000, shm::consumer_options{}.spin};

void run_consumer(std::shared_ptr<shm::segment> seg, shared_control& ctl, const latency_plan& plan,
                  std::int64_t* samples, std::int64_t* from_send) {
  shm::consumer_options options;
  options.spin = plan.consumer_spin;
  shm::consumer c(std::move(seg), options);
  ctl.ready.store(1, std::memory_order_release);
  const std::uint64_t total = plan.warmup + plan.samples;
  std::uint64_t received = 0;
  std::uint64_t slept = 0;
  bool stop = false;
  while (!stop) {
    const std::size_t got = c.poll([&](const shm::record_view& r) {
      const std::int64_t now = steady_ns();
      stamp s{};
      if (r.payload.size() < sizeof s) return;
      std::memcpy(&s, r.payload.data(), sizeof s);
      if (s.index == k_stop_index) {
        stop = true;
        return;
      }
      if (s.index < total) {
        samples[s.index] = now - s.due_ns;
        from_send[s.index] = now - s.sent_ns;
      }
      ++received;
    });
    if (got == 0 && !stop) {
      const std::int64_t before = steady_ns();
      c.wait(1s);
      // wait() spins for options.spin before it sleeps: a longer wait slept.
      if (steady_ns() - before >= options.spin.count()) ++slept;
    }
  }
  ctl.received.store(received, std::memory_order_relaxed);
  ctl.slept.store(slept, std::memory_order_relaxed);
  // SYNC POINT (release): publishes samples[] and the counts; pairs with
  // the producer's acquire load of done.
  ctl.done.store(1, std::memory_order_release);
}

void bm_latency(benchmark::State& state, where w, const latency_plan& plan) {
  scoped_shm_name name("lat");
  auto seg = shm::segment::open_or_create(bench_segment_options(name.str()));
  shm::publisher pub(seg);
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  const std::uint64_t total = plan.warmup + plan.samples;
  shared_region sample_region(2 * total * sizeof(std::int64_t));
  auto* samples = sample_region.as<std::int64_t>();
  auto* from_send = samples + total;
  for (std::uint64_t i = 0; i < total; ++i) samples[i] = -1;  // -1: never received

  consumer_side consumer(w, ctl, [&] {
    run_consumer(w == where::processes ? shm::segment::open_or_create(bench_segment_options(name.str())) : seg, ctl,
                 plan, samples, from_send);
  });
  if (!wait_ready(ctl, consumer.child())) {
    state.SkipWithError(failure_text(ctl, "the consumer did not attach").c_str());
    return;
  }
  std::array<std::byte, k_latency_payload> payload{};
  std::int64_t late_max = 0;
  const std::uint64_t switches = involuntary_switches();
  for (auto _ : state) {
    const std::int64_t t0 = steady_ns() + 1'000'000;  // 1 ms from now
    for (std::uint64_t i = 0; i < total; ++i) {
      const std::int64_t due = t0 + static_cast<std::int64_t>(i) * plan.interval_ns;
      std::int64_t now = steady_ns();
      while (now < due) {
        cpu_relax();
        now = steady_ns();
      }
      late_max = std::max(late_max, now - due);
      const stamp s{i, due, now};
      std::memcpy(payload.data(), &s, sizeof s);
      if (pub.publish_raw(shm::event_type::system_log, 1, "", payload) != shm::publish_status::published) break;
    }
    const stamp s{k_stop_index, 0, 0};
    std::memcpy(payload.data(), &s, sizeof s);
    bool sent_stop = false;
    (void)wait_until(
        [&] {
          return sent_stop = sent_stop || pub.publish_raw(shm::event_type::system_log, 1, "", payload) ==
                                              shm::publish_status::published;
        },
        ctl, 5s, consumer.child());
    if (!wait_until([&] { return ctl.done.load(std::memory_order_acquire) != 0; }, ctl, 10s, consumer.child())) {
      state.SkipWithError(failure_text(ctl, "the consumer did not finish").c_str());
      return;
    }
  }
  if (!consumer.stop()) {
    state.SkipWithError(failure_text(ctl, "the consumer failed").c_str());
    return;
  }
  std::uint64_t missing = 0;
  for (std::uint64_t i = plan.warmup; i < total; ++i) missing += samples[i] < 0;
  if (missing > 0 || pub.dropped() > 0) {
    state.SkipWithError(("events lost: " + std::to_string(missing) + " missing, " + std::to_string(pub.dropped()) +
                         " dropped")
                            .c_str());
    return;
  }
  const percentiles p = compute_percentiles({samples + plan.warmup, plan.samples});
  state.counters["p50_ns"] = p.p50;
  state.counters["p99_ns"] = p.p99;
  state.counters["p999_ns"] = p.p999;
  state.counters["max_ns"] = p.max;
  const percentiles q = compute_percentiles({from_send + plan.warmup, plan.samples});
  state.counters["send_p50_ns"] = q.p50;
  state.counters["send_p99_ns"] = q.p99;
  state.counters["send_p999_ns"] = q.p999;
  state.counters["samples"] = static_cast<double>(plan.samples);
  state.counters["offered_ev_per_s"] = 1e9 / static_cast<double>(plan.interval_ns);
  state.counters["producer_late_max_ns"] = static_cast<double>(late_max);
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches + ctl.preempted.load());
  // Share of the consumer's waits that ended in a futex sleep: ~1 when asleep.
  state.counters["slept_per_event"] = static_cast<double>(ctl.slept.load()) / static_cast<double>(total);
  state.SetLabel(std::string("one-way due->handler latency, 64 B, ") + to_string(w) + ", consumer " + plan.name +
                 ", every " + std::to_string(plan.interval_ns / 1000) + " us");
}

}  // namespace

void register_latency_benchmarks() {
  for (where w : {where::threads, where::processes}) {
    for (const latency_plan* plan : {&k_spinning, &k_asleep}) {
      const std::string n = std::string("latency/") + to_string(w) + "/" + plan->name + "/64B";
      benchmark::RegisterBenchmark(n.c_str(), bm_latency, w, *plan)
          ->Iterations(1)
          ->Repetitions(5)
          ->DisplayAggregatesOnly(true)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace ringcast::bench
