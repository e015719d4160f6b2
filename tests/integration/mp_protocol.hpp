// What the multi-process test helpers and the tests agree on: the payload a
// test producer publishes, and the record a test consumer appends to its
// output file for every event it hands on.
//
//   event payload (publish_raw, type system_log):
//     +0   event_header (32 B): magic, producer id, counter, filler size,
//                               end marker, checksum
//     +32  filler bytes (0..k_max_filler), derived from (seed, id, counter)
//
//   consumer output: one delivery_record (32 B) per (lane, seq), in the
//   order the consumer handed the records out; FILE.redelivered holds one
//   per record that a restarted consumer was handed again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ringcast::test {

inline constexpr std::uint32_t k_payload_magic = 0x50544352;  // "RCTP"
inline constexpr std::uint32_t k_max_filler = 200;  // varies record sizes so wrap points move

struct event_header {
  std::uint32_t magic;
  std::uint32_t producer_id;  // one per producer process run
  std::uint64_t counter;      // per producer: 0, 1, 2, ... one per publish attempt
  std::uint32_t filler_size;
  std::uint8_t end_marker;    // 1: the producer's last event (see --end-marker)
  std::uint8_t reserved[3];
  std::uint64_t checksum;     // FNV-1a over the header with checksum 0, then the filler
};
static_assert(sizeof(event_header) == 32);

inline constexpr std::size_t k_max_event_size = sizeof(event_header) + k_max_filler;

inline std::uint64_t fnv1a(std::span<const std::byte> bytes, std::uint64_t h = 0xcbf29ce484222325ULL) noexcept {
  for (const std::byte b : bytes) {
    h ^= static_cast<std::uint64_t>(b);
    h *= 0x100000001b3ULL;
  }
  return h;
}

inline std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Writes one event into `out` (at least k_max_event_size bytes); returns its size.
inline std::size_t encode_event(std::span<std::byte> out, std::uint64_t seed, std::uint32_t producer_id,
                                std::uint64_t counter, bool end_marker) noexcept {
  const std::uint64_t r = splitmix64(seed ^ (std::uint64_t{producer_id} << 40) ^ counter);
  event_header h{};
  h.magic = k_payload_magic;
  h.producer_id = producer_id;
  h.counter = counter;
  h.filler_size = static_cast<std::uint32_t>(r % (k_max_filler + 1));
  h.end_marker = end_marker ? 1 : 0;
  for (std::uint32_t i = 0; i < h.filler_size; ++i)
    out[sizeof h + i] = static_cast<std::byte>(splitmix64(r + i) & 0xff);
  std::memcpy(out.data(), &h, sizeof h);
  std::uint64_t sum = fnv1a(out.first(sizeof h));
  sum = fnv1a(out.subspan(sizeof h, h.filler_size), sum);
  h.checksum = sum;
  std::memcpy(out.data(), &h, sizeof h);
  return sizeof h + h.filler_size;
}

struct decoded_event {
  bool ok = false;  // magic, size and checksum all check out
  event_header header{};
};

inline decoded_event decode_event(std::span<const std::byte> payload) noexcept {
  decoded_event d;
  if (payload.size() < sizeof(event_header)) return d;
  std::memcpy(&d.header, payload.data(), sizeof d.header);
  if (d.header.magic != k_payload_magic || payload.size() != sizeof(event_header) + d.header.filler_size) return d;
  event_header zeroed = d.header;
  zeroed.checksum = 0;
  std::uint64_t sum = fnv1a(std::as_bytes(std::span{&zeroed, 1}));
  sum = fnv1a(payload.subspan(sizeof zeroed), sum);
  d.ok = sum == d.header.checksum;
  return d;
}

inline constexpr std::uint8_t k_checksum_ok = 1;
inline constexpr std::uint8_t k_is_end_marker = 2;
inline constexpr std::uint8_t k_content_differs = 4;  // redelivered: not what was handed out first

struct delivery_record {
  std::uint32_t lane;
  std::uint32_t producer_id;
  std::uint64_t seq;
  std::uint64_t counter;
  std::uint32_t gap;   // record_view::gap (saturated)
  std::uint16_t lost;  // record_view::lost (saturated)
  std::uint8_t flags;
  std::uint8_t reserved;
};
// 32 B: a power of two, so a record never straddles a page of the file and
// one write(2) of it is never torn by a SIGKILL.
static_assert(sizeof(delivery_record) == 32);

}  // namespace ringcast::test
