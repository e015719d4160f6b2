// The drain thread: takes records from the ring in batches, stamps each
// with the bridge's sequence, encodes it once and routes it. It never waits
// on a socket: handing a frame to a session is a bounded, non-blocking
// enqueue (ws_session::offer). Idle, it sleeps on the segment's doorbell.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "bridge_context.hpp"
#include "ringcast/shm/consumer.hpp"
#include "router.hpp"

namespace ringcast::bridge {

class drain {
 public:
  // Attaches as the segment's consumer (throws shm::segment_error if
  // another consumer holds it).
  drain(bridge_context& ctx, router& routes);
  ~drain();
  drain(const drain&) = delete;
  drain& operator=(const drain&) = delete;

  void start();
  // Stops after the batch in progress, asks every session to close with
  // 1001 once what it was given is sent, and joins. The read positions are
  // in the segment: a restarted bridge goes on from the first record this
  // one did not route.
  void stop();

  // Makes a sleeping drain thread look at its commands (any thread).
  void wake() noexcept;

 private:
  void loop();

  bridge_context& ctx_;
  router& routes_;
  std::unique_ptr<shm::consumer> consumer_;
  std::atomic<bool> stop_{false};  // relaxed: polled each round; join() orders the rest
  std::atomic<std::uint32_t> work_{0};  // 1: commands to apply (wake())
  std::thread thread_;
  std::uint64_t seq_ = 0;
};

}  // namespace ringcast::bridge
