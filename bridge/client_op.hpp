// What a client may send: small JSON ops, parsed by a pure function so that
// the parser is unit-tested and fuzzed without a socket (tests/fuzz).
//
//   {"op":"ping"}                    -> {"type":"pong"}
//
// Anything else gets an error message back (error_reply()), never silence.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace ringcast::bridge {

enum class op_kind : std::uint8_t { ping };

struct client_op {
  op_kind kind = op_kind::ping;
};

// Error codes are part of the protocol (docs/PROTOCOL.md, "Errors").
enum class op_error : std::uint8_t {
  malformed,    // not a JSON object with a string "op"
  unknown_op,   // "op" names nothing this bridge knows
  binary,       // a binary frame: ops are JSON text
  rate_limited  // over the per-client op rate; the op was not executed
};

[[nodiscard]] std::string_view code(op_error e) noexcept;

struct op_parse_result {
  std::variant<client_op, op_error> value;
  std::string detail;  // for errors: what was wrong, shown to the client
};

// `text` is one complete WebSocket text message, already size-limited by
// the session. Never throws.
[[nodiscard]] op_parse_result parse_client_op(std::string_view text) noexcept;

// {"type":"error","code":"unknown_op","message":"..."}
[[nodiscard]] std::string error_reply(op_error e, std::string_view detail);

// {"type":"pong"}
[[nodiscard]] std::string pong_reply();

}  // namespace ringcast::bridge
