#include "thread_lanes.hpp"

#include <pthread.h>

#include <algorithm>
#include <new>

#include "last_error.hpp"

namespace ringcast::capi {

shm::publisher* lane_registry::claim() {
  const std::lock_guard lock(mutex_);
  // Reserve first, so that the push_back below cannot throw with a lane
  // claimed and not recorded.
  lanes_.reserve(lanes_.size() + 1);
  auto lane = std::make_unique<shm::publisher>(segment_, options_);
  shm::publisher* raw = lane.get();
  lanes_.push_back(std::move(lane));
  return raw;
}

void lane_registry::release(shm::publisher* lane) noexcept {
  const std::lock_guard lock(mutex_);
  std::erase_if(lanes_, [&](const auto& p) { return p.get() == lane; });  // ~publisher frees the lane
}

void lane_registry::close() noexcept {
  std::vector<std::unique_ptr<shm::publisher>> lanes;
  std::shared_ptr<shm::segment> seg;
  {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    lanes.swap(lanes_);
    seg.swap(segment_);
  }
  // Lanes released and the segment unmapped here, outside the lock.
}

bool lane_registry::closed() noexcept {
  const std::lock_guard lock(mutex_);
  return closed_;
}

namespace {

struct thread_entry {
  std::uint64_t handle_id;
  std::shared_ptr<lane_registry> registry;
  shm::publisher* lane;
};

// Every lane this thread holds, one per handle it published on. Bounded:
// entries of closed handles are pruned whenever a lane is claimed.
class thread_lane_list {
 public:
  thread_lane_list() = default;
  thread_lane_list(const thread_lane_list&) = delete;
  thread_lane_list& operator=(const thread_lane_list&) = delete;
  ~thread_lane_list() {
    // Other thread_local destructors may still publish after us: they get
    // NO_LANE rather than a lane released here.
    t_lane_cache = lane_cache{.thread_exiting = true};
    for (auto& e : entries_) e.registry->release(e.lane);
  }

  thread_entry* find(std::uint64_t handle_id) noexcept {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.handle_id == handle_id; });
    return it == entries_.end() ? nullptr : &*it;
  }

  // Throws what lane_registry::claim() throws; records nothing then.
  shm::publisher* claim(const ringcast_publisher& handle) {
    std::erase_if(entries_, [](const auto& e) { return e.registry->closed(); });
    entries_.reserve(entries_.size() + 1);  // no throw after the claim
    shm::publisher* lane = handle.lanes->claim();
    entries_.push_back({handle.id, handle.lanes, lane});
    return lane;
  }

  // In a forked child: the lanes are the parent's, never ours to release
  // (their ~publisher knows it too, by pid, when the handle closes).
  void forget_all() noexcept { entries_.clear(); }

  void release(std::uint64_t handle_id) noexcept {
    std::erase_if(entries_, [&](auto& e) {
      if (e.handle_id != handle_id) return false;
      e.registry->release(e.lane);
      return true;
    });
  }

 private:
  std::vector<thread_entry> entries_;
};

thread_local thread_lane_list t_lane_list;

// Runs in the child, on the thread that called fork(): the only one there.
void forget_lanes_in_child() noexcept {
  if (t_lane_cache.thread_exiting) return;
  t_lane_cache = {};
  t_lane_list.forget_all();
}

[[maybe_unused]] const int k_atfork_registered = ::pthread_atfork(nullptr, nullptr, &forget_lanes_in_child);

}  // namespace

thread_local constinit lane_cache t_lane_cache;

shm::publisher* claim_thread_lane(const ringcast_publisher& handle, int& status) noexcept {
  if (t_lane_cache.thread_exiting) {
    status = fail(RINGCAST_NO_LANE, "this thread is exiting and has released its lanes");
    return nullptr;
  }
  try {
    shm::publisher* lane = nullptr;
    if (thread_entry* e = t_lane_list.find(handle.id))
      lane = e->lane;
    else
      lane = t_lane_list.claim(handle);
    t_lane_cache = {.handle_id = handle.id, .lane = lane};
    return lane;
  } catch (const shm::segment_error& e) {
    status = fail(RINGCAST_NO_LANE, "{}", e.what());
  } catch (const std::bad_alloc&) {
    status = fail(RINGCAST_OUT_OF_MEMORY, "out of memory while claiming a lane");
  } catch (const std::exception& e) {
    status = fail(RINGCAST_INTERNAL_ERROR, "claiming a lane: {}", e.what());
  }
  return nullptr;
}

int thread_lane_index(const ringcast_publisher& handle) noexcept {
  if (t_lane_cache.thread_exiting) return -1;
  const thread_entry* e = t_lane_list.find(handle.id);
  return e == nullptr ? -1 : static_cast<int>(e->lane->lane());
}

void release_thread_lane(const ringcast_publisher& handle) noexcept {
  if (t_lane_cache.thread_exiting) return;
  if (t_lane_cache.handle_id == handle.id) t_lane_cache = {};
  t_lane_list.release(handle.id);
}

}  // namespace ringcast::capi
