// Feeds arbitrary bytes to verify_token(). The first byte picks what they
// stand for: a whole token (as a client sends it), the payload or the
// header JSON of a token signed with the right secret, or the claim values
// of a signed payload template, so that the fuzzer reaches the header and
// claim checks behind the signature without a seed corpus. Under ASan any
// bad read aborts; the asserts check what an accepted token promises.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "token.hpp"

namespace {

constexpr std::string_view k_secret = "fuzz-secret-0123456789abcdef";
constexpr std::int64_t k_now = 1'700'000'000;

std::string b64url(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string signed_token(std::string_view header_json, std::string_view payload_json) {
  std::string t = b64url(header_json) + "." + b64url(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), k_secret.data(), static_cast<int>(k_secret.size()),
       reinterpret_cast<const unsigned char*>(t.data()), t.size(), mac, &len);
  return t + "." + b64url(std::string_view(reinterpret_cast<const char*>(mac), len));
}

void check(std::string_view token) {
  const auto r = ringcast::bridge::verify_token(token, k_secret, k_now);
  if (!r.ok) {
    if (ringcast::bridge::describe(r.error).empty()) std::abort();
    return;
  }
  const std::string& user = r.claims.user_id;
  if (user.empty() || user.size() > 64) std::abort();
  for (const char c : user)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) std::abort();
  if (r.claims.expires_at <= k_now) std::abort();  // no leeway: accepted means not yet expired
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      check(input);
      break;
    case 1:
      check(signed_token(R"({"alg":"HS256","typ":"JWT"})", input));
      break;
    case 2:
      check(signed_token(input, R"({"sub":"alice","exp":1700000600,"role":"admin"})"));
      break;
    default: {
      // Up to four '|'-separated JSON values for sub, exp, role and nbf.
      std::string_view field[4] = {R"("alice")", "1700000600", R"("admin")", "0"};
      std::string_view rest = input;
      for (std::size_t i = 0; i < 4 && !rest.empty(); ++i) {
        const std::size_t bar = rest.find('|');
        field[i] = rest.substr(0, bar);
        rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
      }
      const std::string payload = std::string(R"({"sub":)") + std::string(field[0]) + R"(,"exp":)" +
                                  std::string(field[1]) + R"(,"role":)" + std::string(field[2]) + R"(,"nbf":)" +
                                  std::string(field[3]) + "}";
      check(signed_token(R"({"alg":"HS256","typ":"JWT"})", payload));
      break;
    }
  }
  return 0;
}
