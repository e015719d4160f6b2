// What a reconnecting client missed: the recent events of each user and the
// global ones, for `resume` (decision 0006). Drain thread only.
//
// Every event is kept once, in seq order (all_), bounded by bytes and age;
// each user, and the global events, have their own list of the same frames,
// bounded by count, so that a busy user cannot push a quiet one's history
// out. A resume "after N" is covered when nothing the client could see
// after N has been forgotten: its user's and the globals' evicted_upto are
// at most N (for an admin, everything's).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event_frame.hpp"

namespace ringcast::bridge {

struct history_limits {
  std::size_t per_user = 4096;     // events of one user (and of the globals)
  std::uint64_t bytes = 256u << 20;  // all frames kept, with their bookkeeping
  std::chrono::milliseconds age{300'000};
  std::size_t users = 10'000;      // users kept; the least recently active is forgotten beyond
};

struct history_stats {
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::uint64_t users = 0;
  std::uint64_t oldest_seq = 0;   // 0: empty
  std::uint64_t evicted_upto = 0; // the newest seq forgotten, bridge-wide
};

class history {
 public:
  explicit history(history_limits limits) : limits_(limits) {}

  // An event or a ring-gap notice (seq != 0), in increasing seq order.
  void append(const frame_ptr& f, std::int64_t now_ns);
  // Forgets what is older than the age limit.
  void expire(std::int64_t now_ns);

  enum class lookup : std::uint8_t { ok, forgotten, too_many };
  struct replay {
    lookup status = lookup::ok;
    std::vector<frame_ptr> frames;  // status ok: in seq order
  };
  // What `user` (or an admin) may see after `after`: forgotten when some of
  // it is no longer kept, too_many (nothing copied) when more than `max`.
  [[nodiscard]] replay since(std::string_view user, bool admin, std::uint64_t after,
                             std::size_t max = static_cast<std::size_t>(-1)) const;
  [[nodiscard]] history_stats stats() const noexcept;

 private:
  struct entry {
    frame_ptr frame;
    std::int64_t at_ns;
  };
  struct owner {
    std::deque<frame_ptr> frames;
    std::uint64_t evicted_upto = 0;
    std::list<std::string>::iterator lru;
  };

  owner& owner_of(const std::string& user);
  void pop_oldest();
  [[nodiscard]] static std::uint64_t cost(const event_frame& f) noexcept;

  history_limits limits_;
  std::deque<entry> all_;
  std::uint64_t bytes_ = 0;
  std::uint64_t evicted_upto_ = 0;  // all_'s
  owner globals_;
  std::unordered_map<std::string, owner> users_;
  std::list<std::string> lru_;      // users, most recently active first
  std::uint64_t forgotten_upto_ = 0;  // the newest seq of a user forgotten whole (LRU)
};

}  // namespace ringcast::bridge
