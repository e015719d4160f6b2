// One line of ringcast-publish's input: parsed, checked, and turned into
// what publisher::publish_raw() takes. A pure function (no I/O), so every
// refusal can be tested on its own.
//
//   {"type":"PNL_UPDATE","userId":"alice","payload":{"totalPnl":12.5,...}}
//
// `type` is a wire name (shm::event_type_from_wire); `userId` a string of
// at most shm::k_max_user_id bytes, "" or absent for a global event;
// `payload` what shm::decode_payload_json() accepts. No other keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ringcast/shm/schema.hpp"

namespace ringcast::publish {

struct event_line {
  shm::event_type type{};
  std::uint8_t schema_version = 0;
  std::string user_id;
  std::vector<std::byte> payload;
};

// False with `error` set ("userId: expected a string; got 5",
// "payload.side: expected one of ...") when the line is not an event;
// `out` is then unspecified.
[[nodiscard]] bool parse_event_line(std::string_view text, event_line& out, std::string& error);

}  // namespace ringcast::publish
