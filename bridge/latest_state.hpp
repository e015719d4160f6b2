// What /api/snapshot answers: the latest event of every state (per user and
// key: each symbol's position, each asset's balance, each mode...; the
// schema's state_key table) and the latest event of each stream type, for
// each user and for the global events. Drain thread only.
//
// Bounded twice: --kept-users users (the least recently active forgotten
// first), and k_max_keys entries per user (the entry updated longest ago
// forgotten first). The frames are the ones the sockets carried, shared.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "event_frame.hpp"

namespace ringcast::bridge {

class latest_state {
 public:
  // A user's symbols, assets, modes and components, with room to spare; a
  // producer inventing keys cannot grow one user's state beyond it.
  static constexpr std::size_t k_max_keys = 1024;

  explicit latest_state(std::size_t max_users) : max_users_(max_users) {}

  // An event (type != 0), in drain order.
  void remember(const frame_ptr& f);
  // The global entries and those of `user`, in seq order.
  [[nodiscard]] std::vector<frame_ptr> snapshot(const std::string& user) const;

  struct stats {
    std::uint64_t users = 0;    // users with entries (the global events not counted)
    std::uint64_t entries = 0;  // all entries, global ones included
  };
  [[nodiscard]] stats totals() const noexcept { return {users_.size(), entries_}; }

 private:
  struct owner {
    // key -> (latest frame, its place in `recency`)
    std::unordered_map<std::string, std::pair<frame_ptr, std::list<std::string>::iterator>> by_key;
    std::list<std::string> recency;  // keys, most recently updated first
    std::list<std::string>::iterator lru;  // users_: its place in user_lru_
  };
  void put(owner& o, const frame_ptr& f);

  std::size_t max_users_;
  owner globals_;
  std::unordered_map<std::string, owner> users_;
  std::list<std::string> user_lru_;  // most recently active first
  std::uint64_t entries_ = 0;
};

}  // namespace ringcast::bridge
