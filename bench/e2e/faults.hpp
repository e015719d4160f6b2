// The faults scenario (faults.cpp): producers, then the bridge, SIGKILLed under load.
#pragma once

#include <vector>

#include "measure.hpp"
#include "options.hpp"

namespace ringcast::bench {

[[nodiscard]] std::vector<run_result> run_faults(const options& o);

}  // namespace ringcast::bench
