#include "router.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bridge {

namespace {

void erase_session(std::vector<std::shared_ptr<ws_session>>& v, const ws_session* s) {
  std::erase_if(v, [s](const auto& p) { return p.get() == s; });
}

}  // namespace

router::router(bridge_context& ctx, std::function<void()> wake) : ctx_(ctx), wake_(std::move(wake)) {}

void router::push(command c) {
  commands_.push(std::move(c));
  wake_();
}

void router::add(std::shared_ptr<ws_session> s) { push(add_cmd{std::move(s)}); }
void router::remove(std::shared_ptr<ws_session> s) { push(remove_cmd{std::move(s)}); }
void router::snapshot(std::string user_id, snapshot_reply reply) {
  push(snapshot_cmd{std::move(user_id), std::move(reply)});
}
void router::sessions(sessions_reply reply) { push(sessions_cmd{std::move(reply)}); }

void router::apply_commands() {
  commands_.take_all([this](command& c) { std::visit([this](auto& cmd) { apply(cmd); }, c); });
}

void router::apply(add_cmd& c) {
  // A session that ended before its add was applied (its remove is in the
  // same batch, or already applied) is not added: finished() is set before
  // the remove is pushed.
  if (c.s->finished()) return;
  const auto& who = c.s->identity();
  // The first message of the session, queued by this thread so that every
  // event routed after it reaches the client after it: "seq" is the last
  // event the client will not get.
  boost::json::object o;
  o["type"] = "connection:status";
  o["status"] = "connected";
  o["userId"] = who.user_id;
  o["admin"] = who.admin;
  o["sessionId"] = std::to_string(who.id);
  std::string now;
  shm::append_iso8601_utc(shm::realtime_now_ns(), now);
  o["serverTime"] = now;
  o["epoch"] = ctx_.epoch;
  o["seq"] = last_seq_;
  o["segment"] = {{"name", ctx_.segment->name()}, {"epoch", hex64(ctx_.segment->epoch())}};
  c.s->offer(control_frame(boost::json::serialize(o)));

  all_.push_back(c.s);
  if (who.admin)
    admins_.push_back(c.s);
  else
    by_user_[who.user_id].push_back(c.s);
}

void router::apply(remove_cmd& c) {
  const ws_session* s = c.s.get();
  erase_session(all_, s);
  if (c.s->identity().admin) {
    erase_session(admins_, s);
  } else if (auto it = by_user_.find(c.s->identity().user_id); it != by_user_.end()) {
    erase_session(it->second, s);
    if (it->second.empty()) by_user_.erase(it);
  }
}

void router::apply(snapshot_cmd& c) {
  std::vector<frame_ptr> out;
  for (const auto& f : global_latest_)
    if (f) out.push_back(f);
  if (auto it = user_latest_.find(c.user_id); it != user_latest_.end())
    for (const auto& f : it->second.first)
      if (f) out.push_back(f);
  std::sort(out.begin(), out.end(), [](const frame_ptr& a, const frame_ptr& b) { return a->seq < b->seq; });
  c.reply(std::move(out));
}

void router::apply(sessions_cmd& c) {
  std::vector<session_stats> out;
  out.reserve(all_.size());
  for (const auto& s : all_) out.push_back(s->stats());
  c.reply(std::move(out));
}

void router::remember(const frame_ptr& f) {
  if (!shm::is_known_event_type(f->type)) return;
  if (f->user_id.empty()) {
    global_latest_[f->type] = f;
    return;
  }
  auto it = user_latest_.find(f->user_id);
  if (it == user_latest_.end()) {
    if (user_latest_.size() >= ctx_.config.snapshot_users) {
      user_latest_.erase(lru_.back());  // the user idle the longest
      lru_.pop_back();
    }
    lru_.push_front(f->user_id);
    it = user_latest_.emplace(f->user_id, std::make_pair(latest{}, lru_.begin())).first;
  } else if (it->second.second != lru_.begin()) {
    lru_.splice(lru_.begin(), lru_, it->second.second);
  }
  it->second.first[f->type] = f;
}

void router::route(const frame_ptr& f) {
  last_seq_ = f->seq;
  remember(f);
  if (f->user_id.empty()) {
    for (const auto& s : all_) s->offer(f);
    return;
  }
  if (auto it = by_user_.find(f->user_id); it != by_user_.end())
    for (const auto& s : it->second) s->offer(f);
  for (const auto& s : admins_) s->offer(f);
}

void router::close_all() {
  apply_commands();
  for (const auto& s : all_) s->request_close(close_reason::going_away, "bridge shutting down", true);
}

}  // namespace ringcast::bridge
