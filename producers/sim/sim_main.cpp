// ringcast-sim: simulated users trading futures, published into a ringcast
// segment at a steady rate (with optional bursts) until --duration is over
// or SIGINT/SIGTERM; then a summary. `ringcast-sim --help` lists the knobs;
// README.md in this folder says what is simulated and how.
#include <signal.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ringcast/shm/publisher.hpp"
#include "sim_options.hpp"
#include "sim_schedule.hpp"
#include "sim_shard.hpp"
#include "sim_summary.hpp"

namespace shm = ringcast::shm;
namespace sim = ringcast::sim;
using steady = std::chrono::steady_clock;

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
extern "C" void on_signal(int) { g_stop.store(true, std::memory_order_relaxed); }

double seconds_since(steady::time_point start) { return std::chrono::duration<double>(steady::now() - start).count(); }

// One thread's loop: every millisecond, catch up with what the schedule says
// should be out by now (the clock decides, not how long publishing took),
// then sleep. Each event's time is when it was due. Returns when it stopped
// (s after the start).
double run_shard(sim::sim_shard& shard, const sim::sim_schedule& schedule, steady::time_point start,
                 std::int64_t start_us, double duration) {
  const double end = duration > 0 ? std::floor(schedule.due(duration)) : std::numeric_limits<double>::infinity();
  auto offered = static_cast<double>(shard.offered());
  while (!g_stop.load(std::memory_order_relaxed)) {
    const double due = std::min(std::floor(schedule.due(seconds_since(start))), end);
    while (offered < due && !g_stop.load(std::memory_order_relaxed)) {
      const auto now_us = start_us + std::llround(schedule.time_of(offered) * 1e6);
      offered += static_cast<double>(shard.step(now_us));
    }
    if (offered >= end) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return seconds_since(start);
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int run(sim::sim_options o) {
  const std::string segment_name = shm::resolve_segment_name(o.segment);
  if (o.name.empty()) o.name = "sim" + std::to_string(::getpid());
  const std::uint64_t seed = o.seed ? *o.seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();

  // Open the summary file now: a bad path is reported before the run, not after.
  std::ofstream json_file;
  if (!o.json_summary.empty()) {
    json_file.open(o.json_summary, std::ios::out | std::ios::trunc);
    if (!json_file) {
      std::fprintf(stderr, "ringcast-sim: cannot write --json-summary '%s': %s\n", o.json_summary.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  auto seg = shm::segment::open_or_create({.name = segment_name});
  sim::sim_market market(o.symbols, o.volatility_pct);
  sim::sim_summary summary{.name = o.name,
                           .segment = segment_name,
                           .seed = seed,
                           .threads = o.threads,
                           .initial_balance = o.trader.initial_balance,
                           .rate = o.rate,
                           .duration_s = o.duration};
  std::vector<sim::sim_shard> shards;
  shards.reserve(o.threads);
  for (std::uint32_t t = 0; t < o.threads; ++t) {
    sim::shard_config config{.index = t, .count = o.threads, .name = o.name, .seed = seed, .trader = o.trader};
    for (std::uint32_t u = t; u < o.users; u += o.threads) config.users.push_back(sim::user_id(o, u));
    shards.emplace_back(config, market, shm::publisher(seg));  // claims a lane, or throws segment_error
    summary.lanes.push_back(shards.back().lane());
  }
  for (std::uint32_t u = 0; u < o.users; ++u) summary.users.push_back(sim::user_id(o, u));
  for (std::uint32_t s = 0; s < market.size(); ++s) summary.symbols.emplace_back(market.spec(s).name);

  const sim::sim_schedule schedule(o.rate / o.threads, o.burst);
  summary.mean_rate = schedule.mean_rate() * o.threads;
  std::printf("ringcast-sim '%s': segment '%s' (%s), %u users, %u symbols, %.0f events/s on %u thread(s), seed %llu\n",
              o.name.c_str(), segment_name.c_str(), seg->created() ? "created" : "opened", o.users, o.symbols, o.rate,
              o.threads, static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  const auto start = steady::now();
  const std::int64_t start_us = wall_us();
  std::vector<double> stopped_at(o.threads, 0);
  {
    std::vector<std::jthread> threads;
    for (std::uint32_t t = 0; t < o.threads; ++t)
      threads.emplace_back([&, t] { stopped_at[t] = run_shard(shards[t], schedule, start, start_us, o.duration); });
  }  // joined
  for (std::uint32_t t = 0; t < o.threads; ++t) {
    summary.counts += shards[t].counts();
    summary.elapsed_s = std::max(summary.elapsed_s, stopped_at[t]);
  }

  std::fputs(sim::summary_text(summary).c_str(), stdout);
  std::fflush(stdout);
  if (json_file.is_open()) {
    json_file << boost::json::serialize(sim::summary_json(summary)) << '\n';
    json_file.close();
    if (!json_file) {
      std::fprintf(stderr, "ringcast-sim: writing --json-summary '%s' failed\n", o.json_summary.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const sim::parse_outcome parsed = sim::parse_sim_options(args);
  if (parsed.help) {
    std::fputs(sim::sim_usage().c_str(), stdout);
    return 0;
  }
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "ringcast-sim: %s (see ringcast-sim --help)\n", parsed.error.c_str());
    return 2;
  }
  try {
    return run(parsed.options);
  } catch (const shm::segment_error& e) {
    std::fprintf(stderr, "ringcast-sim: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringcast-sim: %s\n", e.what());
  }
  return 1;
}
