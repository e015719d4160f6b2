// What a bench run prints and writes: a short table per scenario, the
// ratio table against the ws baseline, --json, and gnuplot PNGs.
#pragma once

#include <string>
#include <vector>

#include "measure.hpp"
#include "options.hpp"

namespace ringcast::bench {

void print_scenario(const options& o, const std::vector<run_result>& runs);
// The side-by-side ratios of every scenario run against both servers.
void print_ratios(const std::vector<run_result>& all);
void write_json(const std::string& path, const std::vector<run_result>& all);
// <dir>/<scenario>-latency.png and <scenario>-timeline.png; false (and a
// message) when gnuplot is missing or fails.
bool write_plots(const std::string& dir, const std::vector<run_result>& all);

}  // namespace ringcast::bench
