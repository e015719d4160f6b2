// parse_record(): every record the ring can hold is read back exactly, and
// every way the committed bytes can be wrong is refused, never read past.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ringcast/shm/record.hpp"

namespace ringcast::shm {
namespace {

constexpr std::size_t k_ring = 1024;
constexpr std::uint32_t k_max = k_ring / 2;

struct ring_bytes {
  std::vector<std::byte> bytes = std::vector<std::byte>(k_ring);

  // Writes a record at byte index `at`; returns its aligned size.
  std::size_t put(std::size_t at, std::uint16_t type, std::string_view user, std::size_t payload,
                  std::uint64_t seq = 7) {
    record_header h{};
    h.size = static_cast<std::uint32_t>(record_payload_offset(user.size()) + payload);
    h.type = type;
    h.schema_version = 1;
    h.user_id_size = static_cast<std::uint8_t>(user.size());
    h.seq = seq;
    h.timestamp_ns = 42;
    h.gap = 3;
    std::memcpy(bytes.data() + at, &h, sizeof h);
    std::memcpy(bytes.data() + at + sizeof h, user.data(), user.size());
    for (std::size_t i = 0; i < payload; ++i)
      bytes[at + record_payload_offset(user.size()) + i] = static_cast<std::byte>(i);
    return align_up(h.size, k_record_alignment);
  }
  void put_header(std::size_t at, const record_header& h) { std::memcpy(bytes.data() + at, &h, sizeof h); }
  std::span<const std::byte> span() const { return bytes; }
};

TEST(record, reads_a_record_with_user_and_payload) {
  ring_bytes r;
  const auto size = r.put(0, 12, "alice", 33);
  const auto p = parse_record(r.span(), 0, size, k_max);
  ASSERT_EQ(p.status, parse_status::record) << p.why;
  EXPECT_EQ(p.advance, size);
  EXPECT_EQ(p.header.type, 12);
  EXPECT_EQ(p.header.seq, 7u);
  EXPECT_EQ(p.header.gap, 3u);
  EXPECT_EQ(p.header.timestamp_ns, 42);
  EXPECT_EQ(p.user_id, "alice");
  ASSERT_EQ(p.payload.size(), 33u);
  EXPECT_EQ(p.payload[32], std::byte{32});
  EXPECT_EQ(p.payload.data(), r.bytes.data() + record_payload_offset(5));
}

TEST(record, reads_a_global_record_and_positions_past_the_first_lap) {
  ring_bytes r;
  const auto size = r.put(64, 1, "", 8);
  const std::uint64_t head = 5 * k_ring + 64;  // positions keep growing; the index wraps
  const auto p = parse_record(r.span(), head, head + size, k_max);
  ASSERT_EQ(p.status, parse_status::record) << p.why;
  EXPECT_TRUE(p.user_id.empty());
  EXPECT_EQ(p.payload.size(), 8u);
}

TEST(record, padding_covers_exactly_the_rest_of_the_ring) {
  ring_bytes r;
  record_header pad{};
  pad.size = 96;
  r.put_header(k_ring - 96, pad);
  const auto p = parse_record(r.span(), k_ring - 96, k_ring + 64, k_max);
  ASSERT_EQ(p.status, parse_status::padding) << p.why;
  EXPECT_EQ(p.advance, 96u);

  pad.size = 64;  // too short: would leave the next header straddling
  r.put_header(k_ring - 96, pad);
  EXPECT_EQ(parse_record(r.span(), k_ring - 96, k_ring + 64, k_max).status, parse_status::corrupt);
}

TEST(record, refuses_each_kind_of_corruption) {
  struct bad_case {
    const char* name;
    record_header header;
    std::uint64_t head, tail;
  };
  auto h = [](std::uint32_t size, std::uint8_t user_size) {
    record_header x{};
    x.size = size;
    x.type = 1;
    x.user_id_size = user_size;
    return x;
  };
  const bad_case cases[] = {
      {"size below header", h(16, 0), 0, 64},
      {"beyond tail", h(100, 0), 0, 64},
      {"straddles ring end", h(100, 0), k_ring - 64, k_ring + 128},
      {"above max record size", h(k_max + 32, 0), 0, k_max + 64},
      {"user id size", h(200, static_cast<std::uint8_t>(k_max_user_id + 1)), 0, 256},
      {"user id beyond record", h(40, 16), 0, 64},
  };
  for (const auto& c : cases) {
    ring_bytes r;
    r.put_header(c.head & (k_ring - 1), c.header);
    const auto p = parse_record(r.span(), c.head, c.tail, k_max);
    EXPECT_EQ(p.status, parse_status::corrupt) << c.name;
    EXPECT_STREQ(p.why, c.name);
  }
}

TEST(record, refuses_impossible_positions) {
  ring_bytes r;
  r.put(0, 1, "", 8);
  EXPECT_EQ(parse_record(r.span(), 64, 0, k_max).status, parse_status::corrupt);             // tail behind head
  EXPECT_EQ(parse_record(r.span(), 0, 2 * k_ring, k_max).status, parse_status::corrupt);     // more than a ring
  EXPECT_EQ(parse_record(r.span(), 8, 72, k_max).status, parse_status::corrupt);             // misaligned
  EXPECT_EQ(parse_record(r.span(), 0, 0, k_max).status, parse_status::corrupt);              // nothing committed
  EXPECT_EQ(parse_record(r.span().first(1000), 0, 64, k_max).status, parse_status::corrupt);  // not a power of two
}

}  // namespace
}  // namespace ringcast::shm
