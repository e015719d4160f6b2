// What /api/snapshot answers: the latest event of every state (per user and
// key: each symbol's position, each asset's balance, each mode...; the
// schema's state_key table) and the latest event of each stream type, for
// each user and for the global events. Drain thread only.
//
// Bounded three ways: --kept-users users and --snapshot-bytes of frames (the
// least recently active user forgotten first), and k_max_keys entries per
// user, k_max_global_keys of the global ones (the entry updated longest ago
// forgotten first). The frames are the ones the sockets carried, shared;
// their bytes are counted as if the snapshot alone kept them.
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
  // Market data is global: every symbol's mark price, book and klines, with
  // status and health, for a whole exchange.
  static constexpr std::size_t k_max_global_keys = 16384;

  latest_state(std::size_t max_users, std::size_t max_bytes) : max_users_(max_users), max_bytes_(max_bytes) {}

  // An event (type != 0), in drain order.
  void remember(const frame_ptr& f);
  // The global entries and those of `user`, in seq order.
  [[nodiscard]] std::vector<frame_ptr> snapshot(const std::string& user) const;

  struct stats {
    std::uint64_t users = 0;    // users with entries (the global events not counted)
    std::uint64_t entries = 0;  // all entries, global ones included
    std::uint64_t bytes = 0;    // their frames and keys
  };
  [[nodiscard]] stats totals() const noexcept { return {users_.size(), entries_, bytes_}; }

 private:
  struct owner {
    // key -> (latest frame, its place in `recency`)
    std::unordered_map<std::string, std::pair<frame_ptr, std::list<std::string>::iterator>> by_key;
    std::list<std::string> recency;  // keys, most recently updated first
    std::list<std::string>::iterator lru;  // users_: its place in user_lru_
    std::uint64_t bytes = 0;
  };
  void put(owner& o, const frame_ptr& f, std::size_t max_keys);
  void forget_least_recent_user();
  [[nodiscard]] static std::size_t cost(const event_frame& f, const std::string& key) noexcept;

  std::size_t max_users_;
  std::size_t max_bytes_;
  std::uint64_t bytes_ = 0;
  owner globals_;
  std::unordered_map<std::string, owner> users_;
  std::list<std::string> user_lru_;  // most recently active first
  std::uint64_t entries_ = 0;
};

}  // namespace ringcast::bridge
