// /api/snapshot's store: the latest event per state key and per stream type,
// for each user and for the global events, bounded in users and keys.
#include "latest_state.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace ringcast::bridge {
namespace {

std::uint64_t g_seq = 0;
constexpr std::size_t k_plenty = std::size_t{1} << 30;

// A frame as the drain thread makes it; `key` empty for a stream event.
frame_ptr frame(std::uint16_t type, std::string user, std::string key = {}) {
  auto f = std::make_shared<event_frame>();
  f->type = type;
  f->seq = ++g_seq;
  f->user_id = std::move(user);
  f->key = key.empty() ? std::string{} : std::string("\x00\x01", 2) + key;  // type bytes, then the rest
  f->text = "#" + std::to_string(f->seq);
  return f;
}

std::vector<std::uint64_t> seqs(const std::vector<frame_ptr>& v) {
  std::vector<std::uint64_t> out;
  for (const auto& f : v) out.push_back(f->seq);
  return out;
}

TEST(LatestState, KeepsTheLatestOfEachKeyAndOfEachStreamTypeInSeqOrder) {
  latest_state s(10, k_plenty);
  const auto btc = frame(1, "alice", "BTC");
  const auto eth = frame(1, "alice", "ETH");
  const auto order1 = frame(2, "alice");
  const auto btc2 = frame(1, "alice", "BTC");  // replaces btc
  const auto order2 = frame(2, "alice");       // replaces order1: one per stream type
  const auto global = frame(6, "", "BTC");
  const auto bob = frame(1, "bob", "BTC");
  for (const auto& f : {btc, eth, order1, btc2, order2, global, bob}) s.remember(f);
  EXPECT_EQ(seqs(s.snapshot("alice")), (std::vector<std::uint64_t>{eth->seq, btc2->seq, order2->seq, global->seq}));
  EXPECT_EQ(seqs(s.snapshot("bob")), (std::vector<std::uint64_t>{global->seq, bob->seq}));
  EXPECT_EQ(seqs(s.snapshot("carol")), (std::vector<std::uint64_t>{global->seq}));
  EXPECT_EQ(s.totals().users, 2u);
  EXPECT_EQ(s.totals().entries, 5u);  // alice 3, bob 1, global 1
}

TEST(LatestState, ForgetsTheLeastRecentlyActiveUser) {
  latest_state s(2, k_plenty);
  s.remember(frame(12, "alice", "-"));
  s.remember(frame(12, "bob", "-"));
  const auto a = frame(12, "alice", "-");
  s.remember(a);  // alice is the more recent
  const auto c = frame(12, "carol", "-");
  s.remember(c);  // bob goes
  EXPECT_EQ(seqs(s.snapshot("alice")), (std::vector<std::uint64_t>{a->seq}));
  EXPECT_TRUE(s.snapshot("bob").empty());
  EXPECT_EQ(seqs(s.snapshot("carol")), (std::vector<std::uint64_t>{c->seq}));
  EXPECT_EQ(s.totals().users, 2u);
  EXPECT_EQ(s.totals().entries, 2u);
}

TEST(LatestState, AUserHoldsAtMostMaxKeysTheLeastRecentlyUpdatedGoesFirst) {
  latest_state s(10, k_plenty);
  const auto first = frame(1, "alice", "k0");
  s.remember(first);
  for (std::size_t i = 1; i < latest_state::k_max_keys; ++i) s.remember(frame(1, "alice", "k" + std::to_string(i)));
  const auto first_again = frame(1, "alice", "k0");  // k0 is now the most recent; k1 the oldest
  s.remember(first_again);
  s.remember(frame(1, "alice", "new"));
  const auto snap = s.snapshot("alice");
  EXPECT_EQ(snap.size(), latest_state::k_max_keys);
  EXPECT_EQ(s.totals().entries, latest_state::k_max_keys);
  bool has_k0 = false;
  for (const auto& f : snap) {
    EXPECT_NE(f->seq, first->seq + 1) << "k1, the least recently updated, is still there";
    has_k0 = has_k0 || f->seq == first_again->seq;
  }
  EXPECT_TRUE(has_k0);
}

TEST(LatestState, OverItsBytesTheLeastRecentlyActiveUsersGo) {
  const auto probe = frame(12, "probe", "-");
  latest_state one(10, k_plenty);
  one.remember(probe);
  const std::size_t per_entry = one.totals().bytes;
  ASSERT_GT(per_entry, probe->text.size());
  latest_state s(100, per_entry * 3 + per_entry / 2);  // room for three users' one entry each
  for (const char* u : {"a", "b", "c"}) s.remember(frame(12, u, "-"));
  EXPECT_EQ(s.totals().users, 3u);
  s.remember(frame(12, "a", "-"));  // a is the most recent now; b the least
  s.remember(frame(12, "d", "-"));  // over: b goes
  EXPECT_EQ(s.totals().users, 3u);
  EXPECT_TRUE(s.snapshot("b").empty());
  EXPECT_FALSE(s.snapshot("a").empty());
  EXPECT_FALSE(s.snapshot("c").empty());
  EXPECT_FALSE(s.snapshot("d").empty());
  EXPECT_LE(s.totals().bytes, per_entry * 3 + per_entry / 2);
}

TEST(LatestState, TheGlobalEventsHaveTheirOwnLargerBound) {
  latest_state s(10, k_plenty);
  for (std::size_t i = 0; i < latest_state::k_max_keys + 10; ++i) s.remember(frame(6, "", "s" + std::to_string(i)));
  EXPECT_EQ(s.snapshot("anyone").size(), latest_state::k_max_keys + 10);
}

TEST(LatestState, NoUsersKeptStillKeepsTheGlobalEvents) {
  latest_state s(0, k_plenty);
  s.remember(frame(12, "alice", "-"));
  const auto g = frame(21, "", "gw");
  s.remember(g);
  EXPECT_EQ(seqs(s.snapshot("alice")), (std::vector<std::uint64_t>{g->seq}));
}

}  // namespace
}  // namespace ringcast::bridge
