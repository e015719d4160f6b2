// ringcast-stat, the real binary, against real segments: the counters it
// reports are the ones a test prepared (publishes, drops, drains, a dead
// producer), its rates follow a steady publisher, it maps the segment
// read-only, and it renders for a terminal, a pipe and the environment's
// segment name.
#include <fcntl.h>
#include <fmt/format.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "ringcast/shm/consumer.hpp"
#include "ringcast/shm/publisher.hpp"
#include "stat_fixture.hpp"
#include "test_segment.hpp"

namespace ringcast {
namespace {

using namespace std::chrono_literals;
using test::num;
using test::real;

// Polls `done` every millisecond until it holds or `timeout` passes.
template <class Pred>
bool wait_for(Pred&& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// A process that claims a lane, publishes `count` events for `user` and
// dies without releasing the lane, as a crashed producer does. Returns its
// pid once it is reaped (so that kill(pid, 0) finds no such process).
pid_t publish_and_die(const std::shared_ptr<shm::segment>& seg, int count, std::string_view user) {
  const pid_t child = ::fork();  // this test runs no threads: fork is safe
  if (child == 0) {
    try {
      shm::publisher pub(seg);
      for (int i = 0; i < count; ++i)
        if (pub.publish(user, shm::pnl_update{.total_pnl = static_cast<double>(i)}) != shm::publish_status::published)
          ::_exit(2);
      ::_exit(0);  // no destructors: the lane stays claimed by this pid
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = -1;
  EXPECT_TRUE(wait_for([&] { return ::waitpid(child, &status, WNOHANG) == child; }, 10s));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  return child;
}

TEST(stat_tool, reports_exactly_the_counters_of_a_prepared_segment) {
  test::scoped_segment_name n("stat-known");
  constexpr std::uint32_t k_capacity = shm::k_min_lane_capacity;  // 4 KiB: fills after a few dozen records
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 4, k_capacity));
  shm::consumer con(seg, {.batch = 3});
  auto drain_everything = [&] {
    std::uint64_t total = 0;
    while (const std::size_t got = con.poll([](const shm::record_view&) {})) total += got;
    return total;
  };

  // Lane A: 10 events, all drained.
  shm::publisher a(seg);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(a.publish("alice", shm::pnl_update{.total_pnl = static_cast<double>(i)}), shm::publish_status::published);
  ASSERT_EQ(drain_everything(), 10u);

  // Lane B: 60 attempts into a ring nobody drains: it fills and the rest
  // drop; then one poll drains 3 of them (the only lane with records).
  shm::publisher b(seg);
  std::uint64_t b_published = 0;
  std::uint64_t b_dropped = 0;
  for (int i = 0; i < 60; ++i) {
    const auto st = b.publish("carol", shm::pnl_update{.daily_pnl = static_cast<double>(i)});
    ASSERT_TRUE(st == shm::publish_status::published || st == shm::publish_status::dropped_full) << to_string(st);
    ++(st == shm::publish_status::published ? b_published : b_dropped);
  }
  ASSERT_GT(b_dropped, 0u);
  ASSERT_GT(b_published, 3u);
  ASSERT_EQ(con.poll([](const shm::record_view&) {}), 3u);

  // Lane C: a producer process that published 7 events and died.
  const pid_t dead = publish_and_die(seg, 7, "bob");

  // lost, corrupt and reclaimed grow only after a crash mid-publish, a
  // corrupt record and a reclaim; set them in this test's mapping (the
  // consumer above polls no more) to see each one under its own key.
  // Relaxed: the tool reads them in another process after it starts.
  seg->header().consumer.lost.store(11, std::memory_order_relaxed);
  seg->header().consumer.corrupt.store(2, std::memory_order_relaxed);
  seg->header().consumer.reclaimed.store(3, std::memory_order_relaxed);

  const auto j = test::stat_json(n.name);
  ASSERT_FALSE(j.empty());
  const auto self = static_cast<std::uint64_t>(::getpid());
  const std::uint64_t published = 10 + b_published + 7;
  const std::uint64_t b_unread = (b_published - 3) * test::pnl_record_bytes("carol");
  const std::uint64_t c_unread = 7 * test::pnl_record_bytes("bob");

  EXPECT_EQ(j.at("segment").as_string(), n.name);
  EXPECT_EQ(j.at("epoch").as_string(), fmt::format("{:016x}", seg->epoch()));
  EXPECT_EQ(num(j, "layoutVersion"), shm::k_layout_version);
  EXPECT_EQ(num(j, "laneCount"), 4u);
  EXPECT_EQ(num(j, "laneCapacity"), k_capacity);
  EXPECT_EQ(num(j, "lanesInUse"), 3u);
  EXPECT_EQ(num(j, "laneHighWater"), 3u);
  EXPECT_EQ(num(j, "consumerPid"), self);
  EXPECT_EQ(j.at("consumerState").as_string(), "alive");
  EXPECT_LT(num(j, "consumerHeartbeatAgeMs"), 2000u);
  EXPECT_FALSE(j.at("consumerStale").as_bool());
  EXPECT_GE(real(j, "intervalS"), 0.15);
  EXPECT_EQ(num(j, "published"), published);
  EXPECT_EQ(num(j, "dropped"), b_dropped);
  EXPECT_EQ(num(j, "drained"), 13u);
  EXPECT_EQ(num(j, "lagRecords"), published - 13);
  EXPECT_EQ(num(j, "lagBytes"), b_unread + c_unread);
  EXPECT_EQ(num(j, "lost"), 11u);
  EXPECT_EQ(num(j, "corrupt"), 2u);
  EXPECT_EQ(num(j, "reclaimed"), 3u);
  for (const char* rate : {"publishedPerS", "droppedPerS", "drainedPerS"}) EXPECT_EQ(real(j, rate), 0.0) << rate;

  ASSERT_EQ(j.at("lanes").as_array().size(), 3u) << "the free lane with no traffic is not listed";
  const auto* la = test::lane_where(j, "lane", a.lane());
  ASSERT_NE(la, nullptr);
  EXPECT_EQ(num(*la, "ownerPid"), self);
  EXPECT_EQ(la->at("ownerState").as_string(), "alive");
  EXPECT_EQ(num(*la, "published"), 10u);
  EXPECT_EQ(num(*la, "dropped"), 0u);
  EXPECT_EQ(num(*la, "drained"), 10u);
  EXPECT_EQ(num(*la, "unreadBytes"), 0u);
  EXPECT_EQ(real(*la, "fillPercent"), 0.0);
  EXPECT_EQ(num(*la, "nextSeq"), 10u);
  EXPECT_EQ(num(*la, "claims"), 1u);

  const auto* lb = test::lane_where(j, "lane", b.lane());
  ASSERT_NE(lb, nullptr);
  EXPECT_EQ(num(*lb, "ownerPid"), self);
  EXPECT_EQ(num(*lb, "published"), b_published);
  EXPECT_EQ(num(*lb, "dropped"), b_dropped);
  EXPECT_EQ(num(*lb, "drained"), 3u);
  EXPECT_EQ(num(*lb, "unreadBytes"), b_unread);
  EXPECT_DOUBLE_EQ(real(*lb, "fillPercent"), 100.0 * static_cast<double>(b_unread) / k_capacity);
  EXPECT_GT(real(*lb, "fillPercent"), 80.0) << "a full ring drained by 3 records is still nearly full";
  EXPECT_EQ(num(*lb, "nextSeq"), b_published + b_dropped) << "a drop consumes a seq too";

  const auto* lc = test::lane_where(j, "ownerPid", static_cast<std::uint64_t>(dead));
  ASSERT_NE(lc, nullptr) << "the dead producer's lane, by its pid";
  EXPECT_EQ(lc->at("ownerState").as_string(), "dead");
  EXPECT_EQ(num(*lc, "published"), 7u);
  EXPECT_EQ(num(*lc, "unreadBytes"), c_unread);
  EXPECT_EQ(num(*lc, "nextSeq"), 7u);
}

TEST(stat_tool, rates_follow_a_steady_publisher_and_a_draining_consumer) {
  test::scoped_segment_name n("stat-rate");
  // 1 MiB lanes hold half a second of this load: no drops even if the
  // consumer thread is descheduled for a while.
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 4, 1u << 20));
  constexpr double k_rate = 20'000;  // events/s: far from saturating a core, far above timer granularity
  constexpr double k_tolerance = 0.25;
  std::atomic<std::uint64_t> published{0};
  // jthreads: their destructors request the stop and join, also when an
  // assertion below returns early.
  std::jthread consumer_thread([&](const std::stop_token& stop) {
    shm::consumer con(seg);
    while (!stop.stop_requested())
      if (con.poll([](const shm::record_view&) {}) == 0) con.wait(5ms);
  });
  std::jthread producer_thread([&](const std::stop_token& stop) {
    shm::publisher pub(seg);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    while (!stop.stop_requested()) {
      // Scheduled by the clock: after any stall it catches up to k_rate.
      const double due = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() * k_rate;
      for (; static_cast<double>(sent) < due; ++sent) (void)pub.publish("alice", shm::pnl_update{.total_pnl = 1});
      published.store(sent, std::memory_order_relaxed);  // progress for the wait below; orders nothing
      std::this_thread::sleep_for(1ms);                  // pacing only; the rate comes from the clock above
    }
  });
  // Relaxed: progress flags polled until they change; nothing is read on their strength.
  ASSERT_TRUE(wait_for(
      [&] {
        return seg->header().consumer.owner.load(std::memory_order_relaxed) != 0 &&
               published.load(std::memory_order_relaxed) > 0;
      },
      10s));

  const auto j = test::stat_json(n.name, "0.5");
  ASSERT_FALSE(j.empty());
  EXPECT_GE(real(j, "intervalS"), 0.45);
  EXPECT_NEAR(real(j, "publishedPerS"), k_rate, k_rate * k_tolerance);
  EXPECT_NEAR(real(j, "drainedPerS"), k_rate, k_rate * k_tolerance);
  EXPECT_EQ(real(j, "droppedPerS"), 0.0);
  EXPECT_FALSE(j.at("consumerStale").as_bool());
  EXPECT_LT(num(j, "consumerHeartbeatAgeMs"), 1000u) << "the consumer heartbeats at least every 5 ms here";
  ASSERT_EQ(j.at("lanes").as_array().size(), 1u);
  EXPECT_NEAR(real(j.at("lanes").as_array()[0].as_object(), "publishedPerS"), k_rate, k_rate * k_tolerance);
}

TEST(stat_tool, maps_the_segment_read_only_and_exits_cleanly_on_sigterm) {
  test::scoped_segment_name n("stat-maps");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  test::tool_process p({test::k_stat_bin, "--segment", n.name, "--interval", "0.05"});
  ASSERT_TRUE(p.read_until("ringcast-stat ", 10s)) << "no report within 10 s: " << p.out();

  std::ifstream maps("/proc/" + std::to_string(p.pid()) + "/maps");
  std::string line;
  int segment_mappings = 0;
  while (std::getline(maps, line)) {
    if (!line.ends_with("/dev/shm/" + n.name)) continue;
    ++segment_mappings;
    std::istringstream fields(line);
    std::string range;
    std::string perms;
    fields >> range >> perms;
    EXPECT_EQ(perms, "r--s") << line;
  }
  EXPECT_GE(segment_mappings, 1);

  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  const auto r = p.finish(10s);
  EXPECT_TRUE(r.exited_with(0)) << "status " << r.status << " stderr: " << r.err;
}

TEST(stat_tool, the_live_view_follows_a_segment_removed_and_created_again) {
  test::scoped_segment_name n("stat-follow");
  auto first = shm::segment::open_or_create(test::small_options(n.name));
  test::tool_process p({test::k_stat_bin, "--segment", n.name, "--json", "--interval", "0.05"});
  ASSERT_TRUE(p.read_until(fmt::format("\"epoch\":\"{:016x}\"", first->epoch()), 10s)) << p.out();

  first.reset();
  ASSERT_TRUE(shm::segment::remove(n.name));
  const auto second = shm::segment::open_or_create(test::small_options(n.name, 2));
  const std::string new_epoch = fmt::format("\"epoch\":\"{:016x}\"", second->epoch());
  ASSERT_TRUE(p.read_until(new_epoch, 10s)) << p.out();
  // Its first report spans two segments: no rates, the new sizes.
  const auto at = p.out().find(new_epoch);
  const auto begin = p.out().rfind('\n', at) + 1;  // npos + 1 == 0 for the first line
  const std::string line = p.out().substr(begin, p.out().find('\n', at) - begin);
  EXPECT_NE(line.find("\"publishedPerS\":null"), std::string::npos) << line;
  EXPECT_NE(line.find("\"laneCount\":2"), std::string::npos) << line;

  ASSERT_EQ(::kill(p.pid(), SIGTERM), 0);
  const auto r = p.finish(10s);
  EXPECT_TRUE(r.exited_with(0)) << "status " << r.status << " stderr: " << r.err;
}

TEST(stat_tool, takes_the_segment_from_the_environment_and_appends_plain_blocks_to_a_pipe) {
  test::scoped_segment_name n("stat-env");
  auto seg = shm::segment::open_or_create(test::small_options(n.name));
  shm::publisher pub(seg);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(pub.publish("", shm::pnl_update{}), shm::publish_status::published);

  const auto r =
      test::run_tool({test::k_stat_bin, "--count", "2", "--interval", "0.05"}, {"RINGCAST_SEGMENT=" + n.name});
  ASSERT_TRUE(r.exited_with(0)) << "status " << r.status << " stderr: " << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no terminal escapes into a pipe";
  EXPECT_TRUE(r.out.starts_with("ringcast-stat ")) << r.out;
  const auto second = r.out.find("\n\nringcast-stat ");
  ASSERT_NE(second, std::string::npos) << "two blocks, a blank line apart: " << r.out;
  EXPECT_EQ(r.out.find("\n\nringcast-stat ", second + 1), std::string::npos) << "exactly two: " << r.out;
  EXPECT_NE(r.out.find("segment '" + n.name + "'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lanes 1/4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("totals      published 5  dropped 0  drained 0  lag 5 records"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fmt::format("{:>5}  {:<12} ", pub.lane(), ::getpid())), std::string::npos)
      << "the lane's row with its owner: " << r.out;
}

TEST(stat_tool, on_a_terminal_the_live_view_redraws_in_place_and_fits_its_height) {
  test::scoped_segment_name n("stat-tty");
  auto seg = shm::segment::open_or_create(test::small_options(n.name, 8));
  std::vector<shm::publisher> owners;
  owners.reserve(8);
  for (int i = 0; i < 8; ++i) owners.emplace_back(seg);  // 8 owned lanes, one row each

  int master = -1;
  int slave = -1;
  winsize ws{};
  ws.ws_row = 10;  // room for the 5 header lines, 4 lane rows and the "more" line
  ws.ws_col = 200;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  test::tool_process p({test::k_stat_bin, "--segment", n.name, "--count", "2", "--interval", "0.05"},
                       {.env = {}, .stdout_child = slave, .stdout_parent = master});
  const auto r = p.finish(30s);
  ASSERT_TRUE(r.exited_with(0)) << "status " << r.status << " stderr: " << r.err;
  std::size_t redraws = 0;
  for (auto at = r.out.find("\x1b[H\x1b[2J"); at != std::string::npos; at = r.out.find("\x1b[H\x1b[2J", at + 1))
    ++redraws;
  EXPECT_EQ(redraws, 2u) << r.out;
  EXPECT_TRUE(r.out.starts_with("\x1b[H\x1b[2J")) << r.out;
  EXPECT_NE(r.out.find("... 4 more lanes"), std::string::npos) << r.out;

  // One report (--once) is plain output: no clearing, every lane.
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  test::tool_process once({test::k_stat_bin, "--segment", n.name, "--once", "--interval", "0.05"},
                          {.env = {}, .stdout_child = slave, .stdout_parent = master});
  const auto o = once.finish(30s);
  ASSERT_TRUE(o.exited_with(0)) << "status " << o.status << " stderr: " << o.err;
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("more lanes"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find(fmt::format("{:>5}  {:<12} ", owners.back().lane(), ::getpid())), std::string::npos) << o.out;
}

}  // namespace
}  // namespace ringcast
