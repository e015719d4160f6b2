// ringcast-bench: the whole path, producer -> server -> WebSocket clients,
// at a stated offered load, against ringcast-bridge and, in the same run,
// against a broadcast server on Node's ws. See --help and docs/BENCHMARKS.md.
#include <cstdio>
#include <exception>
#include <vector>

#include "fault_producer.hpp"
#include "options.hpp"
#include "report.hpp"
#include "scenarios.hpp"

int main(int argc, char** argv) {
  using namespace ringcast::bench;
  if (is_fault_producer(argc, argv)) return run_fault_producer(argc, argv);
  const auto runs = parse_options(argc, argv);
  std::vector<run_result> all;
  int rc = 0;
  for (const auto& o : runs) {
    try {
      auto results = run_scenario(o);
      print_scenario(o, results);
      std::fflush(stdout);
      for (auto& r : results) {
        // capacity steps past the knee: loss is what they measure.
        // faults: their own count, apart from what the killed bridge held.
        if ((r.lost() > 0 && !r.fault && r.scenario != "capacity") || (r.fault && r.fault->lost > 0)) rc = 1;
        all.push_back(std::move(r));
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ringcast-bench: %s: %s\n", o.scenario.c_str(), e.what());
      rc = 1;
    }
  }
  print_ratios(all);
  if (!runs.empty() && !runs.front().json_path.empty()) write_json(runs.front().json_path, all);
  if (!runs.empty() && !runs.front().plot_dir.empty() && !write_plots(runs.front().plot_dir, all)) rc = 1;
  return rc;
}
