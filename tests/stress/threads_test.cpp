// Many producer threads x many events into one consumer thread: every event
// exactly once, in per-lane order, payload intact. Runs under TSan in CI,
// which checks the release/acquire pairs on tail and head.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"

namespace ringcast {
namespace {

struct payload {
  std::uint32_t producer;
  std::uint32_t size;
  std::uint64_t counter;
  std::uint64_t checksum;
};

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

void run(unsigned producers, std::uint64_t per_producer, std::uint32_t capacity, bool wait_when_full) {
  test::scoped_segment_name n("threads");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, producers, capacity));
  shm::consumer consumer(seg, {.batch = 256, .lane_batch = 16, .spin = std::chrono::microseconds(20)});

  std::atomic<unsigned> done{0};
  std::vector<std::uint64_t> dropped(producers);
  std::vector<std::thread> threads;
  for (unsigned p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      shm::publisher_options po;
      if (wait_when_full) po.wait_when_full = std::chrono::seconds(10);
      shm::publisher pub(seg, po);
      std::vector<std::byte> body(256);
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        payload h{p, static_cast<std::uint32_t>(sizeof(payload) + (i * 13) % 200), i, 0};
        for (std::uint32_t b = sizeof h; b < h.size; ++b) body[b] = static_cast<std::byte>(mix(i + b));
        h.checksum = mix(p * 1'000'003ULL + i);
        std::memcpy(body.data(), &h, sizeof h);
        const auto st = pub.publish_raw(shm::event_type::system_log, 1, p % 2 ? "alice" : "", std::span(body).first(h.size));
        ASSERT_TRUE(st == shm::publish_status::published || st == shm::publish_status::dropped_full);
      }
      dropped[p] = pub.dropped();
      done.fetch_add(1);
    });
  }

  // A lane outlives its producer thread (a thread that finishes early
  // releases its lane to one that starts late), so seq and gaps are checked
  // per lane, and order and counts per producer.
  std::vector<std::uint64_t> lane_next(producers, 0);  // next seq per lane
  std::vector<std::int64_t> last(producers, -1);       // last counter seen per producer
  std::vector<std::uint64_t> received(producers, 0);
  std::uint64_t gaps = 0;
  std::uint64_t errors = 0;
  auto handle = [&](const shm::record_view& r) {
    payload h{};
    if (r.payload.size() < sizeof h) return void(++errors);
    std::memcpy(&h, r.payload.data(), sizeof h);
    if (h.producer >= producers || h.size != r.payload.size() || h.checksum != mix(h.producer * 1'000'003ULL + h.counter))
      return void(++errors);
    for (std::uint32_t b = sizeof h; b < h.size; ++b)
      if (r.payload[b] != static_cast<std::byte>(mix(h.counter + b))) return void(++errors);
    // Per lane, seqs are contiguous but for exactly the reported gaps.
    if (r.lane >= producers || r.seq != lane_next[r.lane] + r.gap || r.lost != 0) ++errors;
    lane_next[r.lane] = r.seq + 1;
    gaps += r.gap;
    // Per producer, in the order published.
    if (static_cast<std::int64_t>(h.counter) <= last[h.producer]) ++errors;
    last[h.producer] = static_cast<std::int64_t>(h.counter);
    if (r.user_id != (h.producer % 2 ? "alice" : "")) ++errors;
    ++received[h.producer];
  };
  while (done.load() < producers || consumer.has_data()) {
    if (consumer.poll(handle) == 0) consumer.wait(std::chrono::milliseconds(1));
  }
  for (auto& t : threads) t.join();
  while (consumer.poll(handle) > 0) {
  }
  EXPECT_EQ(errors, 0u);
  std::uint64_t total_dropped = 0;
  for (unsigned p = 0; p < producers; ++p) {
    SCOPED_TRACE(p);
    // Every event either arrived exactly once or was counted as dropped.
    EXPECT_EQ(received[p] + dropped[p], per_producer);
    total_dropped += dropped[p];
    if (wait_when_full) {
      EXPECT_EQ(dropped[p], 0u);
    }
  }
  // Drops after a lane's last record are only in the counters.
  EXPECT_LE(gaps, total_dropped);
  if (!wait_when_full) {
    EXPECT_GT(gaps, 0u);
  }
}

TEST(threads, every_event_arrives_once_in_order_with_the_bounded_wait) { run(6, 50'000, 1u << 14, true); }

TEST(threads, drops_under_pressure_are_all_reported_as_gaps_or_counted) { run(6, 50'000, 1u << 12, false); }

}  // namespace
}  // namespace ringcast
