#include "history.hpp"

#include <algorithm>

namespace ringcast::bridge {

namespace {

// The frames after `after` in a seq-ordered sequence.
template <class Seq, class Seqof>
auto after_seq(const Seq& s, std::uint64_t after, Seqof seq_of) {
  return std::upper_bound(s.begin(), s.end(), after,
                          [&](std::uint64_t v, const auto& e) { return v < seq_of(e); });
}

}  // namespace

std::uint64_t history::cost(const event_frame& f) noexcept {
  // The text, the frame with its strings, the shared_ptr control block and
  // the two deque slots that point at it.
  return f.text.size() + f.user_id.size() + f.key.size() + sizeof(event_frame) + 64;
}

history::owner& history::owner_of(const std::string& user) {
  if (user.empty()) return globals_;
  if (auto it = users_.find(user); it != users_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  if (users_.size() >= limits_.users && !lru_.empty()) {
    // Forget the least recently active user whole. Its frames stay in all_
    // (admins may still resume over them); a resume of that user can no
    // longer be proven complete below its newest seq.
    auto victim = users_.find(lru_.back());
    const auto& o = victim->second;
    forgotten_upto_ = std::max(forgotten_upto_, o.frames.empty() ? o.evicted_upto : o.frames.back()->seq);
    users_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(user);
  auto& o = users_[user];
  o.lru = lru_.begin();
  o.evicted_upto = forgotten_upto_;
  return o;
}

void history::append(const frame_ptr& f, std::int64_t now_ns) {
  all_.push_back({f, now_ns});
  bytes_ += cost(*f);
  owner& o = owner_of(f->user_id);
  o.frames.push_back(f);
  if (o.frames.size() > limits_.per_user) {
    o.evicted_upto = std::max(o.evicted_upto, o.frames.front()->seq);
    o.frames.pop_front();
  }
  while (bytes_ > limits_.bytes && !all_.empty()) pop_oldest();
}

void history::expire(std::int64_t now_ns) {
  const std::int64_t horizon = now_ns - std::chrono::nanoseconds(limits_.age).count();
  while (!all_.empty() && all_.front().at_ns < horizon) pop_oldest();
}

void history::pop_oldest() {
  const frame_ptr f = std::move(all_.front().frame);
  all_.pop_front();
  bytes_ -= cost(*f);
  evicted_upto_ = f->seq;
  owner* o = &globals_;
  if (!f->user_id.empty()) {
    auto it = users_.find(f->user_id);
    o = it == users_.end() ? nullptr : &it->second;
  }
  // Its owner may have let it go already (count limit) or be forgotten.
  if (o != nullptr && !o->frames.empty() && o->frames.front() == f) {
    o->frames.pop_front();
    o->evicted_upto = std::max(o->evicted_upto, f->seq);
  }
}

history::replay history::since(std::string_view user, bool admin, std::uint64_t after, std::size_t max) const {
  replay r;
  // Counted before anything is copied: an admin's replay could otherwise
  // copy the whole history on the drain thread.
  const auto too_many = [&](std::ptrdiff_t n) { return static_cast<std::size_t>(n) > max; };
  if (admin) {
    if (after < evicted_upto_) return {lookup::forgotten, {}};
    const auto from = after_seq(all_, after, [](const entry& e) { return e.frame->seq; });
    if (too_many(all_.end() - from)) return {lookup::too_many, {}};
    r.frames.reserve(static_cast<std::size_t>(all_.end() - from));
    for (auto it = from; it != all_.end(); ++it) r.frames.push_back(it->frame);
    return r;
  }
  const owner* mine = nullptr;
  std::uint64_t evicted = forgotten_upto_;
  if (auto it = users_.find(std::string(user)); it != users_.end()) {
    mine = &it->second;
    evicted = mine->evicted_upto;
  }
  if (after < std::max(evicted, globals_.evicted_upto)) return {lookup::forgotten, {}};
  const auto seq_of = [](const frame_ptr& f) { return f->seq; };
  const auto g = after_seq(globals_.frames, after, seq_of);
  const std::deque<frame_ptr> none;
  const auto& own = mine != nullptr ? mine->frames : none;
  const auto u = after_seq(own, after, seq_of);
  if (too_many((globals_.frames.end() - g) + (own.end() - u))) return {lookup::too_many, {}};
  r.frames.reserve(static_cast<std::size_t>((globals_.frames.end() - g) + (own.end() - u)));
  std::merge(u, own.end(), g, globals_.frames.end(), std::back_inserter(r.frames),
             [](const frame_ptr& a, const frame_ptr& b) { return a->seq < b->seq; });
  return r;
}

history_stats history::stats() const noexcept {
  return {all_.size(), bytes_, users_.size(), all_.empty() ? 0 : all_.front().frame->seq, evicted_upto_};
}

}  // namespace ringcast::bridge
