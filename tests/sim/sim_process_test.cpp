// ringcast-sim as it runs: real processes on one real segment, with a
// consumer in this process draining while they publish.
//  - two simulators side by side each keep their --rate, and the consumer
//    sees exactly what they say they published, per type and per lane, with
//    every event type, and accounts that agree with the fills;
//  - SIGTERM stops a simulator with --duration 0 cleanly, summary and all.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "ringcast/shm/consumer.hpp"
#include "sim_stream_check.hpp"
#include "test_segment.hpp"

namespace ringcast::test {
namespace {

struct sim_run {
  std::string name;
  double rate = 0;
  std::string summary_path;
  child_process process;
  boost::json::object summary;
};

sim_run spawn_sim(const std::string& segment, scratch_dir& dir, const std::string& name, double rate,
                  std::vector<std::string> extra) {
  sim_run run{.name = name, .rate = rate, .summary_path = dir.file(name + ".json"), .process = {}, .summary = {}};
  std::vector<std::string> argv{
      RINGCAST_SIM_EXE, "--segment",     segment, "--name", name, "--rate", std::to_string(static_cast<long>(rate)),
      "--json-summary", run.summary_path};
  argv.insert(argv.end(), extra.begin(), extra.end());
  run.process = child_process::spawn(argv);
  return run;
}

boost::json::object read_summary(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return boost::json::parse(text.str()).as_object();
}

std::uint64_t count_of(const boost::json::object& o, std::string_view key) {
  return o.at(key).to_number<std::uint64_t>();
}

// Drains until every simulator has exited and nothing is left, or the deadline.
void drain_until_exited(shm::consumer& consumer, const std::vector<sim_run*>& runs, sim_stream_check& check,
                        std::chrono::seconds timeout) {
  const auto deadline = steady::now() + timeout;
  for (;;) {
    if (consumer.poll([&](const shm::record_view& r) { check.on_record(r); }) > 0) continue;
    bool all_exited = true;
    for (auto* r : runs) all_exited &= r->process.wait(0ms).has_value();
    if (all_exited && !consumer.has_data()) return;
    ASSERT_LT(steady::now(), deadline) << "simulators still running or records left after " << timeout.count() << " s";
    consumer.wait(10ms);
  }
}

void expect_clean_exit(sim_run& run) {
  ASSERT_TRUE(run.process.wait(0ms).has_value());
  std::string out;
  while (auto line = run.process.read_line(1s)) out += *line + "\n";
  ASSERT_TRUE(exited_with(*run.process.wait(0ms), 0))
      << run.name << ": " << describe_status(*run.process.wait(0ms)) << "\n"
      << out;
  EXPECT_NE(out.find("offered"), std::string::npos) << run.name << " printed no summary:\n" << out;
  run.summary = read_summary(run.summary_path);
}

TEST(sim_process, two_simulators_keep_their_rate_and_the_consumer_sees_all_they_published) {
  scoped_segment_name n("sim-mp");
  scratch_dir dir;
  const auto seg = shm::segment::open_or_create(small_options(n.name, 8, 1u << 20));
  shm::consumer consumer(seg);
  // Modest rates: two simulators and this consumer share two cores with
  // the rest of the build, and nothing should drop. Lively prices (2 % per
  // sqrt(s), 20x the default) close chains fast: 5 s hold hundreds of fills.
  sim_run a =
      spawn_sim(n.name, dir, "simA", 6'000,
                {"--duration", "5", "--users", "4", "--user-prefix", "alice", "--seed", "11", "--volatility", "2"});
  sim_run b = spawn_sim(n.name, dir, "simB", 8'000,
                        {"--duration", "5", "--users", "6", "--user-prefix", "bob", "--seed", "12", "--threads", "2",
                         "--volatility", "2"});
  sim_stream_check check(10'000);
  drain_until_exited(consumer, {&a, &b}, check, 25s);
  expect_clean_exit(a);
  expect_clean_exit(b);
  ASSERT_FALSE(HasFatalFailure());

  std::uint64_t published = 0;
  std::uint64_t dropped = 0;
  std::set<std::uint32_t> all_lanes;
  for (sim_run* run : {&a, &b}) {
    const auto& s = run->summary;
    const double rate = s.at("publishedRate").to_number<double>();
    EXPECT_NEAR(rate, run->rate, run->rate * 0.10) << run->name << " published at " << rate << "/s";
    EXPECT_EQ(count_of(s, "refused"), 0u) << run->name;
    EXPECT_EQ(count_of(s, "dropped"), 0u) << run->name << " dropped events at a modest rate";
    published += count_of(s, "published");
    dropped += count_of(s, "dropped");
    // The records that came from this simulator's lanes are the ones it counted, type by type.
    const auto& types = s.at("types").as_object();
    sim_stream_check::counts from_lanes{};
    for (const auto& lane : s.at("lanes").as_array()) {
      const auto l = lane.to_number<std::uint32_t>();
      EXPECT_TRUE(all_lanes.insert(l).second) << "lane " << l << " used by both simulators";
      for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t) from_lanes[t] += check.per_lane[l][t];
    }
    for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t) {
      const auto wire = shm::wire_name(static_cast<shm::event_type>(t));
      EXPECT_EQ(from_lanes[t], count_of(types.at(wire).as_object(), "published")) << run->name << " " << wire;
    }
  }
  EXPECT_EQ(all_lanes.size(), 3u) << "simA one thread, simB two";
  EXPECT_EQ(check.records, published);
  EXPECT_EQ(check.gaps, dropped) << "every drop is reported by a gap";
  EXPECT_EQ(check.lost, 0u);
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    EXPECT_GT(check.per_type[t], 0u) << shm::wire_name(static_cast<shm::event_type>(t)) << " never came out";

  std::printf(
      "consumed %llu records (%llu global); %llu trades; checked %llu PNL, %llu BALANCE, %llu POSITION updates\n",
      static_cast<unsigned long long>(check.records), static_cast<unsigned long long>(check.global),
      static_cast<unsigned long long>(check.trades), static_cast<unsigned long long>(check.pnl_checked),
      static_cast<unsigned long long>(check.balance_checked), static_cast<unsigned long long>(check.position_checked));
  EXPECT_EQ(check.mismatches(), 0u) << (check.failures.empty() ? "" : check.failures.front());
  EXPECT_GT(check.trades, 300u);
  EXPECT_GT(check.pnl_checked, 300u);
  EXPECT_GT(check.position_checked, 300u);
  EXPECT_GT(check.balance_checked, 300u);
  EXPECT_EQ(check.skipped, 0u);
}

TEST(sim_process, sigterm_stops_an_endless_run_with_its_summary_and_exit_0) {
  scoped_segment_name n("sim-term");
  scratch_dir dir;
  const auto seg = shm::segment::open_or_create(small_options(n.name, 4, 1u << 20));
  shm::consumer consumer(seg);
  sim_run run = spawn_sim(n.name, dir, "simT", 5'000, {"--duration", "0", "--seed", "5"});
  sim_stream_check check(10'000);
  auto drain = [&] { consumer.poll([&](const shm::record_view& r) { check.on_record(r); }); };
  ASSERT_TRUE(wait_until(
      [&] {
        drain();
        return check.records >= 2'000;
      },
      10s))
      << "no events from the simulator";
  run.process.signal(SIGTERM);
  drain_until_exited(consumer, {&run}, check, 10s);
  expect_clean_exit(run);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_EQ(check.records, count_of(run.summary, "published"));
  EXPECT_EQ(check.mismatches(), 0u) << (check.failures.empty() ? "" : check.failures.front());
}

TEST(sim_process, help_exits_0_and_bad_input_exits_2) {
  auto help = child_process::spawn({RINGCAST_SIM_EXE, "--help"});
  const auto first = help.read_line(10s);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->starts_with("usage: ringcast-sim")) << *first;
  const auto help_status = help.wait(10s);
  ASSERT_TRUE(help_status.has_value());
  EXPECT_TRUE(exited_with(*help_status, 0)) << describe_status(*help_status);

  auto bad = child_process::spawn({RINGCAST_SIM_EXE, "--rate", "fast"});
  const auto bad_status = bad.wait(10s);
  ASSERT_TRUE(bad_status.has_value());
  EXPECT_TRUE(exited_with(*bad_status, 2)) << describe_status(*bad_status);
}

}  // namespace
}  // namespace ringcast::test
