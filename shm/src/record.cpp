#include "ringcast/shm/record.hpp"

#include <cstring>

namespace ringcast::shm {

namespace {
parsed_record corrupt(const char* why) noexcept {
  parsed_record r;
  r.status = parse_status::corrupt;
  r.why = why;
  return r;
}
}  // namespace

parsed_record parse_record(std::span<const std::byte> ring, std::uint64_t head, std::uint64_t tail,
                           std::uint32_t max_record_size) noexcept {
  const std::uint64_t capacity = ring.size();
  // (x & (x - 1)) rather than std::has_single_bit: without -mpopcnt the
  // latter is a libgcc call, and this runs for every record.
  if (capacity < k_record_alignment || (capacity & (capacity - 1)) != 0) return corrupt("ring size");
  if (tail < head || tail - head > capacity) return corrupt("positions");
  if (head % k_record_alignment != 0 || tail % k_record_alignment != 0) return corrupt("alignment");
  const std::uint64_t available = tail - head;
  if (available < sizeof(record_header)) return corrupt("short");

  const std::uint64_t index = head & (capacity - 1);
  const std::uint64_t to_end = capacity - index;  // >= 32: index is 32-aligned
  const std::byte* at = ring.data() + index;

  parsed_record r;
  // Copied, not referenced: the checks below hold for the copy even if a
  // misbehaving producer rewrites the bytes meanwhile.
  std::memcpy(&r.header, at, sizeof(record_header));
  const record_header& h = r.header;

  if (h.type == k_padding_type) {
    if (h.size != to_end) return corrupt("padding size");
    if (to_end > available) return corrupt("padding beyond tail");
    r.status = parse_status::padding;
    r.advance = to_end;
    return r;
  }
  if (h.size < sizeof(record_header)) return corrupt("size below header");
  const std::uint64_t occupied = align_up(h.size, k_record_alignment);
  if (occupied > to_end) return corrupt("straddles ring end");
  if (occupied > available) return corrupt("beyond tail");
  if (occupied > max_record_size) return corrupt("above max record size");
  if (h.user_id_size > k_max_user_id) return corrupt("user id size");
  const std::size_t payload_offset = record_payload_offset(h.user_id_size);
  if (payload_offset > h.size) return corrupt("user id beyond record");

  r.status = parse_status::record;
  r.advance = occupied;
  r.user_id = {reinterpret_cast<const char*>(at + sizeof(record_header)), h.user_id_size};
  r.payload = {at + payload_offset, h.size - payload_offset};
  return r;
}

}  // namespace ringcast::shm
