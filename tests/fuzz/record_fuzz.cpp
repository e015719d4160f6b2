// Feeds arbitrary lane bytes and positions to parse_record(), walking the
// ring as the consumer does. Under ASan any read outside the ring aborts;
// the asserts check that every view handed out lies inside the ring.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ringcast/shm/record.hpp"

using namespace ringcast::shm;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 17) return 0;
  std::uint64_t head = 0;
  std::uint32_t committed = 0;
  std::memcpy(&head, data, 8);
  std::memcpy(&committed, data + 8, 4);
  const std::size_t capacity = std::size_t{256} << (data[12] % 5);  // 256 B .. 4 KiB
  const std::uint32_t max_record = static_cast<std::uint32_t>(capacity / (1u + data[13] % 8));
  data += 16;
  size -= 16;
  // An exactly sized heap buffer, so ASan catches a read one byte past it.
  std::vector<std::byte> ring(capacity);
  std::memcpy(ring.data(), data, std::min(size, capacity));
  head &= ~std::uint64_t{31} >> (data[0] % 2);  // mostly aligned, sometimes not
  const std::uint64_t tail = head + committed % (2 * capacity);
  const auto* lo = ring.data();
  const auto* hi = ring.data() + ring.size();
  for (int steps = 0; steps < 1024 && head < tail; ++steps) {
    const parsed_record p = parse_record(ring, head, tail, max_record);
    if (p.status == parse_status::corrupt) break;
    if (p.advance == 0 || p.advance > tail - head) std::abort();
    if (p.status == parse_status::record) {
      const auto* u = reinterpret_cast<const std::byte*>(p.user_id.data());
      if (u < lo || u + p.user_id.size() > hi) std::abort();
      if (p.payload.data() < lo || p.payload.data() + p.payload.size() > hi) std::abort();
      volatile std::byte sink{};  // touch every byte handed out
      for (auto b : p.payload) sink = b;
      (void)sink;
    }
    head += p.advance;
  }
  return 0;
}
