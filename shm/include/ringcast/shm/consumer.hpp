// The segment's one consumer: drains every lane fairly, in batches, and
// hands out zero-copy record views.
//
//   shm::consumer c(seg);                          // attaches, or throws
//   for (;;) {
//     if (c.poll([](const shm::record_view& r) { ... }) == 0) c.wait();
//   }
//
// Read positions live in the segment: a consumer that restarts (after a
// crash, too) resumes at the first record the previous one did not finish
// handling. The records of the lane batch in flight when a consumer dies
// (at most lane_batch) are handed out again: at-least-once, see
// docs/decisions/0003. Their lane and seq identify them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "ringcast/shm/record.hpp"
#include "ringcast/shm/segment.hpp"

namespace ringcast::shm {

struct consumer_options {
  std::uint32_t batch = 1024;      // records per poll(): bounds the time between heartbeats
  std::uint32_t lane_batch = 64;   // records from one lane before the next lane's turn (fairness)
  std::chrono::nanoseconds spin{50'000};          // 50 us busy-poll before sleeping: covers bursts
  std::chrono::milliseconds sleep_timeout{100};   // longest futex sleep: heartbeat and reclaim keep going
  std::chrono::milliseconds reclaim_interval{50}; // how often dead producers' lanes are looked for
};

// A non-owning reference to a callable taking a record_view (function_ref).
class record_handler {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, record_handler>)
  record_handler(F&& f) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, const record_view& r) { (*static_cast<std::remove_reference_t<F>*>(o))(r); }) {}
  void operator()(const record_view& r) const { call_(object_, r); }

 private:
  void* object_;
  void (*call_)(void*, const record_view&);
};

struct consumer_stats {
  std::uint64_t drained = 0;
  std::uint64_t lost = 0;       // seqs missing beyond reported drops (producer died mid-publish)
  std::uint64_t corrupt = 0;    // lanes skipped to their tail after an invalid record
  std::uint64_t reclaimed = 0;  // dead producers' lanes freed
};

class consumer {
 public:
  explicit consumer(std::shared_ptr<segment> seg, consumer_options options = {});
  ~consumer();
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;
  consumer(consumer&&) = delete;  // owns the segment's consumer claim for its lifetime
  consumer& operator=(consumer&&) = delete;

  // Hands out up to options.batch records, fairly across lanes; returns how
  // many. Views are valid only during the handler call. A handler that
  // throws leaves its lane's position where it was: that lane batch is
  // handed out again by the next poll().
  std::size_t poll(record_handler on_record);

  // Returns once a lane may have records: after spinning, then sleeping on
  // the doorbell for at most `max_sleep` (capped by options.sleep_timeout).
  // `work`, if given, is a second reason to wake: wait() returns as soon as
  // it is non-zero. Whoever sets it must then call wake_if_sleeping().
  void wait() noexcept { wait(options_.sleep_timeout); }
  void wait(std::chrono::nanoseconds max_sleep, const std::atomic<std::uint32_t>* work = nullptr) noexcept;
  // Any thread, after making `work` non-zero with a seq_cst read-modify-write
  // (the StoreLoad of Dekker's pattern with wait()'s barrier): wakes a
  // consumer sleeping in wait(). One relaxed load when it is awake.
  void wake_if_sleeping() noexcept;

  // True if any lane holds unread records.
  [[nodiscard]] bool has_data() const noexcept;

  [[nodiscard]] consumer_stats stats() const noexcept { return stats_; }
  [[nodiscard]] const std::shared_ptr<segment>& seg() const noexcept { return segment_; }

 private:
  std::size_t drain_lane(std::uint32_t lane, std::uint32_t limit, const record_handler& on_record);
  void heartbeat_and_reclaim();

  std::shared_ptr<segment> segment_;
  consumer_options options_;
  std::uint64_t owner_ = 0;
  std::vector<std::uint64_t> heads_;     // own index per lane, mirrored to the segment
  std::vector<std::uint64_t> expected_;  // next seq per lane
  std::uint32_t next_start_ = 0;         // round-robin start lane
  std::int64_t next_reclaim_ns_ = 0;
  std::uint32_t scans_ = 0;
  std::uint32_t in_use_seen_ = 0;           // lanes.in_use at the last reclaim scan
  std::uint32_t owned_seen_ = k_max_lanes + 1;  // lanes owned then (none seen yet)
  bool heavy_barrier_ok_ = true;
  consumer_stats stats_;
};

}  // namespace ringcast::shm
