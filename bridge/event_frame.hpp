// One event as it goes out: encoded once, by the drain thread, into the
// WebSocket text every recipient is sent, and shared immutable between
// them (Beast chat-multi's shared_ptr<const std::string>):
//
//   {"type":"PNL_UPDATE","seq":42,"timestamp":"2026-11-22T02:40:41.123456Z",
//    "userId":"alice","payload":{...}}
//
// Control messages a session writes to its own client (connection:status,
// pong, errors) are frames too, with seq 0 and no producer timestamp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ringcast/shm/record.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::bridge {

struct event_frame {
  std::string text;               // the whole WebSocket message
  std::int64_t timestamp_ns = 0;  // producer's CLOCK_REALTIME; 0 for control messages
  std::uint64_t seq = 0;          // the bridge's sequence (decision 0005); 0 for control messages
  std::uint16_t type = 0;         // shm::event_type; 0 for control messages
  std::string user_id;            // empty: a global event
};

using frame_ptr = std::shared_ptr<const event_frame>;

// Encodes a ring record. nullptr when its payload cannot be encoded (a type
// or schema version this build does not know, or malformed bytes): the
// caller counts it, it is never sent half-encoded.
[[nodiscard]] frame_ptr encode_event(const shm::record_view& r, std::uint64_t seq);

// 16 lowercase hex digits: how epochs are written on the wire.
[[nodiscard]] std::string hex64(std::uint64_t v);

// A control message: `text` as is.
[[nodiscard]] frame_ptr control_frame(std::string text);

}  // namespace ringcast::bridge
