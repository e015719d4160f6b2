// Reading one record out of a lane ring. A pure function over bytes, so it
// can be unit-tested and fuzzed without a segment (tests/fuzz/).
//
// A lane's bytes can be anything: a producer may have been killed at any
// instruction, or be buggy. parse_record() copies the header out before
// validating it, checks every size against what is committed and against
// the end of the ring, and never touches a byte outside `ring`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "ringcast/shm/layout.hpp"

namespace ringcast::shm {

// What a consumer hands out: valid only inside the poll() handler call.
struct record_view {
  std::uint32_t lane = 0;
  std::uint16_t type = 0;
  std::uint8_t schema_version = 0;
  std::uint64_t seq = 0;
  std::int64_t timestamp_ns = 0;
  std::uint64_t gap = 0;   // dropped (ring full) right before this record, on this lane
  std::uint64_t lost = 0;  // missing seqs not covered by gap: a producer died mid-publish
  std::string_view user_id;  // empty = global event
  std::span<const std::byte> payload;
};

enum class parse_status : std::uint8_t {
  record,   // a record: header, user_id and payload are set
  padding,  // skip `advance` bytes to the start of the ring
  corrupt,  // the committed bytes do not form a valid record
};

struct parsed_record {
  parse_status status = parse_status::corrupt;
  std::uint64_t advance = 0;  // bytes from head to the next record
  record_header header{};
  std::string_view user_id;
  std::span<const std::byte> payload;
  const char* why = "";  // for corrupt: which check failed (static string)
};

// ring: the lane's bytes (size is the capacity, a power of two).
// head < tail: committed, unread bytes [head, tail) as positions.
// max_record_size: the segment's limit on aligned record size.
// Inline: it runs once per record on the consumer's hot path.
namespace detail {
inline parsed_record corrupt_record(const char* why) noexcept {
  parsed_record r;
  r.status = parse_status::corrupt;
  r.why = why;
  return r;
}
}  // namespace detail

[[nodiscard]] [[gnu::always_inline]] inline parsed_record parse_record(std::span<const std::byte> ring, std::uint64_t head, std::uint64_t tail,
                                                       std::uint32_t max_record_size) noexcept {
  const std::uint64_t capacity = ring.size();
  // (x & (x - 1)) rather than std::has_single_bit: without -mpopcnt the
  // latter is a libgcc call, and this runs for every record.
  if (capacity < k_record_alignment || (capacity & (capacity - 1)) != 0) return detail::corrupt_record("ring size");
  if (tail < head || tail - head > capacity) return detail::corrupt_record("positions");
  if (head % k_record_alignment != 0 || tail % k_record_alignment != 0) return detail::corrupt_record("alignment");
  const std::uint64_t available = tail - head;
  if (available < sizeof(record_header)) return detail::corrupt_record("short");

  const std::uint64_t index = head & (capacity - 1);
  const std::uint64_t to_end = capacity - index;  // >= 32: index is 32-aligned
  const std::byte* at = ring.data() + index;

  parsed_record r;
  // Copied, not referenced: the checks below hold for the copy even if a
  // misbehaving producer rewrites the bytes meanwhile.
  std::memcpy(&r.header, at, sizeof(record_header));
  const record_header& h = r.header;

  if (h.type == k_padding_type) {
    if (h.size != to_end) return detail::corrupt_record("padding size");
    if (to_end > available) return detail::corrupt_record("padding beyond tail");
    r.status = parse_status::padding;
    r.advance = to_end;
    return r;
  }
  if (h.size < sizeof(record_header)) return detail::corrupt_record("size below header");
  const std::uint64_t occupied = align_up(h.size, k_record_alignment);
  if (occupied > to_end) return detail::corrupt_record("straddles ring end");
  if (occupied > available) return detail::corrupt_record("beyond tail");
  if (occupied > max_record_size) return detail::corrupt_record("above max record size");
  if (h.user_id_size > k_max_user_id) return detail::corrupt_record("user id size");
  const std::size_t payload_offset = record_payload_offset(h.user_id_size);
  if (payload_offset > h.size) return detail::corrupt_record("user id beyond record");

  r.status = parse_status::record;
  r.advance = occupied;
  r.user_id = {reinterpret_cast<const char*>(at + sizeof(record_header)), h.user_id_size};
  r.payload = {at + payload_offset, h.size - payload_offset};
  return r;
}

}  // namespace ringcast::shm
