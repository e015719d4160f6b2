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
//
// 64 B events in every case; across processes with the consumer spinning,
// 512 B too, the case iceoryx is compared in (iceoryx_bench.cpp). The
// method's pieces are in latency.hpp, shared with the baselines.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "benches.hpp"
#include "latency.hpp"
#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "support.hpp"

namespace ringcast::bench {

latency_samples::latency_samples(const latency_plan& plan)
    : plan_(plan), region_(2 * plan.total() * sizeof(std::int64_t)) {
  from_due_ = region_.as<std::int64_t>();
  from_send_ = from_due_ + plan.total();
  std::fill_n(from_due_, plan.total(), -1);
}

bool latency_samples::record(std::span<const std::byte> payload, std::int64_t now) noexcept {
  stamp s{};
  if (payload.size() < sizeof s) return true;
  std::memcpy(&s, payload.data(), sizeof s);
  if (s.index == k_stop_index) return false;
  if (s.index < plan_.total()) {
    from_due_[s.index] = now - s.due_ns;
    from_send_[s.index] = now - s.sent_ns;
  }
  return true;
}

std::uint64_t latency_samples::missing() const noexcept {
  return static_cast<std::uint64_t>(std::count(from_due_ + plan_.warmup, from_due_ + plan_.total(), -1));
}

void latency_samples::report(benchmark::State& state) {
  const percentiles p = compute_percentiles({from_due_ + plan_.warmup, plan_.samples});
  state.counters["p50_ns"] = p.p50;
  state.counters["p99_ns"] = p.p99;
  state.counters["p999_ns"] = p.p999;
  state.counters["max_ns"] = p.max;
  const percentiles q = compute_percentiles({from_send_ + plan_.warmup, plan_.samples});
  state.counters["send_p50_ns"] = q.p50;
  state.counters["send_p99_ns"] = q.p99;
  state.counters["send_p999_ns"] = q.p999;
  state.counters["samples"] = static_cast<double>(plan_.samples);
  state.counters["offered_ev_per_s"] = 1e9 / static_cast<double>(plan_.interval_ns);
}

namespace {

using namespace std::chrono_literals;

static_assert(sizeof(stamp) <= k_payload_sizes[0]);

void run_consumer(std::shared_ptr<shm::segment> seg, shared_control& ctl, const latency_plan& plan,
                  latency_samples& samples) {
  shm::consumer_options options;
  options.spin = plan.consumer_spin;
  shm::consumer c(std::move(seg), options);
  ctl.ready.store(1, std::memory_order_release);
  std::uint64_t received = 0;
  std::uint64_t slept = 0;
  bool stop = false;
  while (!stop) {
    const std::size_t got = c.poll([&](const shm::record_view& r) {
      if (!samples.record(r.payload, steady_ns()))
        stop = true;
      else
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
  // SYNC POINT (release): publishes the samples and the counts; pairs with
  // the producer's acquire load of done.
  ctl.done.store(1, std::memory_order_release);
}

void bm_latency(benchmark::State& state, where w, const latency_plan& plan, std::size_t size) {
  scoped_shm_name name("lat");
  auto seg = shm::segment::open_or_create(bench_segment_options(name.str()));
  shm::publisher pub(seg);
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  latency_samples samples(plan);

  consumer_side consumer(w, ctl, [&] {
    run_consumer(w == where::processes ? shm::segment::open_or_create(bench_segment_options(name.str())) : seg, ctl,
                 plan, samples);
  });
  if (!wait_ready(ctl, consumer.child())) {
    state.SkipWithError(failure_text(ctl, "the consumer did not attach").c_str());
    return;
  }
  std::vector<std::byte> payload(size);
  const auto publish = [&](std::span<const std::byte> bytes) {
    return pub.publish_raw(shm::event_type::system_log, 1, "", bytes) == shm::publish_status::published;
  };
  std::int64_t late_max = 0;
  const std::uint64_t switches = involuntary_switches();
  for (auto _ : state) {
    late_max = std::max(late_max, send_on_schedule(plan, payload, publish));
    make_stop_sign(payload);
    bool sent_stop = false;
    (void)wait_until([&] { return sent_stop = sent_stop || publish(payload); }, ctl, 5s, consumer.child());
    if (!wait_until([&] { return ctl.done.load(std::memory_order_acquire) != 0; }, ctl, 10s, consumer.child())) {
      state.SkipWithError(failure_text(ctl, "the consumer did not finish").c_str());
      return;
    }
  }
  if (!consumer.stop()) {
    state.SkipWithError(failure_text(ctl, "the consumer failed").c_str());
    return;
  }
  if (const std::uint64_t missing = samples.missing(); missing > 0 || pub.dropped() > 0) {
    state.SkipWithError(
        ("events lost: " + std::to_string(missing) + " missing, " + std::to_string(pub.dropped()) + " dropped")
            .c_str());
    return;
  }
  samples.report(state);
  state.counters["producer_late_max_ns"] = static_cast<double>(late_max);
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches + ctl.preempted.load());
  // Share of the consumer's waits that ended in a futex sleep: ~1 when asleep.
  state.counters["slept_per_event"] = static_cast<double>(ctl.slept.load()) / static_cast<double>(plan.total());
  state.SetLabel("one-way due->handler latency, " + std::to_string(size) + " B, " + to_string(w) + ", consumer " +
                 plan.name + ", every " + std::to_string(plan.interval_ns / 1000) + " us");
}

}  // namespace

void register_latency_benchmarks() {
  const auto add = [](where w, const latency_plan& plan, std::size_t size) {
    const std::string n = std::string("latency/") + to_string(w) + "/" + plan.name + "/" + std::to_string(size) + "B";
    benchmark::RegisterBenchmark(n.c_str(), bm_latency, w, plan, size)
        ->Iterations(1)
        ->Repetitions(5)
        ->DisplayAggregatesOnly(true)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  };
  for (where w : {where::threads, where::processes})
    for (const latency_plan* plan : {&k_spinning, &k_asleep}) add(w, *plan, 64);
  add(where::processes, k_spinning, 512);
}

}  // namespace ringcast::bench
