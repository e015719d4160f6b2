// Shared by the multi-process tests: the helper programs (paths come from
// CMake as compile definitions), starting and stopping them, and reading
// the segment's own counters through a mapping of the test process.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "delivery_check.hpp"
#include "ringcast/shm/segment.hpp"
#include "test_segment.hpp"

namespace ringcast::test {

inline const std::string k_producer_exe = RINGCAST_TEST_PRODUCER;
inline const std::string k_consumer_exe = RINGCAST_TEST_CONSUMER;
inline const std::string k_segment_op_exe = RINGCAST_TEST_SEGMENT_OP;

struct producer_spec {
  std::uint32_t id = 0;
  std::uint64_t count = 1000;
  std::uint64_t rate = 0;      // events/s, 0 = unpaced
  std::uint64_t wait_ms = 0;   // bounded wait when full; 0 = drop at once
  bool end_marker = false;
  bool hold = false;           // keep the lane until stdin closes
};

inline child_process spawn_producer(const std::string& segment, const producer_spec& p) {
  std::vector<std::string> argv{k_producer_exe,   "--segment", segment,
                                "--id",           std::to_string(p.id),
                                "--count",        std::to_string(p.count),
                                "--rate",         std::to_string(p.rate),
                                "--wait-ms",      std::to_string(p.wait_ms),
                                "--seed",         std::to_string(0x5eed + p.id)};
  if (p.end_marker) argv.emplace_back("--end-marker");
  if (p.hold) argv.emplace_back("--hold");
  return child_process::spawn(argv, p.hold);
}

// Starts the consumer helper and waits until it has attached; on refusal
// the returned line starts with "error:".
inline child_process spawn_consumer(const std::string& segment, const std::string& out,
                                    const std::vector<std::string>& extra, std::string* first_line) {
  std::vector<std::string> argv{k_consumer_exe, "--segment", segment, "--out", out};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto c = child_process::spawn(argv);
  *first_line = c.read_line(20s).value_or("(no line: timed out or exited)");
  return c;
}

// SIGTERM: the consumer drains what is committed and exits 0.
inline void stop_consumer(child_process& c) {
  c.signal(SIGTERM);
  const auto done = c.read_line_starting("done", 30s);
  EXPECT_TRUE(done && done->starts_with("done")) << done.value_or("(no done line)");
  const auto st = c.wait(30s);
  ASSERT_TRUE(st.has_value()) << "consumer did not exit after SIGTERM";
  EXPECT_TRUE(exited_with(*st, 0)) << describe_status(*st);
}

// Every lane's committed bytes have been handed out.
inline bool all_lanes_drained(const shm::segment& seg) {
  for (std::uint32_t i = 0; i < seg.lane_count(); ++i) {
    const auto& lane = seg.lane(i);
    if (lane.consumer.head.load(std::memory_order_acquire) != lane.producer.tail.load(std::memory_order_acquire))
      return false;
  }
  return true;
}

inline std::uint32_t lanes_in_use(const shm::segment& seg) {
  return seg.header().lanes.in_use.load(std::memory_order_relaxed);
}

inline std::uint32_t lanes_owned(const shm::segment& seg) {
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < seg.lane_count(); ++i)
    if (shm::owner_pid(seg.lane(i).owner.owner.load(std::memory_order_acquire)) != 0) ++n;
  return n;
}

// Waits for a producer to finish and checks it exited 0 with its "done" line.
inline void expect_producer_done(child_process& p, std::chrono::milliseconds timeout, std::string* done_line = nullptr) {
  const auto line = p.read_line_starting("done", timeout);
  EXPECT_TRUE(line && line->starts_with("done")) << "producer " << p.pid() << ": " << line.value_or("(no done line)");
  if (done_line != nullptr) *done_line = line.value_or("");
  const auto st = p.wait(timeout);
  ASSERT_TRUE(st.has_value()) << "producer " << p.pid() << " still running";
  EXPECT_TRUE(exited_with(*st, 0)) << "producer " << p.pid() << ": " << describe_status(*st);
}

// The number after "key=" in a helper's line, or -1.
inline long long field(const std::string& line, const std::string& key) {
  const auto at = line.find(key + "=");
  return at == std::string::npos ? -1 : std::stoll(line.substr(at + key.size() + 1));
}

}  // namespace ringcast::test
