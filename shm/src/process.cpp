#include "process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace ringcast::shm::detail {

namespace {

struct proc_stat {
  bool readable = false;
  char state = '?';
  std::uint64_t start_time = 0;
};

proc_stat read_proc_stat(std::uint32_t pid) noexcept {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/proc/%u/stat", pid);
  const int fd = ::open(path.data(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::array<char, 1024> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size() - 1);
  ::close(fd);
  if (n <= 0) return {};
  const std::string_view stat(buf.data(), static_cast<std::size_t>(n));
  // "pid (comm) state ppid ..." - comm may hold spaces and parentheses, so
  // fields are counted from the last ')'.
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string_view::npos || close_paren + 2 >= stat.size()) return {};
  proc_stat s;
  s.readable = true;
  s.state = stat[close_paren + 2];
  std::size_t pos = close_paren + 2;
  for (int field = 3; field < 22; ++field) {  // move to field 22 (starttime)
    pos = stat.find(' ', pos);
    if (pos == std::string_view::npos) return s;
    ++pos;
  }
  std::from_chars(stat.data() + pos, stat.data() + stat.size(), s.start_time);
  return s;
}

// A zombie leader may still have live threads (it called pthread_exit):
// the process is alive while any task other than the leader remains.
bool has_other_tasks(std::uint32_t pid) noexcept {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/proc/%u/task", pid);
  DIR* dir = ::opendir(path.data());
  if (dir == nullptr) return false;
  bool other = false;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    std::uint32_t tid = 0;
    std::from_chars(name.data(), name.data() + name.size(), tid);
    if (tid != pid) {
      other = true;
      break;
    }
  }
  ::closedir(dir);
  return other;
}

}  // namespace

std::uint64_t process_start_time(std::uint32_t pid) noexcept {
  const proc_stat s = read_proc_stat(pid);
  return s.readable && s.state != 'Z' && s.state != 'X' ? s.start_time : 0;
}

bool process_alive(std::uint32_t pid, std::uint64_t start_time) noexcept {
  if (pid == 0) return false;
  // 0 or EPERM: a process with this pid exists (EPERM: another user's).
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const proc_stat s = read_proc_stat(pid);
  // Unreadable (/proc hidden, hidepid=): kill() said it exists; when in
  // doubt a claim is kept, never taken from a live owner.
  if (!s.readable) return true;
  if (s.state == 'Z' || s.state == 'X') return has_other_tasks(pid);  // dead but not yet reaped
  return start_time == 0 || s.start_time == start_time;  // a different start time: the pid was reused
}

std::uint32_t self_pid() noexcept { return static_cast<std::uint32_t>(::getpid()); }

std::uint64_t self_start_time() noexcept { return process_start_time(self_pid()); }

}  // namespace ringcast::shm::detail
