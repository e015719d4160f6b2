// ringcast-bridge: drains the shared-memory ring and serves the events to
// WebSocket clients, with /health, /metrics, /api/snapshot and the
// dashboard on the same port. `ringcast-bridge --help` lists the settings.
#include <csignal>
#include <cstdio>
#include <exception>

#include "config.hpp"
#include "server.hpp"
#include "token.hpp"

int main(int argc, char** argv) {
  using namespace ringcast::bridge;
  // Writes to a peer that has gone fail with EPIPE rather than killing us.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    auto config = parse_config(argc, argv);
    if (!config) return 0;
    std::string secret = load_jwt_secret(config->jwt_secret_file);
    if (secret.empty()) {
      if (!config->insecure_dev) {
        std::fputs(
            "ringcast-bridge: no JWT secret: set RINGCAST_JWT_SECRET or pass --jwt-secret-file "
            "(or --insecure-dev on a laptop)\n",
            stderr);
        return 2;
      }
      std::fprintf(stderr,
                   "ringcast-bridge: WARNING --insecure-dev: tokens are signed with the well-known secret \"%s\"; "
                   "anyone can mint one (ringcast-token --insecure-dev)\n",
                   std::string(k_insecure_dev_secret).c_str());
      secret = k_insecure_dev_secret;
    }
    bridge_server server(std::move(*config), std::move(secret));
    return server.run();
  } catch (const config_error& e) {
    std::fprintf(stderr, "ringcast-bridge: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ringcast-bridge: %s\n", e.what());
    return 1;
  }
}
