// What every session and request handler shares: the configuration and the
// bridge-wide parts, owned by bridge_server, which outlives them all.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "admission.hpp"
#include "config.hpp"
#include "metrics.hpp"
#include "ringcast/shm/segment.hpp"

namespace ringcast::bridge {

class router;

struct bridge_context {
  bridge_config config;
  std::string jwt_secret;
  std::shared_ptr<shm::segment> segment;
  std::string epoch;  // this bridge run's stream epoch (hex): seqs are relative to it (decision 0005)
  std::filesystem::path web_root;  // canonical
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bridge_metrics metrics;
  admission admit{config.max_connections, config.max_connections_per_user};
  router* routes = nullptr;
  std::atomic<std::uint64_t> next_session_id{1};  // relaxed: only unique, orders nothing

  explicit bridge_context(bridge_config c) : config(std::move(c)) {}
};

}  // namespace ringcast::bridge
