// What the ringcast-stat tests share: the binary's path, running it for one
// JSON report, and the byte size of the records the tests publish.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/schema.hpp"
#include "tool_process.hpp"

namespace ringcast::test {

inline const std::string k_stat_bin = RINGCAST_STAT_BIN;

// Bytes a pnl_update record for `user` occupies in a ring (header, padded
// user id, payload, aligned), as layout.hpp draws it.
inline std::uint64_t pnl_record_bytes(std::string_view user) {
  return shm::align_up(shm::record_payload_offset(user.size()) + sizeof(shm::pnl_update), shm::k_record_alignment);
}

// Runs `ringcast-stat --segment NAME --once --json --interval S` and parses
// its one JSON object; fails the test (empty object) on anything else.
inline boost::json::object stat_json(const std::string& segment, const std::string& interval = "0.2") {
  const tool_result r = run_tool({k_stat_bin, "--segment", segment, "--once", "--json", "--interval", interval});
  EXPECT_TRUE(r.exited_with(0)) << "status " << r.status << " stderr: " << r.err;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line: " << r.out;
  boost::json::error_code ec;
  auto v = boost::json::parse(r.out, ec);
  EXPECT_FALSE(ec) << ec.message() << " in: " << r.out;
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

// The lanes[] entry whose `key` is `value` (lane index, ownerPid), or null.
inline const boost::json::object* lane_where(const boost::json::object& report, std::string_view key,
                                             std::uint64_t value) {
  for (const auto& l : report.at("lanes").as_array())
    if (l.as_object().at(key).is_number() && l.as_object().at(key).to_number<std::uint64_t>() == value)
      return &l.as_object();
  return nullptr;
}

// A counter, pid or size; throws if the report has it negative.
inline std::uint64_t num(const boost::json::object& o, std::string_view key) {
  return o.at(key).to_number<std::uint64_t>();
}
inline double real(const boost::json::object& o, std::string_view key) { return o.at(key).to_number<double>(); }

}  // namespace ringcast::test
