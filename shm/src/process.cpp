#include "process.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <string_view>

namespace ringcast::shm::detail {

std::uint64_t process_start_time(std::uint32_t pid) noexcept {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/proc/%u/stat", pid);
  const int fd = ::open(path.data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::array<char, 1024> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size() - 1);
  ::close(fd);
  if (n <= 0) return 0;
  const std::string_view stat(buf.data(), static_cast<std::size_t>(n));
  // "pid (comm) state ppid ..." - comm may hold spaces and parentheses, so
  // fields are counted from the last ')'.
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 2 >= stat.size()) return 0;
  const char state = stat[close_paren + 2];
  if (state == 'Z' || state == 'X' || state == 'x') return 0;  // dead, not yet reaped
  std::size_t pos = close_paren + 2;
  for (int field = 3; field < 22; ++field) {  // move to field 22 (starttime)
    pos = stat.find(' ', pos);
    if (pos == std::string_view::npos) return 0;
    ++pos;
  }
  std::uint64_t start = 0;
  std::from_chars(stat.data() + pos, stat.data() + stat.size(), start);
  return start;
}

bool process_alive(std::uint32_t pid, std::uint64_t start_time) noexcept {
  if (pid == 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const std::uint64_t now_start = process_start_time(pid);
  if (now_start == 0) {
    // No /proc entry we can read (or a zombie): a zombie is dead; without
    // /proc we trust kill().
    return ::access("/proc/self/stat", R_OK) != 0;
  }
  return start_time == 0 || now_start == start_time;
}

std::uint32_t self_pid() noexcept { return static_cast<std::uint32_t>(::getpid()); }

std::uint64_t self_start_time() noexcept { return process_start_time(self_pid()); }

}  // namespace ringcast::shm::detail
