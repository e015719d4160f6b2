// The lane ring through the public API: wrap and padding, full-ring drops
// and their gap, too-large records, seq continuity, bounded wait.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "test_segment.hpp"

namespace ringcast {
namespace {

using shm::publish_status;

struct seen_record {
  std::uint16_t type;
  std::uint64_t seq, gap, lost;
  std::string user;
  std::vector<std::byte> payload;
};

std::vector<seen_record> drain(shm::consumer& c) {
  std::vector<seen_record> out;
  while (c.poll([&](const shm::record_view& r) {
    out.push_back({r.type, r.seq, r.gap, r.lost, std::string(r.user_id), {r.payload.begin(), r.payload.end()}});
  }) > 0) {
  }
  return out;
}

shm::pnl_update pnl(double v) { return shm::pnl_update{.total_pnl = v, .daily_pnl = -v, .position_pnl = v / 2, .realized_pnl = 0}; }

TEST(ring, publishes_and_consumes_in_order_with_user_and_payload) {
  test::scoped_segment_name n("ring-basic");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  shm::publisher pub(seg);
  shm::consumer c(seg);
  for (int i = 0; i < 10; ++i) ASSERT_EQ(pub.publish(i % 2 ? "alice" : "", pnl(i)), publish_status::published);
  const auto got = drain(c);
  ASSERT_EQ(got.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(got[i].type, static_cast<std::uint16_t>(shm::event_type::pnl_update));
    EXPECT_EQ(got[i].seq, i);
    EXPECT_EQ(got[i].gap, 0u);
    EXPECT_EQ(got[i].user, i % 2 ? "alice" : "");
    shm::pnl_update p{};
    ASSERT_EQ(got[i].payload.size(), sizeof p);
    std::memcpy(&p, got[i].payload.data(), sizeof p);
    EXPECT_EQ(p.total_pnl, static_cast<double>(i));
  }
}

TEST(ring, wraps_with_padding_many_times_without_losing_a_record) {
  test::scoped_segment_name n("ring-wrap");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1, 1u << 12));
  shm::publisher pub(seg);
  shm::consumer c(seg);
  // 4 KiB ring; records of varying size so the wrap point moves around.
  std::uint64_t next = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> body(static_cast<std::size_t>(8 + (round * 37) % 400), std::byte{static_cast<unsigned char>(round)});
    ASSERT_EQ(pub.publish_raw(shm::event_type::system_log, 1, "u", body), publish_status::published);
    const auto got = drain(c);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq, next++);
    EXPECT_EQ(got[0].payload, body);
  }
}

TEST(ring, full_ring_drops_counts_and_reports_the_gap_on_the_next_record) {
  test::scoped_segment_name n("ring-full");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1, 1u << 12));
  shm::publisher pub(seg);
  shm::consumer c(seg);
  int published = 0, dropped = 0;
  for (int i = 0; i < 200; ++i) {
    const auto st = pub.publish("bob", pnl(i));
    (st == publish_status::published ? published : dropped)++;
  }
  ASSERT_GT(dropped, 0);
  EXPECT_EQ(pub.dropped(), static_cast<std::uint64_t>(dropped));
  EXPECT_EQ(seg->lane(pub.lane()).producer.dropped.load(), static_cast<std::uint64_t>(dropped));
  auto got = drain(c);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(published));
  for (const auto& r : got) EXPECT_EQ(r.gap, 0u);
  // The ring has room again: the next record carries the size of the gap.
  ASSERT_EQ(pub.publish("bob", pnl(1)), publish_status::published);
  got = drain(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].gap, static_cast<std::uint64_t>(dropped));
  EXPECT_EQ(got[0].seq, static_cast<std::uint64_t>(published + dropped));
  EXPECT_EQ(got[0].lost, 0u);
}

TEST(ring, refuses_too_large_records_and_too_long_user_ids_without_counting_drops) {
  test::scoped_segment_name n("ring-large");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1, 1u << 12));
  shm::publisher pub(seg);
  std::vector<std::byte> big(seg->header().identity.max_record_size, std::byte{1});
  EXPECT_EQ(pub.publish_raw(shm::event_type::system_log, 1, "", big), publish_status::too_large);
  EXPECT_EQ(pub.publish(std::string(shm::k_max_user_id + 1, 'x'), pnl(1)), publish_status::user_id_too_long);
  EXPECT_EQ(pub.publish(std::string(shm::k_max_user_id, 'x'), pnl(1)), publish_status::published);
  EXPECT_EQ(pub.dropped(), 0u);
  shm::consumer c(seg);
  const auto got = drain(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].seq, 0u);  // refusals consume no seq
  EXPECT_EQ(got[0].user.size(), shm::k_max_user_id);
}

TEST(ring, publishing_without_a_consumer_fills_then_drops_and_a_late_consumer_gets_everything_kept) {
  test::scoped_segment_name n("ring-noconsumer");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1, 1u << 12));
  shm::publisher pub(seg);
  int published = 0;
  for (int i = 0; i < 100; ++i) published += pub.publish("", pnl(i)) == publish_status::published;
  shm::consumer c(seg);
  EXPECT_EQ(drain(c).size(), static_cast<std::size_t>(published));
}

TEST(ring, bounded_wait_publishes_once_the_consumer_makes_room) {
  test::scoped_segment_name n("ring-wait");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1, 1u << 12));
  shm::publisher pub(seg, {.wait_when_full = std::chrono::seconds(5)});
  shm::consumer c(seg);
  std::atomic<bool> stop{false};
  std::size_t consumed = 0;
  std::thread t([&] {
    while (!stop.load()) consumed += c.poll([](const shm::record_view&) {});
    while (c.poll([](const shm::record_view&) {}) > 0) ++consumed;
  });
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(pub.publish("", pnl(i)), publish_status::published);
  stop = true;
  t.join();
  EXPECT_EQ(pub.dropped(), 0u);
}

TEST(ring, a_second_publisher_gets_another_lane_and_no_free_lane_is_a_clear_error) {
  test::scoped_segment_name n("ring-lanes");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 2));
  shm::publisher a(seg);
  shm::publisher b(seg);
  EXPECT_NE(a.lane(), b.lane());
  EXPECT_EQ(seg->header().lanes.in_use.load(), 2u);
  try {
    shm::publisher c(seg);
    FAIL() << "a third publisher on two lanes must throw";
  } catch (const shm::segment_error& e) {
    EXPECT_NE(std::string(e.what()).find("all 2 lanes are claimed"), std::string::npos) << e.what();
  }
}

TEST(ring, a_released_lane_is_reused_and_its_seq_continues) {
  test::scoped_segment_name n("ring-release");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1));
  {
    shm::publisher a(seg);
    ASSERT_EQ(a.publish("", pnl(1)), publish_status::published);
  }
  EXPECT_EQ(seg->header().lanes.in_use.load(), 0u);
  shm::publisher b(seg);
  ASSERT_EQ(b.publish("", pnl(2)), publish_status::published);
  shm::consumer c(seg);
  const auto got = drain(c);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].seq, 1u);
}

TEST(ring, padding_bytes_of_a_payload_reach_the_segment_as_zeros) {
  test::scoped_segment_name n("ring-padding");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 1));
  shm::publisher pub(seg);
  shm::consumer c(seg);
  // Fill the bytes the struct will occupy with garbage first, as a dirty
  // stack would; trade_update has padding between is_maker/fee_asset and price.
  alignas(shm::trade_update) std::byte storage[sizeof(shm::trade_update)];
  std::memset(storage, 0xAB, sizeof storage);
  auto* t = new (storage) shm::trade_update{};
  t->trade_id = 7;
  t->price = 1.5;
  ASSERT_FALSE(std::has_unique_object_representations_v<shm::trade_update>);
  ASSERT_EQ(pub.publish("u", *t), publish_status::published);
  std::vector<std::byte> expected(sizeof(shm::trade_update));
  shm::detail::copy_payload(shm::trade_update{.trade_id = 7, .price = 1.5}, expected.data());
  const auto got = drain(c);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, expected);
  for (std::size_t i = offsetof(shm::trade_update, fee_asset) + sizeof(shm::fixed_string<16>);
       i < offsetof(shm::trade_update, price); ++i)
    EXPECT_EQ(got[0].payload[i], std::byte{0}) << "padding byte " << i;
}

}  // namespace
}  // namespace ringcast
