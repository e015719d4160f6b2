// Opening and closing handles, and the thread's lane on one.
#include <atomic>
#include <chrono>
#include <new>
#include <string>

#include "last_error.hpp"
#include "thread_lanes.hpp"

#ifdef RINGCAST_PROJECT_VERSION
static_assert(std::string_view{RINGCAST_VERSION} == RINGCAST_PROJECT_VERSION,
              "ringcast.h's RINGCAST_VERSION must be the CMake project version");
#endif

using namespace ringcast;

namespace {

// Relaxed: ids only need to be unique; nothing is published through them.
std::atomic<std::uint64_t> g_next_handle_id{1};

}  // namespace

extern "C" {

int ringcast_publisher_open(const char* segment_name, const ringcast_publisher_options* options,
                            ringcast_publisher** out) noexcept {
  if (out == nullptr) return capi::fail(RINGCAST_BAD_ARGUMENT, "ringcast_publisher_open: out is NULL");
  *out = nullptr;
  if (options != nullptr && options->wait_when_full_ns < 0)
    return capi::fail(RINGCAST_BAD_ARGUMENT, "ringcast_publisher_open: wait_when_full_ns is {}, must be >= 0",
                      options->wait_when_full_ns);
  std::string name;
  try {
    // An explicit name is used as given (an empty one is refused below);
    // only NULL falls back to $RINGCAST_SEGMENT, then "ringcast".
    name = segment_name == nullptr ? shm::resolve_segment_name() : std::string(segment_name);
    shm::segment_options seg_options;
    seg_options.name = name;
    shm::publisher_options pub_options;
    if (options != nullptr) {
      if (options->lanes != 0) seg_options.lanes = options->lanes;
      if (options->lane_capacity != 0) seg_options.lane_capacity = options->lane_capacity;
      seg_options.group_access = options->group_access != 0;
      pub_options.wait_when_full = std::chrono::nanoseconds{options->wait_when_full_ns};
    }
    auto handle = std::make_unique<ringcast_publisher>();
    handle->id = g_next_handle_id.fetch_add(1, std::memory_order_relaxed);
    handle->lanes = std::make_shared<capi::lane_registry>(shm::segment::open_or_create(seg_options), pub_options);
    *out = handle.release();
    return RINGCAST_OK;
  } catch (const shm::segment_error& e) {
    return capi::fail(RINGCAST_SEGMENT_ERROR, "{}", e.what());
  } catch (const std::bad_alloc&) {
    return capi::fail(RINGCAST_OUT_OF_MEMORY, "out of memory while opening segment '{}'", name);
  } catch (const std::exception& e) {  // the mapping layer's own errors, if any escape it
    return capi::fail(RINGCAST_SEGMENT_ERROR, "segment '{}': {}", name, e.what());
  }
}

void ringcast_publisher_close(ringcast_publisher* pub) noexcept {
  if (pub == nullptr) return;
  capi::release_thread_lane(*pub);
  pub->lanes->close();  // other threads' lanes too; their lists find it closed later
  delete pub;
}

int ringcast_publisher_attach_thread(ringcast_publisher* pub) noexcept {
  if (pub == nullptr) return capi::fail(RINGCAST_BAD_ARGUMENT, "ringcast_publisher_attach_thread: the handle is NULL");
  int status = RINGCAST_OK;
  return capi::thread_lane(*pub, status) == nullptr ? status : RINGCAST_OK;
}

void ringcast_publisher_detach_thread(ringcast_publisher* pub) noexcept {
  if (pub != nullptr) capi::release_thread_lane(*pub);
}

int ringcast_publisher_lane(const ringcast_publisher* pub) noexcept {
  return pub == nullptr ? -1 : capi::thread_lane_index(*pub);
}

}  // extern "C"
