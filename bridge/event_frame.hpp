// One event as it goes out: encoded once, by the drain thread, into the
// WebSocket text every recipient is sent, and shared immutable between
// them (Beast chat-multi's shared_ptr<const std::string>):
//
//   {"type":"PNL_UPDATE","seq":42,"timestamp":"2026-11-22T02:40:41.123456Z",
//    "userId":"alice","payload":{...}}
//
// Control messages (connection:status, pong, errors, gap notices, resume
// answers) are frames too, with type 0 and no producer timestamp. Their seq
// is 0, except a ring-gap notice's: the last seq it stands for, so that it
// sorts among events in the history.
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
  std::string key;                // conflation key (event_key.hpp); empty: a stream event
  std::int8_t log_level = -1;     // system_log: its shm::log_level; else -1

  [[nodiscard]] bool is_event() const noexcept { return type != 0; }
};

using frame_ptr = std::shared_ptr<const event_frame>;

// Encodes a ring record. nullptr when its payload cannot be encoded (a type
// or schema version this build does not know, or malformed bytes): the
// caller counts it, it is never sent half-encoded.
[[nodiscard]] frame_ptr encode_event(const shm::record_view& r, std::uint64_t seq);

// 16 lowercase hex digits: how epochs are written on the wire.
[[nodiscard]] std::string hex64(std::uint64_t v);

// A control message: `text` as is.
[[nodiscard]] frame_ptr control_frame(std::string text, std::uint64_t seq = 0);

}  // namespace ringcast::bridge
