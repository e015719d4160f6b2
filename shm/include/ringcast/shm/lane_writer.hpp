// The producer half of a lane's SPSC byte ring (layout in layout.hpp).
//
// Wait-free and allocation-free: a publish is a bounds check against a
// cached copy of the consumer's head, a few memcpy, one release store of
// the tail, and one relaxed load of the doorbell. The consumer's head is
// re-read (acquire) only when the cached copy says the ring is full, as in
// rigtorp's SPSCQueue.
#pragma once

#include <time.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "ringcast/shm/doorbell.hpp"
#include "ringcast/shm/layout.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::shm {

enum class [[nodiscard]] publish_status : std::uint8_t {
  published,         // committed; the consumer will see it
  dropped_full,      // the ring was full: dropped, counted, reported as a gap by the next record
  too_large,         // the record exceeds the segment's max record size: refused, not counted as a drop
  user_id_too_long,  // user id longer than k_max_user_id: refused
};

[[nodiscard]] constexpr const char* to_string(publish_status s) noexcept {
  switch (s) {
    case publish_status::published: return "published";
    case publish_status::dropped_full: return "dropped_full";
    case publish_status::too_large: return "too_large";
    case publish_status::user_id_too_long: return "user_id_too_long";
  }
  return "unknown";
}

class lane_writer {
 public:
  lane_writer() = default;

  // Call right after claiming the lane (the claim's acquire CAS makes the
  // previous owner's producer block visible).
  lane_writer(lane_descriptor& lane, std::span<std::byte> ring, std::uint32_t max_record_size,
              std::atomic<std::uint32_t>& doorbell, bool light_barrier) noexcept
      : lane_(&lane),
        ring_(ring.data()),
        mask_(ring.size() - 1),
        capacity_(ring.size()),
        max_record_size_(max_record_size),
        doorbell_(&doorbell),
        light_barrier_(light_barrier) {
    // SYNC POINT (acquire): our own lane's tail as the last owner left it.
    tail_ = lane.producer.tail.load(std::memory_order_acquire);
    // SYNC POINT (acquire): pairs with the consumer's release store of head.
    head_cache_ = lane.consumer.head.load(std::memory_order_acquire);
    next_seq_ = lane.producer.next_seq.load(std::memory_order_relaxed);
    pending_gap_ = lane.producer.pending_gap.load(std::memory_order_relaxed);
    published_ = lane.producer.published.load(std::memory_order_relaxed);
    dropped_ = lane.producer.dropped.load(std::memory_order_relaxed);
    published_before_ = published_;
    dropped_before_ = dropped_;
  }

  // Writes one record whose payload `fill(std::byte* dst)` produces in
  // exactly `payload_size` bytes. `wait_for_ns` > 0: when full, retry for
  // up to that long before dropping (the opt-in bounded wait).
  template <class Fill>
  publish_status write(std::uint16_t type, std::uint8_t schema_version, std::string_view user_id,
                       std::size_t payload_size, std::int64_t wait_for_ns, Fill&& fill) noexcept {
    if (user_id.size() > k_max_user_id) return publish_status::user_id_too_long;
    if (payload_size > max_record_size_) return publish_status::too_large;  // before any arithmetic can wrap
    const std::size_t size = record_payload_offset(user_id.size()) + payload_size;
    const std::uint64_t occupied = align_up(size, k_record_alignment);
    if (occupied > max_record_size_) return publish_status::too_large;

    std::uint64_t index = tail_ & mask_;
    const std::uint64_t to_end = capacity_ - index;
    const std::uint64_t needed = occupied <= to_end ? occupied : to_end + occupied;  // + padding at the wrap
    if (!has_room(needed) && !wait_for_room(needed, wait_for_ns)) {
      ++next_seq_;  // a drop consumes a seq, so seq - expected == gap at the consumer
      ++pending_gap_;
      ++dropped_;
      lane_->producer.next_seq.store(next_seq_, std::memory_order_relaxed);
      lane_->producer.pending_gap.store(pending_gap_, std::memory_order_relaxed);
      lane_->producer.dropped.store(dropped_, std::memory_order_relaxed);
      return publish_status::dropped_full;
    }
    if (occupied > to_end) {
      record_header pad{};
      pad.size = static_cast<std::uint32_t>(to_end);
      pad.type = k_padding_type;
      std::memcpy(ring_ + index, &pad, sizeof pad);
      index = 0;
    }
    std::byte* at = ring_ + index;
    record_header h{};
    h.size = static_cast<std::uint32_t>(size);
    h.type = type;
    h.schema_version = schema_version;
    h.user_id_size = static_cast<std::uint8_t>(user_id.size());
    h.seq = next_seq_;
    h.timestamp_ns = clock_.now();
    h.gap = pending_gap_;
    std::memcpy(at, &h, sizeof h);
    if (!user_id.empty()) std::memcpy(at + sizeof h, user_id.data(), user_id.size());  // data() may be null
    std::memset(at + sizeof h + user_id.size(), 0, record_payload_offset(user_id.size()) - sizeof h - user_id.size());
    fill(at + record_payload_offset(user_id.size()));

    ++next_seq_;
    pending_gap_ = 0;
    tail_ += needed;
    // Before the tail, so that a successor after a crash never reuses a
    // committed seq (a crash between the two costs one seq, counted as lost).
    lane_->producer.next_seq.store(next_seq_, std::memory_order_relaxed);
    lane_->producer.pending_gap.store(0, std::memory_order_relaxed);
    // SYNC POINT (release): publishes the record bytes written above; pairs
    // with the acquire load of tail in consumer::drain_lane().
    lane_->producer.tail.store(tail_, std::memory_order_release);
    lane_->producer.published.store(++published_, std::memory_order_relaxed);
    ring_doorbell();
    return publish_status::published;
  }

  // By this writer; the lane's counters in the segment include earlier owners.
  [[nodiscard]] std::uint64_t published() const noexcept { return published_ - published_before_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_ - dropped_before_; }

 private:
  bool has_room(std::uint64_t needed) noexcept {
    if (tail_ + needed - head_cache_ <= capacity_) return true;
    // SYNC POINT (acquire): pairs with the consumer's release store of head
    // in consumer::drain_lane(); the bytes before it are ours to overwrite.
    head_cache_ = lane_->consumer.head.load(std::memory_order_acquire);
    return tail_ + needed - head_cache_ <= capacity_;
  }

  bool wait_for_room(std::uint64_t needed, std::int64_t wait_for_ns) noexcept;

  void ring_doorbell() noexcept {
    // StoreLoad between our tail store and the doorbell load (Dekker): a
    // compiler barrier when the consumer's membarrier covers us, else a fence.
    if (light_barrier_)
      std::atomic_signal_fence(std::memory_order_seq_cst);
    else
      detail::full_fence();
    // Relaxed: the barrier above orders it; 1 means the consumer sleeps.
    if (doorbell_->load(std::memory_order_relaxed) != 0) [[unlikely]]
      wake_consumer();
  }

  void wake_consumer() noexcept;

  lane_descriptor* lane_ = nullptr;
  std::byte* ring_ = nullptr;
  std::uint64_t mask_ = 0;
  std::uint64_t capacity_ = 0;
  std::uint32_t max_record_size_ = 0;
  std::atomic<std::uint32_t>* doorbell_ = nullptr;
  bool light_barrier_ = false;
  realtime_clock clock_;

  std::uint64_t tail_ = 0;        // own index: the segment's copy is written, never re-read
  std::uint64_t head_cache_ = 0;  // consumer's head as last seen
  std::uint64_t next_seq_ = 0;
  std::uint64_t pending_gap_ = 0;
  std::uint64_t published_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t published_before_ = 0;
  std::uint64_t dropped_before_ = 0;
};

}  // namespace ringcast::shm
