// What a simulator run did, for people (text) and for tests (JSON).
//
// JSON (--json-summary):
//   {"name","segment","seed","threads","users":[ids],"symbols":[names],"lanes":[n],
//    "initialBalance","rate","meanRate","durationS","elapsedS",
//    "offered","published","dropped","refused","publishedRate",
//    "types":{"<wire name>":{"published","dropped","refused"}, ...every type}}
// rate is --rate; meanRate what the bursts make of it; publishedRate is
// published / elapsedS.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "sim_emitter.hpp"

namespace ringcast::sim {

struct sim_summary {
  std::string name;
  std::string segment;
  std::uint64_t seed = 0;
  std::uint32_t threads = 1;
  std::vector<std::string> users{};
  std::vector<std::string> symbols{};
  std::vector<std::uint32_t> lanes{};
  double initial_balance = 0;
  double rate = 0;
  double mean_rate = 0;
  double duration_s = 0;
  double elapsed_s = 0;
  type_counts counts{};

  [[nodiscard]] std::uint64_t published() const noexcept { return type_counts::sum(counts.published); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return type_counts::sum(counts.dropped); }
  [[nodiscard]] std::uint64_t refused() const noexcept { return type_counts::sum(counts.refused); }
  [[nodiscard]] std::uint64_t offered() const noexcept { return published() + dropped() + refused(); }
};

[[nodiscard]] std::string summary_text(const sim_summary& s);
[[nodiscard]] boost::json::object summary_json(const sim_summary& s);

}  // namespace ringcast::sim
