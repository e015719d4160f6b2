// The producer process of the faults scenario, which the bench SIGKILLs at
// random and starts again: `ringcast-bench --fault-producer ...` (the bench
// runs itself). It publishes ORDER_UPDATE marker i to user i % users at
// start + i / rate for its share of i (i % producers == index), retrying a
// refused publish until it is committed, and after each commit stores the
// next i to publish in its slot of a shared file, so that a new process
// resumes there. What it committed is then known: every i below its slot.
// One committed but not yet recorded when the kill came is published again
// (a duplicate, never a loss).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ringcast::bench {

struct fault_producer_args {
  std::string segment, slots_file;
  unsigned index = 0, producers = 1, users = 1;
  double rate = 1;
  std::int64_t start_ns = 0;
  std::uint64_t events = 0;
};

// The slots file: one next-index per producer. Stored with release after
// the publish it follows, read by the bench with acquire after the process
// is gone (waitpid orders it too; the atomics make the file's contract
// explicit for a process killed mid-way).
struct fault_slots {
  std::atomic<std::uint64_t> next[64];
};

[[nodiscard]] bool is_fault_producer(int argc, char** argv);
int run_fault_producer(int argc, char** argv);

}  // namespace ringcast::bench
