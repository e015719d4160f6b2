#include "latest_state.hpp"

#include <algorithm>

namespace ringcast::bridge {

namespace {

// A stream event's entry: one per type. Two bytes, the type big-endian;
// a state key is longer (type, then the user's length byte and more:
// event_key.hpp), so the two never meet.
std::string stream_key(std::uint16_t type) {
  return {static_cast<char>(type >> 8), static_cast<char>(type & 0xFF)};
}

}  // namespace

void latest_state::put(owner& o, const frame_ptr& f) {
  std::string key = f->key.empty() ? stream_key(f->type) : f->key;
  if (auto it = o.by_key.find(key); it != o.by_key.end()) {
    it->second.first = f;
    o.recency.splice(o.recency.begin(), o.recency, it->second.second);
    return;
  }
  if (o.by_key.size() >= k_max_keys) {
    o.by_key.erase(o.recency.back());
    o.recency.pop_back();
    --entries_;
  }
  o.recency.push_front(key);
  o.by_key.emplace(std::move(key), std::make_pair(f, o.recency.begin()));
  ++entries_;
}

void latest_state::remember(const frame_ptr& f) {
  if (f->user_id.empty()) {
    put(globals_, f);
    return;
  }
  auto it = users_.find(f->user_id);
  if (it == users_.end()) {
    if (max_users_ == 0) return;
    if (users_.size() >= max_users_) {
      auto gone = users_.find(user_lru_.back());
      entries_ -= gone->second.by_key.size();
      users_.erase(gone);
      user_lru_.pop_back();
    }
    user_lru_.push_front(f->user_id);
    it = users_.emplace(f->user_id, owner{}).first;
    it->second.lru = user_lru_.begin();
  } else if (it->second.lru != user_lru_.begin()) {
    user_lru_.splice(user_lru_.begin(), user_lru_, it->second.lru);
  }
  put(it->second, f);
}

std::vector<frame_ptr> latest_state::snapshot(const std::string& user) const {
  std::vector<frame_ptr> out;
  auto add = [&out](const owner& o) {
    for (const auto& [key, entry] : o.by_key) out.push_back(entry.first);
  };
  add(globals_);
  if (auto it = users_.find(user); it != users_.end()) add(it->second);
  std::sort(out.begin(), out.end(), [](const frame_ptr& a, const frame_ptr& b) { return a->seq < b->seq; });
  return out;
}

}  // namespace ringcast::bridge
