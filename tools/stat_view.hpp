// ringcast-stat's two renderings of a report: a text block for people (the
// live view, top-like) and a JSON object for scripts, with stable camelCase
// keys (listed in to_json's comment in stat_view.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <limits>
#include <string>

#include "stat_sample.hpp"

namespace ringcast::tools::stat {

struct text_options {
  // Lane rows to show at most; the rest are summed up in one line (a
  // terminal's height, so that the header never scrolls away).
  std::size_t max_lane_rows = std::numeric_limits<std::size_t>::max();
  std::string note;  // an extra line under the header (e.g. the segment was removed), if not empty
};

// Lines in a text block before the first lane row (with a note: one more).
inline constexpr std::size_t k_text_header_lines = 5;

[[nodiscard]] std::string render_text(const stat_report& r, const text_options& options = {});

[[nodiscard]] boost::json::object to_json(const stat_report& r);

}  // namespace ringcast::tools::stat
