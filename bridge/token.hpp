// HS256 JSON Web Tokens for the WebSocket bridge: verifying the token a
// client presents, minting one (ringcast-token, tests), and loading the
// shared secret. Verification is pure (no I/O, no clock: the caller passes
// the time), never throws, and checks the signature before it reads a claim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringcast::bridge {

struct token_claims {
  std::string user_id;          // "sub": 1..64 bytes, valid UTF-8, no control characters
  std::int64_t expires_at = 0;  // "exp": unix seconds (a fractional JSON number is floored)
  bool admin = false;           // "role": "admin"; any other role, or none, is not admin
};

enum class token_error : std::uint8_t {
  missing,          // empty token
  malformed,        // not header.payload.signature of strict base64url JSON objects, or over 4096 bytes
  bad_signature,    // HMAC-SHA256 does not match (or the secret is empty)
  expired,          // now >= exp + leeway
  unsupported_alg,  // "alg" is anything but "HS256" ("none" included)
  bad_claims,       // signed, but "sub"/"exp"/"role"/"nbf" wrong or missing, or not yet valid
};

// A short sentence for logs and close reasons, e.g. "token signature does not match".
[[nodiscard]] std::string_view describe(token_error e) noexcept;

struct token_result {
  token_claims claims;  // filled only when ok
  token_error error = token_error::missing;
  bool ok = false;
};

// Tokens longer than this are refused as malformed before any decoding.
inline constexpr std::size_t k_max_token_size = 4096;
// Secrets shorter than this are refused by load_jwt_secret().
inline constexpr std::size_t k_min_secret_size = 16;

// Verifies a compact JWS (RFC 7515: base64url without padding, '=' refused)
// signed with HS256 under `secret`. Expired when now_unix >= exp + leeway_s;
// not yet valid (bad_claims) when now_unix + leeway_s < nbf. A negative
// leeway counts as 0. An empty secret verifies nothing (bad_signature).
[[nodiscard]] token_result verify_token(std::string_view token, std::string_view secret, std::int64_t now_unix,
                                        std::int64_t leeway_s = 0) noexcept;

// Header {"alg":"HS256","typ":"JWT"}, payload {"sub","exp"[,"role":"admin"]}
// in that order, so equal claims give equal tokens. Throws
// std::invalid_argument if the user id would not verify, or the secret is empty.
[[nodiscard]] std::string mint_token(const token_claims& claims, std::string_view secret);

// "30s", "15m", "1h", "7d" or plain seconds ("90"). nullopt if malformed,
// zero, or over 366 days.
[[nodiscard]] std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept;

// The secret of `ringcast-bridge --insecure-dev` and `ringcast-token
// --insecure-dev`: public, so anyone can mint tokens for such a bridge.
inline constexpr std::string_view k_insecure_dev_secret = "ringcast-insecure-dev-secret";

// The secret from the file `secret_file` (trailing whitespace stripped), or
// from $RINGCAST_JWT_SECRET when `secret_file` is empty; "" if neither is
// set. Throws std::runtime_error, saying what to do, if the file cannot be
// read or the secret is shorter than k_min_secret_size bytes.
[[nodiscard]] std::string load_jwt_secret(const std::string& secret_file);

}  // namespace ringcast::bridge
