// What stands behind a ringcast_publisher handle: the segment and one lane
// per publishing thread.
//
// Each thread finds its lane through a thread-local cache (one compare on
// the hot path) and, on a miss, through its thread-local list of lanes; only
// the first publish of a thread on a handle claims a lane, under the
// handle's set-up mutex. Lanes are released when the thread exits (the
// list's destructor), on detach, or all at once when the handle closes.
//
// Handles are told apart by a process-unique id, never by address: a
// thread's cache or list may still name a closed handle, and a new handle
// allocated at the same address must not match it.
//
// After fork(), the child forgets the lanes its thread inherited (they are
// the parent's: a second writer would corrupt them) and claims its own at
// its first publish.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "ringcast/ringcast.h"
#include "ringcast/shm/publisher.hpp"

namespace ringcast::capi {

// The lanes of one handle, shared by the handle and by every thread's list
// that holds one of them (so a thread exiting after close finds it closed).
class lane_registry {
 public:
  lane_registry(std::shared_ptr<shm::segment> seg, shm::publisher_options options) noexcept
      : segment_(std::move(seg)), options_(options) {}

  // A new lane for the calling thread. Throws shm::segment_error when every
  // lane is claimed by a live producer, std::bad_alloc.
  shm::publisher* claim();
  // Releases one lane; a no-op once the registry is closed.
  void release(shm::publisher* lane) noexcept;
  // Releases every lane and drops the segment.
  void close() noexcept;
  [[nodiscard]] bool closed() noexcept;

 private:
  // Set-up only (claim, release, close): publishing never takes it.
  std::mutex mutex_;
  std::shared_ptr<shm::segment> segment_;
  shm::publisher_options options_;
  std::vector<std::unique_ptr<shm::publisher>> lanes_;
  bool closed_ = false;
};

// The last handle this thread published on. Trivially destructible, so it
// needs no thread-exit guard and stays readable to the very end.
struct lane_cache {
  std::uint64_t handle_id = 0;  // 0: none (handle ids start at 1)
  shm::publisher* lane = nullptr;
  bool thread_exiting = false;  // the thread's lane list is gone: no new lanes
};
// constinit: no dynamic initialisation, so other files reach it without a
// TLS wrapper call.
extern thread_local constinit lane_cache t_lane_cache;

// The calling thread's lane on `handle`, claiming one on its first use.
// nullptr with `status` (NO_LANE, OUT_OF_MEMORY) and the last error set.
shm::publisher* claim_thread_lane(const ringcast_publisher& handle, int& status) noexcept;

}  // namespace ringcast::capi

struct ringcast_publisher {
  std::uint64_t id = 0;
  std::shared_ptr<ringcast::capi::lane_registry> lanes;
};

namespace ringcast::capi {

// The hot path: one thread-local compare after the thread's first publish.
[[nodiscard]] inline shm::publisher* thread_lane(const ringcast_publisher& handle, int& status) noexcept {
  if (t_lane_cache.handle_id == handle.id) [[likely]]
    return t_lane_cache.lane;
  return claim_thread_lane(handle, status);
}

// The calling thread's lane index on `handle`, or -1.
int thread_lane_index(const ringcast_publisher& handle) noexcept;
// Releases the calling thread's lane on `handle`, if it has one.
void release_thread_lane(const ringcast_publisher& handle) noexcept;

}  // namespace ringcast::capi
