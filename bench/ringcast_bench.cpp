// ringcast itself: throughput (1 producer -> 1 consumer, across threads and
// across processes) and the producer's cost per publish (consumer draining,
// or no consumer so that the ring fills and publishes drop).
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

// The bridge's drain loop: poll; when a poll finds nothing, wait() (spin
// for options.spin, then sleep on the doorbell). Leaves on ctl.stop.
void run_consumer(std::shared_ptr<shm::segment> seg, shared_control& ctl) {
  shm::consumer c(std::move(seg));
  // SYNC POINT (release): the producer may start; pairs with wait_ready().
  ctl.ready.store(1, std::memory_order_release);
  std::uint64_t received = 0;
  std::uint64_t gaps = 0;
  // SYNC POINT (acquire): pairs with consumer_side::stop()'s release.
  while (ctl.stop.load(std::memory_order_acquire) == 0) {
    const std::size_t got = c.poll([&](const shm::record_view& r) {
      take_payload(r.payload);
      gaps += r.gap;
      ++received;
    });
    if (got > 0) {
      ctl.gaps.store(gaps, std::memory_order_relaxed);
      // SYNC POINT (release): pairs with the producer's acquire load when it
      // waits for the iteration's events.
      ctl.received.store(received, std::memory_order_release);
    } else {
      c.wait(10ms);  // 10 ms: a stop is noticed that soon even when idle
    }
  }
  ctl.done.store(1, std::memory_order_release);
}

std::shared_ptr<shm::segment> open_segment(const std::string& name) {
  return shm::segment::open_or_create(bench_segment_options(name));
}

// Throughput: the producer publishes k_events_per_iteration events per
// timed iteration and the iteration ends when the consumer has handed out
// the last of them (wall clock). A full ring makes the producer wait
// (publisher_options::wait_when_full), as a bounded queue's producer would,
// so every event is delivered and counted.
void bm_throughput(benchmark::State& state, where w, std::size_t payload_size) {
  scoped_shm_name name("tput");
  auto seg = open_segment(name.str());
  shm::publisher pub(seg, {.wait_when_full = 1s});
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  consumer_side consumer(w, ctl, [&] { run_consumer(w == where::processes ? open_segment(name.str()) : seg, ctl); });
  if (!wait_ready(ctl, consumer.child())) {
    state.SkipWithError(failure_text(ctl, "the consumer did not attach").c_str());
    return;
  }
  const auto payload = make_payload(payload_size);
  const std::uint64_t switches = involuntary_switches();
  std::uint64_t sent = 0;
  for (auto _ : state) {
    std::uint64_t refused = 0;
    for (std::uint64_t i = 0; i < k_events_per_iteration; ++i)
      refused += pub.publish_raw(shm::event_type::system_log, 1, "", payload) != shm::publish_status::published;
    sent += k_events_per_iteration;
    if (refused > 0) {
      state.SkipWithError("publish dropped events although it waits up to 1 s for room");
      break;
    }
    if (!wait_until([&] { return ctl.received.load(std::memory_order_acquire) >= sent; }, ctl, 20s,
                    consumer.child())) {
      state.SkipWithError(failure_text(ctl, "the consumer did not receive every event within 20 s").c_str());
      break;
    }
  }
  if (!consumer.stop()) state.SkipWithError(failure_text(ctl, "the consumer failed").c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
  state.SetBytesProcessed(static_cast<std::int64_t>(sent * payload_size));
  if (ctl.gaps.load() > 0) state.SkipWithError("the consumer saw gaps: events were dropped");
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches + ctl.preempted.load());
  state.SetLabel(std::string("ringcast publish_raw(system_log, ") + std::to_string(payload_size) +
                 " B, global) -> consumer poll/wait, " + to_string(w) + ", events delivered/s");
}

// Publish cost: the time of one publisher::publish(system_log) call, the
// typed path a producer uses, with a payload of `payload_size` bytes (the
// 44 B system_log struct + message text), back to back, on the default
// 1 MiB lane.
//   room_no_consumer:  nobody reads while we time; every k_burst calls the
//                      clock stops and this thread drains the lane, so the
//                      ring never fills: the producer's own work, lines warm.
//   consumer_draining: a consumer thread runs the bridge loop meanwhile and
//                      steals each record's lines, as in production; every
//                      k_burst calls the clock stops until it has caught up
//                      (a producer outruns the consumer, and the question
//                      here is the cost of a publish, not of a drop).
//   ring_full_drops:   no consumer: after the first ~1 MiB every call takes
//                      the drop path (counted, gap carried by the next record).
enum class publish_case { room_no_consumer, consumer_draining, ring_full_drops };
constexpr const char* to_string(publish_case c) noexcept {
  switch (c) {
    case publish_case::room_no_consumer: return "room_no_consumer";
    case publish_case::consumer_draining: return "consumer_draining";
    case publish_case::ring_full_drops: return "ring_full_drops";
  }
  return "?";
}
constexpr std::int64_t k_publish_calls = 1'000'000;  // per repetition
constexpr std::uint64_t k_burst = 256;                // 256 records of <= 576 B: well inside 1 MiB

void bm_publish_cost(benchmark::State& state, publish_case pc, std::size_t payload_size) {
  scoped_shm_name name("pub");
  auto seg = open_segment(name.str());
  shm::publisher pub(seg);  // the default: never wait, drop when full
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  std::unique_ptr<consumer_side> consumer;
  std::unique_ptr<shm::consumer> local;  // room_no_consumer: drained between bursts, untimed
  if (pc == publish_case::consumer_draining) {
    consumer = std::make_unique<consumer_side>(where::threads, ctl, [&] { run_consumer(seg, ctl); });
    if (!wait_ready(ctl, nullptr)) {
      state.SkipWithError(failure_text(ctl, "the consumer did not attach").c_str());
      return;
    }
  } else if (pc == publish_case::room_no_consumer) {
    local = std::make_unique<shm::consumer>(seg);
  }
  shm::system_log log{};
  log.level = shm::log_level::info;
  log.source = "ringcast-bench";
  const std::string message(payload_size - sizeof(shm::system_log), 'm');
  std::uint64_t calls = 0;
  bool ok = true;
  for (auto _ : state) {
    auto st = pub.publish("", log, message, {});
    benchmark::DoNotOptimize(st);
    if (++calls % k_burst != 0 || pc == publish_case::ring_full_drops) continue;
    state.PauseTiming();
    if (local) {
      while (local->poll([](const shm::record_view& r) { take_payload(r.payload); }) > 0) {
      }
    } else {
      ok = wait_until([&] { return ctl.received.load(std::memory_order_acquire) >= pub.published(); }, ctl, 5s);
    }
    state.ResumeTiming();
    if (!ok) {
      state.SkipWithError(failure_text(ctl, "the consumer did not catch up within 5 s").c_str());
      break;
    }
  }
  if (consumer && !consumer->stop()) state.SkipWithError(failure_text(ctl, "the consumer failed").c_str());
  const auto attempts = static_cast<double>(pub.published() + pub.dropped());
  state.counters["drop_ratio"] = attempts > 0 ? static_cast<double>(pub.dropped()) / attempts : 0.0;
  state.SetLabel(std::string("publisher::publish(system_log, ") + std::to_string(payload_size) + " B) ns/call, " +
                 to_string(pc));
}

static_assert(sizeof(shm::system_log) <= 64, "the 64 B publish-cost case needs room for the struct");

}  // namespace

shm::segment_options bench_segment_options(const std::string& name) {
  shm::segment_options o;
  o.name = name;
  o.lanes = 1;  // one producer thread
  o.lane_capacity = k_lane_capacity;
  return o;
}

void register_ringcast_benchmarks() {
  for (where w : {where::threads, where::processes}) {
    for (std::size_t size : k_payload_sizes) {
      const std::string n = std::string("throughput/") + to_string(w) + "/ringcast/" + std::to_string(size) + "B";
      benchmark::RegisterBenchmark(n.c_str(), bm_throughput, w, size)
          ->Iterations(3)
          ->Repetitions(9)
          ->DisplayAggregatesOnly(true)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

void register_publish_cost_benchmarks() {
  for (publish_case pc :
       {publish_case::room_no_consumer, publish_case::consumer_draining, publish_case::ring_full_drops}) {
    for (std::size_t size : k_payload_sizes) {
      const std::string n = std::string("publish_cost/") + to_string(pc) + "/" + std::to_string(size) + "B";
      benchmark::RegisterBenchmark(n.c_str(), bm_publish_cost, pc, size)
          ->Iterations(k_publish_calls)
          ->Repetitions(5)
          ->DisplayAggregatesOnly(true)
          ->UseRealTime()
          ->Unit(benchmark::kNanosecond);
    }
  }
}

}  // namespace ringcast::bench
