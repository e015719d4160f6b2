// The bodies of GET /health and GET /api/snapshot.
#pragma once

#include <string>
#include <vector>

#include "bridge_context.hpp"
#include "event_frame.hpp"
#include "router.hpp"

namespace ringcast::bridge {

// Sessions beyond this many are counted, not listed, in /health.
inline constexpr std::size_t k_health_sessions_listed = 1000;

[[nodiscard]] std::string health_json(const bridge_context& ctx, const router_report& report);

// {"epoch":"..","events":[<frame>, ...]}: each element is the exact text the
// socket would have carried for that event.
[[nodiscard]] std::string snapshot_json(const bridge_context& ctx, const std::vector<frame_ptr>& frames);

}  // namespace ringcast::bridge
