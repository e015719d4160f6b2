// What the bridge needs to know about one ring record before queueing it for
// a slow client: its conflation key (a newer queued event with the same key
// replaces the older one) and, for system_log, its level. A pure function
// over the record's bytes, so it is unit-tested and fuzzed
// (tests/fuzz/event_fuzz.cpp) without a ring.
//
// Keys: every key holds the event type and the record's user_id (an admin's
// queue mixes many users' events), then the type's key fields from the
// schema (shm/state_key.hpp: symbol, asset, mode...).
//
// Stream events (empty key, never conflated): order_update, trade_update,
// lifecycle_event, chain_update, signal_update, system_log,
// gateway_status_change, and any unknown type. So is a record whose
// schema_version is not event_traits<T>::version or whose payload is shorter
// than sizeof(T): its bytes cannot be trusted to name anything. Likewise a
// user_id longer than k_max_user_id (parse_record() never hands one out).
//
// Key bytes (unambiguous, nothing cut):
//   2 bytes   the event type number, big-endian
//   1 + n     user_id: its length n (k_max_user_id <= 255), then its bytes
//   per key field, in state_key<T>::fields order:
//     1 + n   a fixed_string: the length of view(), then those bytes
//     1       position_side: the raw enum byte
// Lengths, not separators: user ids and fixed_strings come from producers and
// may hold any byte, a 0x1F included.
#pragma once

#include <optional>
#include <string>

#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/record.hpp"

namespace ringcast::bridge {

struct event_facts {
  std::string key;                      // empty: a stream event, never conflated
  std::optional<shm::log_level> level;  // system_log only, when its struct is readable and the level is named
};

[[nodiscard]] event_facts classify_event(const shm::record_view& r);

}  // namespace ringcast::bridge
