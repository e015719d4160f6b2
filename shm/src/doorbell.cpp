#include "ringcast/shm/doorbell.hpp"

#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>

namespace ringcast::shm::detail {

bool register_light_barrier() noexcept {
#if defined(RINGCAST_TSAN)
  // TSan does not model membarrier; with real fences it can check the rest.
  return false;
#else
  static const bool registered =
      ::syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
  return registered;
#endif
}

bool heavy_barrier() noexcept {
  // Always a local full fence, so the consumer's own loads are ordered even
  // when the membarrier below is refused.
  full_fence();
#if defined(RINGCAST_TSAN)
  return true;  // producers use real fences under TSan
#else
  return ::syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;
#endif
}

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept {
  // Not FUTEX_PRIVATE: the word is shared between processes.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept {
  const auto ns = timeout.count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected, &ts, nullptr, 0);
}

}  // namespace ringcast::shm::detail
