// What a client may send: small JSON ops, and the /ws query that sets the
// same things at connect time. Both are parsed by pure functions so that the
// parsers are unit-tested and fuzzed without a socket (tests/fuzz).
//
//   {"op":"ping"}                                      -> {"type":"pong"}
//   {"op":"subscribe","types":["PNL_UPDATE","*"]}      add types to the session's filter
//   {"op":"unsubscribe","types":["ORDER_UPDATE"]}      remove them
//   {"op":"resume","epoch":"0123abcd...","lastSeq":42} replay what followed seq 42 of that epoch
//   {"op":"batch","enabled":true}                      several events per frame
//   {"op":"log_level","level":"WARN"}                  system_log events at WARN and above
//   {"op":"stats","enabled":true}                      bridge:stats once a second (admin sessions)
//
//   /ws?types=PNL_UPDATE,ORDER_UPDATE&epoch=...&lastSeq=42&batch=1&logLevel=WARN&stats=1
//
// Type names are the wire names of shm/schema.hpp; "*" means every type.
// Anything else gets an error message back (error_reply()), never silence.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ringcast/shm/payloads.hpp"
#include "ringcast/shm/schema.hpp"

namespace ringcast::bridge {

enum class op_kind : std::uint8_t { ping, subscribe, unsubscribe, resume, batch, log_level, stats };

// Bit i is shm::event_type i; bit 0 (the ring's padding record) is never set.
using type_set = std::bitset<shm::k_event_type_count>;

[[nodiscard]] type_set all_event_types() noexcept;

// A client's place in the stream: the epoch it last saw (kept as the client
// sent it, 1 to 32 hex digits) and the last seq it received in that epoch.
struct resume_point {
  std::string epoch{};
  std::uint64_t last_seq = 0;

  friend bool operator==(const resume_point&, const resume_point&) = default;
};

// One op; only the members of its kind are meaningful. Every member has a
// default initializer, so that client_op{.kind = ...} names only what it sets.
struct client_op {
  op_kind kind = op_kind::ping;
  type_set types{};                              // subscribe, unsubscribe
  resume_point resume{};                         // resume
  bool enabled = false;                          // batch, stats
  shm::log_level level = shm::log_level::debug;  // log_level
};

// Error codes are part of the protocol (docs/PROTOCOL.md, "Errors").
enum class op_error : std::uint8_t {
  malformed,     // not a JSON object with a string "op" (or an unparsable /ws target)
  unknown_op,    // "op" names nothing this bridge knows
  binary,        // a binary frame: ops are JSON text
  rate_limited,  // over the per-client op rate; the op was not executed
  unknown_type,  // a type list names an event type that does not exist; nothing was applied
  invalid,       // a known op (or /ws parameter) with a missing or wrong-typed member
  forbidden      // an op this session's token does not allow (stats without role admin)
};

[[nodiscard]] std::string_view code(op_error e) noexcept;

// "DEBUG", "INFO", "WARN", "ERROR": system_log's level as on the wire.
[[nodiscard]] std::string_view wire_name(shm::log_level l) noexcept;
[[nodiscard]] std::optional<shm::log_level> log_level_from_wire(std::string_view name) noexcept;

struct op_parse_result {
  std::variant<client_op, op_error> value;
  std::string detail;  // for errors: what was wrong, shown to the client
};

// `text` is one complete WebSocket text message, already size-limited by
// the session. Never throws.
[[nodiscard]] op_parse_result parse_client_op(std::string_view text) noexcept;

// What the /ws request target asks for before the first op. Parameters not
// listed here (token, cache busters) are ignored.
struct ws_options {
  std::optional<type_set> types{};        // types=A,B (comma separated, "*" allowed; repeated: the union)
  std::optional<resume_point> resume{};   // epoch=...&lastSeq=N, both or neither
  bool batch = false;                     // batch=1|true|0|false
  bool stats = false;                     // stats=1|true|0|false (admin tokens only)
  std::optional<shm::log_level> level{};  // logLevel=DEBUG|INFO|WARN|ERROR
};

struct ws_options_result {
  std::variant<ws_options, op_error> value;
  std::string detail;  // for errors: the body of the bridge's 400 answer
};

// `target` is the HTTP request target in origin form ("/ws?token=...&types=..."); the
// path is not looked at. Parameters are percent-decoded ('+' is a space). Never throws.
[[nodiscard]] ws_options_result parse_ws_options(std::string_view target) noexcept;

// {"type":"error","code":"unknown_op","message":"..."}
[[nodiscard]] std::string error_reply(op_error e, std::string_view detail);

// {"type":"pong"}
[[nodiscard]] std::string pong_reply();

}  // namespace ringcast::bridge
