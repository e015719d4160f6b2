// ringcast-stat's arithmetic and rendering on hand-made samples: rates are
// counter deltas over the elapsed time, counters that go backwards are no
// traffic, another epoch means unknown rates, the lane rows are the busy
// lanes, the heartbeat goes stale, and the JSON keys stay what the docs say.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <string>

#include "stat_sample.hpp"
#include "stat_view.hpp"

namespace ringcast::tools::stat {
namespace {

constexpr std::int64_t k_second_ns = 1'000'000'000;

segment_sample sample(std::int64_t steady_ns, std::uint32_t lanes = 4) {
  segment_sample s;
  s.steady_ns = steady_ns;
  s.realtime_ns = 1'700'000'000 * k_second_ns + steady_ns;
  s.name = "unit";
  s.epoch = 0xabcdef0123456789ULL;
  s.layout_version = 1;
  s.lane_count = lanes;
  s.lane_capacity = 4096;
  for (std::uint32_t i = 0; i < lanes; ++i) s.lanes.push_back(lane_counters{.index = i});
  return s;
}

const lane_report* row(const stat_report& r, std::uint32_t lane) {
  const auto it =
      std::find_if(r.lanes.begin(), r.lanes.end(), [&](const lane_report& l) { return l.counters.index == lane; });
  return it == r.lanes.end() ? nullptr : &*it;
}

TEST(stat_report, rates_are_counter_deltas_over_the_elapsed_time) {
  auto before = sample(10 * k_second_ns);
  auto now = sample(10 * k_second_ns + k_second_ns / 2);  // 0.5 s later
  before.lanes[0].published = 100;
  now.lanes[0].published = 300;
  before.lanes[2].published = 1000;
  before.lanes[2].dropped = 10;
  now.lanes[2].published = 1100;
  now.lanes[2].dropped = 60;
  before.drained = 1000;
  now.drained = 1250;
  const stat_report r = make_report(before, now);
  ASSERT_TRUE(r.rates_known);
  EXPECT_DOUBLE_EQ(r.interval_s, 0.5);
  EXPECT_EQ(r.published, 1400u);
  EXPECT_EQ(r.dropped, 60u);
  EXPECT_DOUBLE_EQ(r.published_per_s, 600.0);  // (200 + 100) / 0.5
  EXPECT_DOUBLE_EQ(r.dropped_per_s, 100.0);
  EXPECT_DOUBLE_EQ(r.drained_per_s, 500.0);
  EXPECT_EQ(r.lag_records, 150u);
  ASSERT_NE(row(r, 0), nullptr);
  EXPECT_DOUBLE_EQ(row(r, 0)->published_per_s, 400.0);
  ASSERT_NE(row(r, 2), nullptr);
  EXPECT_DOUBLE_EQ(row(r, 2)->dropped_per_s, 100.0);
}

TEST(stat_report, a_counter_that_went_backwards_is_no_traffic_and_lag_is_never_negative) {
  auto before = sample(0);
  auto now = sample(k_second_ns);
  before.lanes[1].published = 500;
  now.lanes[1].published = 400;
  before.drained = 900;
  now.drained = 800;  // more than published: a restarted consumer handed its batch out again
  const stat_report r = make_report(before, now);
  EXPECT_EQ(r.published_per_s, 0.0);
  EXPECT_EQ(r.drained_per_s, 0.0);
  EXPECT_EQ(r.lag_records, 0u);
  EXPECT_EQ(row(r, 1), nullptr) << "no owner, nothing unread, no traffic";
}

TEST(stat_report, a_sample_of_another_epoch_makes_rates_unknown) {
  auto before = sample(0);
  auto now = sample(k_second_ns);
  now.epoch = before.epoch + 1;  // the segment was recreated between the samples
  now.lanes[0].published = 50;
  const stat_report r = make_report(before, now);
  EXPECT_FALSE(r.rates_known);
  EXPECT_EQ(r.published_per_s, 0.0);
  EXPECT_EQ(r.published, 50u);
  const auto j = to_json(r);
  EXPECT_TRUE(j.at("publishedPerS").is_null());
  EXPECT_NE(render_text(r).find("per second  published -  dropped -  drained -"), std::string::npos) << render_text(r);
}

TEST(stat_report, lists_lanes_with_an_owner_unread_bytes_or_traffic_and_computes_their_fill) {
  auto before = sample(0, 6);
  auto now = sample(k_second_ns, 6);
  now.lanes[1].owner_pid = 42;  // owned, idle
  now.lanes[1].owner = pid_state::alive;
  now.lanes[2].tail = 2048 + 10'000'000;  // free, half its ring unread
  now.lanes[2].head = 10'000'000;
  before.lanes[3].drained = 5;  // free, drained during the interval
  now.lanes[3].drained = 9;
  now.lanes[4].published = 7;  // free, published long ago: not listed
  before.lanes[4].published = 7;
  now.lanes[5].head = 100;  // head past tail is never negative fill
  const stat_report r = make_report(before, now);
  std::vector<std::uint32_t> listed;
  for (const auto& l : r.lanes) listed.push_back(l.counters.index);
  EXPECT_EQ(listed, (std::vector<std::uint32_t>{1, 2, 3}));
  EXPECT_EQ(row(r, 2)->unread_bytes, 2048u);
  EXPECT_DOUBLE_EQ(row(r, 2)->fill_percent, 50.0);
  EXPECT_EQ(row(r, 1)->fill_percent, 0.0);
  EXPECT_EQ(r.lag_bytes, 2048u);
}

TEST(stat_report, the_consumer_is_stale_without_a_live_consumer_or_a_recent_heartbeat) {
  auto before = sample(0);
  auto now = sample(k_second_ns);
  now.consumer_pid = 77;
  now.consumer = pid_state::alive;
  now.heartbeat_ns = now.realtime_ns - 150'000'000;
  auto r = make_report(before, now);
  EXPECT_EQ(r.heartbeat_age_ms, 150);
  EXPECT_FALSE(r.consumer_stale);

  now.heartbeat_ns = now.realtime_ns - (k_stale_after_ms + 1) * 1'000'000;
  r = make_report(before, now);
  EXPECT_TRUE(r.consumer_stale);

  now.heartbeat_ns = now.realtime_ns - 10'000'000;
  now.consumer = pid_state::dead;
  r = make_report(before, now);
  EXPECT_TRUE(r.consumer_stale) << "a dead consumer's recent heartbeat does not make it live";
  EXPECT_NE(render_text(r).find("consumer 77 dead  heartbeat 10 ms stale"), std::string::npos) << render_text(r);

  now.consumer_pid = 0;
  now.consumer = pid_state::none;
  now.heartbeat_ns = 0;
  r = make_report(before, now);
  EXPECT_FALSE(r.heartbeat_age_ms.has_value());
  EXPECT_TRUE(r.consumer_stale);
  EXPECT_TRUE(to_json(r).at("consumerHeartbeatAgeMs").is_null());
  EXPECT_TRUE(to_json(r).at("consumerPid").is_null());
  EXPECT_NE(render_text(r).find("consumer none  heartbeat - stale"), std::string::npos) << render_text(r);
}

TEST(stat_view, text_rows_stop_at_the_terminal_height_and_say_how_many_are_left) {
  auto before = sample(0, 8);
  auto now = sample(k_second_ns, 8);
  for (auto& l : now.lanes) {
    l.owner_pid = 1000 + l.index;
    l.owner = l.index == 0 ? pid_state::dead : pid_state::alive;
  }
  const std::string text = render_text(make_report(before, now), {.max_lane_rows = 3, .note = "a note"});
  EXPECT_NE(text.find("... 5 more lanes"), std::string::npos) << text;
  EXPECT_NE(text.find("1000 dead"), std::string::npos) << text;
  EXPECT_NE(text.find("1002"), std::string::npos) << text;
  EXPECT_EQ(text.find("1003"), std::string::npos) << text;
  EXPECT_NE(text.find("\na note\n"), std::string::npos) << text;
  EXPECT_NE(text.find("epoch abcdef0123456789"), std::string::npos) << text;
  // The header lines before the first row are what the live view reserves.
  const auto first_row = text.find("1000 dead");
  EXPECT_EQ(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(first_row), '\n'),
            static_cast<std::ptrdiff_t>(k_text_header_lines + 1));  // + the note
}

std::set<std::string> keys(const boost::json::object& o) {
  std::set<std::string> k;
  for (const auto& kv : o) k.emplace(kv.key());
  return k;
}

TEST(stat_view, json_keys_are_the_documented_ones) {
  auto before = sample(0);
  auto now = sample(k_second_ns);
  now.lanes[0].owner_pid = 5;
  now.lanes[0].owner = pid_state::alive;
  const auto j = to_json(make_report(before, now));
  EXPECT_EQ(keys(j), (std::set<std::string>{
                         "segment",       "epoch",         "layoutVersion", "laneCount",     "laneCapacity",
                         "lanesInUse",    "laneHighWater", "consumerPid",   "consumerState", "consumerHeartbeatAgeMs",
                         "consumerStale", "timestampNs",   "intervalS",     "published",     "dropped",
                         "drained",       "publishedPerS", "droppedPerS",   "drainedPerS",   "lagRecords",
                         "lagBytes",      "lost",          "corrupt",       "reclaimed",     "lanes"}));
  ASSERT_EQ(j.at("lanes").as_array().size(), 1u);
  EXPECT_EQ(keys(j.at("lanes").as_array()[0].as_object()),
            (std::set<std::string>{"lane", "ownerPid", "ownerState", "published", "dropped", "drained", "lost",
                                   "publishedPerS", "droppedPerS", "drainedPerS", "unreadBytes", "fillPercent",
                                   "nextSeq", "claims"}));
  EXPECT_EQ(j.at("epoch").as_string(), "abcdef0123456789");
  // Serialized and parsed back, it is one JSON object (what --json prints).
  EXPECT_TRUE(boost::json::parse(boost::json::serialize(j)).is_object());
}

}  // namespace
}  // namespace ringcast::tools::stat
