// ringcast-token: mints an HS256 token the WebSocket bridge accepts, for
// operators, scripts and tests. The secret comes from the same place the
// bridge reads it ($RINGCAST_JWT_SECRET or --jwt-secret-file), so a token
// minted here verifies there. Prints the token alone, for $(ringcast-token ...).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "token.hpp"

namespace bridge = ringcast::bridge;

namespace {

constexpr std::string_view k_default_ttl = "1h";

struct token_options {
  std::optional<std::string> user;
  std::string ttl{k_default_ttl};
  std::string secret_file;
  bool admin = false;
  bool insecure_dev = false;
};

[[noreturn]] void usage(int code) {
  std::fprintf(code == 0 ? stdout : stderr,
               "usage: ringcast-token --user ID [--admin] [--ttl DURATION] [--jwt-secret-file FILE | --insecure-dev]\n"
               "Prints an HS256 JWT for the WebSocket bridge on stdout.\n"
               "  --user             user id, the token's \"sub\" (1..64 bytes)\n"
               "  --admin            add \"role\":\"admin\"\n"
               "  --ttl              lifetime: 30s, 15m, 1h, 7d or plain seconds, at most 366d (default: %.*s)\n"
               "  --jwt-secret-file  file holding the secret (default: $RINGCAST_JWT_SECRET)\n"
               "  --insecure-dev     sign with the public secret of ringcast-bridge --insecure-dev\n",
               static_cast<int>(k_default_ttl.size()), k_default_ttl.data());
  std::exit(code);
}

[[noreturn]] void fail(const std::string& reason) {
  std::fprintf(stderr, "ringcast-token: %s\n", reason.c_str());
  std::exit(2);
}

token_options parse(int argc, char** argv) {
  token_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h")
      usage(0);
    else if (a == "--user")
      o.user = value();
    else if (a == "--admin")
      o.admin = true;
    else if (a == "--ttl")
      o.ttl = value();
    else if (a == "--jwt-secret-file")
      o.secret_file = value();
    else if (a == "--insecure-dev")
      o.insecure_dev = true;
    else
      fail("unknown option " + std::string(a) + " (see --help)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const token_options o = parse(argc, argv);
  if (!o.user) fail("--user is required");
  const std::optional<std::int64_t> ttl = bridge::parse_duration_seconds(o.ttl);
  if (!ttl) fail("bad --ttl '" + o.ttl + "': use 30s, 15m, 1h, 7d or plain seconds, from 1s to 366d");
  try {
    const std::string secret =
        o.insecure_dev ? std::string(bridge::k_insecure_dev_secret) : bridge::load_jwt_secret(o.secret_file);
    if (secret.empty()) fail("no secret: set RINGCAST_JWT_SECRET or pass --jwt-secret-file");
    const bridge::token_claims claims{
        .user_id = *o.user, .expires_at = static_cast<std::int64_t>(std::time(nullptr)) + *ttl, .admin = o.admin};
    const std::string token = bridge::mint_token(claims, secret);
    std::printf("%s\n", token.c_str());
  } catch (const std::exception& e) {  // unreadable or short secret, bad user id
    fail(e.what());
  }
  return std::fflush(stdout) == 0 ? 0 : 1;
}
