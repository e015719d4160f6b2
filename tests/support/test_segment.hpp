// A uniquely named segment per test, removed when the test ends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <string>

#include "ringcast/shm/segment.hpp"

namespace ringcast::test {

inline std::string unique_segment_name(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "rctest-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

struct scoped_segment_name {
  explicit scoped_segment_name(const std::string& tag) : name(unique_segment_name(tag)) { shm::segment::remove(name); }
  ~scoped_segment_name() { shm::segment::remove(name); }
  scoped_segment_name(const scoped_segment_name&) = delete;
  scoped_segment_name& operator=(const scoped_segment_name&) = delete;
  std::string name;
};

inline shm::segment_options small_options(const std::string& name, std::uint32_t lanes = 4,
                                          std::uint32_t capacity = 1u << 14) {
  shm::segment_options o;
  o.name = name;
  o.lanes = lanes;
  o.lane_capacity = capacity;
  return o;
}

}  // namespace ringcast::test
