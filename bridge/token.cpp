#include "token.hpp"

#include <cctype>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "ringcast/shm/layout.hpp"

namespace ringcast::bridge {

namespace {

namespace json = boost::json;

using mac_bytes = std::array<unsigned char, 32>;  // HMAC-SHA256

// The only header we mint; verification accepts any equivalent JSON.
constexpr std::string_view k_header_json = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view k_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::int64_t k_max_duration = std::int64_t{366} * 86'400;
constexpr std::size_t k_max_secret_file = std::size_t{64} * 1024;

// Value of each base64url character, -1 for every other byte ('=' included:
// RFC 7515 compact serialisation has no padding).
constexpr std::array<std::int8_t, 256> k_decode_table = [] {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (std::size_t i = 0; i < k_alphabet.size(); ++i)
    t[static_cast<unsigned char>(k_alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}();

std::string base64url_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  unsigned bits = 0;
  for (const char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(k_alphabet[(acc >> bits) & 63u]);
    }
  }
  if (bits > 0) out.push_back(k_alphabet[(acc << (6 - bits)) & 63u]);
  return out;
}

// Strict: only the 64 base64url characters, no padding, no impossible length
// (one character left over carries 6 bits, not a byte), and the unused low
// bits of the last character must be zero, so that every byte string has
// exactly one spelling and a signature cannot be re-spelled.
bool base64url_decode(std::string_view in, std::string& out) {
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;  // high bits shift out harmlessly: only the low `bits` matter
  unsigned bits = 0;
  for (const char c : in) {
    const std::int8_t v = k_decode_table[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFFu));
    }
  }
  return (acc & ((1u << bits) - 1u)) == 0;
}

bool hmac_sha256(std::string_view key, std::string_view data, mac_bytes& out) noexcept {
  if (key.size() > static_cast<std::size_t>(INT_MAX)) return false;
  unsigned int len = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return r != nullptr && len == out.size();
}

// Valid UTF-8 (shortest form, no surrogates, at most U+10FFFF) without C0
// controls, DEL or C1 controls: user ids end up in logs and dashboards.
bool is_clean_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      if (b0 < 0x20 || b0 == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;  // continuation bytes
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 1;
      cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 2;
      cp = b0 & 0x0Fu;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 3;
      cp = b0 & 0x07u;
    } else {
      return false;  // continuation byte first, C0/C1 overlong lead, or beyond U+10FFFF
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0u) != 0x80u) return false;
      cp = (cp << 6) | (c & 0x3Fu);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;  // overlong / too big
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                                           // surrogate
    if (cp <= 0x9F) return false;                                                             // C1 control
    i += n + 1;
  }
  return true;
}

bool is_valid_user_id(std::string_view s) noexcept {
  return !s.empty() && s.size() <= shm::k_max_user_id && is_clean_utf8(s);
}

// A JSON object from untrusted text: never the throwing parse, bounded depth.
std::optional<json::object> parse_object(std::string_view text) {
  json::parse_options opt;
  opt.max_depth = 16;
  json::error_code ec;
  json::value v = json::parse(text, ec, {}, opt);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

// "exp"/"nbf": a JSON integer, or a number with a fraction (floored).
// nullopt for any other type, or a value outside int64.
std::optional<std::int64_t> unix_seconds(const json::value& v) noexcept {
  switch (v.kind()) {
    case json::kind::int64:
      return v.get_int64();
    case json::kind::uint64:  // only values above INT64_MAX parse as uint64
      if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
      return static_cast<std::int64_t>(v.get_uint64());
    case json::kind::double_: {
      const double d = std::floor(v.get_double());
      if (!(d >= -0x1p63 && d < 0x1p63)) return std::nullopt;  // also false for NaN
      return static_cast<std::int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

token_result failure(token_error e) noexcept {
  token_result r;
  r.error = e;
  return r;
}

token_result verify(std::string_view token, std::string_view secret, std::int64_t now, std::int64_t leeway) {
  if (token.empty()) return failure(token_error::missing);
  if (token.size() > k_max_token_size) return failure(token_error::malformed);
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return failure(token_error::malformed);
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return failure(token_error::malformed);

  std::string header;
  std::string payload;
  std::string signature;
  if (!base64url_decode(token.substr(0, dot1), header) ||
      !base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload) ||
      !base64url_decode(token.substr(dot2 + 1), signature))
    return failure(token_error::malformed);

  const auto h = parse_object(header);
  if (!h) return failure(token_error::malformed);
  // Only HS256: the algorithm is ours to choose, never the token's ("none",
  // or RS256 verified with the secret as a public key, are the classic holes).
  const json::value* alg = h->if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->get_string() != "HS256") return failure(token_error::unsupported_alg);
  // "typ" is compared without regard to case (RFC 7515 4.1.9).
  if (const json::value* typ = h->if_contains("typ"); typ != nullptr) {
    if (!typ->is_string()) return failure(token_error::malformed);
    const std::string_view t = typ->get_string();
    if (t.size() != 3 || std::toupper(static_cast<unsigned char>(t[0])) != 'J' ||
        std::toupper(static_cast<unsigned char>(t[1])) != 'W' || std::toupper(static_cast<unsigned char>(t[2])) != 'T')
      return failure(token_error::malformed);
  }
  // RFC 7515 4.1.11: extensions listed in "crit" must be understood; we understand none.
  if (h->contains("crit")) return failure(token_error::malformed);

  // The signature before anything in the payload is believed. An empty
  // secret would let anyone mint tokens: it verifies nothing.
  mac_bytes expected{};
  if (secret.empty() || !hmac_sha256(secret, token.substr(0, dot2), expected))
    return failure(token_error::bad_signature);
  if (signature.size() != expected.size() || CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0)
    return failure(token_error::bad_signature);

  const auto claims = parse_object(payload);
  if (!claims) return failure(token_error::malformed);
  const json::value* sub = claims->if_contains("sub");
  if (sub == nullptr || !sub->is_string() || !is_valid_user_id(sub->get_string()))
    return failure(token_error::bad_claims);
  const json::value* exp_value = claims->if_contains("exp");
  const std::optional<std::int64_t> exp = exp_value != nullptr ? unix_seconds(*exp_value) : std::nullopt;
  if (!exp) return failure(token_error::bad_claims);
  const json::value* role = claims->if_contains("role");
  if (role != nullptr && !role->is_string()) return failure(token_error::bad_claims);
  std::optional<std::int64_t> nbf;
  if (const json::value* nbf_value = claims->if_contains("nbf")) {
    nbf = unix_seconds(*nbf_value);
    if (!nbf) return failure(token_error::bad_claims);
  }

  if (now >= saturating_add(*exp, leeway)) return failure(token_error::expired);
  if (nbf && saturating_add(now, leeway) < *nbf) return failure(token_error::bad_claims);

  token_result r;
  r.claims.user_id = sub->get_string();
  r.claims.expires_at = *exp;
  r.claims.admin = role != nullptr && role->get_string() == "admin";
  r.ok = true;
  return r;
}

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

[[noreturn]] void throw_unreadable(const std::string& path, int err) {
  throw std::runtime_error("cannot read JWT secret file '" + path + "': " + std::strerror(err) +
                           " (check the path and that this user may read it)");
}

std::string read_secret_file(const std::string& path) {
  const std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw_unreadable(path, errno);
  // One byte more than allowed tells "too big" from "exactly at the limit";
  // the bound keeps a wrong path such as /dev/zero from eating memory.
  std::string data(k_max_secret_file + 1, '\0');
  const std::size_t n = std::fread(data.data(), 1, data.size(), f.get());
  if (std::ferror(f.get()) != 0) throw_unreadable(path, errno);
  if (n > k_max_secret_file)
    throw std::runtime_error("JWT secret file '" + path + "' is larger than 64 KiB; it should hold only the secret");
  data.resize(n);
  return data;
}

}  // namespace

std::string_view describe(token_error e) noexcept {
  switch (e) {
    case token_error::missing:
      return "no token was presented";
    case token_error::malformed:
      return "token is not a well-formed JWT";
    case token_error::bad_signature:
      return "token signature does not match";
    case token_error::expired:
      return "token has expired";
    case token_error::unsupported_alg:
      return "token algorithm is not HS256";
    case token_error::bad_claims:
      return "token claims are missing, invalid or not yet valid";
  }
  return "unknown token error";
}

token_result verify_token(std::string_view token, std::string_view secret, std::int64_t now_unix,
                          std::int64_t leeway_s) noexcept {
  try {
    return verify(token, secret, now_unix, leeway_s < 0 ? 0 : leeway_s);
  } catch (...) {  // std::bad_alloc in practice: parse() reports everything else through its error_code
    return failure(token_error::malformed);
  }
}

std::string mint_token(const token_claims& claims, std::string_view secret) {
  if (secret.empty()) throw std::invalid_argument("cannot sign a token with an empty secret");
  if (!is_valid_user_id(claims.user_id))
    throw std::invalid_argument("user id must be 1.." + std::to_string(shm::k_max_user_id) +
                                " bytes of UTF-8 without control characters (got " +
                                std::to_string(claims.user_id.size()) + " bytes)");
  json::object payload;
  payload["sub"] = json::string_view(claims.user_id.data(), claims.user_id.size());
  payload["exp"] = claims.expires_at;
  if (claims.admin) payload["role"] = "admin";
  std::string token = base64url_encode(k_header_json);
  token += '.';
  token += base64url_encode(json::serialize(payload));
  mac_bytes mac{};
  if (!hmac_sha256(secret, token, mac)) throw std::runtime_error("HMAC-SHA256 failed");
  token += '.';
  token += base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
  return token;
}

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) noexcept {
  std::int64_t unit = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86'400;
        break;
      default:
        unit = 0;  // no suffix: plain seconds
        break;
    }
    if (unit != 0)
      text.remove_suffix(1);
    else
      unit = 1;
  }
  if (text.empty()) return std::nullopt;
  std::int64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;  // no sign, spaces or fractions
    n = n * 10 + (c - '0');
    if (n > k_max_duration) return std::nullopt;  // also keeps n * unit from overflowing
  }
  if (n == 0 || n * unit > k_max_duration) return std::nullopt;
  return n * unit;
}

std::string load_jwt_secret(const std::string& secret_file) {
  std::string secret;
  std::string source;
  if (secret_file.empty()) {
    const char* env = std::getenv("RINGCAST_JWT_SECRET");
    if (env == nullptr || *env == '\0') return {};
    secret = env;
    source = "RINGCAST_JWT_SECRET";
  } else {
    secret = read_secret_file(secret_file);
    // Editors and `echo` end files with a newline; it is not part of the secret.
    const std::size_t end = secret.find_last_not_of(" \t\r\n\v\f");
    secret.resize(end == std::string::npos ? 0 : end + 1);
    source = "JWT secret file '" + secret_file + "'";
  }
  if (secret.size() < k_min_secret_size)
    throw std::runtime_error(source + " holds a " + std::to_string(secret.size()) + "-byte secret; use at least " +
                             std::to_string(k_min_secret_size) +
                             " random bytes, e.g. `head -c 32 /dev/urandom | base64`");
  return secret;
}

}  // namespace ringcast::bridge
