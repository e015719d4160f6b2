// libringcast's threads and lanes: one lane per publishing thread, claimed
// on first use or by attach, released when the thread exits, on detach, or
// when the handle closes; NO_LANE with its reason when none is left; and no
// allocation on the publish path after a thread's first call.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "ringcast/ringcast.h"
#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/schema.hpp"
#include "test_segment.hpp"

// ---- counting allocations (they interpose for libringcast too) ----
namespace {
thread_local bool t_counting = false;
thread_local std::size_t t_allocations = 0;
void* counted_alloc(std::size_t n, std::size_t align) {
  if (t_counting) ++t_allocations;
  void* p = align > alignof(std::max_align_t) ? std::aligned_alloc(align, (n + align - 1) / align * align)
                                              : std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace
void* operator new(std::size_t n) { return counted_alloc(n, 0); }
void* operator new[](std::size_t n) { return counted_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return counted_alloc(n, static_cast<std::size_t>(a)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {

using namespace ringcast;

struct fixture {
  explicit fixture(const char* tag, std::uint32_t lanes = 4)
      : name(tag), seg(shm::segment::open_or_create(test::small_options(name.name, lanes, 1u << 16))) {
    EXPECT_EQ(ringcast_publisher_open(name.name.c_str(), nullptr, &pub), RINGCAST_OK) << ringcast_last_error();
  }
  ~fixture() { ringcast_publisher_close(pub); }
  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  [[nodiscard]] std::uint32_t lanes_in_use() const {
    return seg->header().lanes.in_use.load(std::memory_order_relaxed);  // a monitor's read: a count, orders nothing
  }

  test::scoped_segment_name name;
  std::shared_ptr<shm::segment> seg;
  ringcast_publisher* pub = nullptr;
};

ringcast_pnl_update pnl(double total, double realized) {
  return {.total_pnl = total, .daily_pnl = 0, .position_pnl = 0, .realized_pnl = realized};
}

TEST(c_api_lanes, each_thread_publishes_on_its_own_lane_and_releases_it_when_it_exits) {
  fixture f("lanes");
  constexpr int k_threads = 3;
  constexpr int k_events = 200;
  std::latch attached(k_threads + 1);
  std::latch go(1);
  std::vector<int> lane_of(k_threads, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < k_threads; ++t) {
    threads.emplace_back([&, t] {
      EXPECT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_OK) << ringcast_last_error();
      lane_of[static_cast<std::size_t>(t)] = ringcast_publisher_lane(f.pub);
      attached.arrive_and_wait();
      go.wait();
      for (int i = 0; i < k_events; ++i) {
        const auto event = pnl(t, i);
        EXPECT_EQ(ringcast_publish_pnl_update(f.pub, "u", &event), RINGCAST_OK);
      }
    });
  }
  attached.arrive_and_wait();
  EXPECT_EQ(f.lanes_in_use(), static_cast<std::uint32_t>(k_threads));
  go.count_down();
  for (auto& th : threads) th.join();
  EXPECT_EQ(f.lanes_in_use(), 0u) << "a thread's lane is released when it exits";

  std::map<std::uint32_t, std::vector<shm::pnl_update>> by_lane;
  shm::consumer con(f.seg);
  while (con.poll([&](const shm::record_view& r) {
    EXPECT_EQ(r.seq, by_lane[r.lane].size());
    shm::pnl_update p;
    std::memcpy(static_cast<void*>(&p), r.payload.data(), sizeof p);
    by_lane[r.lane].push_back(p);
  }) > 0) {
  }
  ASSERT_EQ(by_lane.size(), static_cast<std::size_t>(k_threads));
  for (int t = 0; t < k_threads; ++t) {
    const auto& events = by_lane[static_cast<std::uint32_t>(lane_of[static_cast<std::size_t>(t)])];
    ASSERT_EQ(events.size(), static_cast<std::size_t>(k_events)) << "thread " << t;
    for (int i = 0; i < k_events; ++i) {
      EXPECT_EQ(events[static_cast<std::size_t>(i)].total_pnl, t);
      EXPECT_EQ(events[static_cast<std::size_t>(i)].realized_pnl, i);
    }
  }
}

TEST(c_api_lanes, closing_the_handle_releases_the_lanes_of_threads_still_running) {
  fixture f("close");
  std::latch attached(2);
  std::latch closed(1);
  std::thread holder([&] {
    EXPECT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_OK);
    attached.arrive_and_wait();
    closed.wait();  // exits after the close: its thread-exit release must be a no-op
  });
  attached.arrive_and_wait();
  ASSERT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_OK);
  EXPECT_EQ(f.lanes_in_use(), 2u);
  ringcast_publisher_close(f.pub);
  f.pub = nullptr;
  EXPECT_EQ(f.lanes_in_use(), 0u);
  closed.count_down();
  holder.join();
  EXPECT_EQ(f.lanes_in_use(), 0u);

  // A new handle (maybe at the old address) starts afresh on this thread.
  ASSERT_EQ(ringcast_publisher_open(f.name.name.c_str(), nullptr, &f.pub), RINGCAST_OK);
  EXPECT_EQ(ringcast_publisher_lane(f.pub), -1);
  const auto event = pnl(1, 1);
  EXPECT_EQ(ringcast_publish_pnl_update(f.pub, "u", &event), RINGCAST_OK);
  EXPECT_EQ(f.lanes_in_use(), 1u);
}

TEST(c_api_lanes, no_lane_left_is_reported_with_its_reason_and_a_freed_lane_is_claimed_again) {
  fixture f("nolane", 2);
  ASSERT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_OK);
  std::latch holding(2);
  std::latch release(1);
  std::latch released(2);
  std::thread holder([&] {
    EXPECT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_OK);
    holding.arrive_and_wait();
    release.wait();
    ringcast_publisher_detach_thread(f.pub);
    EXPECT_EQ(ringcast_publisher_lane(f.pub), -1);
    released.arrive_and_wait();
  });
  holding.arrive_and_wait();
  std::thread third([&] {
    EXPECT_EQ(ringcast_publisher_attach_thread(f.pub), RINGCAST_NO_LANE);
    EXPECT_NE(std::string(ringcast_last_error()).find("all 2 lanes are claimed"), std::string::npos)
        << ringcast_last_error();
    const auto event = pnl(3, 3);
    EXPECT_EQ(ringcast_publish_pnl_update(f.pub, "u", &event), RINGCAST_NO_LANE);
    release.count_down();
    released.arrive_and_wait();
    EXPECT_EQ(ringcast_publish_pnl_update(f.pub, "u", &event), RINGCAST_OK) << ringcast_last_error();
  });
  third.join();
  holder.join();
  shm::consumer con(f.seg);
  std::size_t records = 0;
  while (con.poll([&](const shm::record_view&) { ++records; }) > 0) {
  }
  EXPECT_EQ(records, 1u) << "the refused publish left nothing";
}

TEST(c_api_lanes, two_handles_on_one_thread_hold_two_lanes_and_detach_frees_one) {
  fixture f("two");
  ringcast_publisher* second = nullptr;
  ASSERT_EQ(ringcast_publisher_open(f.name.name.c_str(), nullptr, &second), RINGCAST_OK);
  const auto event = pnl(1, 2);
  EXPECT_EQ(ringcast_publish_pnl_update(f.pub, "u", &event), RINGCAST_OK);
  EXPECT_EQ(ringcast_publish_pnl_update(second, "u", &event), RINGCAST_OK);
  EXPECT_NE(ringcast_publisher_lane(f.pub), ringcast_publisher_lane(second));
  EXPECT_EQ(f.lanes_in_use(), 2u);
  ringcast_publisher_detach_thread(second);
  EXPECT_EQ(f.lanes_in_use(), 1u);
  EXPECT_EQ(ringcast_publisher_lane(second), -1);
  EXPECT_EQ(ringcast_publish_pnl_update(second, "u", &event), RINGCAST_OK);  // claims again
  EXPECT_EQ(f.lanes_in_use(), 2u);
  ringcast_publisher_close(second);
  EXPECT_EQ(f.lanes_in_use(), 1u);
}

TEST(c_api_lanes, a_forked_child_publishes_on_a_lane_of_its_own_through_the_inherited_handle) {
  fixture f("fork");
  const auto parent_event = pnl(1, 0);
  ASSERT_EQ(ringcast_publish_pnl_update(f.pub, "parent", &parent_event), RINGCAST_OK);
  const int parent_lane = ringcast_publisher_lane(f.pub);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe exits from here: _exit with what went wrong.
    const int inherited = ringcast_publisher_lane(f.pub);
    const auto event = pnl(2, 0);
    const int st = ringcast_publish_pnl_update(f.pub, "child", &event);
    const int lane = ringcast_publisher_lane(f.pub);
    ringcast_publisher_close(f.pub);  // releases the child's lane, leaves the parent's alone
    ::_exit(inherited != -1 ? 10 : st != RINGCAST_OK ? 11 : lane == parent_lane || lane < 0 ? 12 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(ringcast_publisher_lane(f.pub), parent_lane) << "the parent keeps its lane";
  EXPECT_EQ(f.lanes_in_use(), 1u) << "the child's lane was released, the parent's kept";
  ASSERT_EQ(ringcast_publish_pnl_update(f.pub, "parent", &parent_event), RINGCAST_OK);

  std::map<std::string, std::vector<std::uint32_t>> lanes_of;
  shm::consumer con(f.seg);
  while (con.poll([&](const shm::record_view& r) { lanes_of[std::string(r.user_id)].push_back(r.lane); }) > 0) {
  }
  const auto parent = static_cast<std::uint32_t>(parent_lane);
  EXPECT_EQ(lanes_of["parent"], (std::vector<std::uint32_t>{parent, parent}));
  ASSERT_EQ(lanes_of["child"].size(), 1u);
  EXPECT_NE(lanes_of["child"][0], parent);
}

TEST(c_api_lanes, publishing_allocates_nothing_after_the_first_call_on_a_thread) {
  fixture f("alloc");
  const auto p = pnl(1, 2);
  ringcast_futures_orderbook_update book{};
  const ringcast_price_level levels[2] = {{1, 2}, {3, 4}};
  ringcast_chain_update chain{};
  ringcast_chain_order orders[1] = {};
  ringcast_system_log log{};
  log.level = RINGCAST_LOG_LEVEL_INFO;
  // The first publish claims the lane and allocates: this also proves that
  // the counter sees the library's allocations, so the 0 below means 0.
  t_counting = true;
  ASSERT_EQ(ringcast_publish_pnl_update(f.pub, "u", &p), RINGCAST_OK);
  ASSERT_GT(t_allocations, 0u);

  t_allocations = 0;
  int refused = 0;
  for (int i = 0; i < 2000; ++i) {  // fills the 64 KiB lane: dropped publishes are counted too
    const int a = ringcast_publish_pnl_update(f.pub, "user", &p);
    const int b = ringcast_publish_futures_orderbook_update(f.pub, "user", &book, levels, 2, levels, 1);
    const int c = ringcast_publish_chain_update(f.pub, nullptr, &chain, orders, 1);
    const int d = ringcast_publish_system_log(f.pub, nullptr, &log, "message", "{\"k\":1}");
    for (int st : {a, b, c, d}) refused += st != RINGCAST_OK && st != RINGCAST_DROPPED_FULL;
  }
  t_counting = false;
  EXPECT_EQ(t_allocations, 0u);
  EXPECT_EQ(refused, 0);
}

}  // namespace
