// The slow-client policy and the resume history, without sockets: a fake
// window the test empties by hand stands for the session's strand.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <deque>
#include <string>

#include "history.hpp"
#include "session_outbox.hpp"

namespace ringcast::bridge {
namespace {

constexpr auto k_pnl = static_cast<std::uint16_t>(shm::event_type::pnl_update);
constexpr auto k_order = static_cast<std::uint16_t>(shm::event_type::order_update);
constexpr auto k_log = static_cast<std::uint16_t>(shm::event_type::system_log);

frame_ptr event(std::uint64_t seq, std::uint16_t type, std::string key = {}, std::string user = "alice",
                std::int8_t level = -1) {
  auto f = std::make_shared<event_frame>();
  f->seq = seq;
  f->type = type;
  f->user_id = std::move(user);
  f->key = std::move(key);
  f->log_level = level;
  f->text = R"({"type":"T","seq":)" + std::to_string(seq) + R"(,"payload":{}})";
  return f;
}

struct fake_window final : session_window {
  std::deque<frame_ptr> q;
  std::uint64_t bytes = 0;
  bool over = false;
  int over_changes = 0;

  std::uint64_t window_messages() const noexcept override { return q.size(); }
  std::uint64_t window_bytes() const noexcept override { return bytes; }
  bool push(const frame_ptr& f) noexcept override {
    q.push_back(f);
    bytes += f->text.size();
    return true;
  }
  void over_limit(bool o) noexcept override {
    over = o;
    ++over_changes;
  }
  // The client reads everything: window and, through refills, the backlog.
  // keep = false: what was read is freed at once, as a socket write would.
  std::vector<frame_ptr> read_all(session_outbox& out, bool keep = true) {
    std::vector<frame_ptr> got;
    for (;;) {
      while (!q.empty()) {
        bytes -= q.front()->text.size();
        if (keep) got.push_back(q.front());
        q.pop_front();
      }
      out.flush();
      if (q.empty()) return got;
    }
  }
};

bridge_config small_config() {
  bridge_config c;
  c.queue_messages = 200;
  c.queue_bytes = 1 << 20;
  c.log_rate = 10;
  return c;
}

struct outbox_fixture : ::testing::Test {
  bridge_config config = small_config();
  bridge_metrics metrics;
  fake_window window;
  session_outbox out{window, config, metrics};
};

std::string type_of(const frame_ptr& f) {
  return std::string(boost::json::parse(f->text).as_object().at("type").as_string());
}

TEST_F(outbox_fixture, AnIdleSessionGetsEachEventStraightIntoTheWindow) {
  for (std::uint64_t s = 1; s <= 10; ++s) out.offer(event(s, k_order), 0);
  EXPECT_EQ(window.q.size(), 10u);
  EXPECT_FALSE(out.backlogged());
}

TEST_F(outbox_fixture, AClientThatKeepsUpGetsEveryStateEvent) {
  // 150 queued of a 200-message limit is a burst, not a slow client.
  for (std::uint64_t s = 1; s <= 100; ++s) out.offer(event(s, k_pnl, "pnl/alice"), 0);
  EXPECT_EQ(window.read_all(out).size(), 100u);
  EXPECT_EQ(out.stats().conflated, 0u);
}

TEST_F(outbox_fixture, BehindANewerStateEventReplacesTheQueuedOneAndGoesToTheEnd) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 110; ++i) out.offer(event(++seq, k_order), 0);  // over half of 200: behind
  // Backlog tail: pnl(111), order(112), pnl(113), order(114), pnl(115)
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  EXPECT_EQ(out.stats().conflated, 2u);
  const auto got = window.read_all(out);
  std::vector<std::uint64_t> tail;
  for (std::size_t i = 110; i < got.size(); ++i) tail.push_back(got[i]->seq);
  EXPECT_EQ(tail, (std::vector<std::uint64_t>{112, 114, 115}));  // increasing; both orders; the newest pnl
}

TEST_F(outbox_fixture, AKeyQueuedSeveralTimesNeverOutlivesItsFrame) {
  // Not behind (a large limit): three of one key queue up, the first two go
  // out and are freed, then the index is used again. Under ASan this reads
  // freed memory if the index kept the first frame's key.
  config.queue_messages = 100'000;
  std::uint64_t seq = 0;
  for (std::uint64_t i = 0; i < session_outbox::k_window_messages; ++i) out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  for (std::uint64_t i = 0; i < session_outbox::k_window_messages; ++i) out.offer(event(++seq, k_order), 0);
  const std::uint64_t last = ++seq;
  out.offer(event(last, k_pnl, "pnl/alice"), 0);
  window.read_all(out, false);
  EXPECT_EQ(out.stats().conflated, 0u);
  // Behind now: a newer one replaces the queued one, found through the index.
  config.queue_messages = 200;
  for (int i = 0; i < 110; ++i) out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  EXPECT_EQ(out.stats().conflated, 1u);
  EXPECT_EQ(window.read_all(out).back()->seq, seq);
}

TEST_F(outbox_fixture, StreamEventsAreNeverConflated) {
  for (std::uint64_t s = 1; s <= 150; ++s) out.offer(event(s, k_order), 0);
  EXPECT_EQ(window.read_all(out).size(), 150u);
  EXPECT_EQ(out.stats().conflated, 0u);
}

TEST_F(outbox_fixture, DropsOverTheLimitBecomeOneGapNoticeInTheirPlace) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 200; ++i) out.offer(event(++seq, k_order), 0);  // fills window + backlog to the limit
  EXPECT_FALSE(window.over);
  for (int i = 0; i < 30; ++i) out.offer(event(++seq, k_order, {}, "alice"), 0);  // 201..230 dropped
  EXPECT_TRUE(window.over);
  EXPECT_EQ(out.stats().dropped, 30u);
  const auto got = window.read_all(out);
  ASSERT_EQ(got.size(), 201u);  // 200 events, then the notice (nothing followed the drops)
  const auto gap = boost::json::parse(got.back()->text).as_object();
  EXPECT_EQ(gap.at("type").as_string(), "stream:gap");
  EXPECT_EQ(gap.at("fromSeq").as_int64(), 201);
  EXPECT_EQ(gap.at("toSeq").as_int64(), 230);
  EXPECT_EQ(gap.at("dropped").as_int64(), 30);
  EXPECT_EQ(gap.at("reason").as_string(), "slow_consumer");
  // Caught up: the next event goes straight out, the slow clock stops at the tick.
  out.tick(0);
  EXPECT_FALSE(window.over);
  out.offer(event(++seq, k_order), 0);
  EXPECT_EQ(window.q.back()->seq, seq);
}

TEST_F(outbox_fixture, DropsBetweenConflationsExtendTheQueuedNoticeInItsPlace) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 150; ++i) out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);                       // 151
  for (int i = 0; i < 49; ++i) out.offer(event(++seq, k_order), 0);  // to the limit: 200
  std::vector<std::uint64_t> pnls;
  for (int round = 0; round < 50; ++round) {
    out.offer(event(++seq, k_order), 0);  // dropped
    out.offer(event(++seq, k_pnl, "pnl/alice"), 0);  // replaces the queued pnl
    pnls.push_back(seq);
  }
  EXPECT_LE(window.window_messages() + out.stats().backlog_messages, 201u) << "one notice over the limit at most";
  EXPECT_EQ(out.stats().gap_notices, 1u);
  const auto got = window.read_all(out);
  std::size_t notices = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i]->is_event()) continue;
    ++notices;
    const auto gap = boost::json::parse(got[i]->text).as_object();
    EXPECT_EQ(gap.at("fromSeq").as_int64(), 201);
    EXPECT_EQ(gap.at("toSeq").as_int64(), static_cast<std::int64_t>(seq - 1));
    EXPECT_EQ(gap.at("dropped").as_int64(), 50);
    ASSERT_LT(i + 1, got.size());
    EXPECT_EQ(got[i + 1]->seq, pnls.back()) << "the notice comes before the first event after the drops";
  }
  EXPECT_EQ(notices, 1u);
}

TEST_F(outbox_fixture, TheGapNoticeComesBeforeTheFirstEventAfterTheDrops) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 200; ++i) out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_order), 0);  // 201 dropped
  // The client reads some: room again.
  for (int i = 0; i < 64; ++i) window.q.pop_front();
  window.bytes = 0;
  out.flush();
  out.offer(event(++seq, k_order), 0);  // 202 accepted, behind the notice
  const auto got = window.read_all(out);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(type_of(got[got.size() - 2]), "stream:gap");
  EXPECT_EQ(got.back()->seq, 202u);
}

TEST_F(outbox_fixture, AStateEventWhoseKeyIsQueuedIsNeverDroppedEvenAtTheLimit) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 110; ++i) out.offer(event(++seq, k_order), 0);
  out.offer(event(++seq, k_pnl, "pnl/alice"), 0);
  for (int i = 0; i < 200; ++i) out.offer(event(++seq, k_order), 0);  // to the limit and beyond
  const std::uint64_t last_pnl = ++seq;
  out.offer(event(last_pnl, k_pnl, "pnl/alice"), 0);
  const auto got = window.read_all(out);
  EXPECT_EQ(got.back()->seq, last_pnl);
}

TEST_F(outbox_fixture, SubscriptionsFilterEventsButNeverControlMessages) {
  type_set only_pnl;
  only_pnl.set(k_pnl);
  out.set_types(only_pnl);
  out.offer(event(1, k_order), 0);
  out.offer(event(2, k_pnl, "pnl/alice"), 0);
  out.offer(control_frame(R"({"type":"subscribed"})"), 0);
  ASSERT_EQ(window.q.size(), 2u);
  EXPECT_EQ(window.q[0]->seq, 2u);
  out.unsubscribe(only_pnl);
  out.offer(event(3, k_pnl, "pnl/alice"), 0);
  EXPECT_EQ(window.q.size(), 2u);
}

TEST_F(outbox_fixture, LogsBelowTheSessionLevelAreNotSent) {
  out.set_log_level(static_cast<std::int8_t>(shm::log_level::warn));
  out.offer(event(1, k_log, {}, "", static_cast<std::int8_t>(shm::log_level::info)), 0);
  out.offer(event(2, k_log, {}, "", static_cast<std::int8_t>(shm::log_level::error)), 0);
  ASSERT_EQ(window.q.size(), 1u);
  EXPECT_EQ(window.q[0]->seq, 2u);
}

TEST_F(outbox_fixture, LogsOverTheRateAreSummarisedOnceASecond) {
  const auto info = static_cast<std::int8_t>(shm::log_level::info);
  std::uint64_t seq = 0;
  for (int i = 0; i < 25; ++i) out.offer(event(++seq, k_log, {}, "", info), 1'000);  // burst: 10 pass
  EXPECT_EQ(window.q.size(), 10u);
  EXPECT_EQ(out.stats().logs_suppressed, 15u);
  out.tick(500'000'000);  // half a second: not yet
  EXPECT_EQ(window.q.size(), 10u);
  out.tick(1'000'001'000);
  ASSERT_EQ(window.q.size(), 11u);
  const auto s = boost::json::parse(window.q.back()->text).as_object();
  EXPECT_EQ(s.at("type").as_string(), "logs:suppressed");
  EXPECT_EQ(s.at("suppressed").as_int64(), 15);
  EXPECT_EQ(s.at("fromSeq").as_int64(), 11);
  EXPECT_EQ(s.at("toSeq").as_int64(), 25);
  // A second later the bucket is full again.
  out.offer(event(++seq, k_log, {}, "", info), 2'000'000'000);
  EXPECT_EQ(window.q.back()->seq, seq);
}

// ---- history ----

history_limits limits(std::size_t per_user, std::uint64_t bytes = 1u << 30, std::size_t users = 100) {
  return {per_user, bytes, std::chrono::milliseconds(1000), users};
}

std::vector<std::uint64_t> seqs(const history::replay& r) {
  EXPECT_EQ(r.status, history::lookup::ok);
  std::vector<std::uint64_t> out;
  for (const auto& f : r.frames) out.push_back(f->seq);
  return out;
}

bool forgotten(const history& h, std::string_view user, bool admin, std::uint64_t after) {
  return h.since(user, admin, after).status == history::lookup::forgotten;
}

TEST(History, AUserGetsItsOwnAndGlobalEventsAfterTheSeqInOrder) {
  history h(limits(100));
  h.append(event(1, k_order, {}, "alice"), 0);
  h.append(event(2, k_order, {}, "bob"), 0);
  h.append(event(3, k_order, {}, ""), 0);
  h.append(event(4, k_order, {}, "alice"), 0);
  EXPECT_EQ(seqs(h.since("alice", false, 0)), (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(seqs(h.since("alice", false, 1)), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(seqs(h.since("bob", false, 2)), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(seqs(h.since("carol", false, 0)), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(seqs(h.since("root", true, 1)), (std::vector<std::uint64_t>{2, 3, 4}));
  EXPECT_TRUE(seqs(h.since("alice", false, 4)).empty());
}

TEST(History, ABusyUserCannotPushAQuietOnesHistoryOut) {
  history h(limits(5));
  h.append(event(1, k_order, {}, "quiet"), 0);
  for (std::uint64_t s = 2; s < 100; ++s) h.append(event(s, k_order, {}, "busy"), 0);
  EXPECT_EQ(seqs(h.since("quiet", false, 0)), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(forgotten(h, "busy", false, 50));  // only its last 5 are kept
  EXPECT_EQ(seqs(h.since("busy", false, 94)), (std::vector<std::uint64_t>{95, 96, 97, 98, 99}));
}

TEST(History, WhatTheByteOrAgeLimitForgotCannotBeResumedOver) {
  history h(limits(1000, 20 * 1024));
  for (std::uint64_t s = 1; s <= 200; ++s) h.append(event(s, k_order, {}, "alice"), 0);
  const auto st = h.stats();
  EXPECT_LE(st.bytes, 20u * 1024);
  EXPECT_GT(st.oldest_seq, 1u);
  EXPECT_TRUE(forgotten(h, "alice", false, 0));
  EXPECT_TRUE(forgotten(h, "root", true, 0));
  EXPECT_FALSE(forgotten(h, "alice", false, st.oldest_seq - 1));

  h.expire(2'000'000'000);  // all older than a second
  EXPECT_EQ(h.stats().events, 0u);
  EXPECT_TRUE(forgotten(h, "alice", false, 199));
  EXPECT_TRUE(seqs(h.since("alice", false, 200)).empty());
}

TEST(History, AReplayOverTheCapIsRefusedWithoutCopying) {
  history h(limits(100));
  for (std::uint64_t s = 1; s <= 50; ++s) h.append(event(s, k_order, {}, s % 2 ? "alice" : ""), 0);
  EXPECT_EQ(h.since("alice", false, 0, 49).status, history::lookup::too_many);
  EXPECT_EQ(h.since("alice", false, 0, 50).frames.size(), 50u);
  EXPECT_EQ(h.since("root", true, 10, 39).status, history::lookup::too_many);
  EXPECT_EQ(h.since("root", true, 10, 40).frames.size(), 40u);
}

TEST(History, AForgottenUserCannotProveItsHistoryComplete) {
  history h(limits(100, 1u << 30, 2));
  h.append(event(1, k_order, {}, "a"), 0);
  h.append(event(2, k_order, {}, "b"), 0);
  h.append(event(3, k_order, {}, "c"), 0);  // "a" is forgotten
  EXPECT_TRUE(forgotten(h, "a", false, 0));
  EXPECT_TRUE(seqs(h.since("a", false, 1)).empty());
  // A user first seen after a forgetting cannot prove it had nothing
  // before either (it may be one that was forgotten): conservative.
  EXPECT_TRUE(forgotten(h, "c", false, 0));
  EXPECT_EQ(seqs(h.since("c", false, 1)), (std::vector<std::uint64_t>{3}));
}

}  // namespace
}  // namespace ringcast::bridge
