// ringcast-bridge as an object: the segment, the drain thread, the I/O
// threads, the listener, and the orderly shutdown on SIGINT/SIGTERM.
#pragma once

#include <memory>

#include "config.hpp"

namespace ringcast::bridge {

class bridge_server {
 public:
  // Opens (or creates) the segment and binds the port; throws with a
  // message a user can act on.
  bridge_server(bridge_config config, std::string jwt_secret);
  ~bridge_server();
  bridge_server(const bridge_server&) = delete;
  bridge_server& operator=(const bridge_server&) = delete;

  // Serves until SIGINT or SIGTERM; returns the exit code.
  int run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ringcast::bridge
