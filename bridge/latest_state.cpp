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

// The frame (shared, but counted here in full), its key twice (map and
// recency list) and the nodes around them.
std::size_t latest_state::cost(const event_frame& f, const std::string& key) noexcept {
  return sizeof(event_frame) + f.text.size() + f.user_id.size() + f.key.size() + 2 * key.size() + 128;
}

void latest_state::put(owner& o, const frame_ptr& f, std::size_t max_keys) {
  std::string key = f->key.empty() ? stream_key(f->type) : f->key;
  if (auto it = o.by_key.find(key); it != o.by_key.end()) {
    const std::size_t old = cost(*it->second.first, key), now = cost(*f, key);
    o.bytes += now - old;
    bytes_ += now - old;
    it->second.first = f;
    o.recency.splice(o.recency.begin(), o.recency, it->second.second);
    return;
  }
  if (o.by_key.size() >= max_keys) {
    const auto gone = o.by_key.find(o.recency.back());
    const std::size_t c = cost(*gone->second.first, gone->first);
    o.bytes -= c;
    bytes_ -= c;
    o.by_key.erase(gone);
    o.recency.pop_back();
    --entries_;
  }
  const std::size_t c = cost(*f, key);
  o.bytes += c;
  bytes_ += c;
  o.recency.push_front(key);
  o.by_key.emplace(std::move(key), std::make_pair(f, o.recency.begin()));
  ++entries_;
}

void latest_state::forget_least_recent_user() {
  auto gone = users_.find(user_lru_.back());
  entries_ -= gone->second.by_key.size();
  bytes_ -= gone->second.bytes;
  users_.erase(gone);
  user_lru_.pop_back();
}

void latest_state::remember(const frame_ptr& f) {
  if (f->user_id.empty()) {
    put(globals_, f, k_max_global_keys);
    return;
  }
  auto it = users_.find(f->user_id);
  if (it == users_.end()) {
    if (max_users_ == 0) return;
    if (users_.size() >= max_users_) forget_least_recent_user();
    user_lru_.push_front(f->user_id);
    it = users_.emplace(f->user_id, owner{}).first;
    it->second.lru = user_lru_.begin();
  } else if (it->second.lru != user_lru_.begin()) {
    user_lru_.splice(user_lru_.begin(), user_lru_, it->second.lru);
  }
  put(it->second, f, k_max_keys);
  // Over the byte bound: the users idle the longest go, never the one just updated.
  while (bytes_ > max_bytes_ && users_.size() > 1) forget_least_recent_user();
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
