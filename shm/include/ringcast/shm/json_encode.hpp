// The JSON text of every event payload, derived from the schema
// (schema.hpp) through Boost.Describe. The bridge encodes each event once
// and sends the same text to every browser.
//
//   std::string out;
//   shm::encode_json(shm::pnl_update{.total_pnl = 12.5}, out);
//   // {"totalPnl":12.5,"dailyPnl":0,"positionPnl":0,"realizedPnl":0}
//
//   if (!shm::encode_payload_json(type, r.schema_version, r.payload, out)) { /* refused */ }
//
// The text (docs/decisions/0002-json-encoding.md):
//  - one object per payload; keys are the members in declaration order,
//    camelCase, computed at compile time;
//  - doubles in shortest round-trip form, plain from 1e-6 to 1e21 as
//    JavaScript prints them (1.5, 0.0001, 100000; 1e-7, 1e+21), -0 as 0,
//    NaN and infinities as null; integers as integers;
//  - fixed_string and tail text as JSON strings, escaped, invalid UTF-8
//    replaced by U+FFFD: the output is always valid UTF-8;
//  - enums as their wire strings ("PARTIALLY_FILLED"), null for a value no
//    enumerator names; flag as true/false;
//  - tail types: counts and sizes are not output; the tail is:
//      futures_orderbook_update  "bids":[{"price":..,"qty":..}..],"asks":[..]
//      chain_update              "orders":[{..chain_order..}..]
//      gateway_status_change     "metadata":{..} or null
//      system_log                "message":"..","metadata":{..} or null
//    metadata is the producer's JSON text as is when it parses as an
//    object, else null (empty or invalid).
//
// Both functions only append to `out`: no allocation beyond its growth
// (metadata validation excepted: it parses into a stack buffer first). They
// throw only what growing `out` throws (std::bad_alloc), and then leave
// `out` as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ringcast/shm/detail/json_write.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::shm {

// Appends the JSON object of a fixed-size payload.
template <fixed_event_payload T>
void encode_json(const T& payload, std::string& out) {
  const std::size_t start = out.size();
  try {
    detail::append_members(payload, out);
    out.push_back('}');
  } catch (...) {
    out.resize(start);  // no half object left behind
    throw;
  }
}

// Appends the JSON object of a payload as found in the ring. Returns false,
// appending nothing, when `type` is unknown, `schema_version` is not
// event_traits<T>::version, or the size is wrong: fixed types must be
// exactly sizeof(T); tail types at least sizeof(T), with the struct's
// counts and sizes adding up to exactly the payload size.
//
// `payload` may hold any bytes (another process wrote them): the struct and
// each tail element are copied out with memcpy, every read is bounds-checked.
// The bytes must stay unchanged during the call (the ring guarantees it for
// a record being handled).
[[nodiscard]] bool encode_payload_json(event_type type, std::uint8_t schema_version,
                                       std::span<const std::byte> payload, std::string& out);

// Appends a CLOCK_REALTIME time as ISO-8601 UTC with microseconds, without
// quotes: 2026-11-21T23:38:55.123456Z. The envelope's "timestamp".
void append_iso8601_utc(std::int64_t unix_ns, std::string& out);

}  // namespace ringcast::shm
