// The consumer's doorbell: a futex word in the segment, and the barriers
// that make "producer stores tail, then reads the word" and "consumer stores
// the word, then reads the tails" safe without a fence on the publish path.
//
// It is Dekker's pattern made asymmetric (as folly's asymmetricHeavyBarrier):
// producers pay a compiler barrier, the consumer about to sleep pays one
// membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED), which runs a full barrier on
// every CPU that runs a registered producer. A producer whose process could
// not register uses a real seq_cst fence instead.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ringcast::shm::detail {

// Registers this process for expedited global membarriers (once; later
// calls return the first answer). False: fall back to a seq_cst fence.
[[nodiscard]] bool register_light_barrier() noexcept;

// The consumer's side. Returns false if the kernel refused, in which case a
// seq_cst fence was issued and the caller must not sleep long.
bool heavy_barrier() noexcept;

void futex_wake_all(std::atomic<std::uint32_t>& word) noexcept;
// Sleeps while word == expected, at most `timeout`. Spurious returns happen.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept;

// A full (StoreLoad) barrier. TSan does not model fences (-Wtsan), so its
// builds use a seq_cst read-modify-write on a thread-local word instead: a
// locked instruction, i.e. a full barrier on x86 and ARMv8 all the same.
inline void full_fence() noexcept {
#if defined(RINGCAST_TSAN)
  thread_local std::atomic<int> word{0};
  word.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace ringcast::shm::detail
