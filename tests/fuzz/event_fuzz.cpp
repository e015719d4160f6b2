// Feeds arbitrary records (type, schema version, user id, payload bytes) to
// what the drain thread does with each: classify_event() (conflation key,
// log level) and encode_event() (the WebSocket text). Under ASan any read
// past the payload aborts; the text, when there is one, must be JSON.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "event_frame.hpp"
#include "event_key.hpp"

using namespace ringcast;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  shm::record_view r;
  // Mostly known types, sometimes anything.
  r.type = data[0] < 240 ? static_cast<std::uint16_t>(data[0] % shm::k_event_type_count)
                         : static_cast<std::uint16_t>(data[0] << 8 | data[1]);
  r.schema_version = data[2] % 4;
  const std::size_t user_len = std::min<std::size_t>(data[3] % 72, size - 4);
  data += 4;
  size -= 4;
  // Exactly sized heap copies, so that ASan sees a read one byte past them.
  std::vector<char> user(data, data + user_len);
  std::vector<std::byte> payload(size - user_len);
  if (!payload.empty()) std::memcpy(payload.data(), data + user_len, payload.size());
  r.user_id = std::string_view(user.data(), user.size());
  r.payload = payload;
  r.timestamp_ns = 1'700'000'000'000'000'000;

  const auto facts = bridge::classify_event(r);
  if (facts.level && static_cast<int>(*facts.level) > 3) std::abort();
  if (const auto f = bridge::encode_event(r, 42)) {
    boost::system::error_code ec;
    boost::json::parse(f->text, ec);
    if (ec) std::abort();  // a frame every client would fail to parse
  }
  return 0;
}
