// The shared-memory segment, drawn. Layout only: the ring algorithm lives in
// lane_writer.hpp (producer side) and consumer.cpp (consumer side).
//
// Every struct here is mapped by several processes that may come from
// different builds, so each is trivially copyable / standard layout, uses
// fixed-width types, is lock-free where atomic, and is pinned by the
// static_asserts at the end and by tests/unit/layout_compat_test.cpp.
// Changing any of them means bumping k_layout_version.
//
//   offset 0                                                (k_header_size = 512)
//   +--------------------------------------------------------------------+
//   | segment_header                                                     |
//   |   identity      128 B  magic (written last), layout version, sizes, |
//   |                        epoch, creator pid, created_ns              |
//   |   consumer      128 B  owner (pid|gen), heartbeat, drained, lost    |
//   |   doorbell      128 B  futex word: consumer asleep? (read by every  |
//   |                        publish, so nothing else lives on this line) |
//   |   lanes         128 B  lanes in use, lane high-water mark           |
//   +--------------------------------------------------------------------+
//   | lane_descriptor[lane_count]                  (k_lane_descriptor_size = 384 B each)
//   |   producer      128 B  tail, published, dropped, next seq, pending gap (owner writes)
//   |   consumer      128 B  head, next expected seq, drained, lost   (consumer writes)
//   |   owner         128 B  owner word (pid << 32 | generation), start time, claims
//   +--------------------------------------------------------------------+
//   | padding to a 4 KiB page                                            |
//   +--------------------------------------------------------------------+  data_offset
//   | lane 0 ring: lane_capacity bytes (power of two)                    |
//   | lane 1 ring                                                        |
//   | ...                                                                |
//   +--------------------------------------------------------------------+  total_size
//
// Blocks are two cache lines (128 B) apart, as Aeron's counters are, so that
// the adjacent-line prefetcher never couples a writer with another writer or
// with a monitor reading counters.
//
// A lane ring holds variable-length records, each starting at a multiple of
// k_record_alignment (32 B):
//
//   +0   record_header (32 B): size, type, schema version, user id size,
//                              seq, timestamp_ns, gap
//   +32  user id bytes (user_id_size, 0 = global), zero-padded to 8 B
//   +32+align8(user_id_size)   payload bytes (size - payload offset)
//   ...  zero or more bytes up to the next 32 B boundary
//
// Positions (head, tail) are byte counts since the lane was created; they
// only grow, and the byte index is position & (lane_capacity - 1). A record
// never straddles the end of the ring: when it does not fit, the producer
// writes a padding record (type 0) that covers the rest of the ring and
// starts the record at index 0. Since every record size is a multiple of
// 32 B and the header is 32 B, a padding header always fits.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ringcast::shm {

inline constexpr std::uint64_t k_magic = 0x5453414347'4e4952ULL;  // "RINGCAST" little-endian
inline constexpr std::uint32_t k_layout_version = 1;

inline constexpr std::size_t k_cache_line = 64;
inline constexpr std::size_t k_block = 2 * k_cache_line;  // one writer per block
inline constexpr std::size_t k_page = 4096;
inline constexpr std::size_t k_record_alignment = 32;
inline constexpr std::size_t k_max_user_id = 64;  // bytes; longer ids are refused at publish

inline constexpr std::uint32_t k_default_lanes = 64;            // one per producer thread
inline constexpr std::uint32_t k_default_lane_capacity = 1u << 20;  // 1 MiB: ~8 k records of 128 B, >10 ms of a busy producer at 500 k events/s
inline constexpr std::uint32_t k_min_lane_capacity = 1u << 12;
inline constexpr std::uint32_t k_max_lane_capacity = 1u << 30;
inline constexpr std::uint32_t k_max_lanes = 4096;

// The owner words pack a pid and a generation so that a lane released and
// claimed again is never mistaken for the old claim (no ABA).
constexpr std::uint64_t make_owner(std::uint32_t pid, std::uint32_t generation) noexcept {
  return (std::uint64_t{pid} << 32) | generation;
}
constexpr std::uint32_t owner_pid(std::uint64_t owner) noexcept {
  return static_cast<std::uint32_t>(owner >> 32);
}
constexpr std::uint32_t owner_generation(std::uint64_t owner) noexcept {
  return static_cast<std::uint32_t>(owner);
}

struct alignas(k_block) segment_identity {
  // Written last by the creator with release; openers acquire-load it before
  // reading anything else. magic and layout_version never move between
  // versions, so any build can tell another version apart.
  std::atomic<std::uint64_t> magic;
  std::uint32_t layout_version;
  std::uint32_t header_size;  // sizeof(segment_header)
  std::uint32_t lane_count;
  std::uint32_t lane_capacity;
  std::uint32_t lane_descriptor_size;
  std::uint32_t max_record_size;
  std::uint64_t data_offset;
  std::uint64_t total_size;
  std::uint64_t epoch;        // random, new each time the segment is created
  std::int64_t created_ns;    // CLOCK_REALTIME
  std::uint32_t creator_pid;
  std::uint32_t mode;         // permission bits it was created with
};

struct alignas(k_block) consumer_block {
  // pid << 32 | generation of the attached consumer, pid 0 when none.
  // CAS acq_rel by an attaching consumer; release CAS on detach.
  std::atomic<std::uint64_t> owner;
  std::atomic<std::uint64_t> owner_start_time;  // /proc/<pid>/stat starttime, guards pid reuse
  std::atomic<std::int64_t> heartbeat_ns;       // relaxed: a monitor's hint, orders nothing
  std::atomic<std::uint64_t> drained;           // records handed out, all lanes (relaxed counter)
  std::atomic<std::uint64_t> lost;              // records lost to producer crashes mid-publish
  std::atomic<std::uint64_t> corrupt;           // lane resets after an invalid record
  std::atomic<std::uint64_t> reclaimed;         // lanes of dead producers reclaimed
};

struct alignas(k_block) doorbell_block {
  // Futex word. 1: the consumer is (about to be) asleep and wants a wake-up.
  // Read with one relaxed load per publish; see lane_writer::ring_doorbell.
  std::atomic<std::uint32_t> sleeping;
};

struct alignas(k_block) lanes_block {
  std::atomic<std::uint32_t> in_use;      // claimed lanes (relaxed counter)
  std::atomic<std::uint32_t> high_water;  // 1 + highest lane index ever claimed; the consumer scans below it
};

struct segment_header {
  segment_identity identity;
  consumer_block consumer;
  doorbell_block doorbell;
  lanes_block lanes;
};

struct alignas(k_block) lane_producer_block {
  // SYNC POINT (release store by the owner after the record bytes);
  // pairs with the consumer's acquire load in consumer::drain_lane().
  std::atomic<std::uint64_t> tail;
  // The rest are single-writer counters: relaxed load + relaxed store, read
  // by monitors and by the next owner (see lane_owner_block::owner).
  std::atomic<std::uint64_t> published;
  std::atomic<std::uint64_t> dropped;
  std::atomic<std::uint64_t> next_seq;     // seq the next publish attempt gets
  std::atomic<std::uint64_t> pending_gap;  // drops not yet reported by a committed record
};

struct alignas(k_block) lane_consumer_block {
  // SYNC POINT (release store by the consumer once records are handed out);
  // pairs with the producer's acquire load in lane_writer::reserve(), which
  // then may overwrite those bytes.
  std::atomic<std::uint64_t> head;
  std::atomic<std::uint64_t> expected_seq;  // consumer-only, persisted for a restarted consumer
  std::atomic<std::uint64_t> drained;
  std::atomic<std::uint64_t> lost;
};

struct alignas(k_block) lane_owner_block {
  // pid << 32 | generation; pid 0 = free. Claimed with an acquire-release
  // CAS; freed with a release CAS (by the owner) or an acq_rel CAS (by the
  // consumer reclaiming a dead owner's lane): the next owner sees what the
  // previous one wrote to the producer block. A takeover of a dead owner
  // relies on the acquire load of the tail instead.
  std::atomic<std::uint64_t> owner;
  std::atomic<std::uint64_t> owner_start_time;  // relaxed; 0 = not yet known
  std::atomic<std::uint64_t> claims;            // relaxed counter
};

struct lane_descriptor {
  lane_producer_block producer;
  lane_consumer_block consumer;
  lane_owner_block owner;
};

inline constexpr std::uint16_t k_padding_type = 0;  // record_header::type of a padding record

struct record_header {
  std::uint32_t size;  // header + padded user id + payload; the record occupies align32(size)
  std::uint16_t type;  // event_type; 0 = padding to the end of the ring
  std::uint8_t schema_version;
  std::uint8_t user_id_size;
  std::uint64_t seq;          // per lane; drops consume a seq too, so seq - expected == gap
  std::int64_t timestamp_ns;  // producer's CLOCK_REALTIME at publish
  std::uint64_t gap;          // events this lane dropped right before this record
};

inline constexpr std::size_t k_header_size = sizeof(segment_header);
inline constexpr std::size_t k_lane_descriptor_size = sizeof(lane_descriptor);

constexpr std::size_t align_up(std::size_t v, std::size_t a) noexcept { return (v + a - 1) & ~(a - 1); }

constexpr std::size_t record_payload_offset(std::size_t user_id_size) noexcept {
  return sizeof(record_header) + align_up(user_id_size, 8);
}
constexpr std::uint64_t data_offset_for(std::uint32_t lanes) noexcept {
  return align_up(k_header_size + std::size_t{lanes} * k_lane_descriptor_size, k_page);
}
constexpr std::uint64_t total_size_for(std::uint32_t lanes, std::uint32_t capacity) noexcept {
  return data_offset_for(lanes) + std::uint64_t{lanes} * capacity;
}
// Largest record (aligned) a lane accepts: an eighth of the ring, so one
// record never starves the others of space.
constexpr std::uint32_t max_record_size_for(std::uint32_t capacity) noexcept { return capacity / 8; }

// ---- guarded twice: here, and by the binary-compatibility test ----
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && alignof(std::atomic<std::uint64_t>) == 8);
static_assert(sizeof(std::atomic<std::uint32_t>) == 4);

static_assert(std::is_standard_layout_v<segment_header>);
static_assert(std::is_standard_layout_v<lane_descriptor>);
static_assert(std::is_trivially_copyable_v<record_header> && std::is_standard_layout_v<record_header>);

static_assert(offsetof(segment_identity, magic) == 0);
static_assert(offsetof(segment_identity, layout_version) == 8);
static_assert(sizeof(segment_identity) == k_block);
static_assert(offsetof(segment_header, consumer) == 1 * k_block);
static_assert(offsetof(segment_header, doorbell) == 2 * k_block);
static_assert(offsetof(segment_header, lanes) == 3 * k_block);
static_assert(sizeof(segment_header) == 4 * k_block);

static_assert(offsetof(lane_descriptor, producer) == 0);
static_assert(offsetof(lane_descriptor, consumer) == 1 * k_block);
static_assert(offsetof(lane_descriptor, owner) == 2 * k_block);
static_assert(sizeof(lane_descriptor) == 3 * k_block);

static_assert(sizeof(record_header) == k_record_alignment);
static_assert(offsetof(record_header, size) == 0);
static_assert(offsetof(record_header, type) == 4);
static_assert(offsetof(record_header, schema_version) == 6);
static_assert(offsetof(record_header, user_id_size) == 7);
static_assert(offsetof(record_header, seq) == 8);
static_assert(offsetof(record_header, timestamp_ns) == 16);
static_assert(offsetof(record_header, gap) == 24);
static_assert(k_max_user_id <= 255);

}  // namespace ringcast::shm
