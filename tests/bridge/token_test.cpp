// HS256 tokens: what verify_token() accepts and why it refuses the rest,
// on tokens built here by hand (signed with OpenSSL directly, not through
// token.cpp), the RFC 7515 example, mint_token() round trips, durations,
// the secret loader, and the ringcast-token binary.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "token.hpp"

namespace ringcast::bridge {
namespace {

constexpr std::string_view k_secret = "ringcast-test-secret-0123456789";
constexpr std::int64_t k_now = 1'700'000'000;
constexpr std::string_view k_hs256 = R"({"alg":"HS256","typ":"JWT"})";

// Base64url through OpenSSL's standard base64: '+' '/' become '-' '_',
// padding dropped. Independent of token.cpp's codec.
std::string b64url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string hs256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

// header.payload signed with HS256 whatever the header claims.
std::string signed_token(std::string_view header_json, std::string_view payload_json, std::string_view key = k_secret) {
  const std::string input = b64url(header_json) + "." + b64url(payload_json);
  return input + "." + hs256(key, input);
}

std::string claims_json(std::string_view sub_json, std::int64_t exp, std::string_view extra = "") {
  return std::string(R"({"sub":)") + std::string(sub_json) + R"(,"exp":)" + std::to_string(exp) + std::string(extra) +
         "}";
}

token_error error_of(std::string_view token, std::int64_t now = k_now, std::int64_t leeway = 0) {
  const token_result r = verify_token(token, k_secret, now, leeway);
  EXPECT_FALSE(r.ok) << token;
  return r.error;
}

// --- round trips and known vectors -------------------------------------------------

TEST(Token, MintVerifyRoundTrip) {
  for (const bool admin : {false, true}) {
    const std::string t = mint_token({.user_id = "alice", .expires_at = k_now + 3600, .admin = admin}, k_secret);
    const token_result r = verify_token(t, k_secret, k_now);
    ASSERT_TRUE(r.ok) << describe(r.error);
    EXPECT_EQ(r.claims.user_id, "alice");
    EXPECT_EQ(r.claims.expires_at, k_now + 3600);
    EXPECT_EQ(r.claims.admin, admin);
  }
  // Non-ASCII ids and JSON-escaped characters survive.
  const std::string user = "zo\xC3\xAB \"q\" \\ \xE2\x82\xAC";
  const token_result r =
      verify_token(mint_token({.user_id = user, .expires_at = k_now + 1}, k_secret), k_secret, k_now);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.claims.user_id, user);
}

// Computed outside this code base:
//   h=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | basenc --base64url | tr -d =)
//   p=$(printf '%s' '{"sub":"alice","exp":1700000600,"role":"admin"}' | basenc --base64url | tr -d =)
//   printf '%s' "$h.$p" | openssl dgst -sha256 -hmac 'ringcast-test-secret-0123456789' -binary |
//     basenc --base64url | tr -d =
constexpr std::string_view k_known_header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
constexpr std::string_view k_known_payload = "eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDYwMCwicm9sZSI6ImFkbWluIn0";
constexpr std::string_view k_known_signature = "BKKEaEIHVMWJVSL1Sg4AMkyTH0XEoBO-OikoF-J-TS0";

TEST(Token, KnownVector) {
  const std::string token =
      std::string(k_known_header) + "." + std::string(k_known_payload) + "." + std::string(k_known_signature);
  // The test's own encoder and HMAC agree with the command line...
  EXPECT_EQ(signed_token(k_hs256, R"({"sub":"alice","exp":1700000600,"role":"admin"})"), token);
  // ...and so does mint_token, byte for byte: its header and claim order are fixed.
  EXPECT_EQ(mint_token({.user_id = "alice", .expires_at = 1'700'000'600, .admin = true}, k_secret), token);
  const token_result r = verify_token(token, k_secret, k_now);
  ASSERT_TRUE(r.ok) << describe(r.error);
  EXPECT_EQ(r.claims.user_id, "alice");
  EXPECT_EQ(r.claims.expires_at, 1'700'000'600);
  EXPECT_TRUE(r.claims.admin);
}

// RFC 7515 appendix A.1: the HS256 example with its binary key. Its claims
// have no "sub", so a correct verifier gets past the signature and stops at
// the claims; a changed signature stops it earlier.
TEST(Token, Rfc7515ExampleSignatureMatches) {
  // The JWK's "k", base64url-decoded: basenc --base64url -d | xxd -p
  const unsigned char key_bytes[] = {0x03, 0x23, 0x35, 0x4b, 0x2b, 0x0f, 0xa5, 0xbc, 0x83, 0x7e, 0x06, 0x65, 0x77,
                                     0x7b, 0xa6, 0x8f, 0x5a, 0xb3, 0x28, 0xe6, 0xf0, 0x54, 0xc9, 0x28, 0xa9, 0x0f,
                                     0x84, 0xb2, 0xd2, 0x50, 0x2e, 0xbf, 0xd3, 0xfb, 0x5a, 0x92, 0xd2, 0x06, 0x47,
                                     0xef, 0x96, 0x8a, 0xb4, 0xc3, 0x77, 0x62, 0x3d, 0x22, 0x3d, 0x2e, 0x21, 0x72,
                                     0x05, 0x2e, 0x4f, 0x08, 0xc0, 0xcd, 0x9a, 0xf5, 0x67, 0xd0, 0x80, 0xa3};
  const std::string_view key(reinterpret_cast<const char*>(key_bytes), sizeof key_bytes);
  std::string token =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
      "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  EXPECT_EQ(verify_token(token, key, 1'300'819'000).error, token_error::bad_claims);
  token.back() = 'g';  // 'k' and 'g' both leave the two unused bits zero
  EXPECT_EQ(verify_token(token, key, 1'300'819'000).error, token_error::bad_signature);
  token.back() = 'l';  // unused bits set: a second spelling of some signature
  EXPECT_EQ(verify_token(token, key, 1'300'819'000).error, token_error::malformed);
}

// --- signature ---------------------------------------------------------------------

TEST(Token, TamperedPayloadIsBadSignature) {
  const std::string t = mint_token({.user_id = "alice", .expires_at = k_now + 60}, k_secret);
  const std::size_t dot1 = t.find('.');
  const std::size_t dot2 = t.rfind('.');
  const std::string forged =
      t.substr(0, dot1 + 1) + b64url(claims_json(R"("alice")", k_now + 60, R"(,"role":"admin")")) + t.substr(dot2);
  EXPECT_EQ(error_of(forged), token_error::bad_signature);
}

TEST(Token, EveryOneCharacterChangeIsRefused) {
  const std::string t = mint_token({.user_id = "alice", .expires_at = k_now + 60}, k_secret);
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '.') continue;
    std::string m = t;
    m[i] = m[i] == 'A' ? 'Q' : 'A';  // they differ in bit 4, which even a last character carries
    EXPECT_FALSE(verify_token(m, k_secret, k_now).ok) << "position " << i;
  }
}

TEST(Token, WrongOrEmptySecretIsBadSignature) {
  const std::string t = mint_token({.user_id = "alice", .expires_at = k_now + 60}, k_secret);
  EXPECT_EQ(verify_token(t, "another-secret-0123456789", k_now).error, token_error::bad_signature);
  EXPECT_EQ(verify_token(t, "", k_now).error, token_error::bad_signature);
  // Nor does an empty secret accept a token signed with the empty key.
  EXPECT_EQ(verify_token(signed_token(k_hs256, claims_json(R"("alice")", k_now + 60), ""), "", k_now).error,
            token_error::bad_signature);
  const std::string no_sig = t.substr(0, t.rfind('.') + 1);
  EXPECT_EQ(error_of(no_sig), token_error::bad_signature);
  EXPECT_EQ(error_of(no_sig + "AAAA"), token_error::bad_signature);  // valid base64url, 3 bytes: not an HMAC
}

TEST(Token, OnlyHs256IsSupported) {
  const std::string claims = claims_json(R"("alice")", k_now + 60);
  // Unsigned, as an attacker would send it, and signed with our secret anyway.
  EXPECT_EQ(error_of(b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(claims) + "."),
            token_error::unsupported_alg);
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})",
                             R"({"alg":"hs256"})", R"({"typ":"JWT"})", R"({"alg":null})", R"({"alg":["HS256"]})"})
    EXPECT_EQ(error_of(signed_token(header, claims)), token_error::unsupported_alg) << header;
  EXPECT_TRUE(verify_token(signed_token(R"({"alg":"HS256"})", claims), k_secret, k_now).ok);  // "typ" optional
  EXPECT_TRUE(verify_token(signed_token(R"({"kid":"k1","alg":"HS256"})", claims), k_secret, k_now).ok);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256","typ":"JWS"})", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256","typ":1})", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256","crit":["exp"]})", claims)), token_error::malformed);
}

// --- time --------------------------------------------------------------------------

TEST(Token, ExpiresAtExp) {
  const std::string t = mint_token({.user_id = "alice", .expires_at = k_now}, k_secret);
  EXPECT_EQ(error_of(t, k_now), token_error::expired);
  EXPECT_EQ(error_of(t, k_now + 1000), token_error::expired);
  EXPECT_TRUE(verify_token(t, k_secret, k_now - 1).ok);
}

TEST(Token, Leeway) {
  const std::string t = mint_token({.user_id = "alice", .expires_at = k_now}, k_secret);
  EXPECT_TRUE(verify_token(t, k_secret, k_now + 9, 10).ok);
  EXPECT_EQ(error_of(t, k_now + 10, 10), token_error::expired);
  EXPECT_EQ(error_of(t, k_now, -10), token_error::expired);  // a negative leeway counts as none
  // exp + leeway near the int64 limits does not wrap around.
  const std::string far = signed_token(k_hs256, R"({"sub":"alice","exp":9223372036854775807})");
  EXPECT_TRUE(verify_token(far, k_secret, k_now, INT64_MAX).ok);
}

TEST(Token, NotBefore) {
  const auto with_nbf = [](std::string_view nbf) {
    return signed_token(k_hs256, claims_json(R"("alice")", k_now + 600, R"(,"nbf":)" + std::string(nbf)));
  };
  EXPECT_TRUE(verify_token(with_nbf(std::to_string(k_now)), k_secret, k_now).ok);
  EXPECT_EQ(error_of(with_nbf(std::to_string(k_now + 10))), token_error::bad_claims);
  EXPECT_TRUE(verify_token(with_nbf(std::to_string(k_now + 10)), k_secret, k_now, 10).ok);
  EXPECT_EQ(error_of(with_nbf(R"("soon")")), token_error::bad_claims);
}

// --- claims ------------------------------------------------------------------------

TEST(Token, ClaimsAreChecked) {
  const auto bad = [](std::string_view payload) {
    EXPECT_EQ(error_of(signed_token(k_hs256, payload)), token_error::bad_claims) << payload;
  };
  bad(R"({"sub":"alice"})");                                       // no exp
  bad(R"({"exp":1700000600})");                                    // no sub
  bad(claims_json(R"("")", k_now + 60));                           // empty sub
  bad(claims_json('"' + std::string(65, 'u') + '"', k_now + 60));  // 65 bytes
  bad(claims_json("42", k_now + 60));
  bad(claims_json("null", k_now + 60));
  bad(claims_json(R"(["alice"])", k_now + 60));
  bad(claims_json(R"("al\u0000ice")", k_now + 60));  // control characters
  bad(claims_json(R"("al\nice")", k_now + 60));
  bad(claims_json(R"("al\u007fice")", k_now + 60));
  bad(claims_json(R"("al\u0085ice")", k_now + 60));  // C1 control
  bad(R"({"sub":"alice","exp":"1700000600"})");
  bad(R"({"sub":"alice","exp":true})");
  bad(R"({"sub":"alice","exp":1e300})");                 // beyond int64
  bad(R"({"sub":"alice","exp":18446744073709551615})");  // uint64, beyond int64
  bad(claims_json(R"("alice")", k_now + 60, R"(,"role":true)"));
  bad(claims_json(R"("alice")", k_now + 60, R"(,"role":null)"));

  const std::string u64 = std::string(64, 'u');
  const token_result r64 =
      verify_token(signed_token(k_hs256, claims_json('"' + u64 + '"', k_now + 60)), k_secret, k_now);
  ASSERT_TRUE(r64.ok);
  EXPECT_EQ(r64.claims.user_id, u64);
}

TEST(Token, ClaimValues) {
  const auto verify = [](std::string_view payload) {
    return verify_token(signed_token(k_hs256, payload), k_secret, k_now);
  };
  token_result r = verify(R"({"sub":"alice","exp":1700000600.9,"iat":1700000000,"jti":"x"})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.claims.expires_at, 1'700'000'600);  // floored
  EXPECT_FALSE(r.claims.admin);
  r = verify(R"({"sub":"bob","exp":1.7000006e9,"role":"admin"})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.claims.expires_at, 1'700'000'600);
  EXPECT_TRUE(r.claims.admin);
  for (const char* role : {R"("user")", R"("Admin")", R"("admin ")"}) {
    r = verify(claims_json(R"("bob")", k_now + 60, R"(,"role":)" + std::string(role)));
    ASSERT_TRUE(r.ok) << role;
    EXPECT_FALSE(r.claims.admin) << role;
  }
  // JSON escapes decode before the checks: \u00e9 is U+00E9, two bytes.
  r = verify(claims_json(R"("ren\u00e9")", k_now + 60));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.claims.user_id, "ren\xC3\xA9");
}

TEST(Token, ClaimsAreNotReadBeforeTheSignature) {
  // Claims that are wrong in every way, under a wrong signature: the answer
  // is about the signature.
  const std::string t = signed_token(k_hs256, R"({"sub":42})", "another-secret-0123456789");
  EXPECT_EQ(error_of(t), token_error::bad_signature);
}

// --- structure ---------------------------------------------------------------------

TEST(Token, EmptyIsMissing) { EXPECT_EQ(error_of(""), token_error::missing); }

TEST(Token, Malformed) {
  const std::string good = mint_token({.user_id = "alice", .expires_at = k_now + 60}, k_secret);
  const std::size_t dot1 = good.find('.');
  const std::size_t dot2 = good.rfind('.');
  const std::string header = good.substr(0, dot1);
  const std::string payload = good.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string sig = good.substr(dot2 + 1);
  for (const std::string& t : {
           std::string("nodots"),
           header + "." + payload,                       // 2 parts
           good + ".",                                   // 4 parts
           good + "." + sig,                             // 4 parts
           "." + payload + "." + sig,                    // empty header
           header + "+." + payload + "." + sig,          // '+' is base64, not base64url
           header + "." + payload + "/." + sig,          // '/' likewise
           header + "." + payload + ".*" + sig,          // not base64 at all
           header + "." + payload + "." + sig + "=",     // padding
           header + "=." + payload + "." + sig,          // padding
           header + "." + payload + "." + sig + "AAA=",  // padding
           header + "." + payload + "." + sig + "A",     // 44 characters: 44 % 4 == 0, fine; 45 below
           header + "." + payload + "." + sig + "AA",    // 45 characters: length % 4 == 1
           header + " ." + payload + "." + sig,          // whitespace
           std::string(" ") + good,
       }) {
    const token_result r = verify_token(t, k_secret, k_now);
    EXPECT_FALSE(r.ok) << t;
    // 44 characters decode to 33 bytes: well-formed, but not our signature.
    if (t == header + "." + payload + "." + sig + "A")
      EXPECT_EQ(r.error, token_error::bad_signature);
    else
      EXPECT_EQ(r.error, token_error::malformed) << t;
  }
  const std::string claims = claims_json(R"("alice")", k_now + 60);
  EXPECT_EQ(error_of(signed_token("not json", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"(["alg","HS256"])", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"("HS256")", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256"} trailing)", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256",})", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(R"({"alg":"HS256",/*c*/"typ":"JWT"})", claims)), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(std::string(R"({"alg":"HS256","x":")") + "\xFF" + "\"}", claims)),
            token_error::malformed);  // invalid UTF-8
  // A nesting bomb: refused by the depth limit, not the stack.
  EXPECT_EQ(error_of(signed_token(
                std::string(R"({"alg":"HS256","x":)") + std::string(17, '[') + std::string(17, ']') + "}", claims)),
            token_error::malformed);
  // The payload is read only once signed: an empty one under a foreign
  // signature is a bad signature, a signed empty one is malformed.
  EXPECT_EQ(error_of(header + ".." + sig), token_error::bad_signature);
  EXPECT_EQ(error_of(signed_token(k_hs256, "")), token_error::malformed);
  // Signed payloads that are not JSON objects.
  EXPECT_EQ(error_of(signed_token(k_hs256, "[]")), token_error::malformed);
  EXPECT_EQ(error_of(signed_token(k_hs256, "alice")), token_error::malformed);
}

TEST(Token, SizeLimit) {
  EXPECT_EQ(error_of(std::string(5000, 'A')), token_error::malformed);
  // The largest signed token within 4096 bytes verifies; one more payload
  // byte pushes it over, and it is refused unread.
  std::string pad;
  std::string fits;
  std::string over;
  while (over.empty()) {
    const std::string t = signed_token(k_hs256, claims_json(R"("alice")", k_now + 60, R"(,"pad":")" + pad + "\""));
    (t.size() <= k_max_token_size ? fits : over) = t;
    pad += 'x';
  }
  EXPECT_GE(fits.size(), k_max_token_size - 2);
  EXPECT_TRUE(verify_token(fits, k_secret, k_now).ok);
  EXPECT_EQ(error_of(over), token_error::malformed);
}

TEST(Token, Describe) {
  EXPECT_EQ(describe(token_error::bad_signature), "token signature does not match");
  std::set<std::string_view> seen;
  for (const token_error e : {token_error::missing, token_error::malformed, token_error::bad_signature,
                              token_error::expired, token_error::unsupported_alg, token_error::bad_claims}) {
    EXPECT_FALSE(describe(e).empty());
    EXPECT_TRUE(seen.insert(describe(e)).second) << describe(e);
  }
}

TEST(Token, MintRefusesWhatVerifyWould) {
  EXPECT_THROW((void)mint_token({.user_id = "", .expires_at = k_now}, k_secret), std::invalid_argument);
  EXPECT_THROW((void)mint_token({.user_id = std::string(65, 'u'), .expires_at = k_now}, k_secret),
               std::invalid_argument);
  EXPECT_THROW((void)mint_token({.user_id = "a\tb", .expires_at = k_now}, k_secret), std::invalid_argument);
  EXPECT_THROW((void)mint_token({.user_id = "\xC3", .expires_at = k_now}, k_secret), std::invalid_argument);
  EXPECT_THROW((void)mint_token({.user_id = "alice", .expires_at = k_now}, ""), std::invalid_argument);
}

// --- durations ---------------------------------------------------------------------

TEST(Duration, Parses) {
  EXPECT_EQ(parse_duration_seconds("30s"), 30);
  EXPECT_EQ(parse_duration_seconds("15m"), 900);
  EXPECT_EQ(parse_duration_seconds("1h"), 3600);
  EXPECT_EQ(parse_duration_seconds("7d"), 7 * 86'400);
  EXPECT_EQ(parse_duration_seconds("90"), 90);
  EXPECT_EQ(parse_duration_seconds("366d"), 366 * 86'400);
  EXPECT_EQ(parse_duration_seconds("31622400"), 366 * 86'400);
  EXPECT_EQ(parse_duration_seconds("8784h"), 366 * 86'400);
}

TEST(Duration, Refuses) {
  for (const char* text :
       {"",     "s",   "h",  "0",  "0s",  "00d",   "-5",   "-5m",   "+5",       "1.5h",
        " 1h",  "1h ", "1H", "1w", "1hh", "1h30m", "367d", "8785h", "31622401", "99999999999999999999999999d",
        "0x10", "1e3"})
    EXPECT_EQ(parse_duration_seconds(text), std::nullopt) << '"' << text << '"';
}

// --- secret loading ----------------------------------------------------------------

// Sets or unsets one environment variable for a scope, restoring it after.
class scoped_env {
 public:
  scoped_env(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  scoped_env(const scoped_env&) = delete;
  scoped_env& operator=(const scoped_env&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class SecretFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ringcast-token-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::filesystem::path dir_;
};

std::string thrown_by(const std::string& file) {
  try {
    (void)load_jwt_secret(file);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

TEST_F(SecretFile, TrailingWhitespaceIsStripped) {
  EXPECT_EQ(load_jwt_secret(write("s", "0123456789abcdefXYZ\n")), "0123456789abcdefXYZ");
  EXPECT_EQ(load_jwt_secret(write("s", "  0123456789abcdef \r\n\n\t")), "  0123456789abcdef");
}

TEST_F(SecretFile, FileWinsOverEnvironment) {
  const scoped_env env("RINGCAST_JWT_SECRET", "environment-secret-0123");
  EXPECT_EQ(load_jwt_secret(write("s", "file-secret-0123456789")), "file-secret-0123456789");
}

TEST_F(SecretFile, ShortSecretThrows) {
  const std::string msg = thrown_by(write("s", "0123456789abcde\n"));  // 15 bytes after stripping
  EXPECT_NE(msg.find("at least 16"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/dev/urandom"), std::string::npos) << msg;
  EXPECT_NE(thrown_by(write("blank", " \n\n")).find("at least 16"), std::string::npos);
}

TEST_F(SecretFile, UnreadableFileThrowsNamingThePath) {
  const std::string missing = (dir_ / "no-such-file").string();
  const std::string msg = thrown_by(missing);
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  EXPECT_NE(thrown_by(dir_.string()).find(dir_.string()), std::string::npos);  // a directory
  EXPECT_NE(thrown_by(write("big", std::string(70'000, 'x'))).find("64 KiB"), std::string::npos);
}

TEST(Secret, FromEnvironment) {
  {
    const scoped_env env("RINGCAST_JWT_SECRET", nullptr);
    EXPECT_EQ(load_jwt_secret(""), "");
  }
  {
    const scoped_env env("RINGCAST_JWT_SECRET", "");
    EXPECT_EQ(load_jwt_secret(""), "");
  }
  {
    const scoped_env env("RINGCAST_JWT_SECRET", "0123456789abcdef");
    EXPECT_EQ(load_jwt_secret(""), "0123456789abcdef");
  }
  {
    const scoped_env env("RINGCAST_JWT_SECRET", "short");
    const std::string msg = thrown_by("");
    EXPECT_NE(msg.find("RINGCAST_JWT_SECRET"), std::string::npos) << msg;
    EXPECT_NE(msg.find("at least 16"), std::string::npos) << msg;
  }
}

// --- ringcast-token ----------------------------------------------------------------

struct run_result {
  int exit_code = -1;
  std::string out;  // stdout, and stderr when the command redirects it
};

run_result run_tool(const std::string& args) {
  const std::string cmd = std::string("'") + RINGCAST_TOKEN_BIN + "' " + args;
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + cmd);
  run_result r;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(TokenTool, PrintsATokenThatVerifies) {
  const scoped_env env("RINGCAST_JWT_SECRET", std::string(k_secret).c_str());
  const auto before = static_cast<std::int64_t>(std::time(nullptr));
  const run_result r = run_tool("--user alice --admin --ttl 15m");
  const auto after = static_cast<std::int64_t>(std::time(nullptr));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_FALSE(r.out.empty());
  ASSERT_EQ(r.out.back(), '\n');
  const std::string token = r.out.substr(0, r.out.size() - 1);
  const token_result v = verify_token(token, k_secret, after);
  ASSERT_TRUE(v.ok) << describe(v.error);
  EXPECT_EQ(v.claims.user_id, "alice");
  EXPECT_TRUE(v.claims.admin);
  EXPECT_GE(v.claims.expires_at, before + 900);
  EXPECT_LE(v.claims.expires_at, after + 900);

  // Defaults: not admin, one hour.
  const run_result d = run_tool("--user bob");
  ASSERT_EQ(d.exit_code, 0);
  const token_result dv = verify_token(d.out.substr(0, d.out.size() - 1), k_secret, after);
  ASSERT_TRUE(dv.ok);
  EXPECT_FALSE(dv.claims.admin);
  EXPECT_GE(dv.claims.expires_at, before + 3600);
  EXPECT_LE(dv.claims.expires_at, std::time(nullptr) + 3600);
}

TEST_F(SecretFile, TokenToolReadsTheSecretFile) {
  const scoped_env env("RINGCAST_JWT_SECRET", nullptr);
  const std::string file = write("secret", "file-secret-0123456789\n");
  const run_result r = run_tool("--user carol --jwt-secret-file '" + file + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(verify_token(r.out.substr(0, r.out.size() - 1), "file-secret-0123456789", std::time(nullptr)).ok);
}

TEST(TokenTool, Help) {
  const run_result r = run_tool("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("usage: ringcast-token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("default: 1h"), std::string::npos) << r.out;
}

TEST(TokenTool, ErrorsExitTwo) {
  const scoped_env env("RINGCAST_JWT_SECRET", std::string(k_secret).c_str());
  const std::vector<std::string> cases = {"",
                                          "--ttl 1h",
                                          "--user",
                                          "--user alice --ttl 0",
                                          "--user alice --ttl 400d",
                                          "--user alice --ttl soon",
                                          "--user ''",
                                          "--user " + std::string(65, 'u'),
                                          "--user alice --frobnicate",
                                          "--user alice --jwt-secret-file /nonexistent/secret"};
  for (const std::string& args : cases) {
    const run_result r = run_tool(args + " 2>&1");
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.out.rfind("ringcast-token: ", 0), 0u) << args << ": " << r.out;
    EXPECT_EQ(r.out.find("eyJ"), std::string::npos) << args;  // no token printed
  }
  EXPECT_NE(run_tool("2>&1").out.find("--user"), std::string::npos);
}

TEST(TokenTool, NoSecretExitsTwo) {
  const scoped_env env("RINGCAST_JWT_SECRET", nullptr);
  const run_result r = run_tool("--user alice 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("RINGCAST_JWT_SECRET"), std::string::npos) << r.out;
  const scoped_env short_env("RINGCAST_JWT_SECRET", "short");
  const run_result s = run_tool("--user alice 2>&1");
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_NE(s.out.find("at least 16"), std::string::npos) << s.out;
}

}  // namespace
}  // namespace ringcast::bridge
