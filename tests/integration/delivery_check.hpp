// Reads a test consumer's output and checks what must hold whatever the
// test did to the processes:
//  - every payload checksum is intact;
//  - each (lane, seq) appears once;
//  - per lane, seqs rise in output order and every missing seq is accounted
//    for by the next record: seq - previous - 1 == gap + lost;
//  - per producer run, counters rise in output order, and every counter
//    skipped is a drop reported by the next record's gap (its first record's
//    gap may also carry drops left by the lane's previous owner).
// The per-run summary lets a test compare with what each run attempted.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mp_protocol.hpp"

namespace ringcast::test {

inline std::vector<delivery_record> read_deliveries(const std::string& path) {
  std::vector<delivery_record> out;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  delivery_record rec{};
  while (::read(fd, &rec, sizeof rec) == static_cast<ssize_t>(sizeof rec)) out.push_back(rec);
  ::close(fd);
  return out;
}

struct run_summary {
  std::uint64_t delivered = 0;
  std::uint64_t first = 0;    // first counter delivered
  std::uint64_t last = 0;     // last counter delivered
  std::uint64_t dropped = 0;  // counters skipped and reported by gaps, before `last`
  bool end_marker = false;    // its last record was its end marker
};

struct delivery_report {
  std::map<std::uint32_t, run_summary> runs;  // by producer id
  std::uint64_t records = 0;
  std::uint64_t gaps = 0;  // sum of record gaps
  std::uint64_t lost = 0;  // sum of record losts
  std::uint64_t violations = 0;
  std::vector<std::string> first_violations;  // the first few, for the failure message

  [[nodiscard]] std::string describe() const {
    std::string s = std::to_string(violations) + " violation(s):";
    for (const auto& v : first_violations) s += "\n  " + v;
    return s;
  }
};

inline delivery_report check_deliveries(const std::vector<delivery_record>& recs) {
  delivery_report r;
  auto violation = [&](const std::string& what, const delivery_record& d) {
    if (++r.violations <= 12)
      r.first_violations.push_back(what + " (lane " + std::to_string(d.lane) + " seq " + std::to_string(d.seq) +
                                   " producer " + std::to_string(d.producer_id) + " counter " +
                                   std::to_string(d.counter) + " gap " + std::to_string(d.gap) + " lost " +
                                   std::to_string(d.lost) + ")");
  };
  std::set<std::pair<std::uint32_t, std::uint64_t>> seen;
  std::map<std::uint32_t, std::uint64_t> lane_next;  // seq expected next per lane
  for (const auto& d : recs) {
    ++r.records;
    r.gaps += d.gap;
    r.lost += d.lost;
    if ((d.flags & k_checksum_ok) == 0) violation("payload checksum mismatch", d);
    if (!seen.emplace(d.lane, d.seq).second) violation("(lane, seq) delivered twice", d);

    auto [lane_it, lane_first] = lane_next.try_emplace(d.lane, 0);
    const std::uint64_t expected = lane_it->second;
    if (d.seq < expected)
      violation("seq went backwards on its lane (expected " + std::to_string(expected) + ")", d);
    else if (d.seq - expected != std::uint64_t{d.gap} + d.lost)
      violation("missing seqs not accounted for: " + std::to_string(d.seq - expected) + " skipped", d);
    lane_it->second = d.seq + 1;

    auto [run_it, run_first] = r.runs.try_emplace(d.producer_id);
    run_summary& run = run_it->second;
    if (run_first) {
      if (d.counter > d.gap) violation("a run's first counters are missing without a gap", d);
      run.first = d.counter;
      run.dropped = d.counter;
    } else if (d.counter <= run.last) {
      violation("counter out of order within its run (last " + std::to_string(run.last) + ")", d);
    } else if (d.counter - run.last - 1 != d.gap) {
      violation("counters skipped within a run do not match the gap (last " + std::to_string(run.last) + ")", d);
    } else {
      run.dropped += d.gap;
    }
    if (run.end_marker) violation("a record after its run's end marker", d);
    run.last = std::max(run.last, d.counter);
    run.end_marker = (d.flags & k_is_end_marker) != 0;
    ++run.delivered;
  }
  return r;
}

}  // namespace ringcast::test
