// The scenarios: each starts its servers, drives them and returns one
// result per server and phase.
#pragma once

#include <vector>

#include "measure.hpp"
#include "options.hpp"

namespace ringcast::bench {

[[nodiscard]] std::vector<run_result> run_scenario(const options& o);

}  // namespace ringcast::bench
