// ringcast-bench-shm: the shm transport's micro-benchmarks and their
// baselines, in one run so that figures compare side by side.
//
//   ringcast-bench-shm [--pin] [Google Benchmark flags]
//
//   --pin   producer on CPU 0, consumer (thread or process) on CPU 1
//
// After the benchmarks, a summary: medians of the repetitions, ringcast /
// baseline ratios, latency percentiles, publish cost. docs/BENCHMARKS.md
// says what each figure measures.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benches.hpp"
#include "support.hpp"

namespace ringcast::bench {
namespace {

// The console reporter, plus a copy of each benchmark's median (or its only
// run) for the summary.
class summary_reporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) {
        failed_[r.run_name.function_name] = r.error_message;
        continue;
      }
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median")
        medians_[r.run_name.function_name] = r;
      else if (r.run_type == Run::RT_Aggregate)
        others_[r.run_name.function_name + "#" + r.aggregate_name] = r;
      else if (r.run_type == Run::RT_Iteration)
        single_.insert_or_assign(r.run_name.function_name, r);
    }
  }

  // `name` is a benchmark's name, or "<name>#<aggregate>" for another statistic.
  [[nodiscard]] const Run* find(const std::string& name) const {
    if (auto it = others_.find(name); it != others_.end()) return &it->second;
    if (auto it = medians_.find(name); it != medians_.end()) return &it->second;
    if (auto it = single_.find(name); it != single_.end()) return &it->second;
    return nullptr;
  }
  [[nodiscard]] std::optional<double> counter(const std::string& name, const std::string& key) const {
    const Run* r = find(name);
    if (r == nullptr) return std::nullopt;
    auto it = r->counters.find(key);
    if (it == r->counters.end()) return std::nullopt;
    return it->second.value;
  }
  [[nodiscard]] std::optional<double> ns_per_iteration(const std::string& name) const {
    const Run* r = find(name);
    if (r == nullptr) return std::nullopt;
    double ns_per_unit = 1.0;
    switch (r->time_unit) {
      case benchmark::kNanosecond: ns_per_unit = 1.0; break;
      case benchmark::kMicrosecond: ns_per_unit = 1e3; break;
      case benchmark::kMillisecond: ns_per_unit = 1e6; break;
      case benchmark::kSecond: ns_per_unit = 1e9; break;
    }
    return r->GetAdjustedRealTime() * ns_per_unit;
  }
  [[nodiscard]] const std::map<std::string, std::string>& failed() const { return failed_; }

 private:
  std::map<std::string, Run> medians_;
  std::map<std::string, Run> single_;  // last repetition, when there are no aggregates
  std::map<std::string, Run> others_;  // "<name>#<aggregate>": min, max, mean, ...
  std::map<std::string, std::string> failed_;
};

std::string cell(std::optional<double> v, const char* format) {
  if (!v) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}

std::string load_average() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "n/a";
  char buf[128] = {};
  const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  std::string s = ok ? buf : "n/a";
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

std::optional<double> scaled(std::optional<double> v, double by) {
  if (!v) return std::nullopt;
  return *v / by;
}

void print_summary(const summary_reporter& rep) {
  std::printf("\n==== ringcast-bench-shm summary: medians of the repetitions%s ====\n",
              settings().pin ? ", pinned (producer CPU 0, consumer CPU 1)" : ", not pinned");

  std::printf("\nCache line round trip CPU 0 -> CPU 1 -> CPU 0 over the run (ns): min %s, median %s, max %s\n"
              "  (a max far above the median: the host moved the vCPUs during the run; cross-core figures vary with it)\n",
              cell(rep.ns_per_iteration("machine/cacheline_round_trip#min"), "%.0f").c_str(),
              cell(rep.ns_per_iteration("machine/cacheline_round_trip"), "%.0f").c_str(),
              cell(rep.ns_per_iteration("machine/cacheline_round_trip#max"), "%.0f").c_str());

  std::printf("\nThroughput, 1 producer -> 1 consumer (events delivered)\n");
  std::printf("  %-40s %12s %10s %12s %10s %12s\n", "", "64 B Mev/s", "64 B MB/s", "512 B Mev/s", "512 B MB/s",
              "preempted");
  struct row {
    const char* label;
    const char* key;
  };
  const row rows[] = {
      {"threads:   ringcast", "throughput/threads/ringcast/"},
      {"threads:   moodycamel ReaderWriterQueue", "throughput/threads/rwqueue/"},
      {"threads:   moodycamel ConcurrentQueue", "throughput/threads/concurrentqueue/"},
      {"processes: ringcast", "throughput/processes/ringcast/"},
      {"processes: Boost.Interprocess mq", "throughput/processes/boost_mq/"},
  };
  const auto items = [&](const std::string& key, std::size_t size) {
    return rep.counter(key + std::to_string(size) + "B", "items_per_second");
  };
  const auto bytes = [&](const std::string& key, std::size_t size) {
    return rep.counter(key + std::to_string(size) + "B", "bytes_per_second");
  };
  const auto preempted = [&](const std::string& key, std::size_t size) {
    return cell(rep.counter(key + std::to_string(size) + "B", "preempted"), "%.0f");
  };
  for (const row& r : rows)
    std::printf("  %-40s %12s %10s %12s %10s %12s\n", r.label, cell(scaled(items(r.key, 64), 1e6), "%.2f").c_str(),
                cell(scaled(bytes(r.key, 64), 1e6), "%.0f").c_str(), cell(scaled(items(r.key, 512), 1e6), "%.2f").c_str(),
                cell(scaled(bytes(r.key, 512), 1e6), "%.0f").c_str(),
                (preempted(r.key, 64) + "/" + preempted(r.key, 512)).c_str());

  std::printf("\nRatios, ringcast / baseline (events/s; > 1: ringcast faster)\n");
  std::printf("  %-55s %8s %8s\n", "", "64 B", "512 B");
  const row ratios[] = {
      {"threads:   ringcast / moodycamel ReaderWriterQueue", "throughput/threads/rwqueue/"},
      {"threads:   ringcast / moodycamel ConcurrentQueue", "throughput/threads/concurrentqueue/"},
      {"processes: ringcast / Boost.Interprocess message_queue", "throughput/processes/boost_mq/"},
  };
  for (const row& r : ratios) {
    const std::string mine = std::string(r.key).starts_with("throughput/threads") ? "throughput/threads/ringcast/"
                                                                                 : "throughput/processes/ringcast/";
    std::printf("  %-55s %8s %8s\n", r.label, cell(ratio(items(mine, 64), items(r.key, 64)), "%.2fx").c_str(),
                cell(ratio(items(mine, 512), items(r.key, 512)), "%.2fx").c_str());
  }

  std::printf("\nOne-way latency, 64 B events, due time -> consumer handler (ns); 'send': from the actual publish\n"
              "call instead (diagnosis only: differs when the producer ran late)\n");
  std::printf("  %-30s %8s %9s %9s %9s | %8s %9s %9s | %8s %9s\n", "", "p50", "p99", "p99.9", "max", "send p50",
              "send p99", "send p99.9", "slept/ev", "preempted");
  for (const char* w : {"threads", "processes"}) {
    for (const char* mode : {"spinning", "asleep"}) {
      const std::string key = std::string("latency/") + w + "/" + mode + "/64B";
      const auto c = [&](const char* counter, const char* format) { return cell(rep.counter(key, counter), format); };
      std::printf("  %-30s %8s %9s %9s %9s | %8s %9s %9s | %8s %9s\n", (std::string(w) + ", consumer " + mode).c_str(),
                  c("p50_ns", "%.0f").c_str(), c("p99_ns", "%.0f").c_str(), c("p999_ns", "%.0f").c_str(),
                  c("max_ns", "%.0f").c_str(), c("send_p50_ns", "%.0f").c_str(), c("send_p99_ns", "%.0f").c_str(),
                  c("send_p999_ns", "%.0f").c_str(), c("slept_per_event", "%.2f").c_str(), c("preempted", "%.0f").c_str());
    }
  }

  std::printf("\nOne-way latency across processes, consumer busy-polling: ringcast vs iceoryx 2.0 (ns);\n"
              "target: ringcast p50 <= 1/5 of iceoryx's\n");
  std::printf("  %-16s %8s %9s %9s %9s %9s\n", "", "p50", "p99", "p99.9", "max", "preempted");
  std::string p50_ratios;
  for (const std::size_t size : k_payload_sizes) {
    const std::string ring = "latency/processes/spinning/" + std::to_string(size) + "B";
    const std::string iox = "latency/processes/iceoryx/" + std::to_string(size) + "B";
    for (const auto& [label, key] : {std::pair{"ringcast", ring}, std::pair{"iceoryx", iox}}) {
      const auto c = [&](const char* counter) { return cell(rep.counter(key, counter), "%.0f"); };
      std::printf("  %-8s %5zu B  %8s %9s %9s %9s %9s\n", label, size, c("p50_ns").c_str(), c("p99_ns").c_str(),
                  c("p999_ns").c_str(), c("max_ns").c_str(), c("preempted").c_str());
    }
    p50_ratios += (p50_ratios.empty() ? "" : ", ") + std::to_string(size) + " B " +
                  cell(ratio(rep.counter(ring, "p50_ns"), rep.counter(iox, "p50_ns")), "%.2f");
  }
  std::printf("  p50 ringcast / iceoryx: %s (target <= 0.20)\n", p50_ratios.c_str());

  std::printf("\nPublish cost, publisher::publish(system_log), ns per call (drop ratio)\n");
  std::printf("  %-32s %18s %18s\n", "", "64 B", "512 B");
  for (const char* mode : {"room_no_consumer", "consumer_draining", "ring_full_drops"}) {
    std::string cells[2];
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string key = std::string("publish_cost/") + mode + "/" + std::to_string(k_payload_sizes[i]) + "B";
      cells[i] = cell(rep.ns_per_iteration(key), "%.1f") + " (" + cell(rep.counter(key, "drop_ratio"), "%.3f") + ")";
    }
    std::printf("  %-32s %18s %18s\n", mode, cells[0].c_str(), cells[1].c_str());
  }

  std::printf("\npreempted: involuntary context switches of producer + consumer during a run (median);\n"
              "non-zero means other work took their CPUs. Load average now: %s\n",
              load_average().c_str());
  for (const auto& [name, why] : rep.failed()) std::printf("\nFAILED %s: %s\n", name.c_str(), why.c_str());
  std::printf("\n");
}

}  // namespace
}  // namespace ringcast::bench

int main(int argc, char** argv) {
  using namespace ringcast::bench;
  // Our own flag first; Google Benchmark refuses flags it does not know.
  // Random interleaving on by default (a later flag on the command line
  // overrides it): repetitions of ringcast and of its baselines alternate,
  // so a slow spell of the machine does not land on one of them only.
  static char interleave[] = "--benchmark_enable_random_interleaving=true";
  std::vector<char*> args{argv[0], interleave};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--pin") == 0)
      settings().pin = true;
    else
      args.push_back(argv[i]);
  }
  argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  argv = args.data();

  install_cleanup_handlers();
  if (const int stale = remove_stale_shm_objects(); stale > 0)
    std::fprintf(stderr, "ringcast-bench-shm: removed %d shm object(s) left by an earlier, killed run\n", stale);

  register_machine_benchmark();
  register_ringcast_benchmarks();
  register_baseline_benchmarks();
  register_latency_benchmarks();
  register_iceoryx_benchmarks();
  register_publish_cost_benchmarks();

  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (settings().pin && std::thread::hardware_concurrency() < 2)
    std::fprintf(stderr, "ringcast-bench-shm: --pin needs 2 CPUs, this machine has %u\n",
                 std::thread::hardware_concurrency());
  pin_to(k_producer_cpu);  // the benchmarks run on this thread: it is the producer

  summary_reporter reporter(::isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                    : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return reporter.failed().empty() ? 0 : 1;
}
