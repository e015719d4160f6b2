// A simulator thread (sim_shard) driven step by step into a real segment,
// with a consumer draining it: every event type comes out, the accounts
// agree with the fills, the circuit breaker trips and resets, a seed gives
// the same events, and threads split users and symbols between them.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/publisher.hpp"
#include "sim_shard.hpp"
#include "sim_stream_check.hpp"
#include "test_segment.hpp"

namespace ringcast::sim {
namespace {

constexpr std::int64_t k_t0_us = 1'700'000'000'000'000;  // event times: a step every 50 us from here
// Prices 20 times livelier than the default: chains close every few
// hundred steps, so a short run holds thousands of fills.
constexpr double k_volatility_pct = 2;

shard_config make_config(std::uint64_t seed, std::vector<std::string> users, std::uint32_t index = 0,
                         std::uint32_t count = 1) {
  shard_config c{.index = index, .count = count, .name = "simT", .seed = seed, .users = std::move(users)};
  // A low limit and a short cooldown: breakers trip and reset within the run.
  c.trader.daily_loss_limit = 30;
  c.trader.breaker_cooldown_ms = 200;
  return c;
}

// Steps the shards in turn, draining every 128 rounds so that no ring fills.
template <class F>
void run(const std::vector<sim_shard*>& shards, shm::consumer& consumer, std::uint64_t rounds, F&& on_record) {
  for (std::uint64_t i = 0; i < rounds; ++i) {
    for (auto* s : shards) s->step(k_t0_us + static_cast<std::int64_t>(i) * 50);
    if (i % 128 == 0)
      while (consumer.poll(on_record) > 0) {
      }
  }
  while (consumer.poll(on_record) > 0) {
  }
}

// A record as a reader sees it: payloads compared as their JSON, since the
// bytes also hold the structs' padding, which nobody defines.
struct seen_record {
  std::uint16_t type;
  std::string user;
  std::string json;
  bool operator==(const seen_record&) const = default;
};

seen_record see(const shm::record_view& r) {
  seen_record s{r.type, std::string(r.user_id), {}};
  EXPECT_TRUE(shm::encode_payload_json(static_cast<shm::event_type>(r.type), r.schema_version, r.payload, s.json));
  return s;
}

TEST(sim_shard, every_event_type_comes_out_and_accounts_agree_with_the_fills) {
  test::scoped_segment_name name("sim-shard");
  auto seg = shm::segment::open_or_create(test::small_options(name.name, 4, 1u << 20));
  shm::consumer consumer(seg);
  sim_market market(6, k_volatility_pct);
  sim_shard shard(make_config(1, {"alice", "bob", "carol", "dave"}), market, shm::publisher(seg));

  test::sim_stream_check check(trader_config{}.initial_balance);
  run({&shard}, consumer, 200'000, [&](const shm::record_view& r) { check.on_record(r); });

  const auto& counts = shard.counts();
  EXPECT_EQ(type_counts::sum(counts.dropped), 0u);
  EXPECT_EQ(type_counts::sum(counts.refused), 0u);
  EXPECT_EQ(check.records, shard.offered());
  EXPECT_EQ(check.gaps, 0u);
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t) {
    const auto name_of = shm::wire_name(static_cast<shm::event_type>(t));
    EXPECT_GT(check.per_type[t], 0u) << name_of << " never came out";
    EXPECT_EQ(check.per_type[t], counts.published[t]) << name_of;
  }
  EXPECT_EQ(check.mismatches(), 0u) << (check.failures.empty() ? "" : check.failures.front());
  EXPECT_GT(check.trades, 1'000u);
  EXPECT_GT(check.pnl_checked, 1'000u);
  EXPECT_GT(check.balance_checked, 1'000u);
  EXPECT_GT(check.position_checked, 1'000u);
  EXPECT_GT(check.breaker_trips, 0u);
  EXPECT_GT(check.breaker_resets, 0u);
  EXPECT_GT(check.global, check.records / 5) << "market data and system events are global";
  EXPECT_LT(check.global, check.records / 2);
  for (const auto& t : shard.traders()) {
    const auto& a = t.account();
    EXPECT_EQ(a.wallet_balance(), a.initial_balance() + a.net_realized());
    EXPECT_NEAR(a.net_realized(), a.realized_gross() - a.fees(), 1e-6);
  }
}

TEST(sim_shard, the_same_seed_publishes_the_same_events_and_another_seed_does_not) {
  test::scoped_segment_name name("sim-seed");
  auto seg = shm::segment::open_or_create(test::small_options(name.name, 4, 1u << 20));
  shm::consumer consumer(seg);
  // Each its own market: a market is the state that a seed determines.
  sim_market m1(6, k_volatility_pct);
  sim_market m2(6, k_volatility_pct);
  sim_market m3(6, k_volatility_pct);
  sim_shard a(make_config(7, {"u1", "u2"}), m1, shm::publisher(seg));
  sim_shard b(make_config(7, {"u1", "u2"}), m2, shm::publisher(seg));
  sim_shard c(make_config(8, {"u1", "u2"}), m3, shm::publisher(seg));

  std::map<std::uint32_t, std::vector<seen_record>> by_lane;
  run({&a, &b, &c}, consumer, 30'000, [&](const shm::record_view& r) { by_lane[r.lane].push_back(see(r)); });
  ASSERT_GT(by_lane[a.lane()].size(), 30'000u);
  EXPECT_TRUE(by_lane[a.lane()] == by_lane[b.lane()]) << "seed 7 twice gave different events";
  EXPECT_FALSE(by_lane[a.lane()] == by_lane[c.lane()]) << "seeds 7 and 8 gave the same events";
}

TEST(sim_shard, threads_split_users_and_symbols_and_share_the_marks) {
  test::scoped_segment_name name("sim-threads");
  auto seg = shm::segment::open_or_create(test::small_options(name.name, 4, 1u << 20));
  shm::consumer consumer(seg);
  sim_market market(5, k_volatility_pct);
  sim_shard t0(make_config(3, {"user1", "user3"}, 0, 2), market, shm::publisher(seg));
  sim_shard t1(make_config(3, {"user2", "user4"}, 1, 2), market, shm::publisher(seg));

  test::sim_stream_check check(trader_config{}.initial_balance);
  std::map<std::string, std::set<std::uint32_t>> lanes_of;  // user or symbol -> lanes it came from
  run({&t0, &t1}, consumer, 50'000, [&](const shm::record_view& r) {
    check.on_record(r);
    if (!r.user_id.empty()) lanes_of[std::string(r.user_id)].insert(r.lane);
    if (r.type == static_cast<std::uint16_t>(shm::event_type::futures_mark_price_update)) {
      shm::futures_mark_price_update m{};
      std::memcpy(&m, r.payload.data(), sizeof m);
      lanes_of[std::string(m.symbol.view())].insert(r.lane);
    }
  });
  EXPECT_EQ(lanes_of["user1"], std::set<std::uint32_t>{t0.lane()});
  EXPECT_EQ(lanes_of["user3"], std::set<std::uint32_t>{t0.lane()});
  EXPECT_EQ(lanes_of["user2"], std::set<std::uint32_t>{t1.lane()});
  EXPECT_EQ(lanes_of["user4"], std::set<std::uint32_t>{t1.lane()});
  for (std::uint32_t s = 0; s < market.size(); ++s)
    EXPECT_EQ(lanes_of[std::string(market.spec(s).name)], std::set<std::uint32_t>{s % 2 == 0 ? t0.lane() : t1.lane()})
        << market.spec(s).name << ": one thread publishes each symbol's marks";
  EXPECT_EQ(check.mismatches(), 0u) << (check.failures.empty() ? "" : check.failures.front());
  EXPECT_GT(check.pnl_checked, 1'000u);
}

}  // namespace
}  // namespace ringcast::sim
