#include "sim_summary.hpp"

#include <fmt/format.h>
#include <boost/json/array.hpp>

#include "ringcast/shm/schema.hpp"

namespace ringcast::sim {
namespace {

double per_second(std::uint64_t n, double seconds) { return seconds > 0 ? static_cast<double>(n) / seconds : 0; }

}  // namespace

std::string summary_text(const sim_summary& s) {
  std::string out = fmt::format(
      "ringcast-sim '{}': {:.2f} s on segment '{}', seed {}\n"
      "  offered {} events ({:.0f}/s; target {:.0f}/s{}): published {}, dropped {} (ring full), refused {}\n"
      "  {:<28} {:>10} {:>9} {:>9}\n",
      s.name, s.elapsed_s, s.segment, s.seed, s.offered(), per_second(s.offered(), s.elapsed_s), s.mean_rate,
      s.mean_rate != s.rate ? fmt::format(" with bursts over {:.0f}/s", s.rate) : "", s.published(), s.dropped(),
      s.refused(), "type", "published", "dropped", "refused");
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    out += fmt::format("  {:<28} {:>10} {:>9} {:>9}\n", shm::wire_name(static_cast<shm::event_type>(t)),
                       s.counts.published[t], s.counts.dropped[t], s.counts.refused[t]);
  return out;
}

boost::json::object summary_json(const sim_summary& s) {
  boost::json::object types;
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    types[shm::wire_name(static_cast<shm::event_type>(t))] = {
        {"published", s.counts.published[t]}, {"dropped", s.counts.dropped[t]}, {"refused", s.counts.refused[t]}};
  boost::json::array users(s.users.begin(), s.users.end());
  boost::json::array symbols(s.symbols.begin(), s.symbols.end());
  boost::json::array lanes(s.lanes.begin(), s.lanes.end());
  return {{"name", s.name},
          {"segment", s.segment},
          {"seed", s.seed},
          {"threads", s.threads},
          {"users", std::move(users)},
          {"symbols", std::move(symbols)},
          {"lanes", std::move(lanes)},
          {"initialBalance", s.initial_balance},
          {"rate", s.rate},
          {"meanRate", s.mean_rate},
          {"durationS", s.duration_s},
          {"elapsedS", s.elapsed_s},
          {"offered", s.offered()},
          {"published", s.published()},
          {"dropped", s.dropped()},
          {"refused", s.refused()},
          {"publishedRate", per_second(s.published(), s.elapsed_s)},
          {"types", std::move(types)}};
}

}  // namespace ringcast::sim
