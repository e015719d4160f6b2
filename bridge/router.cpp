#include "router.hpp"

#include <algorithm>
#include <cctype>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "ringcast/shm/json_encode.hpp"
#include "ringcast/shm/realtime_clock.hpp"

namespace ringcast::bridge {

namespace {

void erase_session(std::vector<std::shared_ptr<ws_session>>& v, const ws_session* s) {
  std::erase_if(v, [s](const auto& p) { return p.get() == s; });
}

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

boost::json::array type_names(const type_set& types) {
  boost::json::array a;
  for (std::uint16_t t = 1; t < shm::k_event_type_count; ++t)
    if (types.test(t)) a.emplace_back(shm::wire_name(static_cast<shm::event_type>(t)));
  return a;
}

history_limits limits_of(const bridge_config& c) {
  return {c.history_per_user, c.history_bytes, c.history_age, c.kept_users};
}

// Periodic work (history expiry, log summaries) runs at most this often.
constexpr std::int64_t k_tick_ns = 100'000'000;
// bridge:stats covers intervals of about this length.
constexpr std::int64_t k_stats_ns = 1'000'000'000;

}  // namespace

router::router(bridge_context& ctx, std::function<void()> wake)
    : ctx_(ctx), wake_(std::move(wake)), latest_(ctx.config.kept_users, ctx.config.snapshot_bytes), history_(limits_of(ctx.config)) {}

void router::push(command c) {
  commands_.push(std::move(c));
  wake_();
}

void router::add(std::shared_ptr<ws_session> s, ws_options options) {
  const auto session = s;
  push(add_cmd{std::move(s), std::move(options)});
  // Dekker's pattern with close_all() (push, then load; store, then take
  // the commands; seq_cst): either close_all() applies this add and closes
  // the session, or this sees stopped_ and closes it: none waits out the
  // shutdown grace unannounced.
  if (stopped_.load(std::memory_order_seq_cst))
    session->request_close(close_reason::going_away, "bridge shutting down", false);
}
void router::remove(std::shared_ptr<ws_session> s) { push(remove_cmd{std::move(s)}); }
void router::session_op(std::shared_ptr<ws_session> s, client_op op) { push(op_cmd{std::move(s), std::move(op)}); }
void router::refill(std::shared_ptr<ws_session> s) { push(refill_cmd{std::move(s)}); }
void router::snapshot(std::string user_id, snapshot_reply reply) {
  push(snapshot_cmd{std::move(user_id), std::move(reply)});
}
void router::report(report_reply reply) { push(report_cmd{std::move(reply)}); }

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
  auto& out = c.s->outbox();
  c.s->offer(control_frame(boost::json::serialize(o)), steady_now_ns());
  // The /ws query's options hold from the first event on.
  if (c.options.types) out.set_types(*c.options.types);
  if (c.options.level) out.set_log_level(static_cast<std::int8_t>(*c.options.level));
  if (c.options.resume) resume(*c.s, *c.options.resume);

  all_.push_back(c.s);
  if (who.admin) {
    admins_.push_back(c.s);
    if (c.options.stats) stats_.push_back(c.s);  // the handshake refused it to others
  } else
    by_user_[who.user_id].push_back(c.s);
}

void router::apply(remove_cmd& c) {
  const ws_session* s = c.s.get();
  erase_session(all_, s);
  if (c.s->identity().admin) {
    erase_session(admins_, s);
    erase_session(stats_, s);
  } else if (auto it = by_user_.find(c.s->identity().user_id); it != by_user_.end()) {
    erase_session(it->second, s);
    if (it->second.empty()) by_user_.erase(it);
  }
}

void router::apply(op_cmd& c) {
  if (c.s->finished()) return;
  auto& out = c.s->outbox();
  const auto now = steady_now_ns();
  boost::json::object o;
  switch (c.op.kind) {
    case op_kind::subscribe:
    case op_kind::unsubscribe:
      if (c.op.kind == op_kind::subscribe)
        out.subscribe(c.op.types);
      else
        out.unsubscribe(c.op.types);
      // In the stream: what follows this answer is filtered by it.
      o["type"] = "subscribed";
      o["types"] = type_names(out.types());
      c.s->offer(control_frame(boost::json::serialize(o)), now);
      return;
    case op_kind::log_level:
      out.set_log_level(static_cast<std::int8_t>(c.op.level));
      o["type"] = "log_level";
      o["level"] = wire_name(c.op.level);
      c.s->offer(control_frame(boost::json::serialize(o)), now);
      return;
    case op_kind::resume: resume(*c.s, c.op.resume); return;
    case op_kind::stats:  // admins only (the session checked)
      erase_session(stats_, c.s.get());
      if (c.op.enabled) stats_.push_back(c.s);
      c.s->offer(control_frame(c.op.enabled ? R"({"type":"stats","enabled":true})" : R"({"type":"stats","enabled":false})"),
                 now);
      return;
    case op_kind::ping:
    case op_kind::batch: return;  // the session's own
  }
}

void router::resume(ws_session& s, const resume_point& from) {
  // Runs on the drain thread: nothing can be routed between the history
  // read here and the replay queued behind the answer, so the replay ends
  // where the live stream goes on.
  const auto now = steady_now_ns();
  const auto& who = s.identity();
  history::replay replay;
  const char* reason = nullptr;
  std::string epoch = from.epoch;  // hex in either case; ours is written in lower case
  for (auto& ch : epoch) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (epoch != ctx_.epoch)
    reason = "epoch";  // another bridge run numbered those seqs
  else if (from.last_seq > last_seq_)
    reason = "unknown_seq";  // ahead of anything this run has sent
  else {
    // More than half the session's queue would be conflated and could be
    // dropped: the snapshot is the better start (and the drain thread does
    // not copy a whole history for one client).
    replay = history_.since(who.user_id, who.admin, from.last_seq, ctx_.config.queue_messages / 2);
    if (replay.status == history::lookup::forgotten)
      reason = "too_old";  // part of what followed it is no longer kept
    else if (replay.status == history::lookup::too_many)
      reason = "too_many";
  }
  boost::json::object o;
  if (reason != nullptr) {
    ctx_.metrics.resumed(false);
    o["type"] = "resume:gap";
    o["reason"] = reason;
    o["epoch"] = ctx_.epoch;
    o["lastSeq"] = from.last_seq;
    o["seq"] = last_seq_;
    o["snapshot"] = "/api/snapshot";
    o["message"] = "the events after lastSeq cannot be replayed: fetch /api/snapshot, then apply the live stream";
    s.offer(control_frame(boost::json::serialize(o)), now);
    return;
  }
  ctx_.metrics.resumed(true);
  o["type"] = "resume:ok";
  o["epoch"] = ctx_.epoch;
  o["lastSeq"] = from.last_seq;
  o["toSeq"] = last_seq_;
  s.offer(control_frame(boost::json::serialize(o)), now);
  for (const auto& f : replay.frames) s.offer(f, now);
}

void router::apply(refill_cmd& c) {
  if (!c.s->finished()) c.s->refill();
}

void router::apply(snapshot_cmd& c) { c.reply(latest_.snapshot(c.user_id)); }

void router::apply(report_cmd& c) {
  router_report r;
  r.sessions.reserve(all_.size());
  for (const auto& s : all_) r.sessions.push_back(s->stats());
  r.history = history_.stats();
  r.snapshot = latest_.totals();
  c.reply(std::move(r));
}

void router::remember(const frame_ptr& f) {
  if (shm::is_known_event_type(f->type)) latest_.remember(f);
}

void router::route(const frame_ptr& f) {
  last_seq_ = f->seq;
  // Below the bridge-wide log level: as if never published (its seq is
  // skipped, which clients do not count on: decision 0005).
  if (f->log_level >= 0 && f->log_level < static_cast<std::int8_t>(ctx_.config.log_level)) return;
  const auto now = steady_now_ns();
  remember(f);
  history_.append(f, now);
  if (f->user_id.empty()) {
    for (const auto& s : all_) s->offer(f, now);
    return;
  }
  if (auto it = by_user_.find(f->user_id); it != by_user_.end())
    for (const auto& s : it->second) s->offer(f, now);
  for (const auto& s : admins_) s->offer(f, now);
}

void router::ring_gap(std::uint64_t from, std::uint64_t to, std::uint64_t count) {
  last_seq_ = to;
  boost::json::object o;
  o["type"] = "stream:gap";
  o["fromSeq"] = from;
  o["toSeq"] = to;
  o["dropped"] = count;
  o["reason"] = "producers_dropped";
  // seq = to: it sorts among events in the history, and a resume over
  // this range replays the notice.
  const frame_ptr f = control_frame(boost::json::serialize(o), to);
  const auto now = steady_now_ns();
  history_.append(f, now);
  for (const auto& s : all_) s->offer(f, now);
}

void router::tick() {
  const auto now = steady_now_ns();
  if (now < next_tick_ns_) return;
  next_tick_ns_ = now + k_tick_ns;
  history_.expire(now);
  for (const auto& s : all_)
    if (s->outbox().wants_tick()) s->tick(now);
  if (now - last_stats_.at_ns >= k_stats_ns) {
    auto sample = stats_sample::take(ctx_.metrics, now);
    // The first interval starts at the first tick, not at time zero.
    if (last_stats_.at_ns != 0 && !stats_.empty()) {
      const frame_ptr f = control_frame(stats_frame_text(last_stats_, sample));
      for (const auto& s : stats_) s->offer(f, now);
    }
    last_stats_ = std::move(sample);
  }
}

void router::close_all() {
  stopped_.store(true, std::memory_order_seq_cst);
  apply_commands();
  for (const auto& s : all_) {
    s->outbox().flush_all();
    s->request_close(close_reason::going_away, "bridge shutting down", true);
  }
}

}  // namespace ringcast::bridge
