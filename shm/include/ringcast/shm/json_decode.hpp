// JSON -> payload bytes: the inverse of json_encode, derived from the same
// Boost.Describe'd schema (schema.hpp), for producers that speak JSON (the
// ringcast-publish tool, the C ABI).
//
//   std::vector<std::byte> bytes;
//   std::string error;
//   if (!shm::decode_payload_json(shm::event_type::pnl_update, R"({"totalPnl":12.5,...})", bytes, error))
//     /* error: "payload.dailyPnl: missing" */;
//   auto st = pub.publish_raw(type, version_of(type), user, bytes);
//
// What is accepted is exactly what json_encode writes:
//  - an object with every output member of the payload, camelCase, and
//    nothing else (every field is required: the wire always has them all);
//  - numbers for double members; null too, read as NaN (the encoder writes
//    NaN and infinities as null); a number too large for a double is refused;
//  - integers for integer members, in the member's range; an integral
//    number written with a fraction or exponent (3.0, 1e3) is accepted up
//    to 2^53, where doubles stop being exact;
//  - strings for fixed_string members, at most capacity bytes, no U+0000;
//  - enums as their wire strings ("PARTIALLY_FILLED"), booleans as true/false;
//  - tails: "bids"/"asks" arrays of {price, qty} (at most 65535 each),
//    "orders" (at most 65535 chain orders), "message" a string, "metadata"
//    an object or null. The counts and sizes (bidCount, messageSize...) are
//    derived from the tail and must not be sent.
//
// The bytes are what publisher::publish() writes for that payload: the
// struct (padding bytes zero) with its counts set, then the tail; metadata
// is the object re-serialized compactly (numbers in shortest form, as
// json_encode writes them), empty for null.
//
// On failure `out` is unchanged and `error` names the field path and what was
// expected: `payload.side: expected one of "BUY", "SELL", got "buy"`,
// `payload.bids[3].qty: expected a number, got a string`.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ringcast/shm/schema.hpp"

namespace ringcast::shm {

// Parses `payload_object_json` with parse_json_exact() and decodes it.
[[nodiscard]] bool decode_payload_json(event_type type, std::string_view payload_object_json,
                                       std::vector<std::byte>& out, std::string& error);

// Decodes an already parsed payload object. Its numbers are taken as they
// are: parse with parse_json_exact() rather than boost::json::parse() to get
// correctly rounded doubles.
[[nodiscard]] bool decode_payload_json(event_type type, const boost::json::object& payload,
                                       std::vector<std::byte>& out, std::string& error);

// boost::json::parse(), except that numbers with a fraction or exponent are
// converted correctly rounded (std::from_chars on the parser's own token):
// Boost 1.81's conversion is off by an ulp or two for about one number in
// five, which would make decode(encode(x)) differ from x. Same grammar, same
// limits (depth 32), same errors; trailing text is error::extra_data.
// Returns null with `ec` set on failure; `consumed` (if given) receives the
// bytes read up to the error, for a message that says where.
[[nodiscard]] boost::json::value parse_json_exact(std::string_view text, boost::system::error_code& ec,
                                                  std::size_t* consumed = nullptr,
                                                  boost::json::storage_ptr sp = {});

// Compact JSON text of a value, with numbers and strings written as
// json_encode writes them (0.1 and 100000, never Boost 1.81's 1E-1 or 1E5).
// For tools that build a boost::json::value and print it. Throws
// std::invalid_argument for a value nested deeper than 64 levels.
[[nodiscard]] std::string to_json_text(const boost::json::value& v);

}  // namespace ringcast::shm
