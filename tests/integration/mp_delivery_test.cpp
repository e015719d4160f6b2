// Delivery across real processes: producer processes publish through the
// segment to a consumer process that appends what it is handed to a file.
//  - a consumer that keeps up delivers every event exactly once, in order;
//  - under overload, every drop is reported exactly by the next record's gap;
//  - a consumer SIGKILLed under load and restarted resumes where it stopped;
//    deduping by (lane, seq) against its own output makes it exactly-once,
//    and the redeliveries are bounded by its lane_batch per kill.
#include <gtest/gtest.h>

#include <random>

#include "mp_fixture.hpp"
#include "ringcast/shm/segment.hpp"

namespace ringcast::test {
namespace {

TEST(mp_delivery, four_producer_processes_deliver_every_event_exactly_once_and_in_order) {
  constexpr std::uint64_t k_count = 50'000;
  scoped_segment_name n("mp-exact");
  scratch_dir dir;
  const std::string out = dir.file("out.bin");
  dir.file("out.bin.redelivered");
  // Small lanes (64 KiB, ~300 records): the rings fill and wrap all the
  // time; the producers' bounded wait keeps anything from being dropped.
  const auto seg = shm::segment::open_or_create(small_options(n.name, 8, 1u << 16));
  std::string line;
  auto consumer = spawn_consumer(n.name, out, {}, &line);
  ASSERT_TRUE(line.starts_with("attached")) << line;

  std::vector<child_process> producers;
  for (std::uint32_t id = 1; id <= 4; ++id)
    producers.push_back(spawn_producer(n.name, {.id = id, .count = k_count, .wait_ms = 30'000}));
  for (auto& p : producers) {
    std::string done;
    expect_producer_done(p, 120s, &done);
    EXPECT_EQ(field(done, "published"), static_cast<long long>(k_count)) << done;
  }
  ASSERT_TRUE(wait_until([&] { return all_lanes_drained(*seg); }, 30s)) << "the consumer stopped draining";
  stop_consumer(consumer);

  const auto recs = read_deliveries(out);
  const auto report = check_deliveries(recs);
  EXPECT_EQ(report.violations, 0u) << report.describe();
  EXPECT_EQ(report.records, 4 * k_count);
  EXPECT_EQ(report.gaps, 0u);
  EXPECT_EQ(report.lost, 0u);
  ASSERT_EQ(report.runs.size(), 4u);
  for (const auto& [id, run] : report.runs) {
    EXPECT_EQ(run.delivered, k_count) << "producer " << id;
    EXPECT_EQ(run.first, 0u) << "producer " << id;
    EXPECT_EQ(run.last, k_count - 1) << "producer " << id;
  }
  EXPECT_EQ(seg->header().consumer.drained.load(), 4 * k_count);
  EXPECT_EQ(lanes_in_use(*seg), 0u) << "every producer released its lane on exit";
}

TEST(mp_delivery, under_overload_every_drop_is_reported_exactly_by_the_next_records_gap) {
  constexpr std::uint64_t k_count = 20'000;
  scoped_segment_name n("mp-overload");
  scratch_dir dir;
  const std::string out = dir.file("out.bin");
  dir.file("out.bin.redelivered");
  // 4 KiB lanes (~20 records) and unpaced producers that never wait: the
  // consumer, one write(2) per record, cannot keep up, so rings overflow.
  const auto seg = shm::segment::open_or_create(small_options(n.name, 4, shm::k_min_lane_capacity));
  std::string line;
  auto consumer = spawn_consumer(n.name, out, {}, &line);
  ASSERT_TRUE(line.starts_with("attached")) << line;

  std::vector<child_process> producers;
  for (std::uint32_t id = 1; id <= 2; ++id)
    producers.push_back(spawn_producer(n.name, {.id = id, .count = k_count, .end_marker = true}));
  std::map<std::uint32_t, long long> producer_dropped;
  for (std::uint32_t id = 1; id <= 2; ++id) {
    std::string done;
    expect_producer_done(producers[id - 1], 120s, &done);
    producer_dropped[id] = field(done, "dropped");
  }
  ASSERT_TRUE(wait_until([&] { return all_lanes_drained(*seg); }, 30s)) << "the consumer stopped draining";
  stop_consumer(consumer);

  const auto report = check_deliveries(read_deliveries(out));
  EXPECT_EQ(report.violations, 0u) << report.describe();
  EXPECT_EQ(report.lost, 0u) << "no producer crashed: every missing seq is a drop";
  ASSERT_EQ(report.runs.size(), 2u);
  std::uint64_t total_dropped = 0;
  for (const auto& [id, run] : report.runs) {
    EXPECT_TRUE(run.end_marker) << "producer " << id << ": its end marker must be its last record";
    EXPECT_GE(run.last, k_count) << "producer " << id;
    // Every attempt is either delivered or reported by a gap, and the gaps
    // add up to exactly what the producer itself counted as dropped.
    EXPECT_EQ(run.delivered + run.dropped, run.last + 1) << "producer " << id;
    EXPECT_EQ(static_cast<long long>(run.dropped), producer_dropped[id]) << "producer " << id;
    total_dropped += run.dropped;
  }
  EXPECT_GT(total_dropped, 0u) << "the test needs the rings to overflow";
  EXPECT_EQ(report.gaps, total_dropped);
  std::printf("overload: %llu records delivered, %llu drops reported by gaps\n",
              static_cast<unsigned long long>(report.records), static_cast<unsigned long long>(total_dropped));
}

TEST(mp_delivery, a_sigkilled_consumer_resumes_where_it_stopped_and_dedupes_to_exactly_once) {
  constexpr std::uint64_t k_count = 60'000;
  constexpr std::uint32_t k_lane_batch = 16;
  const auto kills = static_cast<int>(env_number("RINGCAST_CONSUMER_KILLS", 8));
  const auto seed = env_number("RINGCAST_SEED", 20240611);
  std::mt19937_64 rng(seed);
  scoped_segment_name n("mp-consumer-kill");
  scratch_dir dir;
  const std::string out = dir.file("out.bin");
  const std::string redelivered_path = dir.file("out.bin.redelivered");
  const auto seg = shm::segment::open_or_create(small_options(n.name, 8, 1u << 18));
  const std::vector<std::string> copts{"--lane-batch", std::to_string(k_lane_batch), "--batch", "256"};
  std::string line;
  auto consumer = spawn_consumer(n.name, out, copts, &line);
  ASSERT_TRUE(line.starts_with("attached")) << line;

  // ~6 s of load at 10 k events/s per producer; the kills happen meanwhile.
  std::vector<child_process> producers;
  for (std::uint32_t id = 1; id <= 4; ++id)
    producers.push_back(spawn_producer(n.name, {.id = id, .count = k_count, .rate = 10'000, .wait_ms = 30'000}));

  auto output_records = [&] {
    struct stat st{};
    return ::stat(out.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) / sizeof(delivery_record) : 0;
  };
  auto backlog_bytes = [&] {
    std::uint64_t bytes = 0;
    for (std::uint32_t i = 0; i < seg->lane_count(); ++i)
      bytes += seg->lane(i).producer.tail.load() - seg->lane(i).consumer.head.load();
    return bytes;
  };
  int killed_under_load = 0;
  for (int k = 0; k < kills; ++k) {
    // Kill it while it is handing out records: once it has made progress,
    // stop it until a backlog of some 150 records builds up, let it go on,
    // and kill it at a random moment of the next half millisecond.
    const std::uint64_t before = output_records();
    ASSERT_TRUE(wait_until([&] { return output_records() >= before + k_lane_batch; }, 30s))
        << "the consumer made no progress after restart " << k;
    consumer.signal(SIGSTOP);
    const bool backlog = wait_until([&] { return backlog_bytes() >= (32u << 10); }, 30s);
    consumer.signal(SIGCONT);
    ASSERT_TRUE(backlog) << "the producers stopped publishing";
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
    killed_under_load += output_records() < 4 * k_count ? 1 : 0;
    const int st = consumer.kill_and_reap();
    ASSERT_TRUE(killed_by(st, SIGKILL)) << describe_status(st);
    consumer = spawn_consumer(n.name, out, copts, &line);
    ASSERT_TRUE(line.starts_with("attached")) << "restart " << k << ": the dead consumer's claim must be taken over: "
                                              << line;
  }
  for (auto& p : producers) expect_producer_done(p, 120s);
  ASSERT_TRUE(wait_until([&] { return all_lanes_drained(*seg); }, 30s)) << "the consumer stopped draining";
  stop_consumer(consumer);

  const auto recs = read_deliveries(out);
  const auto report = check_deliveries(recs);
  EXPECT_EQ(report.violations, 0u) << report.describe();
  EXPECT_EQ(report.records, 4 * k_count);
  EXPECT_EQ(report.gaps, 0u);
  EXPECT_EQ(report.lost, 0u) << "a consumer crash must not look like lost records";
  for (const auto& [id, run] : report.runs) {
    EXPECT_EQ(run.delivered, k_count) << "producer " << id;
    EXPECT_EQ(run.last, k_count - 1) << "producer " << id;
  }
  // At-least-once, bounded: only the lane batch in progress at the kill is
  // handed out again, and it is the same records.
  const auto redelivered = read_deliveries(redelivered_path);
  EXPECT_LE(redelivered.size(), static_cast<std::size_t>(kills) * k_lane_batch);
  std::set<std::pair<std::uint32_t, std::uint64_t>> delivered_keys;
  for (const auto& r : recs) delivered_keys.emplace(r.lane, r.seq);
  for (const auto& r : redelivered) {
    EXPECT_EQ(r.flags & k_content_differs, 0) << "lane " << r.lane << " seq " << r.seq << " came back different";
    EXPECT_TRUE(delivered_keys.contains({r.lane, r.seq})) << "lane " << r.lane << " seq " << r.seq;
  }
  EXPECT_GT(killed_under_load, 0) << "no kill landed while producers were publishing";
  RecordProperty("consumer_kills", kills);
  RecordProperty("redelivered", static_cast<int>(redelivered.size()));
  std::printf("consumer kills: %d (%d under load), records handed out again: %zu (seed %llu)\n", kills,
              killed_under_load, redelivered.size(), static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace ringcast::test
