// Baselines, measured exactly as ringcast's throughput is (bench/
// ringcast_bench.cpp): one producer, one consumer, k_events_per_iteration
// events per timed iteration, the iteration ends when the consumer has
// taken the last one, the consumer copies each payload out.
//
//   - moodycamel::ReaderWriterQueue (SPSC) and ConcurrentQueue (MPMC), in
//     one process between two threads: the best one can do without shared
//     memory. Bounded like a ring (try_enqueue into preallocated slots,
//     spin when full); the consumer busy-polls and never sleeps.
//   - boost::interprocess::message_queue between two processes: the
//     ready-made shared-memory queue of the Boost we already use (mutex +
//     condition variable in the segment; send blocks when full).
//
// Every queue holds as many events as a ringcast lane does (queue_depth_for).
#include <benchmark/benchmark.h>

#include <array>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <chrono>
// GCC 12 reports a potential null dereference inside ConcurrentQueue's
// producer-list walk once it is inlined into our consumer (a flow-based,
// middle-end warning, which a SYSTEM include does not silence); the walk
// is guarded by the queue's own invariants.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <concurrentqueue/concurrentqueue.h>
#pragma GCC diagnostic pop
#include <cstring>
#include <readerwriterqueue/readerwriterqueue.h>
#include <string>
#include <vector>

#include "benches.hpp"
#include "support.hpp"

namespace ringcast::bench {

namespace {

using namespace std::chrono_literals;
namespace bip = boost::interprocess;

template <std::size_t N>
struct message {
  std::array<std::byte, N> bytes;
};

template <std::size_t N>
message<N> make_message() {
  message<N> m{};
  const auto p = make_payload(N);
  std::memcpy(m.bytes.data(), p.data(), N);
  return m;
}

// Retries `try_push` until it succeeds; false if the consumer failed or no
// room came for 20 s (a consumer that died must not hang the bench).
template <class TryPush>
bool push(TryPush& try_push, const shared_control& ctl) {
  for (std::uint32_t i = 0; i < 0x10000; ++i) {
    if (try_push()) return true;
    cpu_relax();
  }
  return wait_until([&] { return try_push(); }, ctl, 20s);  // slow path, with a deadline
}

// The timed loop shared by the in-process baselines.
template <class TryPush>
void produce(benchmark::State& state, shared_control& ctl, consumer_side& consumer, TryPush&& try_push,
             std::size_t payload_size, const char* label) {
  if (!wait_ready(ctl, consumer.child())) {
    state.SkipWithError(failure_text(ctl, "the consumer did not start").c_str());
    return;
  }
  const std::uint64_t switches = involuntary_switches();
  std::uint64_t sent = 0;
  for (auto _ : state) {
    bool ok = true;
    for (std::uint64_t i = 0; i < k_events_per_iteration && ok; ++i) ok = push(try_push, ctl);
    sent += k_events_per_iteration;
    if (!ok || !wait_until([&] { return ctl.received.load(std::memory_order_acquire) >= sent; }, ctl, 20s,
                           consumer.child())) {
      state.SkipWithError(failure_text(ctl, "the consumer did not take every event within 20 s").c_str());
      break;
    }
  }
  if (!consumer.stop()) state.SkipWithError(failure_text(ctl, "the consumer failed").c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
  state.SetBytesProcessed(static_cast<std::int64_t>(sent * payload_size));
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches + ctl.preempted.load());
  state.SetLabel(label);
}

template <std::size_t N>
void bm_rwqueue(benchmark::State& state) {
  moodycamel::ReaderWriterQueue<message<N>> q(queue_depth_for(N));
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  consumer_side consumer(where::threads, ctl, [&] {
    ctl.ready.store(1, std::memory_order_release);
    message<N> m;
    std::uint64_t received = 0;
    while (ctl.stop.load(std::memory_order_acquire) == 0) {
      if (q.try_dequeue(m)) {
        take_payload(m.bytes);
        ctl.received.store(++received, std::memory_order_release);
      } else {
        cpu_relax();
      }
    }
  });
  const auto m = make_message<N>();
  produce(state, ctl, consumer, [&] { return q.try_enqueue(m); }, N,
          "moodycamel::ReaderWriterQueue try_enqueue/try_dequeue, threads, busy-poll consumer");
}

template <std::size_t N>
void bm_concurrentqueue(benchmark::State& state) {
  moodycamel::ConcurrentQueue<message<N>> q(queue_depth_for(N));
  moodycamel::ProducerToken producer_token(q);
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  consumer_side consumer(where::threads, ctl, [&] {
    moodycamel::ConsumerToken consumer_token(q);
    ctl.ready.store(1, std::memory_order_release);
    constexpr std::size_t k_bulk = 64;  // the consumer's best form: bulk dequeue
    std::vector<message<N>> batch(k_bulk);
    std::uint64_t received = 0;
    while (ctl.stop.load(std::memory_order_acquire) == 0) {
      const std::size_t got = q.try_dequeue_bulk(consumer_token, batch.begin(), k_bulk);
      if (got == 0) {
        cpu_relax();
        continue;
      }
      for (std::size_t i = 0; i < got; ++i) take_payload(batch[i].bytes);
      received += got;
      ctl.received.store(received, std::memory_order_release);
    }
  });
  const auto m = make_message<N>();
  produce(state, ctl, consumer, [&] { return q.try_enqueue(producer_token, m); }, N,
          "moodycamel::ConcurrentQueue tokens, try_enqueue/try_dequeue_bulk(64), threads, busy-poll consumer");
}

template <std::size_t N>
void bm_boost_message_queue(benchmark::State& state) {
  scoped_shm_name name("mq");
  bip::message_queue mq(bip::create_only, name.str().c_str(), queue_depth_for(N), N);
  shared_region region(sizeof(shared_control));
  auto& ctl = region.construct<shared_control>();
  consumer_side consumer(where::processes, ctl, [&] {
    bip::message_queue rx(bip::open_only, name.str().c_str());
    ctl.ready.store(1, std::memory_order_release);
    std::array<std::byte, N> buf;
    std::uint64_t received = 0;
    for (;;) {
      std::size_t got = 0;
      unsigned priority = 0;
      rx.receive(buf.data(), buf.size(), got, priority);
      if (got == 0) break;  // the stop message
      take_payload({buf.data(), got});
      ctl.received.store(++received, std::memory_order_release);
    }
    ctl.done.store(1, std::memory_order_release);
  });
  // timed_send with a far deadline is send() unless the queue stays full:
  // then it gives up instead of hanging on a dead consumer.
  const auto deadline = [] { return std::chrono::system_clock::now() + 20s; };
  const auto m = make_message<N>();
  if (!wait_ready(ctl, consumer.child())) {
    state.SkipWithError(failure_text(ctl, "the consumer process did not start").c_str());
    return;
  }
  const std::uint64_t switches = involuntary_switches();
  std::uint64_t sent = 0;
  for (auto _ : state) {
    const auto until = deadline();
    bool ok = true;
    for (std::uint64_t i = 0; i < k_events_per_iteration && ok; ++i) ok = mq.timed_send(m.bytes.data(), N, 0, until);
    sent += k_events_per_iteration;
    if (!ok || !wait_until([&] { return ctl.received.load(std::memory_order_acquire) >= sent; }, ctl, 20s,
                           consumer.child())) {
      state.SkipWithError(failure_text(ctl, "the consumer process did not take every message within 20 s").c_str());
      break;
    }
  }
  (void)mq.timed_send(m.bytes.data(), 0, 0, deadline());  // stop message
  if (!wait_until([&] { return ctl.done.load(std::memory_order_acquire) != 0; }, ctl, 5s, consumer.child()) ||
      !consumer.stop())
    state.SkipWithError(failure_text(ctl, "the consumer process failed").c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
  state.SetBytesProcessed(static_cast<std::int64_t>(sent * N));
  state.counters["preempted"] = static_cast<double>(involuntary_switches() - switches + ctl.preempted.load());
  state.SetLabel("boost::interprocess::message_queue send/receive, processes, blocking receive");
}

template <std::size_t N>
void register_size() {
  const std::string size = std::to_string(N) + "B";
  const auto configure = [](benchmark::internal::Benchmark* b) {
    b->Iterations(3)->Repetitions(9)->DisplayAggregatesOnly(true)->UseRealTime()->Unit(benchmark::kMillisecond);
  };
  configure(benchmark::RegisterBenchmark(("throughput/threads/rwqueue/" + size).c_str(), bm_rwqueue<N>));
  configure(benchmark::RegisterBenchmark(("throughput/threads/concurrentqueue/" + size).c_str(), bm_concurrentqueue<N>));
  configure(benchmark::RegisterBenchmark(("throughput/processes/boost_mq/" + size).c_str(), bm_boost_message_queue<N>));
}

}  // namespace

void register_baseline_benchmarks() {
  static_assert(k_payload_sizes[0] == 64 && k_payload_sizes[1] == 512, "baselines are instantiated per size");
  register_size<64>();
  register_size<512>();
}

}  // namespace ringcast::bench
