// Process identity for claims in the segment: a pid plus its start time, so
// that a recycled pid is not taken for the process that claimed a lane.
#pragma once

#include <cstdint>

namespace ringcast::shm::detail {

// Start time of `pid` in clock ticks since boot (/proc/<pid>/stat field 22);
// 0 if the process does not exist or is a zombie.
[[nodiscard]] std::uint64_t process_start_time(std::uint32_t pid) noexcept;

// True while `pid` runs and, when start_time is known (non-zero), is still
// the same process that recorded it.
[[nodiscard]] bool process_alive(std::uint32_t pid, std::uint64_t start_time) noexcept;

[[nodiscard]] std::uint32_t self_pid() noexcept;
[[nodiscard]] std::uint64_t self_start_time() noexcept;

}  // namespace ringcast::shm::detail
