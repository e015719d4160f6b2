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
[[nodiscard]] parsed_record parse_record(std::span<const std::byte> ring, std::uint64_t head,
                                         std::uint64_t tail, std::uint32_t max_record_size) noexcept;

}  // namespace ringcast::shm
